"""Validation of regular expressions read from policy and suite files."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator


def valid_regex(pattern: str) -> str:
    """The pattern itself, or ValueError naming the pattern and what is wrong with it."""
    try:
        re.compile(pattern)
    except re.error as err:
        raise ValueError(f"invalid regular expression {pattern!r}: {err}") from None
    return pattern


#: A string field that must be a valid regular expression.
Regex = Annotated[str, AfterValidator(valid_regex)]
