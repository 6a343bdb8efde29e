"""HTML to PDF with a headless Chromium, the browser the console's tests already use."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfError(RuntimeError):
    pass


def find_browser(configured: str = "") -> str:
    if configured:
        if Path(configured).is_file() or shutil.which(configured):
            return configured
        raise PdfError(f"LIVEMOD_CHROMIUM is {configured!r}, which is not an executable")
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(
        "--pdf needs a Chromium or Chrome to print the report: install one (Debian: apt-get install "
        "chromium) or set LIVEMOD_CHROMIUM to its path. The HTML report was written all the same."
    )


def html_to_pdf(html: Path, pdf: Path, browser: str = "", timeout_s: float = 120) -> Path:
    exe = find_browser(browser)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf.with_name(pdf.name + ".part")
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",  # containers run as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--print-to-pdf={tmp}",
        html.resolve().as_uri(),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PdfError(f"{exe} did not print the PDF within {timeout_s:.0f} s") from exc
    if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise PdfError(f"{exe} could not print {html} (exit {proc.returncode}): {' / '.join(tail)}")
    tmp.replace(pdf)
    return pdf
