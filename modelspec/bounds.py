"""The numbers a spec may give: those both back ends can hold.

Keras and torch compute in float32 and pass structural integers (units, kernel sizes, strides) to
kernels that take int32, and seeds as int64: a float that is not finite, or beyond float32's
range, and an integer beyond int32's (int64's for a seed) fail in one back end or the other, or
kill the process (TensorFlow aborts on a stride of 2**31), and `inf` cannot be written back as
YAML. `Bounded` models refuse them, each at its field. A param's own value is checked only for
being finite (`finite_problem`): where it is used, the field checks the rest.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

FLOAT32_MAX = 3.4028234663852886e38
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
SEED_FIELDS = frozenset({"seed"})  # Keras' seed generators hold an int64


def _numbers(value: Any) -> list[int | float]:
    """The numbers in a value and the lists, tuples and mappings it holds (not in models, which
    check their own; not booleans)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _numbers(item)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    return []


def finite_problem(value: Any) -> str | None:
    """Why `value` (or a number in it) is refused as not finite, or None."""
    for number in _numbers(value):
        if isinstance(number, float) and not math.isfinite(number):
            return f"must be a finite number, got {number}"
    return None


def range_problem(value: Any, seed: bool = False) -> str | None:
    """Why `value` (or a number in it) cannot reach both back ends, or None: a float not finite
    or beyond float32's range, an integer beyond int32's (int64's for a `seed`)."""
    problem = finite_problem(value)
    if problem:
        return problem
    low, high = INT64 if seed else INT32
    width = "int64" if seed else "int32"
    for number in _numbers(value):
        if isinstance(number, float) and abs(number) > FLOAT32_MAX:
            return f"must be within float32's range (magnitude up to 3.4e38), got {number:g}"
        if isinstance(number, int) and not low <= number <= high:
            return f"must be within {width}'s range ({low} to {high}), got {number}"
    return None


class Bounded(BaseModel):
    """A model whose every field holds only numbers both back ends can hold (`range_problem`)."""

    model_config = ConfigDict(defer_build=True)  # a base, never validated itself

    @field_validator("*", mode="after")
    @classmethod
    def _within_range(cls, value: Any, info: ValidationInfo) -> Any:
        problem = range_problem(value, seed=info.field_name in SEED_FIELDS)
        if problem:
            raise ValueError(problem)
        return value


class Finite(BaseModel):
    """A model whose every field holds only finite numbers (`finite_problem`): a search space,
    whose draws a field checks where they are used."""

    model_config = ConfigDict(defer_build=True)  # a base, never validated itself

    @field_validator("*", mode="after")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        return finite(value)


def finite(value: Any) -> Any:
    """`value`, or ValueError when a number in it is not finite (an `AfterValidator`)."""
    problem = finite_problem(value)
    if problem:
        raise ValueError(problem)
    return value
