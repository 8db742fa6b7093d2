"""What a hyperparameter search draws and optimizes: the search spaces a param's value may be
(`{choice: [...]}`, `{uniform: [low, high]}`, `{loguniform: [...]}`, `{int: [low, high], step:
...}`, each marked by its key), and the `search:` section. The document imports this module when
a spec has either, not before.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field
from typing_extensions import override

from .bounds import Finite
from .doctypes import Strict

Scalar = bool | int | float | str
DEFAULT = "Value used when the spec is compiled without sampling; null: {}."


class _Space(Finite):
    # built when a spec first uses the kind of space
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    if TYPE_CHECKING:
        default: Any  # each space declares its own

    def _first(self) -> Any:
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        """Whether `value` lies in the space."""
        raise NotImplementedError

    def default_value(self) -> Any:
        return self.default if self.default is not None else self._first()

    def check_default(self) -> str | None:
        """A message if the default lies outside the space."""
        if self.default is None or self.contains(self.default):
            return None
        return f"default {self.default!r} is outside the search space"


class Choice(_Space):
    """One of a list of values (Keras Tuner's `Choice`); the default defaults to the first."""

    choice: list[Scalar] = Field(min_length=1, description="The values to choose from.")
    default: Scalar | None = Field(default=None, description=DEFAULT.format("the first value"))

    def _first(self) -> Any:
        return self.choice[0]

    @override
    def contains(self, value: Any) -> bool:
        return value in self.choice

    def draw(self, rng: random.Random) -> Any:
        """A uniformly chosen value of the list."""
        return rng.choice(self.choice)


class _Range(_Space):
    _key: ClassVar[str]  # the field holding [low, high]

    def _bounds(self) -> tuple[float, float]:
        low, high = getattr(self, self._key)
        return low, high

    def _first(self) -> Any:
        return self._bounds()[0]

    @override
    def contains(self, value: Any) -> bool:
        low, high = self._bounds()
        return (
            isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
        )

    def bounds_problem(self) -> str | None:
        low, high = self._bounds()
        return f"the lower bound {low} is above the upper bound {high}" if low > high else None


class Uniform(_Range):
    """A float drawn uniformly from [low, high]."""

    _key = "uniform"
    uniform: tuple[float, float] = Field(description="[low, high], the bounds.")
    default: float | None = Field(default=None, description=DEFAULT.format("low"))

    def draw(self, rng: random.Random) -> float:
        """A float drawn uniformly from [low, high]."""
        return rng.uniform(*self.uniform)


class LogUniform(_Range):
    """A positive float whose logarithm is uniform: learning rates, weight decay."""

    _key = "loguniform"
    loguniform: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] = Field(
        description="[low, high], the bounds, both > 0."
    )
    default: float | None = Field(default=None, description=DEFAULT.format("low"))

    def draw(self, rng: random.Random) -> float:
        """A float whose logarithm is drawn uniformly from [log low, log high]."""
        low, high = self.loguniform
        return math.exp(rng.uniform(math.log(low), math.log(high)))


class IntRange(_Range):
    """An int in [low, high] (both included), on a grid of `step`."""

    _key = "int"
    int_: tuple[int, int] = Field(alias="int", description="[low, high], both included.")
    step: Annotated[int, Field(ge=1)] = Field(
        default=1, description="Spacing of the values from low, >= 1."
    )
    default: int | None = Field(default=None, description=DEFAULT.format("low"))
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def _bounds(self) -> tuple[float, float]:
        return self.int_

    def contains(self, value: Any) -> bool:
        """Whether `value` is an int in [low, high] on the grid low, low + step, ..."""
        low, _ = self.int_
        return super().contains(value) and isinstance(value, int) and (value - low) % self.step == 0

    def draw(self, rng: random.Random) -> int:
        """An int drawn uniformly from low, low + step, ... up to high."""
        low, high = self.int_
        return rng.randrange(low, high + 1, self.step)


SearchSpace = Choice | Uniform | LogUniform | IntRange
SPACE_KINDS: dict[str, type[_Space]] = {
    "choice": Choice,
    "uniform": Uniform,
    "loguniform": LogUniform,
    "int": IntRange,
}
SpaceKind = Literal["choice", "uniform", "loguniform", "int"]


# --- the `search:` section ---------------------------------------------------------------------


class Search(Strict):
    """What a hyperparameter search optimises."""

    objective: str = Field(
        default="val_loss",
        description="Figure the search optimizes, by its name in the training logs (loss, "
        "val_loss, val_accuracy, ...).",
    )
    direction: Literal["minimize", "maximize"] = Field(
        default="minimize", description="Whether the objective is minimized or maximized."
    )
