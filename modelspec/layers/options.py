"""Initializers, regularizers and constraints as layer arguments, with Keras 3's names and defaults.

A layer kind takes them through mixins named after its weights (`KernelOptions` gives
`kernel_initializer`, `kernel_regularizer` and `kernel_constraint`), as Keras' layers do; a
kind's `weights()` reads them with `Layer.weight(name, shape)`, so every `Weight` carries its
initializer, regularizer and constraint to the back ends.

- An initializer is a name (`he_normal`) or a mapping with its arguments (`{type: random_normal,
  stddev: 0.02}`): every built-in of `keras.initializers` but STFT.
- A regularizer is `l1`, `l2` (each 0.01 by default) or `{type: l1_l2, l1: ..., l2: ...}`; it adds
  `l1 * sum(|w|) + l2 * sum(w ** 2)` to the training loss (an activity regularizer: of the layer's
  output, divided by the batch size, as Keras 3 divides it).
- A constraint (`max_norm`, `non_neg`, `unit_norm`, `min_max_norm`) projects the weight after
  every optimizer step, along `axis` of the weight in Keras' layout.

Each is listed by name with Keras' class and defaults in `layers.option_kinds`; a name needs no
model, and the model of a mapping (`layers.option_models`) is made when a spec first writes one,
so a spec pays for the options it spells out, not for the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError
from typing_extensions import override

from ..dispatch import Dispatched
from ..doctypes import tagged
from ..errors import did_you_mean
from ..params import P
from .base import Concatenation, Constraint, Initializer, Layer, Regularizer, ShapeError, Weight
from .option_kinds import (
    CONSTRAINT_KINDS,
    INITIALIZER_ALIASES,
    INITIALIZER_KINDS,
    REGULARIZER_KINDS,
    OptionKind,
    constraint_of,
    initializer_of,
)

if TYPE_CHECKING:
    from .option_models import _Constraint, _Initializer, _Option, _Regularizer

_O = TypeVar("_O", bound="_Option")


class _Models(Mapping[str, type[_O]]):
    """A family's models by name, each made the first time it is looked up (`in`, iteration and
    `len` make none), by `layers.option_models`, which is imported then: a spec pays for the
    option mappings it writes, not for the catalogue."""

    def __init__(self, family: str, kinds: dict[str, OptionKind]) -> None:
        self._family, self._kinds = family, kinds

    @override
    def __getitem__(self, name: str) -> type[_O]:
        if name not in self._kinds:
            raise KeyError(name)
        from .option_models import model

        return model(self._family, name)  # type: ignore[return-value]

    @override
    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    @override
    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    @override
    def __len__(self) -> int:
        return len(self._kinds)


def _kind(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) else None


# The models of the mappings (`{type: random_normal, stddev: 0.02}`), by name, made when used.
INITIALIZERS: Mapping[str, type[_Initializer]] = _Models("initializer", INITIALIZER_KINDS)
REGULARIZERS: Mapping[str, type[_Regularizer]] = _Models("regularizer", REGULARIZER_KINDS)
CONSTRAINTS: Mapping[str, type[_Constraint]] = _Models("constraint", CONSTRAINT_KINDS)


# --- the argument types ---------------------------------------------------------------------


class _OptionDispatch(Dispatched):
    """A name, or a mapping validated by the model its `type` names, found (and made) when
    validated: a spec pays for the options it writes out (`modelspec/dispatch.py`)."""

    what: ClassVar[str]
    models: ClassVar[Mapping[str, type[BaseModel]]]
    aliases: ClassVar[dict[str, str]] = {}

    @override
    @classmethod
    def validate(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value in cls.models or value in cls.aliases:
                return value
            raise cls.unknown({"type": value}) or PydanticCustomError("option", "unreachable")
        if isinstance(value, BaseModel):  # made in Python: its model's module is loaded by then
            from .option_models import _Option

            if isinstance(value, _Option):
                return value
        return super().validate(value)

    @override
    @classmethod
    def model_for(cls, value: Any) -> type[BaseModel] | None:
        kind = value.get("type") if isinstance(value, dict) else None
        return cls.models.get(kind) if isinstance(kind, str) else None

    @override
    @classmethod
    def unknown(cls, value: dict) -> PydanticCustomError | None:
        kind = value.get("type")
        if kind is None:
            return PydanticCustomError("kind_missing", f"needs `type:` (the {cls.what}'s name)")
        names = [*cls.models, *cls.aliases]
        return PydanticCustomError(
            "option_unknown",
            "unknown {what} {kind}{hint}; expected one of {names}",
            {"what": cls.what, "kind": repr(kind), "hint": did_you_mean(str(kind), names),
             "names": ", ".join(names)},
        )  # fmt: skip

    @override
    @classmethod
    def union(cls) -> Any:
        names = Literal[(*cls.models, *cls.aliases)]  # type: ignore[valid-type]
        return tagged({"name": names, "object": tagged(dict(cls.models), _kind)},
                      lambda v: "name" if isinstance(v, str) else "object")  # fmt: skip


class _InitializerDispatch(_OptionDispatch):
    what, models, aliases = "initializer", INITIALIZERS, INITIALIZER_ALIASES


class _RegularizerDispatch(_OptionDispatch):
    what, models = "regularizer", REGULARIZERS


class _ConstraintDispatch(_OptionDispatch):
    what, models = "constraint", CONSTRAINTS


if TYPE_CHECKING:
    InitializerArg: TypeAlias = str | _Initializer
    RegularizerArg: TypeAlias = str | _Regularizer | None
    ConstraintArg: TypeAlias = str | _Constraint | None
else:
    InitializerArg = P[_InitializerDispatch]
    RegularizerArg = P[_RegularizerDispatch] | None
    ConstraintArg = P[_ConstraintDispatch] | None


def initializer(value: str | _Initializer) -> Initializer:
    """The core's `Initializer` for an argument's value (a name or an initializer mapping)."""
    if isinstance(value, str):
        name = INITIALIZER_ALIASES.get(value, value)
        return initializer_of(name, INITIALIZER_KINDS[name].defaults)
    return value.initializer()


def regularizer(value: str | _Regularizer | None) -> Regularizer | None:
    """The core's `Regularizer` for an argument's value (None: none)."""
    if value is None:
        return None
    if isinstance(value, str):
        return Regularizer(**REGULARIZER_KINDS[value].defaults)
    return value.regularizer()


def constraint(value: str | _Constraint | None) -> Constraint | None:
    """The core's `Constraint` for an argument's value (None: none)."""
    if value is None:
        return None
    if isinstance(value, str):
        return constraint_of(value, CONSTRAINT_KINDS[value].defaults)
    return value.constraint()


def keras_value(value: Any) -> Any:
    """An option's value as Keras takes it: a Keras config, `{"class_name", "config"}`, with
    every argument. A name too: Keras cannot take `constant` or `l1_l2` by name
    (`keras.initializers.get("constant")` fails on the missing `value`; `l1_l2` is no name of
    `keras.regularizers`), so each name is given as its class with the defaults."""
    if value is None:
        return None
    if isinstance(value, str):
        name = INITIALIZER_ALIASES.get(value, value)
        for table in (INITIALIZER_KINDS, REGULARIZER_KINDS, CONSTRAINT_KINDS):
            if name in table:
                return {"class_name": table[name].keras_class, "config": table[name].defaults}
        return value
    return value.keras_config()


# --- the arguments, by weight: one mixin per weight name, with Keras' default -----------------


class _Options(BaseModel):
    """A mixin of option arguments; built with the kind that uses it, not at import."""

    model_config = ConfigDict(defer_build=True)


class KernelOptions(_Options):
    """`kernel_initializer` (glorot_uniform), `kernel_regularizer`, `kernel_constraint`."""

    kernel_initializer: InitializerArg = "glorot_uniform"
    kernel_regularizer: RegularizerArg = None
    kernel_constraint: ConstraintArg = None


class BiasOptions(_Options):
    """`bias_initializer` (zeros), `bias_regularizer`, `bias_constraint`."""

    bias_initializer: InitializerArg = "zeros"
    bias_regularizer: RegularizerArg = None
    bias_constraint: ConstraintArg = None


class RecurrentOptions(_Options):
    """`recurrent_initializer` (orthogonal), `recurrent_regularizer`, `recurrent_constraint`."""

    recurrent_initializer: InitializerArg = "orthogonal"
    recurrent_regularizer: RegularizerArg = None
    recurrent_constraint: ConstraintArg = None


class EmbeddingsOptions(_Options):
    """`embeddings_initializer` (uniform: U(-0.05, 0.05)), `embeddings_regularizer`,
    `embeddings_constraint`."""

    embeddings_initializer: InitializerArg = "uniform"
    embeddings_regularizer: RegularizerArg = None
    embeddings_constraint: ConstraintArg = None


class DepthwiseOptions(_Options):
    """`depthwise_initializer` (glorot_uniform), `depthwise_regularizer`, `depthwise_constraint`."""

    depthwise_initializer: InitializerArg = "glorot_uniform"
    depthwise_regularizer: RegularizerArg = None
    depthwise_constraint: ConstraintArg = None


class PointwiseOptions(_Options):
    """`pointwise_initializer` (glorot_uniform), `pointwise_regularizer`, `pointwise_constraint`."""

    pointwise_initializer: InitializerArg = "glorot_uniform"
    pointwise_regularizer: RegularizerArg = None
    pointwise_constraint: ConstraintArg = None


class NormalizationOptions(_Options):
    """`gamma_*` (ones) and `beta_*` (zeros): initializer, regularizer, constraint."""

    beta_initializer: InitializerArg = "zeros"
    gamma_initializer: InitializerArg = "ones"
    beta_regularizer: RegularizerArg = None
    gamma_regularizer: RegularizerArg = None
    beta_constraint: ConstraintArg = None
    gamma_constraint: ConstraintArg = None


class MovingOptions(_Options):
    """`moving_mean_initializer` (zeros) and `moving_variance_initializer` (ones)."""

    moving_mean_initializer: InitializerArg = "zeros"
    moving_variance_initializer: InitializerArg = "ones"


class AlphaOptions(_Options):
    """`alpha_initializer` (zeros), `alpha_regularizer`, `alpha_constraint` (PReLU's slopes)."""

    alpha_initializer: InitializerArg = "zeros"
    alpha_regularizer: RegularizerArg = None
    alpha_constraint: ConstraintArg = None


class ActivityOptions(_Options):
    """`activity_regularizer`: a regularizer of the layer's output, added to the loss divided
    by the batch size (Keras 3's `Layer.__call__`)."""

    activity_regularizer: RegularizerArg = None


OPTIONS = (KernelOptions, BiasOptions, RecurrentOptions, EmbeddingsOptions, DepthwiseOptions,
           PointwiseOptions, NormalizationOptions, MovingOptions, AlphaOptions, ActivityOptions)  # fmt: skip
# Every option argument: a back end honours them all through the weights that carry them.
OPTION_FIELDS = frozenset(name for cls in OPTIONS for name in cls.model_fields)


def declared(
    layer: Layer,
    name: str,
    shape: tuple[int, ...],
    trainable: bool = True,
    options: str | None = None,
    parts: tuple[tuple[Any, int], ...] | None = None,
) -> Weight:
    """The weight `name` of `shape` with the layer's `{options}_initializer`, `_regularizer` and
    `_constraint` arguments (`options` defaults to `name`: MultiHeadAttention's `query_kernel`
    reads `kernel_*`). `parts` ((initializer or None, length), ...) concatenates pieces along the
    last axis, None standing for the layer's initializer (LSTM's `unit_forget_bias`)."""
    prefix = options or name
    init = initializer(getattr(layer, f"{prefix}_initializer"))
    ranks = {"identity": "2-D weights only", "orthogonal": "weights of 2 or more dimensions"}
    if (init.name == "identity" and len(shape) != 2) or (
        init.name == "orthogonal" and len(shape) < 2
    ):
        raise ShapeError(
            f"{layer.type}: the {init.name} initializer takes {ranks[init.name]} (Keras refuses "
            f"others), and {name} is of shape {shape} ({prefix}_initializer)"
        )
    drawn: Initializer | Concatenation = init
    if parts is not None:
        drawn = Concatenation(tuple((part or init, n) for part, n in parts))
    return Weight(
        shape,
        drawn,
        trainable,
        regularizer(getattr(layer, f"{prefix}_regularizer", None)),
        constraint(getattr(layer, f"{prefix}_constraint", None)),
    )
