"""Every initializer, regularizer and constraint a spec may name, with Keras 3's classes and
defaults: the data both a name (`layers.options`) and a mapping's model (`layers.option_models`)
are made from. A name needs no model: its arguments are the defaults listed here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PositiveFloat

from .base import Constraint, Initializer

Axis = int | tuple[int, ...]
NonNegative = Annotated[float, Field(ge=0)]


class OptionKind:
    """One initializer, regularizer or constraint as a spec names it: Keras' class, the docstring
    of its model and its arguments (name -> (annotation, default)). A name alone needs no model
    (its arguments are the defaults); `layers.option_models` makes the model when a spec first
    writes the option as a mapping."""

    def __init__(
        self,
        keras_class: str,
        doc: str,
        fields: dict[str, tuple[Any, Any]],
        random: bool = False,
        type_default: bool = False,
    ) -> None:
        self.keras_class, self.doc, self.fields = keras_class, doc, fields
        self.random = random  # a random initializer: it takes Keras' `seed` too
        self.type_default = type_default  # its model's `type` defaults to its name

    @property
    def defaults(self) -> dict[str, Any]:
        """Its arguments' defaults, by Keras' names."""
        return {name: default for name, (_, default) in self.fields.items()}


# --- initializers ---------------------------------------------------------------------------


def _keras(keras_class: str, random: bool = True, **defaults: float) -> OptionKind:
    """An initializer whose arguments are of their defaults' types; its docstring lists them."""
    listed = ", ".join(f"{k}={v}" for k, v in defaults.items())
    doc = f"Keras' `{keras_class}`" + (f" ({listed})" if defaults else "")
    fields = {k: (type(v), v) for k, v in defaults.items()}
    return OptionKind(keras_class, doc, fields, random, type_default=True)


INITIALIZER_KINDS: dict[str, OptionKind] = {
    "zeros": _keras("Zeros", random=False),
    "ones": _keras("Ones", random=False),
    "constant": _keras("Constant", random=False, value=0.0),
    "identity": _keras("Identity", random=False, gain=1.0),
    "orthogonal": _keras("Orthogonal", gain=1.0),
    "random_normal": _keras("RandomNormal", mean=0.0, stddev=0.05),
    "random_uniform": _keras("RandomUniform", minval=-0.05, maxval=0.05),
    "truncated_normal": _keras("TruncatedNormal", mean=0.0, stddev=0.05),
    "glorot_normal": _keras("GlorotNormal"),
    "glorot_uniform": _keras("GlorotUniform"),
    "he_normal": _keras("HeNormal"),
    "he_uniform": _keras("HeUniform"),
    "lecun_normal": _keras("LecunNormal"),
    "lecun_uniform": _keras("LecunUniform"),
    "variance_scaling": OptionKind(
        "VarianceScaling",
        "Keras' `VarianceScaling`: `scale` over the fan (`mode`), from `distribution`.",
        {
            "scale": (PositiveFloat, 1.0),
            "mode": (Literal["fan_in", "fan_out", "fan_avg"], "fan_in"),
            "distribution": (
                Literal["truncated_normal", "untruncated_normal", "uniform"],
                "truncated_normal",
            ),
        },
        random=True,
    ),
}
# Keras' other names for the same initializers (`keras.initializers.get`)
INITIALIZER_ALIASES = {
    "normal": "random_normal",
    "uniform": "random_uniform",
    "zero": "zeros",
    "one": "ones",
}


def initializer_of(name: str, arguments: dict[str, Any]) -> Initializer:
    """The core's `Initializer` of the initializer `name` with these arguments: those that shape
    the draw (not `seed`)."""
    return Initializer(name, **{k: v for k, v in arguments.items() if k != "seed"})


# --- regularizers ---------------------------------------------------------------------------

REGULARIZER_KINDS: dict[str, OptionKind] = {
    "l1": OptionKind("L1", "Keras' `L1`: `l1 * sum(|w|)`.", {"l1": (NonNegative, 0.01)}),
    "l2": OptionKind(
        "L2", "Keras' `L2`: `l2 * sum(w ** 2)` (no factor 1/2).", {"l2": (NonNegative, 0.01)}
    ),
    "l1_l2": OptionKind(
        "L1L2",
        "Keras' `L1L2`: both terms (each 0 unless given, as Keras' class has them).",
        {"l1": (NonNegative, 0.0), "l2": (NonNegative, 0.0)},
    ),
}


# --- constraints ----------------------------------------------------------------------------

CONSTRAINT_KINDS: dict[str, OptionKind] = {
    "max_norm": OptionKind(
        "MaxNorm",
        "Keras' `MaxNorm`: `w * clip(norm, 0, max_value) / (1e-7 + norm)`, norms along `axis`.",
        {"max_value": (PositiveFloat, 2.0), "axis": (Axis, 0)},
    ),
    "non_neg": OptionKind("NonNeg", "Keras' `NonNeg`: `max(w, 0)`.", {}),
    "unit_norm": OptionKind(
        "UnitNorm",
        "Keras' `UnitNorm`: `w / (1e-7 + norm)`, norms along `axis`.",
        {"axis": (Axis, 0)},
    ),
    "min_max_norm": OptionKind(
        "MinMaxNorm",
        "Keras' `MinMaxNorm`: `w * (rate * clip(norm, min_value, max_value) + (1 - rate) * norm) "
        "/\n(1e-7 + norm)`, norms along `axis`.",
        {
            "min_value": (NonNegative, 0.0),
            "max_value": (PositiveFloat, 1.0),
            "rate": (Annotated[float, Field(ge=0, le=1)], 1.0),
            "axis": (Axis, 0),
        },
    ),
}


def constraint_of(name: str, arguments: dict[str, Any]) -> Constraint:
    """The core's `Constraint` of the constraint `name` with these arguments."""
    return Constraint(name, tuple(sorted(arguments.items())))
