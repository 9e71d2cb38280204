"""A user-editable Chinese->English glossary of names and terms (tab-separated, `#` comments).

Shipped default: `qa/data/glossary.tsv`; override with `DOCQA_GLOSSARY` or `~/.docqa/glossary.tsv`.
Used to tell translators and answerers how names are written in English, and to accept those
English names when a citation is verified against Chinese text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from corpus.mentions import says
from corpus.settings import current
from index.model_store import docqa_home

DEFAULT = Path(__file__).parent / "data" / "glossary.tsv"


@dataclass(frozen=True)
class Glossary:
    entries: tuple[tuple[str, str], ...]  # (Chinese, English), longest Chinese first

    def in_text(self, text: str) -> list[tuple[str, str]]:
        found, taken = [], text
        for zh, en in self.entries:
            if zh in taken:
                found.append((zh, en))
                taken = taken.replace(zh, "\0")
        return found

    def notes_for(self, text: str) -> list[str]:
        return [f"{zh} = {en}" for zh, en in self.in_text(text) if zh != en]

    def in_english_text(self, text: str) -> list[tuple[str, str]]:
        """(Chinese, English) for each English glossary name written in `text` (whole words)."""
        return [(zh, en) for zh, en in self.entries if says(text, en)]

    def english_names(self, text: str) -> list[str]:
        return [en for _, en in self.in_text(text)]


def glossary_path() -> Path:
    chosen = current().glossary
    if chosen:
        return chosen
    user = docqa_home() / "glossary.tsv"
    return user if user.is_file() else DEFAULT


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Glossary:
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        zh, en = (x.strip() for x in line.split("\t", 1))
        if zh and en:
            entries.append((zh, en))
    entries.sort(key=lambda e: -len(e[0]))
    return Glossary(tuple(entries))


def load_glossary(path: Path | None = None) -> Glossary:
    p = path or glossary_path()
    return _load(str(p), p.stat().st_mtime)
