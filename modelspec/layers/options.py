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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat
from pydantic_core import PydanticCustomError
from typing_extensions import override

from ..dispatch import Dispatched
from ..doctypes import tagged
from ..errors import did_you_mean
from ..params import P
from .base import Concatenation, Constraint, Initializer, Layer, Regularizer, ShapeError, Weight

Axis = int | tuple[int, ...]


class _Option(BaseModel):
    """One initializer, regularizer or constraint: Keras' class (`keras_class`) and arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    type: str
    keras_class: ClassVar[str]

    def arguments(self) -> dict[str, Any]:
        """Its arguments by Keras' names (without `type`)."""
        return {k: v for k, v in self.model_dump().items() if k != "type"}

    def keras_config(self) -> dict[str, Any]:
        """What `keras.initializers.get` (or `regularizers`, `constraints`) takes for it."""
        return {"class_name": self.keras_class, "config": self.arguments()}


# --- initializers ---------------------------------------------------------------------------


class _Initializer(_Option):
    def initializer(self) -> Initializer:
        """The core's `Initializer`: the canonical name and the arguments that shape the draw."""
        args = {k: v for k, v in self.arguments().items() if k != "seed"}
        return Initializer(self.type, **args)


class _Random(_Initializer):
    seed: int | None = None  # Keras' seed; the torch back end draws from torch's generator


def _initializer(
    name: str, keras_class: str, random: bool = True, **fields: Any
) -> type[_Initializer]:
    annotations = {"type": Literal[name], **{k: type(v) for k, v in fields.items()}}
    namespace = {"__annotations__": annotations, "keras_class": keras_class, "type": name, **fields}
    listed = ", ".join(f"{k}={v}" for k, v in fields.items())
    doc = f"Keras' `{keras_class}`" + (f" ({listed})" if fields else "")
    return type(keras_class, (_Random if random else _Initializer,), {**namespace, "__doc__": doc})


INITIALIZERS: dict[str, type[_Initializer]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        _initializer("zeros", "Zeros", random=False),
        _initializer("ones", "Ones", random=False),
        _initializer("constant", "Constant", random=False, value=0.0),
        _initializer("identity", "Identity", random=False, gain=1.0),
        _initializer("orthogonal", "Orthogonal", gain=1.0),
        _initializer("random_normal", "RandomNormal", mean=0.0, stddev=0.05),
        _initializer("random_uniform", "RandomUniform", minval=-0.05, maxval=0.05),
        _initializer("truncated_normal", "TruncatedNormal", mean=0.0, stddev=0.05),
        _initializer("glorot_normal", "GlorotNormal"),
        _initializer("glorot_uniform", "GlorotUniform"),
        _initializer("he_normal", "HeNormal"),
        _initializer("he_uniform", "HeUniform"),
        _initializer("lecun_normal", "LecunNormal"),
        _initializer("lecun_uniform", "LecunUniform"),
    )
}


class VarianceScaling(_Random):
    """Keras' `VarianceScaling`: `scale` over the fan (`mode`), from `distribution`."""

    type: Literal["variance_scaling"]
    keras_class = "VarianceScaling"
    scale: PositiveFloat = 1.0
    mode: Literal["fan_in", "fan_out", "fan_avg"] = "fan_in"
    distribution: Literal["truncated_normal", "untruncated_normal", "uniform"] = "truncated_normal"


INITIALIZERS["variance_scaling"] = VarianceScaling
# Keras' other names for the same initializers (`keras.initializers.get`)
INITIALIZER_ALIASES = {
    "normal": "random_normal",
    "uniform": "random_uniform",
    "zero": "zeros",
    "one": "ones",
}


def _kind(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) else None


# --- regularizers ---------------------------------------------------------------------------


class _Regularizer(_Option):
    def regularizer(self) -> Regularizer:
        """The core's `Regularizer` (its two coefficients)."""
        return Regularizer(**self.arguments())


class L1(_Regularizer):
    """Keras' `L1`: `l1 * sum(|w|)`."""

    type: Literal["l1"]
    keras_class = "L1"
    l1: Annotated[float, Field(ge=0)] = 0.01


