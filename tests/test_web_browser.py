"""The upload web app in a real headless Chromium, as an athlete would use it (Playwright).

Open the link with the token, choose a clip, land on the analysis page, wait, and watch the
annotated video play and seek; the report opens and renders. At a desktop and at a phone
viewport, with no console errors (a Content-Security-Policy violation would be one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from conftest import annotated_size_ok
from pw import DESKTOP, PHONE, Console, chromium, screenshot
from test_web_api import TOKEN, Server, short_clip  # noqa: F401 - short_clip is a fixture

ANALYSIS_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("serve-browser") / "data", "--workers", "1", token=TOKEN
    ).start()
    yield srv
    assert srv.stop() == 0, srv.stderr()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module; each test opens its own context (fresh cookies)."""
    with chromium() as b:
        yield b


@pytest.fixture
def page_for(browser: Browser) -> Iterator:
    """`page_for(phone)`: a new page in a fresh desktop- or phone-sized context."""
    contexts = []

    def make(phone: bool = False) -> Page:
        context = browser.new_context(**(PHONE if phone else DESKTOP))
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


PLAY_AND_SEEK = """
async () => {
    // Play the page's video muted until its clock moves, then pause and seek to 1 s.
    const v = document.querySelector("video");
    const facts = () => ({width: v.videoWidth, height: v.videoHeight, duration: v.duration,
                          time: v.currentTime, error: v.error && v.error.code, src: v.currentSrc,
                          network: v.networkState, ready: v.readyState});
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    v.muted = true;
    try {
        await v.play();
    } catch (e) {
        return {error: String(e), facts: facts()};
    }
    const start = v.currentTime;
    for (let i = 0; i < 100 && !(v.currentTime >= start + 0.3); i++) await sleep(100);
    const played = {...facts(), start, paused: v.paused};
    v.pause();
    const seekedAt = new Promise((r) => v.addEventListener("seeked", r, {once: true}));
    v.currentTime = 1.0;
    await Promise.race([seekedAt, sleep(10000)]);
    return {played, seeked: facts()};
}
"""


def _no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_upload_through_the_page_then_watch_the_video(
    server: Server,
    short_clip: Path,  # noqa: F811 - the fixture
    page_for,
    tmp_path: Path,
    phone: bool,
) -> None:
    kind = "phone" if phone else "desktop"
    page = page_for(phone)
    console = Console(page)
    page.goto(f"{server.url}/?token={TOKEN}")
    # The token became a cookie and left the address bar.
    assert page.url == f"{server.url}/"
    assert page.locator("h1").inner_text() == "Check your backwards running"
    assert _no_sideways_scroll(page)
    screenshot(page, tmp_path / f"{kind}-upload.png")

    page.set_input_files("#file", short_clip)
    page.wait_for_url(f"{server.url}/analyses/*", timeout=60_000)
    job_id = page.url.rsplit("/", 1)[1]
    screenshot(page, tmp_path / f"{kind}-working.png")
    # The page polls and reloads itself when the analysis is done.
    page.wait_for_selector('#job[data-status="done"] video', timeout=ANALYSIS_TIMEOUT_S * 1000)
    with server.client() as c:
        assert c.get(f"/api/analyses/{job_id}").json()["status"] == "done"

    facts = page.evaluate(PLAY_AND_SEEK)
    assert "error" not in facts, facts
    played, seeked = facts["played"], facts["seeked"]
    assert played["src"].endswith(f"/api/analyses/{job_id}/video")
    assert played["network"] != 3 and played["ready"] >= 2, played  # a source it can decode
    assert annotated_size_ok((played["width"], played["height"]), (960, 286)), played
    assert played["duration"] == pytest.approx(1.5, abs=0.1)
    # It actually plays: its clock moved.
    assert played["time"] >= played["start"] + 0.3 and played["error"] is None, played
    assert seeked["time"] == pytest.approx(1.0, abs=0.05) and seeked["error"] is None, seeked
    assert page.locator(".score-card .big").inner_text().strip()
    assert page.locator("ul.cues li.cue").count() > 0
    assert _no_sideways_scroll(page)
    # Tens of thousands of colours: the video frame is painted.
    screenshot(page, tmp_path / f"{kind}-done.png", min_colours=10_000)
    assert console.take() == []

    # The full report renders under its own policy: its inline style applies, no errors.
    page.goto(page.locator("#report-link").evaluate("a => a.href"))
    assert page.locator(".cue").count() > 0
    assert page.evaluate(
        "(() => { const s = [...document.querySelectorAll('style')];"
        " return s.length > 0 && s.every((e) => e.sheet && e.sheet.cssRules.length > 0); })()"
    )
    assert page.evaluate("document.querySelector('video').currentSrc").endswith("/annotated.mp4")
    # Its own script runs (allowed by hash): a "see it" button seeks the video.
    seek = page.locator("button[data-seek]")
    if seek.count():
        target = float(seek.first.get_attribute("data-seek"))
        page.evaluate("document.querySelector('video').muted = true")
        seek.first.click()
        page.wait_for_function(
            "(t) => Math.abs(document.querySelector('video').currentTime - t) < 0.5",
            arg=target,
            timeout=10_000,
        )
    screenshot(page, tmp_path / f"{kind}-report.png")
    assert console.take() == []

    page.goto(f"{server.url}/analyses")
    hrefs = page.locator("ul.jobs li.job a").evaluate_all("links => links.map((a) => a.href)")
    assert any(job_id in h for h in hrefs), hrefs
    assert _no_sideways_scroll(page)
    screenshot(page, tmp_path / f"{kind}-list.png")
    assert console.take() == []


def test_page_says_why_a_file_is_refused_and_delete_works(
    server: Server,
    short_clip: Path,  # noqa: F811 - the fixture
    page_for,
    tmp_path: Path,
) -> None:
    with server.client() as c:
        doomed = c.post(
            "/api/analyses", files={"file": ("doomed.mp4", short_clip.read_bytes())}
        ).json()["id"]
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("this is not a video\n" * 50)
    page = page_for()
    console = Console(page)
    page.goto(f"{server.url}/?token={TOKEN}")
    page.set_input_files("#file", not_video)
    status = page.locator("#upload-status.error")
    expect(status).to_be_visible()
    assert status.inner_text().startswith("notes.mp4: not a video FFmpeg can read"), (
        status.inner_text()
    )
    assert page.url == f"{server.url}/"
    screenshot(page, tmp_path / "desktop-refused.png")
    # The only console message is the refused request itself.
    errors = console.take()
    assert len(errors) == 1 and "415" in errors[0], errors

    # Delete an analysis from the list (newest first; the confirmation is accepted).
    page.goto(f"{server.url}/analyses")
    first = page.locator("ul.jobs li.job").first
    assert first.locator("a").evaluate("a => a.href").endswith(f"/analyses/{doomed}")
    asked: list[str] = []

    def accept(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        first.locator("form.delete button").click()
    assert asked == ["Delete the analysis of doomed.mp4?"]
    expect(page.locator(f'a[href="/analyses/{doomed}"]')).to_have_count(0)
    assert doomed not in page.content()
    assert page.url == f"{server.url}/analyses"
    assert console.take() == []
    with server.client() as c:
        assert c.get(f"/api/analyses/{doomed}").status_code == 404
