"""Masking personal numbers in free text (phones, identity card numbers)."""

from __future__ import annotations

import re

__all__ = ["mask_text"]

# An 18-character resident identity number, a mainland mobile number, a landline with
# its area code; digits glued to other digits are not matched, so amounts and dates stay.
_PERSONAL_NUMBER = re.compile(
    r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})(?![0-9])"
)


def _mask(match: re.Match[str]) -> str:
    number = match[0]
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def mask_text(text: str) -> str:
    """``text`` with phone and identity numbers masked: ``13800000001`` → ``138****0001``."""
    return _PERSONAL_NUMBER.sub(_mask, text)
