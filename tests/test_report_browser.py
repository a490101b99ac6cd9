"""report.html in a real headless Chromium, opened from disk as a coach would open it.

No console errors, every image loads, the video beside it has a playable H.264 source, the page
is not blank (screenshot), it fits a phone, it prints to PDF with the print layout, and names
that come from the input are shown as text, never run as markup.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from browser import chromium, console_errors
from conftest import run_cli, sample
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from formcheck.video import VideoSink, read_frames

HOSTILE = """clip <script>window.pwned=1<script> <img src=x onerror="window.pwned=2"> 'q' & "dq\""""


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots and the PDF go (kept in pytest's temporary folder for a look)."""
    return tmp_path_factory.mktemp("report-shots")


@pytest.fixture(scope="module")
def hostile_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(clip, results folder) of a 2-s cut of the backward clip whose name is markup and quotes,
    analysed without the video (so the key frames come from the cheap targeted decode)."""
    tmp = tmp_path_factory.mktemp("hostile")
    clip = tmp / f"{HOSTILE}.mp4"
    frames = [(t, bgr) for t, bgr in read_frames(sample("backward"), "bgr24")][:60]
    h, w = frames[0][1].shape[:2]
    with VideoSink(clip, w, h, 30.0) as sink:
        for t, bgr in frames:
            sink.write(bgr, t)
    proc = run_cli("analyze", str(clip), "-o", str(tmp / "out"), "--no-video")
    assert proc.returncode == 0, proc.stderr
    return clip, tmp / "out" / clip.stem


def _images(driver) -> list[list]:
    return driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])"
    )


def _not_blank(png: bytes) -> bool:
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    return (
        img is not None and float(img.std()) > 20 and float((img.min(axis=2) < 200).mean()) > 0.05
    )


def test_report_opens_offline_with_video_and_images(analysed: dict, shots: Path) -> None:
    page = analysed["backward"] / "report.html"
    with chromium() as driver:
        driver.get(page.as_uri())
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.readyState") == "complete",
            "page did not load",
        )
        images = _images(driver)
        assert len(images) >= 6  # plots + key frames
        assert all(done and width > 0 for done, width, _ in images), [
            alt for done, width, alt in images if not width
        ]
        video = driver.find_element(By.ID, "video")
        assert driver.execute_script(
            "return arguments[0].canPlayType('video/mp4; codecs=\"avc1.42E01E\"')", video
        ) in ("probably", "maybe")
        src = driver.execute_script(
            "return arguments[0].querySelector('source').getAttribute('src')", video
        )
        assert (page.parent / src).is_file()
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return arguments[0].readyState", video) >= 1,
            "no video metadata",
        )
        assert driver.execute_script("return arguments[0].duration", video) == pytest.approx(
            4.5, abs=0.2
        )
        png = driver.get_screenshot_as_png()
        (shots / "desktop.png").write_bytes(png)
        assert _not_blank(png)
        # The top says how it went and what to work on; a card per cue.
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "Three things to work on" in text and "How the clip was filmed" in text
        assert len(driver.find_elements(By.CSS_SELECTOR, "article.cue")) >= 8
        # A "see it" button jumps the video to the moment.
        button = driver.find_element(By.CSS_SELECTOR, "ol.focus button.seek")
        driver.set_script_timeout(30)
        landed = driver.execute_async_script(
            """const [v, b, done] = arguments;
            v.muted = true;
            v.addEventListener("seeked", () => done(v.currentTime), {once: true});
            b.click();""",
            video,
            button,
        )
        assert landed == pytest.approx(float(button.get_attribute("data-seek")), abs=0.1)
        assert console_errors(driver) == []


def test_report_prints_to_pdf(analysed: dict, shots: Path) -> None:
    with chromium() as driver:
        driver.get((analysed["backward"] / "report.html").as_uri())
        pdf = base64.b64decode(driver.print_page())
        (shots / "report.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and len(pdf) > 50_000  # plots and key frames are in it
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2
        # The print layout: no video player, the still frame instead.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        shown = driver.execute_script(
            "return [getComputedStyle(document.getElementById('video')).display,"
            " getComputedStyle(document.querySelector('img.poster')).display]"
        )
        assert shown == ["none", "block"]
        png = driver.get_screenshot_as_png()
        (shots / "print.png").write_bytes(png)
        assert _not_blank(png)


def test_report_fits_a_phone(analysed: dict, shots: Path) -> None:
    with chromium(mobile=True) as driver:
        driver.get((analysed["backward"] / "report.html").as_uri())
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1"
        )
        widths = driver.execute_script(
            "return Array.from(document.querySelectorAll('article.cue, video'))"
            ".map(e => e.getBoundingClientRect().right)"
        )
        assert max(widths) <= driver.execute_script("return window.innerWidth") + 1
        png = driver.get_screenshot_as_png()
        (shots / "phone.png").write_bytes(png)
        assert _not_blank(png)
        assert console_errors(driver) == []


def test_names_from_the_input_are_text_not_markup(hostile_result: tuple[Path, Path]) -> None:
    clip, out = hostile_result
    html = (out / "report.html").read_text()
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    with chromium() as driver:
        driver.get((out / "report.html").as_uri())
        assert driver.execute_script("return typeof window.pwned") == "undefined"
        assert driver.find_element(By.TAG_NAME, "h1").text == str(clip)
        assert "<script>" in driver.title
        assert not driver.find_elements(By.TAG_NAME, "video")  # analysed with --no-video
        images = _images(driver)
        assert any(
            alt.endswith("s") and "moment" in alt for _, _, alt in images
        )  # key frames without a video pass
        assert all(done and width > 0 for done, width, _ in images)
        assert console_errors(driver) == []
