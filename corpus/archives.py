"""Zip-based formats (DOCX, XLSX, ...) checked before anything decompresses them: a file of a few
megabytes can unpack to gigabytes (a zip bomb) and take the process, and its neighbours on a
server, down. Python's zipfile never inflates a member past the size its entry declares, so
checking the declared sizes bounds what reading can cost."""

from __future__ import annotations

import io
import zipfile

from corpus.errors import DecodeError

MAX_UNPACKED = 512 * 2**20  # all members together
MAX_MARKUP = 96 * 2**20  # XML and other text members together: what a parser holds in memory
MAX_RATIO = 200  # a member that unpacks to over 1 MB may be at most this much larger than packed
MAX_MEMBERS = 20_000
_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp", ".bin")


def check_zip(data: bytes, path: str | None, kind: str) -> None:
    """Raise a one-line `DecodeError` when the archive is not a readable zip, or would unpack
    past the limits above."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DecodeError(path, f"not a readable {kind} file ({exc})") from exc
    if len(infos) > MAX_MEMBERS:
        raise DecodeError(
            path, f"the {kind} archive holds {len(infos):,} parts; the limit is {MAX_MEMBERS:,}"
        )
    total = markup = 0
    for info in infos:
        total += info.file_size
        if not info.filename.lower().endswith(_MEDIA):
            markup += info.file_size
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise DecodeError(
                path,
                f"refused as a zip bomb: its part {info.filename} unpacks to "
                f"{info.file_size / 2**20:,.0f} MiB from {info.compress_size / 2**10:,.0f} KiB",
            )
    if total > MAX_UNPACKED or markup > MAX_MARKUP:
        size, limit = (total, MAX_UNPACKED) if total > MAX_UNPACKED else (markup, MAX_MARKUP)
        raise DecodeError(
            path,
            f"the {kind} file unpacks to {size / 2**20:,.0f} MiB; the limit is {limit // 2**20} MiB",
        )
