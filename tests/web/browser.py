"""Headless Chromium for the console's browser tests: Debian's ``chromium`` package driven by Playwright
(never Playwright's own browser download). Screenshots go to ``out/web/`` (gitignored)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GRIDBOT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "out" / "web"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def need_chromium() -> None:
    """Skip where Chromium or Playwright is missing, except in CI (scripts/setup installs both there)."""
    missing = [what for what, ok in (("chromium", shutil.which(CHROMIUM) or Path(CHROMIUM).exists()),
                                     ("playwright", _has_playwright())) if not ok]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests need {' and '.join(missing)} (scripts/setup installs them)")
        pytest.skip(f"no {' and '.join(missing)} here (scripts/setup installs them)")


def _has_playwright() -> bool:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return False
    return True


@asynccontextmanager
async def chromium() -> AsyncIterator[object]:
    """A running headless browser (playwright's Browser)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def shoot(page: object, name: str) -> list[Path]:
    """Screenshots of the page at phone and desktop widths (full page)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = []
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)  # type: ignore[attr-defined]
        path = SHOTS / f"{name}-{label}.png"
        await page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        out.append(path)
    return out
