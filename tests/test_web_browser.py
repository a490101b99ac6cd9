"""The upload web app in a real headless Chromium, as an athlete would use it.

Open the link with the token, choose a clip, land on the analysis page, wait, and watch the
annotated video play and seek; the report opens and renders. At a desktop and at a phone
viewport, with no console errors (a Content-Security-Policy violation would be one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import chromium, console_errors
from test_web_api import TOKEN, Server, short_clip  # noqa: F401 - short_clip is a fixture

ANALYSIS_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("serve-browser") / "data", "--workers", "1", token=TOKEN).start()
    yield srv
    assert srv.stop() == 0, srv.stderr()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go (kept in pytest's temporary folder for a look afterwards)."""
    return tmp_path_factory.mktemp("screenshots")


def _play_and_seek(driver) -> dict:
    """Play the page's video muted for a moment, then seek to 1 s; what the element reports."""
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const v = document.querySelector("video");
        const facts = () => ({width: v.videoWidth, height: v.videoHeight, duration: v.duration,
                              time: v.currentTime, error: v.error && v.error.code, src: v.currentSrc});
        v.muted = true;
        v.play().then(() => setTimeout(() => {
            const played = facts();
            v.pause();
            v.addEventListener("seeked", () => done({played, seeked: facts()}), {once: true});
            v.currentTime = 1.0;
        }, 800)).catch((e) => done({error: String(e)}));
        """
    )


def _no_sideways_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_upload_through_the_page_then_watch_the_video(server: Server, short_clip: Path, shots: Path, phone: bool) -> None:  # noqa: F811
    kind = "phone" if phone else "desktop"
    with chromium(mobile=phone) as driver:
        driver.set_script_timeout(30)
        driver.get(f"{server.url}/?token={TOKEN}")
        # The token became a cookie and left the address bar.
        assert driver.current_url == f"{server.url}/"
        assert driver.find_element(By.TAG_NAME, "h1").text == "Check your backwards running"
        assert _no_sideways_scroll(driver)
        driver.save_screenshot(str(shots / f"{kind}-upload.png"))

        driver.find_element(By.ID, "file").send_keys(str(short_clip))
        WebDriverWait(driver, 60).until(lambda d: "/analyses/" in d.current_url)
        job_id = driver.current_url.rsplit("/", 1)[1]
        driver.save_screenshot(str(shots / f"{kind}-working.png"))
        WebDriverWait(driver, ANALYSIS_TIMEOUT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "video"))

        facts = _play_and_seek(driver)
        assert "error" not in facts or facts["error"] is None, facts
        played, seeked = facts["played"], facts["seeked"]
        assert played["src"].endswith(f"/api/analyses/{job_id}/video")
        assert (played["width"], played["height"]) == (960, 286)
        assert played["duration"] == pytest.approx(1.5, abs=0.1)
        assert played["time"] > 0 and played["error"] is None
        assert seeked["time"] == pytest.approx(1.0, abs=0.05)
        assert driver.find_element(By.CSS_SELECTOR, ".score-card .big").text.strip()
        assert driver.find_elements(By.CSS_SELECTOR, "ul.cues li.cue")
        assert _no_sideways_scroll(driver)
        driver.save_screenshot(str(shots / f"{kind}-done.png"))
        assert console_errors(driver) == []

        # The full report renders under its own policy: its inline style applies, no errors.
        driver.get(driver.find_element(By.ID, "report-link").get_attribute("href"))
        assert driver.find_elements(By.CSS_SELECTOR, ".cue")
        assert driver.execute_script(
            "const s = [...document.querySelectorAll('style')];"
            "return s.length > 0 && s.every((e) => e.sheet && e.sheet.cssRules.length > 0)"
        )
        assert driver.execute_script("return document.querySelector('video').currentSrc").endswith("/annotated.mp4")
        # Its own script runs (allowed by hash): a "see it" button seeks the video.
        seek = driver.find_elements(By.CSS_SELECTOR, "button[data-seek]")
        if seek:
            target = float(seek[0].get_attribute("data-seek"))
            driver.execute_script("document.querySelector('video').muted = true; arguments[0].click()", seek[0])
            WebDriverWait(driver, 10).until(
                lambda d: abs(d.execute_script("return document.querySelector('video').currentTime") - target) < 0.5
            )
        driver.save_screenshot(str(shots / f"{kind}-report.png"))
        assert console_errors(driver) == []

        driver.get(f"{server.url}/analyses")
        rows = driver.find_elements(By.CSS_SELECTOR, "ul.jobs li.job")
        assert any(job_id in r.find_element(By.CSS_SELECTOR, "a").get_attribute("href") for r in rows)
        assert _no_sideways_scroll(driver)
        driver.save_screenshot(str(shots / f"{kind}-list.png"))
        assert console_errors(driver) == []


def test_page_says_why_a_file_is_refused_and_delete_works(server: Server, short_clip: Path, tmp_path: Path, shots: Path) -> None:  # noqa: F811
    with server.client() as c:
        doomed = c.post("/api/analyses", files={"file": ("doomed.mp4", short_clip.read_bytes())}).json()["id"]
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("this is not a video\n" * 50)
    with chromium() as driver:
        driver.get(f"{server.url}/?token={TOKEN}")
        driver.find_element(By.ID, "file").send_keys(str(not_video))
        status = driver.find_element(By.ID, "upload-status")
        WebDriverWait(driver, 30).until(lambda d: "error" in status.get_attribute("class"))
        assert status.text.startswith("notes.mp4: not a video FFmpeg can read")
        assert driver.current_url == f"{server.url}/"
        driver.save_screenshot(str(shots / "desktop-refused.png"))
        # The only console message is the refused request itself.
        errors = console_errors(driver)
        assert len(errors) == 1 and "415" in errors[0], errors

        # Delete an analysis from the list (newest first; the confirmation is accepted).
        driver.get(f"{server.url}/analyses")
        first = driver.find_element(By.CSS_SELECTOR, "ul.jobs li.job")
        assert first.find_element(By.CSS_SELECTOR, "a").get_attribute("href").endswith(f"/analyses/{doomed}")
        first.find_element(By.CSS_SELECTOR, "form.delete button").click()
        alert = WebDriverWait(driver, 10).until(lambda d: d.switch_to.alert)
        assert alert.text == "Delete the analysis of doomed.mp4?"
        alert.accept()
        WebDriverWait(driver, 10).until(lambda d: doomed not in d.page_source)
        assert driver.current_url == f"{server.url}/analyses"
        assert console_errors(driver) == []
    with server.client() as c:
        assert c.get(f"/api/analyses/{doomed}").status_code == 404

