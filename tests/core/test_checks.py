"""The shared argument checks: what each accepts and refuses, and what it says."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from mistral_async import ArgumentError
from mistral_async._core.checks import (
    check_int,
    check_number,
    check_optional_int,
    check_optional_number,
    check_optional_seconds,
    check_seconds,
    check_text,
)

# 10**400 has no float: it is refused as infinite, not raised as an OverflowError.
NOT_NUMBERS = [True, False, "1", None, [1], math.nan, math.inf, -math.inf, 10**400]


@pytest.mark.parametrize("value", [0, 1, 10**30])
def test_check_int_accepts_ints_from_the_minimum(value: int) -> None:
    assert check_int("n", value) == value


@pytest.mark.parametrize("value", [-1, 1.0, True, False, "1", None, math.nan])
def test_check_int_refuses_other_values(value: Any) -> None:
    with pytest.raises(ArgumentError, match=r"'n': must be an int >= 0, got ") as caught:
        check_int("n", value)
    assert caught.value.argument == "n"


def test_int_checks_with_a_minimum_and_none() -> None:
    assert check_int("k", 1, 1) == 1
    with pytest.raises(ArgumentError, match=r"must be an int >= 1, got 0"):
        check_int("k", 0, 1)
    assert check_optional_int("k", None, 1) is None
    assert check_optional_int("k", 3, 1) == 3
    with pytest.raises(ArgumentError, match=r"must be an int >= 1 or None, got True"):
        check_optional_int("k", True, 1)


@pytest.mark.parametrize("value", [*NOT_NUMBERS, 0, -0.5])
def test_number_checks_refuse_bool_nan_infinity_and_non_positive(value: Any) -> None:
    for check in (check_number, check_seconds):
        with pytest.raises(ArgumentError):
            check("x", value)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (check_number, "must be a finite number > 0, got nan"),
        (check_optional_number, "must be a finite number > 0 or None, got nan"),
        (check_seconds, "must be a number of seconds > 0, got nan"),
        (check_optional_seconds, "must be a number of seconds > 0 or None, got nan"),
    ],
)
def test_number_messages(check: Callable[..., Any], message: str) -> None:
    with pytest.raises(ArgumentError) as caught:
        check("wait", math.nan)
    assert str(caught.value) == f"invalid argument 'wait': {message}"


def test_number_checks_accept_finite_numbers_as_floats() -> None:
    assert check_number("x", 2) == 2.0
    assert isinstance(check_number("x", 2), float)
    assert check_seconds("x", 0.25) == 0.25
    assert check_seconds("x", 0, allow_zero=True) == 0.0
    assert check_optional_number("x", None) is None
    assert check_optional_seconds("x", None, allow_zero=True) is None
    with pytest.raises(ArgumentError, match=">= 0"):
        check_seconds("x", -1, allow_zero=True)


def test_check_text() -> None:
    assert check_text("model", "m") == "m"
    for value in ("", None, 3, b"m"):
        with pytest.raises(ArgumentError, match="'model': must be a non-empty string"):
            check_text("model", value)
