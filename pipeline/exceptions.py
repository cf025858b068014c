"""One exception hierarchy; each class carries the process exit code that the CLI maps it to.

Per-file errors (:class:`InputFileError` and subclasses, :class:`OcrError`) are caught by the flow,
stored with the file name and reason, and the batch goes on. Errors that stop everything (bad
configuration, a missing Tesseract, an unreachable database) propagate to the CLI, which prints the
message and exits with the class's code — in exactly one place, :func:`pipeline.cli.main`.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ConfigError",
    "CorruptFileError",
    "DatabaseUnavailableError",
    "EmptyFileError",
    "EncryptedPdfError",
    "ExitCode",
    "FileTooLargeError",
    "InputFileError",
    "MissingDependencyError",
    "NoInputError",
    "OcrError",
    "OcrTimeoutError",
    "SohoaError",
    "StorageError",
    "UnsupportedFormatError",
]


class ExitCode(IntEnum):
    """Process exit codes (documented in the README; scripts rely on them)."""

    ok = 0
    other_error = 1
    bad_arguments = 2
    partial_failure = 3  # the batch ran, but some files could not be processed
    no_input = 4  # nothing to process: paths missing or holding no supported file
    storage_error = 5
    missing_dependency = 6
    interrupted = 130


class SohoaError(Exception):
    """Base class. ``str(err)`` is a message for the user that says what to do next."""

    exit_code: ExitCode = ExitCode.other_error


class ConfigError(SohoaError):
    exit_code = ExitCode.bad_arguments


class NoInputError(SohoaError):
    exit_code = ExitCode.no_input


class MissingDependencyError(SohoaError):
    exit_code = ExitCode.missing_dependency


class StorageError(SohoaError):
    exit_code = ExitCode.storage_error


class DatabaseUnavailableError(StorageError):
    """The connection to the database failed (server restarting, network cut): transient, so
    the store retries the transaction for a while before raising it."""


class InputFileError(SohoaError):
    """A file that cannot be processed; the batch records it and goes on.

    ``reason`` says what is wrong without the file name (batch reports list name and reason side
    by side); ``str(err)`` starts with the name when it is known.
    """

    exit_code = ExitCode.partial_failure

    def __init__(self, reason: str, *, name: str | None = None) -> None:
        self.reason = reason
        self.name = name
        super().__init__(f"{name}: {reason}" if name else reason)


class EmptyFileError(InputFileError):
    pass


class UnsupportedFormatError(InputFileError):
    pass


class CorruptFileError(InputFileError):
    pass


class EncryptedPdfError(InputFileError):
    pass


class FileTooLargeError(InputFileError):
    pass


class OcrError(InputFileError):
    """Tesseract failed on a page (crash, bad output)."""


class OcrTimeoutError(OcrError):
    """Tesseract did not finish a page in time (a transient fault: retried)."""
