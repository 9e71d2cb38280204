"""Precise errors for bad input. Each message names the file and the problem, and says what to do."""

from __future__ import annotations


class CorpusError(ValueError):
    """Base class: a file that cannot become a document."""

    def __init__(self, path: str | None, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


class EmptyFileError(CorpusError):
    pass


class BinaryFileError(CorpusError):
    pass


class DecodeError(CorpusError):
    pass


class UnsupportedFormatError(CorpusError):
    pass


class FileTooLargeError(CorpusError):
    pass


class NoTextError(CorpusError):
    """The file was read but no article text survived cleaning."""
