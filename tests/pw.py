"""Playwright (sync API) driving Debian's own Chromium, for page tests; no browser download.

from pw import DESKTOP, Console, chromium, screenshot
with chromium() as browser:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    console = Console(page)
    page.goto(url)
    assert console.errors == []
    screenshot(page, tmp_path / "page.png")  # saved and not blank
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Debian Chromium under Playwright; closed on exit."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Console:
    """What a page reports as errors: console errors (failed loads and CSP violations are
    among them) and uncaught exceptions."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", self._pageerror)

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def _pageerror(self, exc: Error) -> None:
        self.errors.append(f"uncaught: {exc}")

    def take(self) -> list[str]:
        """The errors so far, and start afresh."""
        errors, self.errors = self.errors, []
        return errors


def distinct_colours(png: Path) -> int:
    with Image.open(png) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 24)
    return len(colours or [])


def screenshot(page: Page, path: Path, min_colours: int = 200) -> Path:
    """Save a screenshot of the viewport and check it is not blank: a rendered page of text has
    hundreds of distinct colours (anti-aliasing), one with a video frame tens of thousands."""
    page.screenshot(path=str(path))
    assert path.stat().st_size > 0
    n = distinct_colours(path)
    assert n >= min_colours, f"{path.name} looks blank: {n} distinct colours"
    return path
