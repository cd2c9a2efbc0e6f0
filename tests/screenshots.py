"""Screenshots that browser tests save for reviewers (CI artifacts).

Saved under `artifacts/screenshots/` at the repository root (override with MEDPRIVACY_SCREENSHOTS_DIR), one PNG per
page and viewport width, named `<name>-<width>.png`. `.ci/run` prints the folder at the end; the folder is
git-ignored. Use it for pages a reviewer should be able to look at rather than read about.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (1440, 768)


def screenshots_dir() -> Path:
    folder = Path(os.environ.get("MEDPRIVACY_SCREENSHOTS_DIR") or ROOT / "artifacts" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshots(page, name: str, *, widths: tuple[int, ...] = WIDTHS) -> list[Path]:
    """Save the current page at each width (full page) and return the files; restores the viewport after."""
    original = page.viewport_size
    saved = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        path = screenshots_dir() / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if original:
        page.set_viewport_size(original)
    return saved


def horizontal_overflow(page) -> int:
    """Pixels the page scrolls sideways at the current width (0 = no sideways scroll)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
