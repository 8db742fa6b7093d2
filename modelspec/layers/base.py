"""What every layer kind is: a Pydantic config model that also states its shape and weight rules.

One class per kind, registered by its `type` name, in the spirit of an ONNX op schema: the
arguments (with Keras' names, defaults and ranges), the output-shape rule and the weights the
layer creates (each `Weight` with its shape, trainability and Keras initializer) all sit in one
place and run without any framework. Each back end looks a kind's lowering up by its class
(`modelspec/backends/lowerings.py`).

Shapes are Keras-style: batch dimension omitted, channels last, `None` for a length unknown
until run time.

Masks are Keras': a tensor may carry a mask, one boolean per position of its shape without the
last axis (one per step of a sequence), saying which positions count. Each kind states
statically what it does with one (`supports_masking`, `reads_mask`, `compute_mask`, as Keras'
`Layer` has them): produce one (Embedding with `mask_zero`, Masking), pass its first input's on
(element-wise kinds, Dense, Dropout, ...), consume it (a recurrent layer without
`return_sequences`, GlobalAveragePooling1D), combine its inputs' (merges), or drop it (every kind
that does not support masking, as Keras drops it, with a warning).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError
from typing_extensions import override

from ..bounds import INT32, Bounded
from ..dispatch import Dispatched
from ..errors import did_you_mean
from .dtypes import FLOAT_DTYPES, dtype_problem

Shape = tuple[int | None, ...]
T = TypeVar("T")
DType = Literal["float32", "float64", "float16", "int32", "int64", "bool"]

# Every name `keras.activations.get` takes (Keras 3.15: `ALL_OBJECTS` and the aliases `swish`,
# `hard_swish`), applied with its Keras defaults (elu and celu alpha 1, leaky_relu slope 0.2,
# gelu exact, soft/hard_shrink threshold 0.5, squareplus b 4, softmax/log_softmax/sparsemax
# along the last axis), but two Keras cannot apply by name: `threshold` (its `threshold` and
# `default_value` have no defaults: the call fails) and `glu` (its output halves the last axis
# while Keras' layers declare the input's shape, so the layers after it are built wrong).
ACTIVATIONS = (
    "linear",
    "relu",
    "relu6",
    "sigmoid",
    "hard_sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "softplus",
    "softsign",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "exponential",
    "leaky_relu",
    "mish",
    "celu",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "hard_shrink",
    "soft_shrink",
    "tanh_shrink",
    "log_sigmoid",
    "sparse_sigmoid",
    "sparse_plus",
    "squareplus",
    "sparsemax",
)
Activation = Literal[ACTIVATIONS]  # type: ignore[valid-type]


class ShapeError(ValueError):
    """The layer cannot take the input shapes it was given; the message says why, for a user.

    `role` (and `index`, within a role of several tensors) names the input at fault when it is
    one given by role (`initial_state`, 1), so the message is reported where that input is written.
    """

    def __init__(self, message: str, role: str | None = None, index: int | None = None) -> None:
        super().__init__(message)
        self.role, self.index = role, index


@dataclass(frozen=True)
class Role:
    """An input a kind takes by name, in a node's `inputs:` written as a mapping (`{sequences: x,
    initial_state: [h, c]}`): one of the Keras call's positional inputs (a list of inputs fills
    them in order), or one of its keyword arguments (`keyword`), of one tensor or, `many`, a list.
    `what` says what it is, for messages.
    """

    name: str
    what: str
    keyword: bool = False
    many: bool = False
    required: bool = False


@dataclass(frozen=True)
class Initializer:
    """A Keras initializer, by its name in `keras.initializers` and its arguments.

    `Initializer("random_uniform", minval=-0.05, maxval=0.05)` is
    `keras.initializers.get({"class_name": "random_uniform", "config": {...}})`. Back ends draw
    from the distribution the name stands for (the torch back end: `backends/torch/init.py`).
    """

    name: str
    arguments: tuple[tuple[str, float], ...] = ()

    def __init__(self, name: str, **arguments: float) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "arguments", tuple(sorted(arguments.items())))

    @property
    def kwargs(self) -> dict[str, float]:
        """The arguments as keywords, for `keras.initializers.get` or a torch init function."""
        return dict(self.arguments)


@dataclass(frozen=True)
class Concatenation:
    """Pieces of the last axis, each drawn by its own initializer (Keras' LSTM bias with
    `unit_forget_bias`: zeros for the input gate, ones for the forget gate, zeros after)."""

    parts: tuple[tuple[Initializer, int], ...]  # (initializer, length along the last axis)


@dataclass(frozen=True)
class Regularizer:
    """What a regularizer adds to the loss: `l1 * sum(|w|) + l2 * sum(w ** 2)`."""

    l1: float = 0.0
    l2: float = 0.0


@dataclass(frozen=True)
class Constraint:
    """A projection applied after each optimizer step, by Keras' name and arguments."""

    name: str
    arguments: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        """The arguments as keywords."""
        return dict(self.arguments)


ZEROS, ONES = Initializer("zeros"), Initializer("ones")
GLOROT_UNIFORM, ORTHOGONAL = Initializer("glorot_uniform"), Initializer("orthogonal")


@dataclass(frozen=True)
class Weight:
    """One weight a layer creates when built, as Keras' `add_weight(shape, initializer, trainable)`.

    Its name is the key a layer's `weights()` gives it: Keras' variable name (`kernel`, `bias`,
    `moving_mean`; a wrapper prefixes its sublayers': `forward_kernel`). `shape` is Keras' layout.
    """

    shape: tuple[int, ...]
    initializer: Initializer | Concatenation
    trainable: bool = True
    regularizer: Regularizer | None = None  # added to the training loss
    constraint: Constraint | None = None  # applied after each optimizer step

    @property
    def size(self) -> int:
        """The number of values it holds (the product of its shape)."""
        return math.prod(self.shape)


class Layer(Bounded):
    """Base of every layer config. Subclasses declare `type: Literal["Kind"]` and their arguments.

    `min_inputs`/`max_inputs` bound how many tensors the layer takes (None: no upper bound).
    `output_shape` and `weights` receive one shape per input, batch omitted. `roles` names the
    inputs for a node's `inputs:` written as a mapping: the positional ones first, in the call's
    order, then the keyword ones (whose shapes the rules receive as keywords, a list for a role of
    many). A kind of several outputs names them (`output_names`) and gives a shape for each
    (`output_shapes`).
    """

    # Built on first use: a spec pays for the kinds it uses, not for the whole catalogue.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: str
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    keeps_dtype: ClassVar[bool] = False  # True: output dtype is the input's (Reshape, Dropout...)
    # The dtypes its inputs may have (not masks given by role, which take any): `dtypes.py`.
    input_dtypes: ClassVar[tuple[str, ...]] = FLOAT_DTYPES
    has_weights: ClassVar[bool] = False
    roles: ClassVar[tuple[Role, ...]] = ()
    # Keras' `supports_masking`: False drops a mask that arrives (Keras warns); True leaves the
    # output's to `compute_mask`. `reads_mask`: the computation depends on the mask (Keras' call
    # takes it), so a back end must hand it the mask.
    supports_masking: ClassVar[bool] = False
    reads_mask: ClassVar[bool] = False
    # Keras' MultiHeadAttention clears the masks of the tensors it reads when it runs (a later
    # such call on one of them sees none): the resolver lets one call read a masked tensor
    clears_input_masks: ClassVar[bool] = False
    # The least rank (batch excluded) of the inputs the rules take: a rank-0 input (`shape: []`,
    # one number per sample) goes only into kinds checked to take it, in Keras and in torch.
    min_rank: ClassVar[int] = 1

    # A kind's rules take one shape per input (batch omitted). Each kind names its own parameters
    # (`x` for one input, `*inputs` for several): `*inputs: Any, **_: Any` lets it, for mypy too.
    def output_shape(self, *inputs: Any, **_: Any) -> Shape:
        """The output's shape for these input shapes; `ShapeError` saying why it cannot take them."""
        raise NotImplementedError

    def weights(self, *inputs: Any, **_: Any) -> dict[str, Weight]:
        """The weights the layer builds for these input shapes (empty for weightless kinds)."""
        return {}

    def output_names(self) -> tuple[str, ...]:
        """The layer's outputs by name, in the order Keras returns them. The first is the node's
        own tensor (`node`, also `node.output`); each other one is the tensor `node.NAME`."""
        return ("output",)

    def output_shapes(self, *inputs: Any, **roles: Any) -> tuple[Shape, ...]:
        """One shape per output (`output_names`) for these input shapes, the keyword roles' by
        name; `ShapeError` saying why it cannot take them. One output: `output_shape`'s."""
        return (self.output_shape(*inputs, **roles),)

    def by_role(self, keywords: Mapping[str, Sequence[T]]) -> dict[str, T | list[T]]:
        """A node's keyword inputs (role -> one value per tensor: shapes, tensors) as the rules
        and Keras' call take them: a list for a role of `many`, else its one value."""
        many = {role.name for role in self.roles if role.many}
        return {role: list(v) if role in many else v[0] for role, v in keywords.items()}

    def output_hint(self, name: str) -> str:
        """A note for a reference to an output `name` this layer does not have ("" for none),
        such as how to make a recurrent layer return its states."""
        return ""

    def compute_mask(self, masks: tuple[bool, ...], *inputs: Any, **_: Any) -> bool:
        """Whether the output carries a mask, given which inputs carry one (`masks`, one per input)
        and the input shapes (the keyword roles' by name): Keras' `compute_mask`, decided statically. By default the first
        input's mask passes on where the kind supports masking. `ShapeError` where the kind
        cannot take a mask it receives (Keras fails, or the back ends could not compute it).
        """
        return self.supports_masking and masks[0]

    def returns_its_input(self) -> bool:
        """Whether Keras' call may return its input tensor itself (Identity, a linear Activation,
        Dropout and the noise layers in inference): the output is then the same tensor object,
        whose mask a MultiHeadAttention clears for both (`clears_input_masks`)."""
        return False

    def final_activation(self) -> str | None:
        """The activation function this layer applies last (`relu`, `sigmoid`, `linear`, ...), or
        None when its output is no activation's (an LSTM's is a product of gates)."""
        return None

    def check_dtypes(self, *dtypes: str) -> None:
        """`ShapeError` unless the kind takes inputs of these dtypes (one per positional input)
        in both back ends (`input_dtypes`)."""
        problem = dtype_problem(self.type, self.input_dtypes, dtypes)
        if problem:
            raise ShapeError(problem)

    def output_dtype(self, *dtypes: str) -> str:
        """The output dtype for these input dtypes: the first input's for a `keeps_dtype` kind,
        otherwise float32 (Keras' default float type).
        """
        return dtypes[0] if self.keeps_dtype else "float32"

    def describe(self) -> str:
        """A short argument summary for diagrams and tables, e.g. `units=64, relu`."""
        parts = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if name == "type" or value == field.default:
                continue
            label = field.alias or name
            parts.append(value if name == "activation" else f"{label}={_compact(value)}")
        return ", ".join(str(p) for p in parts)


def _compact(value: Any) -> str:
    if isinstance(value, BaseModel):
        return value.type if hasattr(value, "type") else str(value)
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


class Registry(Mapping[str, type[Layer]]):
    """The layer kinds by `type` name: the built-in catalogue and any kind `register`ed later.

    A built-in kind's module is imported the first time the kind is asked for (`in` does not
    import), so a spec pays for the kinds it uses, not for the whole catalogue. Iterating lists
    every kind; `items()` and `values()` import them all.
    """

    def __init__(self) -> None:
        self._kinds: dict[str, type[Layer]] = {}
        self._modules: dict[str, str] = {}  # built-in kind -> the module that defines it

    def catalogue(self, package: str, modules: dict[str, tuple[str, ...]]) -> None:
        """Declare the built-in kinds: module name (in `package`) -> the kinds it registers."""
        for module, kinds in modules.items():
            self._modules.update(dict.fromkeys(kinds, f"{package}.{module}"))

    def add(self, name: str, cls: type[Layer]) -> None:
        """Make `cls` the kind `name`; ValueError if the name is taken (by another module)."""
        module = self._modules.get(name)
        if name in self._kinds or (module is not None and module != cls.__module__):
            raise ValueError(f"layer kind {name} is registered twice")
        self._kinds[name] = cls

    @override
    def __getitem__(self, name: str) -> type[Layer]:
        if name not in self._kinds and name in self._modules:
            importlib.import_module(self._modules[name])
        return self._kinds[name]

    @override
    def __contains__(self, name: object) -> bool:
        return name in self._kinds or name in self._modules

    @override
    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules, *self._kinds]))

    @override
    def __len__(self) -> int:
        return len(self._modules.keys() | self._kinds.keys())


REGISTRY = Registry()


def register(cls: type[Layer]) -> type[Layer]:
    """Class decorator: make a layer kind known by the name in its `type` literal."""
    (name,) = cls.model_fields["type"].annotation.__args__  # type: ignore[union-attr]
    REGISTRY.add(name, cls)
    return cls


def unknown_kind(kind: Any) -> PydanticCustomError | None:
    """The error for a `type:` that names no registered kind (None: `kind` is not a string)."""
    if not isinstance(kind, str):
        return (
            None
            if kind is None
            else PydanticCustomError(
                "layer_kind_unknown", "unknown layer type {kind}", {"kind": repr(kind)}
            )
        )
    hint = did_you_mean(kind, REGISTRY)
    return PydanticCustomError(
        "layer_kind_unknown", "unknown layer type {kind}{hint}", {"kind": repr(kind), "hint": hint}
    )


class LayerDispatch(Dispatched):
    """The annotation of a layer config nested in another (TimeDistributed's `layer`): any
    registered kind, validated by its class, found when validated (`modelspec/dispatch.py`)."""

    accepts = (Layer,)
    missing = "needs `type:` (a layer kind)"

    @override
    @classmethod
    def model_for(cls, value: Any) -> type[BaseModel] | None:
        kind = value.get("type") if isinstance(value, dict) else None
        return REGISTRY[kind] if isinstance(kind, str) and kind in REGISTRY else None

    @override
    @classmethod
    def unknown(cls, value: dict) -> PydanticCustomError | None:
        return unknown_kind(value.get("type"))

    @override
    @classmethod
    def json_schema(cls, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """Any kind by its `type`; its own arguments are checked by `modelspec validate`. (Not the
        union of every kind's schema: TimeDistributed may wrap a TimeDistributed.)"""
        return {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": list(REGISTRY)}},
            "description": "A layer of any kind, with its arguments (no `inputs`).",
        }


# A field of any layer kind: a `Layer` to a type checker, validated by `LayerDispatch`.
if TYPE_CHECKING:
    AnyLayer: TypeAlias = Layer
else:
    AnyLayer = LayerDispatch


# --- helpers the shape rules share ---------------------------------------------------------


def expect_rank(layer: Layer, shape: Shape, rank: int | tuple[int, ...], what: str = "") -> None:
    """`ShapeError` unless `shape` (batch excluded) has rank `rank` (or one of the ranks given);
    `what` names the expected layout in the message, e.g. "(timesteps, features)".
    """
    ranks = (rank,) if isinstance(rank, int) else rank
    if len(shape) not in ranks:
        want = " or ".join(str(r) for r in ranks)
        layout = f" {what}" if what else ""
        raise ShapeError(
            f"{layer.type} expects inputs of rank {want}{layout} (batch excluded), "
            f"got shape {format_shape(shape)}"
        )


def expect_min_rank(layer: Layer, shapes: Sequence[Shape]) -> None:
    """`ShapeError` when an input's rank (batch excluded) is below the kind's `min_rank`: the
    check every rule relies on before it reads an input's axes."""
    for shape in shapes:
        if len(shape) < layer.min_rank:
            raise ShapeError(
                f"{layer.type} expects inputs of rank at least {layer.min_rank} (batch excluded), "
                f"got shape {format_shape(shape)}: one number per sample; give it a feature "
                "axis (`shape: [1]`, or a Reshape to [1])"
            )


def refuse_mask(layer: Layer, why: str) -> NoReturn:
    """`ShapeError`: `layer` receives a masked input it cannot take; `why` says why."""
    raise ShapeError(
        f"{layer.type} cannot take a masked input (a mask made upstream by an Embedding with "
        f"mask_zero or by Masking): {why}"
    )


def known_dim(layer: Layer, dim: int | None, what: str) -> int:
    """`dim` if it is known; `ShapeError` naming `what` if it is None (a length known only at run
    time), for a rule that needs it, such as a kernel's input features.
    """
    if dim is None:
        raise ShapeError(f"{layer.type} needs a known {what}, got None (any length)")
    return dim


def as_tuple(value: int | tuple[int, ...] | list[int], n: int) -> tuple[int, ...]:
    """Keras' `standardize_tuple`: an int stands for the same value on every spatial axis."""
    if isinstance(value, int):
        return (value,) * n
    return tuple(value)


def dilated_span(kernel: int, dilation: int) -> int:
    """The cells a kernel of `kernel` cells spaced `dilation` apart spans; `ShapeError` beyond
    int32's range, where TensorFlow's padding arithmetic overflows."""
    span = (kernel - 1) * dilation + 1
    if span > INT32[1]:
        raise ShapeError(
            f"a kernel of {kernel} cells dilated by {dilation} spans {span} cells, beyond "
            f"int32's range ({INT32[1]}), where TensorFlow computes its padding"
        )
    return span


def conv_output_length(
    n: int | None, kernel: int, stride: int, padding: str, dilation: int = 1
) -> int | None:
    """Keras' output length for convolution and pooling along one axis."""
    if n is None:
        return None
    span = dilated_span(kernel, dilation)
    if padding in ("same", "causal"):
        return -(-n // stride)
    length = (n - span) // stride + 1
    return length


def format_shape(shape: Shape, batch: bool = False) -> str:
    """`(10, 1)`, or with `batch=True` `(None, 10, 1)` as Keras' summary shows it."""
    dims = ["None" if d is None else str(d) for d in ((None, *shape) if batch else shape)]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
