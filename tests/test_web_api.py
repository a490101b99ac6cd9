"""`formcheck serve` as a real server process on loopback, driven over HTTP like any client would.

Real clips go through the real model in the server's worker processes; the results come back
as H.264 and reports. Also: bad uploads, a traversal file name, tokens, several uploads at once,
a full queue, and a server killed with SIGKILL in the middle of a job, restarted on the same
data folder, finishing it.
"""

from __future__ import annotations

import csv
import ctypes
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest
from conftest import ROOT, run_cli, sample

TOKEN = "team-token-0123456789"
START_TIMEOUT_S = 60.0
JOB_TIMEOUT_S = 180.0


def _die_with_pytest() -> None:
    """In the child before exec: a server outlives no interrupted test run (Linux PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)


class Server:
    """A `python -m formcheck serve --port 0` process; its URL is read from its first line."""

    def __init__(self, data_dir: Path, *args: str, token: str | None = None) -> None:
        self.data_dir = data_dir
        self.args = args
        self.token = token
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.out = self.data_dir.parent / f"{self.data_dir.name}.stdout"
        self.err = self.data_dir.parent / f"{self.data_dir.name}.stderr"
        cmd = [sys.executable, "-m", "formcheck", "serve", "--port", "0", "--data-dir", str(self.data_dir), *self.args]
        if self.token:
            cmd += ["--token", self.token]
        with open(self.out, "w") as out, open(self.err, "a") as err:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=_die_with_pytest
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.out.read_text()
            if "http://" in line:
                self.url = line.split("http://", 1)[1].split()[0].split("?")[0]
                self.url = "http://" + self.url.rstrip("/")
                break
            assert self.proc.poll() is None, f"server exited: {self.err.read_text()}"
            time.sleep(0.05)
        else:
            raise AssertionError(f"server did not start: {self.err.read_text()}")
        with self.client() as c:
            while time.monotonic() < deadline:
                try:
                    if c.get("/api/health").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise AssertionError(f"server does not answer: {self.err.read_text()}")

    def client(self, token: str | None = "default", **kw: object) -> httpx.Client:
        token = self.token if token == "default" else token
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60.0, **kw)

    def stop(self) -> int:
        """SIGTERM (what Ctrl-C or a service manager does); the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL: no cleanup at all."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stderr(self) -> str:
        return self.err.read_text()


def upload(client: httpx.Client, path: Path, name: str | None = None, data: bytes | None = None) -> httpx.Response:
    body = data if data is not None else path.read_bytes()
    return client.post("/api/analyses", files={"file": (name or path.name, body, "video/mp4")})


