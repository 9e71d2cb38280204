"""Errors of the index stage. Each message names the index folder (or file) and says what to do."""

from __future__ import annotations


class IndexError_(RuntimeError):
    """A problem with an index folder (missing, wrong embedder, unreadable)."""


class IndexDamagedError(IndexError_):
    """The index folder exists but a file of it is missing or unreadable."""


class IndexBusyError(IndexError_):
    """Another process held the index's writer lock for longer than we were willing to wait."""


class AmbiguousSelectorError(IndexError_):
    """A document selector matches several documents where one was expected."""
