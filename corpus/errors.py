"""Precise errors for bad input. Each message names the file and the problem, and says what to do.

`DocqaError` is the base of every error docqa reports to a user, whatever the stage (corpus,
index, qa, the service): it carries the CLI's exit code and the API's HTTP status, so each edge
translates all of them in one place (`ui.cli.DocqaGroup`, `ui.api.install_error_handlers`).
Anything else that escapes is a bug: exit 1 / HTTP 500 with the traceback logged."""

from __future__ import annotations


class DocqaError(Exception):
    """An error with a one-line message for the user."""

    exit_code: int = 2  # the CLI exits with it
    http_status: int = 400  # the API answers with it


class CorpusError(DocqaError, ValueError):
    """Base class: a file that cannot become a document."""

    http_status = 422

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
