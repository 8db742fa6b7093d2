"""Recurrent layers: LSTM, GRU, SimpleRNN, and Bidirectional around any of them.

All take (timesteps, features), timesteps possibly None, and return (units,) or, with
`return_sequences`, (timesteps, units). With `return_state` they also return their last states,
each (units,), as Keras does: LSTM `state_h` and `state_c`, GRU and SimpleRNN `state`
(Bidirectional: the forward layer's, then the backward one's). By role, `initial_state` gives the
states to start from, in the same order and shapes (Keras' `layer(x, initial_state=[h, c])`).
A masked step (Keras' `backend.rnn`) keeps the states and repeats the previous output (0 before
the first); Bidirectional outputs 0 there instead when it returns sequences (it sets its layers'
`zero_output_for_mask`). A returned sequence carries the input's mask, unreversed even with
`go_backwards`; the last output and the states carry none. Given an `initial_state`, Keras
does not hand the layer its input's mask (it fills a call's mask only for a call of one tensor):
every step is read, and a returned sequence still carries the mask. Weights are Keras': one `kernel`
(features, gates*units), one `recurrent_kernel` (units, gates*units) and one `bias`; GRU with
`reset_after` (Keras' default) keeps separate input and recurrent biases, so its bias is (2,
3*units).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal

from pydantic import Field, PositiveInt, model_validator
from typing_extensions import override

from ..params import P
from .base import (
    ONES,
    Activation,
    Initializer,
    Layer,
    Role,
    Shape,
    ShapeError,
    Weight,
    expect_rank,
    format_shape,
    known_dim,
    register,
)
from .dtypes import ALL_DTYPES
from .options import ActivityOptions, BiasOptions, KernelOptions, RecurrentOptions, declared

Rate = Annotated[float, Field(ge=0, lt=1)]
STATES = ("state", "state_h", "state_c")  # what a recurrent kind's states are named
ROLES = (
    Role("sequences", "the input sequence (timesteps, features)", required=True),
    Role("initial_state", "the states to start from, each (units,)", keyword=True, many=True),
)


class _Recurrent(Layer, KernelOptions, RecurrentOptions, BiasOptions, ActivityOptions):
    input_dtypes = ALL_DTYPES
    gates: ClassVar[int] = 1
    states: ClassVar[tuple[str, ...]] = ("state",)  # Keras' order, as return_state returns them
    has_weights = True
    roles = ROLES
    supports_masking = True
    reads_mask = True  # a masked step keeps the state and repeats the last output

    units: P[PositiveInt]
    activation: P[Activation] = "tanh"
    use_bias: P[bool] = True
    return_sequences: P[bool] = False
    go_backwards: P[bool] = False
    return_state: P[bool] = False
    dropout: P[Rate] = 0.0
    recurrent_dropout: P[Rate] = 0.0

    @override
    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, 2, "(timesteps, features)")
        known_dim(self, x[-1], "feature dimension")
        return (x[0], self.units) if self.return_sequences else (self.units,)

    @override
    def output_names(self) -> tuple[str, ...]:
        return ("output", *self.states) if self.return_state is True else ("output",)

    @override
    def output_shapes(
        self, x: Shape, initial_state: Sequence[Shape] | None = None
    ) -> tuple[Shape, ...]:
        if initial_state is not None:
            self.check_states(initial_state, self.states, self.type)
        state: Shape = (self.units,)
        return (self.output_shape(x), *[state] * (len(self.output_names()) - 1))

    @override
    def output_hint(self, name: str) -> str:
        if self.return_state is not True and name in STATES:
            return f" ({self.type} returns its states with `return_state: true`)"
        return ""

    def check_states(self, shapes: Sequence[Shape], names: Sequence[str], kind: str) -> None:
        """`ShapeError` (at the `initial_state` entry at fault) unless `shapes` are one state of
        shape (units,) per name in `names`, as the `kind` layer starts from them."""
        if len(shapes) != len(names):
            raise ShapeError(
                f"{kind} initial_state takes {len(names)} tensor(s) ({', '.join(names)}), "
                f"got {len(shapes)}",
                role="initial_state",
            )
        for i, (name, shape) in enumerate(zip(names, shapes)):
            if tuple(shape) != (self.units,):
                raise ShapeError(
                    f"{kind} initial_state {name} must be of shape ({self.units},) (the "
                    f"layer's units), got {format_shape(shape)}",
                    role="initial_state",
                    index=i,
                )

    @override
    def compute_mask(
        self, masks: tuple[bool, ...], x: Shape, initial_state: Sequence[Shape] | None = None
    ) -> bool:
        # Keras' RNN.compute_mask: the input's mask (in time order, even with go_backwards) for
        # a returned sequence, none for the last output (nor for the states)
        return masks[0] and bool(self.return_sequences)

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`kernel` (features, gates*units), `recurrent_kernel` (units, gates*units) and, with
        `use_bias`, `bias` of `bias_shape()`, with Keras' initializers (glorot, orthogonal, zeros).
        """
        features, width = known_dim(self, x[-1], "feature dimension"), self.gates * self.units
        out = {
            "kernel": declared(self, "kernel", (features, width)),
            "recurrent_kernel": declared(
                self, "recurrent_kernel", (self.units, width), options="recurrent"
            ),
        }
        if self.use_bias:
            out["bias"] = declared(self, "bias", self.bias_shape(), parts=self.bias_parts())
        return out

    def bias_shape(self) -> tuple[int, ...]:
        """The bias' shape: (gates*units,)."""
        return (self.gates * self.units,)

    def bias_parts(self) -> tuple[tuple[Initializer | None, int], ...] | None:
        """The bias drawn in pieces along its last axis ((initializer, length), None for the
        layer's `bias_initializer`), or None: drawn whole."""
        return None


