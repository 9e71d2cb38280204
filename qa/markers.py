"""The `[n]` / `[n, m]` citation markers of an answer: one leaf module that the citation checks,
name handling, evidence and compound answers all read, so none of them imports another for it."""

from __future__ import annotations

import re

MARKER = re.compile(r"\s?\[(\d{1,2}(?:\s*[,，]\s*\d{1,2})*)\]")
# Markers opening a sentence were written after the previous one's closing quote or stop.
LEAD_MARKERS = re.compile(r"^(?:\s*\[\d{1,2}(?:\s*[,，]\s*\d{1,2})*\])+")


def cited_numbers(text: str) -> list[int]:
    """The numbers of the `[n]` / `[n, m]` markers in text, in order."""
    return [int(x) for m in MARKER.finditer(text) for x in re.split(r"[,，]", m.group(1))]
