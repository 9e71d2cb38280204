"""Bytes to text for real Chinese pages.

Order of trust: a byte-order mark, then strict UTF-8 (pages whose `<meta charset=gb2312>` lies are
UTF-8 underneath, and valid UTF-8 is almost never an accident for CJK text), then the declared
charset widened to its superset (gb2312/gbk -> gb18030, big5 -> big5hkscs), then charset-normalizer's
detection. Text that still looks garbled is an error, never silently indexed.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from corpus.errors import BinaryFileError, DecodeError, EmptyFileError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    declared: str | None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML `<meta>` tag claims, lower-cased, if any."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def _normalize(name: str) -> str:
    name = name.lower().replace("_", "-")
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return name
    return _SUPERSETS.get(name, name)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the head mean this is not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(8, len(head) // 50)


def _texty(ch: str) -> bool:
    o = ord(ch)
    return (
        32 <= o < 127
        or ch in "\t\n\r"
        or 0x3000 <= o <= 0x303F  # CJK punctuation
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or 0x2000 <= o <= 0x206F  # general punctuation
        or 0x00A0 <= o <= 0x00FF  # Latin-1
    )


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark: NUL bytes in the head (which would otherwise
    read as binary) and a strict decoding in one byte order that is almost all text characters.
    Random binary data fails that: it decodes to unpaired surrogates and scattered code points.
    Both byte orders can look like text (ASCII read backwards is CJK ideographs), so the one with
    more ASCII and CJK punctuation wins."""
    head = data[:8192]
    if len(data) % 2 or b"\x00" not in head:
        return None
    best: tuple[int, str, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        sample = text[:4096]
        share = sum(_texty(ch) for ch in sample) / max(1, len(sample))
        anchors = sum(
            ch.isascii() or 0x3000 <= ord(ch) <= 0x303F or 0xFF00 <= ord(ch) <= 0xFFEF
            for ch in sample
        )
        varied = len(set(sample)) >= 8  # a repeated pair of bytes is not text
        if share >= 0.95 and varied and (best is None or anchors > best[0]):
            best = (anchors, text, enc)
    return (best[1], best[2]) if best else None


def garble_ratio(text: str) -> float:
    """Share of characters that signal a wrong decoding (replacement chars, C1 controls)."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ch == "\ufffd" or "\x80" <= ch <= "\x9f")
    return bad / len(text)


def decode_bytes(data: bytes, path: str | None = None, declared: str | None = None) -> Decoded:
    """Decode file bytes, trusting the bytes over what the page declares."""
    if not data.strip():
        raise EmptyFileError(path, "the file is empty")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(enc, errors="replace"), enc.replace("-sig", ""), declared)
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return Decoded(utf16[0], utf16[1], declared)
    if looks_binary(data):
        raise BinaryFileError(path, "this looks like a binary file, not text (NUL/control bytes)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", declared)
    except UnicodeDecodeError:
        pass
    if declared:
        enc = _normalize(declared)
        try:
            return Decoded(data.decode(enc), enc, declared)
        except (UnicodeDecodeError, LookupError):
            pass
    best = from_bytes(data, cp_isolation=None).best()
    if best is None or best.encoding is None:
        raise DecodeError(path, "could not detect the text encoding; convert the file to UTF-8")
    enc = _normalize(best.encoding)
    text = data.decode(enc, errors="replace")
    if garble_ratio(text) > 0.01:
        raise DecodeError(
            path, f"text decodes as {enc} only with garbled characters; convert it to UTF-8"
        )
    return Decoded(text, enc, declared)