class L2(_Regularizer):
    """Keras' `L2`: `l2 * sum(w ** 2)` (no factor 1/2)."""

    type: Literal["l2"]
    keras_class = "L2"
    l2: Annotated[float, Field(ge=0)] = 0.01


class L1L2(_Regularizer):
    """Keras' `L1L2`: both terms (each 0 unless given, as Keras' class has them)."""

    type: Literal["l1_l2"]
    keras_class = "L1L2"
    l1: Annotated[float, Field(ge=0)] = 0.0
    l2: Annotated[float, Field(ge=0)] = 0.0


REGULARIZERS: dict[str, type[_Regularizer]] = {"l1": L1, "l2": L2, "l1_l2": L1L2}


# --- constraints ----------------------------------------------------------------------------


class _Constraint(_Option):
    def constraint(self) -> Constraint:
        """The core's `Constraint`."""
        return Constraint(self.type, tuple(sorted(self.arguments().items())))


class MaxNorm(_Constraint):
    """Keras' `MaxNorm`: `w * clip(norm, 0, max_value) / (1e-7 + norm)`, norms along `axis`."""

    type: Literal["max_norm"]
    keras_class = "MaxNorm"
    max_value: PositiveFloat = 2.0
    axis: Axis = 0


class NonNeg(_Constraint):
    """Keras' `NonNeg`: `max(w, 0)`."""

    type: Literal["non_neg"]
    keras_class = "NonNeg"


class UnitNorm(_Constraint):
    """Keras' `UnitNorm`: `w / (1e-7 + norm)`, norms along `axis`."""

    type: Literal["unit_norm"]
    keras_class = "UnitNorm"
    axis: Axis = 0


class MinMaxNorm(_Constraint):
    """Keras' `MinMaxNorm`: `w * (rate * clip(norm, min_value, max_value) + (1 - rate) * norm) /
    (1e-7 + norm)`, norms along `axis`."""

    type: Literal["min_max_norm"]
    keras_class = "MinMaxNorm"
    min_value: Annotated[float, Field(ge=0)] = 0.0
    max_value: PositiveFloat = 1.0
    rate: Annotated[float, Field(ge=0, le=1)] = 1.0
    axis: Axis = 0


CONSTRAINTS: dict[str, type[_Constraint]] = {
    "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm
}  # fmt: skip


# --- the argument types ---------------------------------------------------------------------


class _OptionDispatch(Dispatched):
    """A name, or a mapping validated by the model its `type` names, found when validated: a
    spec pays for the initializers it uses (`modelspec/dispatch.py`)."""

    accepts = (_Option,)
    what: ClassVar[str]
    models: ClassVar[dict[str, type[_Option]]]
    aliases: ClassVar[dict[str, str]] = {}

    @override
    @classmethod
    def validate(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value in cls.models or value in cls.aliases:
                return value
            raise cls.unknown({"type": value}) or PydanticCustomError("option", "unreachable")
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
        return tagged({"name": names, "object": tagged(cls.models, _kind)},
                      lambda v: "name" if isinstance(v, str) else "object")  # fmt: skip


class _InitializerDispatch(_OptionDispatch):
    what, models, aliases = "initializer", INITIALIZERS, INITIALIZER_ALIASES  # type: ignore[assignment]


class _RegularizerDispatch(_OptionDispatch):
    what, models = "regularizer", REGULARIZERS  # type: ignore[assignment]


class _ConstraintDispatch(_OptionDispatch):
    what, models = "constraint", CONSTRAINTS  # type: ignore[assignment]


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
        return INITIALIZERS[name](type=name).initializer()
    return value.initializer()


def regularizer(value: str | _Regularizer | None) -> Regularizer | None:
    """The core's `Regularizer` for an argument's value (None: none)."""
    if value is None:
        return None
    return (REGULARIZERS[value](type=value) if isinstance(value, str) else value).regularizer()


def constraint(value: str | _Constraint | None) -> Constraint | None:
    """The core's `Constraint` for an argument's value (None: none)."""
    if value is None:
        return None
    return (CONSTRAINTS[value](type=value) if isinstance(value, str) else value).constraint()


def keras_value(value: Any) -> Any:
    """An option's value as Keras takes it: names as they are, mappings as Keras configs."""
    return value.keras_config() if isinstance(value, _Option) else value


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
