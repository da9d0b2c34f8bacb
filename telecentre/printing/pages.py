"""Counting a held job's pages from its document, before anything is printed.

CUPS learns a job's pages only while filtering it for the printer, that is
after release; a held job has none. So we count the document ourselves, by
its format: PDF (pypdf), PostScript (the DSC ``%%Pages:`` comment), plain text
(form feeds, 66 lines a page). Other formats (raster from a driver on the PC,
images) give None and the job is counted as one page a copy (marked as a
guess). Nothing of the document is kept.
"""
from __future__ import annotations

import re
from typing import BinaryIO

LINES_PER_PAGE = 66
_DSC_PAGES = re.compile(rb"^%%Pages:\s*(\d+)", re.MULTILINE)


def count(fh: BinaryIO, mime: str) -> int | None:
    """Return the number of pages of the document in *fh* of type *mime*, or None."""
    if mime == "application/pdf":
        return _pdf(fh)
    if mime == "application/postscript":
        found = _DSC_PAGES.findall(fh.read())
        numbers = [int(n) for n in found if int(n) > 0]
        return numbers[-1] if numbers else None
    if mime.startswith("text/plain"):
        return _text(fh.read())
    return None


def _pdf(fh: BinaryIO) -> int | None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    try:
        return len(PdfReader(fh).pages) or None
    except (PyPdfError, ValueError, KeyError, OSError):
        return None


def _text(data: bytes) -> int:
    pages = 0
    for chunk in data.split(b"\f"):
        lines = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") or not chunk else 1)
        pages += max(1, -(-lines // LINES_PER_PAGE))
    if data.endswith(b"\f"):
        pages -= 1  # a form feed at the very end starts no new page
    return max(1, pages)