def wait_done(client: httpx.Client, job_id: str, timeout_s: float = JOB_TIMEOUT_S) -> dict:
    """Poll a job until it is done or failed; its last status."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/api/analyses/{job_id}").json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} not finished after {timeout_s} s: {status}")


def video_facts(data: bytes) -> tuple[str, str, int]:
    with av.open(io.BytesIO(data)) as c:
        s = c.streams.video[0]
        return s.codec_context.name, s.codec_context.pix_fmt, sum(1 for _ in c.decode(s))


def job_dirs(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "jobs").iterdir()}


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 1.5 s of the backwards sample, re-encoded (a real, short H.264 clip)."""
    from formcheck.video import VideoSink, probe, read_frames

    src = sample("backward")
    info = probe(src)
    dest = tmp_path_factory.mktemp("clips") / "short_backward.mp4"
    with VideoSink(dest, info.width, info.height, info.fps) as sink:
        for t_s, bgr in read_frames(src, "bgr24"):
            if t_s >= 1.5:
                break
            sink.write(bgr, t_s)
    return dest


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module: token, 1 MB upload limit, one worker."""
    srv = Server(tmp_path_factory.mktemp("serve") / "data", "--workers", "1", "--max-upload-mb", "1", token=TOKEN).start()
    yield srv
    code = srv.stop()
    assert code == 0, srv.stderr()
    assert "Traceback" not in srv.stderr()


@pytest.fixture(scope="module")
def done_job(server: Server) -> dict:
    """The backwards sample clip uploaded and analysed to the end."""
    with server.client() as c:
        r = upload(c, sample("backward"))
        assert r.status_code == 202, r.text
        created = r.json()
        assert r.headers["location"] == created["status_url"] == f"/api/analyses/{created['id']}"
        status = wait_done(c, created["id"])
    assert status["status"] == "done", status
    return status


def test_upload_poll_then_fetch_video_and_reports(server: Server, done_job: dict) -> None:
    job_id = done_job["id"]
    assert done_job["progress"] == 1.0 and done_job["error"] is None
    assert done_job["name"] == "backward_walk_sports2d.mp4"
    with server.client() as c:
        video = c.get(done_job["links"]["video"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        assert video.headers["accept-ranges"] == "bytes"
        assert video_facts(video.content) == ("h264", "yuv420p", 135)
        # Browsers seek with Range requests.
        part = c.get(done_job["links"]["video"], headers={"range": "bytes=100-1099"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-1099/{len(video.content)}"
        assert part.content == video.content[100:1100]
        # report.html links its video relative to itself.
        assert c.get(f"/api/analyses/{job_id}/annotated.mp4").content == video.content

        rep = c.get(done_job["links"]["report_json"])
        assert rep.headers["content-type"] == "application/json"
        assert rep.json()["schema_version"] and rep.json()["cues"]
        assert rep.json()["overall"]["score"] == pytest.approx(done_job["score"])
        # The report names the athlete's own file, never a server path.
        assert rep.json()["input"]["path"] == done_job["name"]
        assert "/" not in rep.json()["input"]["path"]

        page = c.get(done_job["links"]["report"])
        assert page.headers["content-type"].startswith("text/html")
        assert 'src="annotated.mp4"' in page.text
        # Only the report template's own scripts may run in it (by hash), nothing inline from a clip.
        csp = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
        assert all(s == "'none'" or s.startswith("'sha256-") for s in csp["script-src"].split())

        table = c.get(done_job["links"]["frames_csv"])
        assert table.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(table.text)))
        assert len(rows) == 1 + 135

        download = c.get(done_job["links"]["video"], params={"download": "true"})
        assert download.headers["content-disposition"] == 'attachment; filename="backward_walk_sports2d-annotated.mp4"'


def test_pages_list_and_security_headers(server: Server, done_job: dict) -> None:
    with server.client() as c:
        listed = c.get("/api/analyses").json()["analyses"]
        assert done_job["id"] in [a["id"] for a in listed]
        for path in ("/", "/analyses", f"/analyses/{done_job['id']}", "/docs"):
            page = c.get(path)
            assert page.status_code == 200, path
            assert page.headers["x-content-type-options"] == "nosniff"
            assert page.headers["x-frame-options"] == "DENY"
            assert page.headers["referrer-policy"] == "no-referrer"
            csp = page.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
            assert "<script>" not in page.text  # only external scripts: the CSP allows nothing inline
        analysis = c.get(f"/analyses/{done_job['id']}").text
        assert f'src="/api/analyses/{done_job["id"]}/video"' in analysis
        assert "backward_walk_sports2d.mp4" in analysis
        assert c.get("/static/app.js").headers["content-type"].startswith("text/javascript")
        api = c.get("/openapi.json").json()
        assert {"/api/analyses", "/api/analyses/{job_id}", "/api/analyses/{job_id}/video"} <= set(api["paths"])
        assert c.get("/api/analyses/not-a-job-id-at-all").status_code == 404
        missing = c.get("/analyses/AAAAAAAAAAAAAAAAAAAAAA", headers={"accept": "text/html"})
        assert missing.status_code == 404 and "no analysis with this id" in missing.text


def test_non_video_and_empty_uploads_are_refused(server: Server) -> None:
    before = job_dirs(server.data_dir)
    with server.client() as c:
        r = upload(c, ROOT / "README.md", name="clip.mp4")
        assert r.status_code == 415
        assert r.json()["detail"].startswith("clip.mp4: not a video FFmpeg can read")
        assert " — " in r.json()["detail"]
        r = upload(c, ROOT / "README.md", name="empty.mp4", data=b"")
        assert r.status_code == 422 and r.json()["detail"].startswith("empty.mp4: the file is empty")
        r = c.post("/api/analyses", content=b"just bytes", headers={"content-type": "application/octet-stream"})
        assert r.status_code == 415
        r = c.post("/api/analyses", files={"other": ("a.mp4", b"x")})
        assert r.status_code == 400 and "field `file`" in r.json()["detail"]
    assert job_dirs(server.data_dir) == before  # nothing queued, nothing left on disk


def test_oversized_upload_gets_413_and_leaves_nothing(server: Server) -> None:
    before = job_dirs(server.data_dir)
    big = os.urandom(1_500_000)
    with server.client() as c:
        r = upload(c, ROOT / "README.md", name="big.mp4", data=big)
        assert r.status_code == 413
        assert "limit of 1.0 MB" in r.json()["detail"]
        # Without a Content-Length (chunked), the limit is enforced while the body streams in.
        boundary = "fcboundary"

        def body() -> Iterator[bytes]:
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n\r\n'.encode()
            for i in range(0, len(big), 64 * 1024):
                yield big[i : i + 64 * 1024]
            yield f"\r\n--{boundary}--\r\n".encode()

        r = c.post("/api/analyses", content=body(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413
    assert job_dirs(server.data_dir) == before


def test_traversal_and_markup_in_file_names_stay_names(server: Server, short_clip: Path) -> None:
    with server.client() as c:
        r = upload(c, short_clip, name="../../evil.mp4")
        assert r.status_code == 202
        evil = r.json()["id"]
        r = upload(c, short_clip, name="<img src=x onerror=alert(1)>.mov")
        assert r.status_code == 202
        markup = r.json()["id"]
        assert c.get(f"/api/analyses/{evil}").json()["name"] == "evil.mp4"
        page = c.get(f"/analyses/{markup}").text
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.mov" in page
        # On disk the uploads are input.<ext> (beside them, maybe, the worker's results "input").
        for job_id, saved in ((evil, "input.mp4"), (markup, "input.mov")):
            names = {p.name for p in (server.data_dir / "jobs" / job_id).iterdir() if not p.name.startswith(".")}
            assert saved in names and names <= {saved, "input"}
        assert not list(server.data_dir.parent.rglob("evil*"))
        # Delete both while queued (or running): gone from the API and from the disk.
        for job_id in (evil, markup):
            assert c.delete(f"/api/analyses/{job_id}").status_code == 204
            assert c.get(f"/api/analyses/{job_id}").status_code == 404
        assert c.delete(f"/api/analyses/{evil}").status_code == 404
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and {evil, markup} & job_dirs(server.data_dir):
        time.sleep(0.1)  # a worker that had started one removes what it wrote when it notices
    assert not {evil, markup} & job_dirs(server.data_dir)


def test_token_is_required_everywhere(server: Server, done_job: dict) -> None:
    video = done_job["links"]["video"]
    with server.client(token=None) as anon:
        for path in ("/api/analyses", "/", video, "/static/app.css", "/docs"):
            assert anon.get(path).status_code == 401, path
        r = anon.get("/api/analyses")
        assert r.headers["www-authenticate"].startswith("Bearer") and "access token" in r.json()["detail"]
        assert anon.get("/", headers={"accept": "text/html"}).text.startswith("<!doctype html>")
        assert upload(anon, sample("backward")).status_code == 401
        assert anon.get("/api/analyses", params={"token": TOKEN}).status_code == 200
        # A page opened with ?token= sets the cookie and drops the token from the address.
        r = anon.get("/analyses", params={"token": TOKEN, "x": "1"})
        assert r.status_code == 303 and r.headers["location"] == "/analyses?x=1"
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"formcheck_token={TOKEN};") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with server.client(token=None, cookies={"formcheck_token": TOKEN}) as cookie_holder:
        assert cookie_holder.get("/analyses").status_code == 200
    with server.client(token=None, cookies={"formcheck_token": "wrong-token-1234"}) as cookie_holder:
        assert cookie_holder.get("/analyses").status_code == 403
    with server.client(token="wrong-token-1234") as wrong:
        assert wrong.get("/api/analyses").status_code == 403
        assert wrong.get(video).status_code == 403
        assert wrong.delete(f"/api/analyses/{done_job['id']}").status_code == 403
    with server.client() as c:
        # Another site cannot make a visitor's browser change anything.
        r = c.delete(f"/api/analyses/{done_job['id']}", headers={"origin": "http://evil.example"})
        assert r.status_code == 403
        r = c.post(f"/analyses/{done_job['id']}/delete", headers={"sec-fetch-site": "cross-site", "origin": "null"})
        assert r.status_code == 403 and "another site" in r.json()["detail"]
        assert c.get(f"/api/analyses/{done_job['id']}").json()["status"] == "done"
        # A loopback server does not answer to other host names (DNS rebinding).
        assert c.get("/api/health", headers={"host": "evil.example"}).status_code == 400


def test_a_worker_that_dies_fails_its_job_and_is_replaced(server: Server, short_clip: Path) -> None:
    with server.client() as c:
        job_id = upload(c, short_clip, name="crash.mp4").json()["id"]
        while (s := c.get(f"/api/analyses/{job_id}").json())["status"] == "queued":
            time.sleep(0.05)
        assert s["status"] == "running", s
        (worker,) = c.get("/api/health").json()["workers"]
        os.kill(worker, signal.SIGKILL)
        failed = wait_done(c, job_id, timeout_s=30)
        assert failed["status"] == "failed"
        assert failed["error"] == (
            "crash.mp4: the analysis process stopped unexpectedly (signal 9) — try again; if it "
            "happens again, export the clip again or send a shorter one"
        )
        assert not [p for p in (server.data_dir / "jobs" / job_id).iterdir() if p.name.startswith(".")]
        deadline = time.monotonic() + 30
        while c.get("/api/health").json()["workers"] in ([], [worker]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(c.get("/api/health").json()["workers"]) == 1
        assert c.get("/api/health").json()["workers"] != [worker]


def test_several_uploads_at_once_all_finish(server: Server, short_clip: Path) -> None:
    responses: list[httpx.Response] = []

    def send() -> None:
        with server.client() as c:
            responses.append(upload(c, short_clip))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in responses] == [202, 202, 202]
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 3
    with server.client() as c:
        # The server answers while the worker is busy.
        assert c.get("/api/health").json()["jobs"]["queued"] + c.get("/api/health").json()["jobs"]["running"] >= 1
        finished = [wait_done(c, i) for i in ids]
        assert all(f["status"] == "done" for f in finished), finished
        for f in finished:
            assert video_facts(c.get(f["links"]["video"]).content)[:2] == ("h264", "yuv420p")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_full_queue_then_kill_9_mid_job_and_restart_finishes_it(tmp_path: Path, short_clip: Path) -> None:
    data = tmp_path / "data"
    srv = Server(data, "--workers", "1", "--queue-size", "1").start()
    try:
        with srv.client() as c:
            first = upload(c, sample("backward")).json()["id"]
            deadline = time.monotonic() + JOB_TIMEOUT_S
            while (s := c.get(f"/api/analyses/{first}").json())["progress"] <= 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert s["status"] == "running", s
            second = upload(c, short_clip)
            assert second.status_code == 202 and second.json()["status"] == "queued"
            third = upload(c, short_clip)
            assert third.status_code == 429 and "queue is full" in third.json()["detail"]
            assert third.headers["retry-after"] == "60"
            workers = c.get("/api/health").json()["workers"]
    finally:
        srv.kill()
    # Orphaned workers notice their server is gone and stop.
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)

    srv = Server(data, "--workers", "1").start()
    try:
        with srv.client() as c:
            done = [wait_done(c, first), wait_done(c, second.json()["id"])]
            assert [d["status"] for d in done] == ["done", "done"], (done, srv.stderr())
            assert video_facts(c.get(done[0]["links"]["video"]).content) == ("h264", "yuv420p", 135)
        assert sorted(p.name for p in (data / "jobs" / first).iterdir()) == ["input", "input.mp4"]
        # A second server on the same data folder is refused.
        proc = run_cli("serve", "--port", "0", "--data-dir", str(data), timeout=60)
        assert proc.returncode == 1
        assert proc.stderr.strip().splitlines() == [
            f"error: {data}: another `formcheck serve` is using this data folder — stop it, or choose another --data-dir"
        ]
    finally:
        assert srv.stop() == 0
    assert "Traceback" not in srv.stderr()


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    proc = run_cli("serve", "--token", "short", "--data-dir", str(tmp_path / "d"), timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith("error: the token must be at least 8 characters")
    assert len(proc.stderr.strip().splitlines()) == 1
