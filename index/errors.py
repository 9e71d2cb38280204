"""Errors of the index stage. Each message names the index folder (or file) and says what to do."""

from __future__ import annotations

from corpus.errors import DocqaError


class IndexError_(DocqaError, RuntimeError):
    """A problem with an index folder (missing, wrong embedder, unreadable)."""

    http_status = 500


class IndexDamagedError(IndexError_):
    """The index folder exists but a file of it is missing or unreadable."""

    http_status = 503


class IndexBusyError(IndexError_):
    """Another process held the index's writer lock for longer than we were willing to wait."""

    http_status = 503


class AmbiguousSelectorError(IndexError_):
    """A document selector matches several documents where one was expected."""

    http_status = 409


class NotFoundError(IndexError_):
    """No document, chunk or library by that name."""

    http_status = 404


class BadNameError(IndexError_):
    """A library name that cannot be used."""

    http_status = 400
