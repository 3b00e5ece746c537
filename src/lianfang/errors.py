"""Every error lianfang raises on purpose.

One base class, :class:`LianfangError`, and one subclass per failure. Each subclass
also derives from the nearest built-in exception, so a caller can catch either
``lf.DirectoryError`` or plain ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AccessDeniedError",
    "ConcurrencyError",
    "CorruptJournalError",
    "DirectoryError",
    "IllegalTransitionError",
    "InvalidValueError",
    "JournalError",
    "LianfangError",
    "MissingExtraError",
    "PolicyError",
    "ReportError",
    "SnapshotError",
    "UnknownIdError",
    "ValidationError",
]


class LianfangError(Exception):
    """Base of every error the library raises on purpose."""


class ValidationError(LianfangError, ValueError):
    """Input data is wrong. ``problems`` lists every problem as ``"<path>: <what is wrong>"``.

    The message is the problems, one per line, so a single ``str(error)`` shows
    everything that needs fixing, not only the first thing found.
    """

    what = "invalid data"

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        header = f"{self.what}: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([header, *(f"  {p}" for p in self.problems)]))


class InvalidValueError(ValidationError):
    """One value failed a model validator (a naive datetime, an empty id, ...)."""

    what = "invalid value"


class DirectoryError(ValidationError):
    """Directory data is malformed or refers to things that do not exist."""

    what = "invalid directory"


class ReportError(ValidationError):
    """A report could not be read."""

    what = "invalid report"


class PolicyError(ValidationError):
    """A routing policy is malformed; each problem names the rule and field."""

    what = "invalid policy"


class UnknownIdError(LianfangError, KeyError):
    """An id that names nothing in the directory or on the desk."""

    def __init__(self, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(f"unknown {kind} {id!r}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class IllegalTransitionError(LianfangError, ValueError):
    """A workflow step that the current state does not allow. Nothing was recorded."""


class AccessDeniedError(LianfangError, PermissionError):
    """The viewer may not see this (a clue's reporter, another volunteer's phone)."""


class ConcurrencyError(LianfangError, RuntimeError):
    """Another writer appended to the journal first (expected version mismatch)."""

    def __init__(self, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"journal is at version {actual}, expected {expected}: "
            "another writer appended first; reload and retry"
        )


class JournalError(LianfangError, OSError):
    """The journal could not be read or written."""


class CorruptJournalError(JournalError):
    """A stored event failed its checksum or could not be decoded."""

    def __init__(self, position: int, detail: str) -> None:
        self.position = position
        super().__init__(f"journal event at position {position} is corrupt: {detail}")


class SnapshotError(ValidationError):
    """A desk snapshot cannot be used: damaged text, or taken from another journal.

    The journal is the truth: restore without the snapshot (a full replay) instead.
    """

    what = "unusable snapshot"


class MissingExtraError(LianfangError, ImportError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module!r} is needed for this feature; "
            f"install it with: pip install 'lianfang[{extra}]'"
        )