@register
class SimpleRNN(_Recurrent):
    """`h = activation(x @ kernel + h @ recurrent_kernel + bias)` at each step."""

    type: Literal["SimpleRNN"] = "SimpleRNN"


@register
class LSTM(_Recurrent):
    """Long short-term memory; gates in Keras' order i, f, c, o (the same as torch's)."""

    type: Literal["LSTM"] = "LSTM"
    gates = 4
    states = ("state_h", "state_c")
    recurrent_activation: P[Activation] = "sigmoid"
    unit_forget_bias: P[bool] = True

    @override
    def bias_parts(self) -> tuple[tuple[Initializer | None, int], ...] | None:
        """Keras' LSTMCell.build: with `unit_forget_bias`, ones for the forget gate's block and
        `bias_initializer` for the others."""
        if not self.unit_forget_bias:
            return None
        u = self.units
        return ((None, u), (ONES, u), (None, 2 * u))


@register
class GRU(_Recurrent):
    """Gated recurrent unit; Keras' gate order z, r, h. `reset_after` applies the reset gate after
    the recurrent matmul (Keras' and cuDNN's default, and torch's only form)."""

    type: Literal["GRU"] = "GRU"
    gates = 3
    recurrent_activation: P[Activation] = "sigmoid"
    reset_after: P[bool] = True

    def bias_shape(self) -> tuple[int, ...]:
        """(2, 3*units) with `reset_after` (input and recurrent biases, Keras' layout), else (3*units,)."""
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)


RecurrentLayer = Annotated[LSTM | GRU | SimpleRNN, Field(discriminator="type")]


@register
class Bidirectional(Layer):
    """Runs `layer` forwards and a copy backwards over time and merges the two outputs:
    `concat` gives 2*units features, `sum`, `mul` and `ave` give units. With the layer's
    `return_state`, the forward layer's states and then the backward one's follow the output
    (`forward_state_h`, `forward_state_c`, `backward_state_h`, ... for an LSTM), and
    `initial_state` takes them in that order (Keras gives its first half to the forward layer).
    """

    type: Literal["Bidirectional"] = "Bidirectional"
    input_dtypes = ALL_DTYPES
    layer: RecurrentLayer
    merge_mode: P[Literal["concat", "sum", "mul", "ave"]] = "concat"
    has_weights = True
    roles = ROLES
    supports_masking = True
    reads_mask = True

    @model_validator(mode="after")
    def _reads_forwards(self) -> Bidirectional:
        if self.layer.go_backwards is True:  # a `${param}` is checked once it has its value
            raise ValueError(
                "the wrapped layer must read forwards (go_backwards: false): Keras' Bidirectional "
                "makes the backward copy with go_backwards=True and refuses two that read alike"
            )
        if self.layer.activity_regularizer is not None:
            raise ValueError(
                "activity_regularizer on the wrapped layer is not supported (Keras applies it to "
                "each direction's output): give the Bidirectional node's output a regularized layer"
            )
        return self

    def output_shape(self, x: Shape) -> Shape:
        """The wrapped layer's output shape, its last axis doubled for `concat`."""
        shape = self.layer.output_shape(x)
        if self.merge_mode == "concat":
            return (*shape[:-1], 2 * shape[-1])  # type: ignore[operator]
        return shape

    def state_names(self) -> list[str]:
        """The states of both layers, as `initial_state` takes them and `return_state` returns them."""
        return [f"{side}_{name}" for side in ("forward", "backward") for name in self.layer.states]

    @override
    def output_names(self) -> tuple[str, ...]:
        return ("output", *self.state_names()) if self.layer.return_state is True else ("output",)

    @override
    def output_shapes(
        self, x: Shape, initial_state: Sequence[Shape] | None = None
    ) -> tuple[Shape, ...]:
        if initial_state is not None:
            self.layer.check_states(initial_state, self.state_names(), self.type)
        state: Shape = (self.layer.units,)
        return (self.output_shape(x), *[state] * (len(self.output_names()) - 1))

    @override
    def output_hint(self, name: str) -> str:
        if self.layer.return_state is not True and name.startswith(("forward_", "backward_")):
            return " (Bidirectional returns the states with its layer's `return_state: true`)"
        return ""

    @override
    def compute_mask(
        self, masks: tuple[bool, ...], x: Shape, initial_state: Sequence[Shape] | None = None
    ) -> bool:
        return self.layer.compute_mask(masks, x)

    def weights(self, x: Shape) -> dict[str, Weight]:
        """The wrapped layer's weights twice, prefixed `forward_` and `backward_` (Keras' names)."""
        inner = self.layer.weights(x)
        return {f"{d}_{name}": w for d in ("forward", "backward") for name, w in inner.items()}

    @override
    def describe(self) -> str:
        inner = f"{self.layer.type}({self.layer.describe()})"
        return inner if self.merge_mode == "concat" else f"{inner}, {self.merge_mode}"
