"""Errors a user can act on, and the CLI's exit codes.

Expected problems raise a subclass of :class:`MdmError`; the CLI prints its message as one line
and exits with its ``exit_code``. Anything else is a bug and shows a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes (README "Exit codes")."""

    OK = 0
    FAILED = 1
    USAGE = 2
    NOTHING_TO_DO = 3
    PARTIAL = 4
    LOCKED = 5
    DATABASE_INCOMPATIBLE = 6


class MdmError(Exception):
    exit_code: ExitCode = ExitCode.FAILED


class ConfigError(MdmError):
    """A setting, schema file or source profile is wrong or missing."""

    exit_code = ExitCode.USAGE


class InputFileError(MdmError):
    """A file cannot be ingested at all (unreadable, wrong format, missing required column)."""

    def __init__(self, path: object, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class DatabaseError(MdmError):
    """The database cannot be reached or started."""


class SchemaVersionError(MdmError):
    """The database's schema revision does not fit this version of chutian-mdm."""

    exit_code = ExitCode.DATABASE_INCOMPATIBLE


class LockedError(MdmError):
    """Another run of the same domain holds the run lock."""

    exit_code = ExitCode.LOCKED
