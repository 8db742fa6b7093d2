"""Keras' recurrent layers as torch modules: LSTM, GRU and SimpleRNN with Keras' parameter shapes.

Each module holds exactly the weights Keras holds, named in torch's style (`weight_ih`,
`weight_hh`, `bias`), so parameter counts match `count_params()`. Gate blocks are in torch's
order (LSTM i, f, g, o as in Keras; GRU r, z, n where Keras has z, r, h: the GRU lowering's `gate_order`, in `layers/recurrent.py`,
reorders).

When the layer's activations are the ones torch's fused kernels implement (LSTM and GRU with
tanh/sigmoid, SimpleRNN with tanh or relu; GRU only with `reset_after=True`), `forward` calls that
kernel, giving it a zero second bias. Otherwise a step loop computes Keras' cell with any
activation: the input projection for every step is one matmul, the loop does the recurrent one.
Dropout on inputs and states (Keras' `dropout`, `recurrent_dropout`) runs in training only and
draws its masks as Keras 3 does: once per sequence, not per step; one input mask for all gates,
or, when `recurrent_dropout` is set (Keras' implementation 1), one mask per gate for the inputs
and one per gate for the state.

Input (batch, time, features); output (batch, units), or (batch, time, units) with
`return_sequences`. With `go_backwards` the sequence is read from its end and, as in Keras, the
returned sequence is in reading order. `initial_state` (each (batch, units): LSTM h and c, GRU
and SimpleRNN h) starts from the given states instead of zeros; with `return_state` the forward
pass returns `(output, *last states)`, as Keras does.

A mask (batch, time) runs the step loop as Keras' `backend.rnn` does: at a masked step the
states keep their values and the output repeats the previous one (zeros before the first), or
is zero with `zero_output_for_mask` (what Keras' Bidirectional sets when it returns sequences).
With `go_backwards` the mask is read backwards with the steps.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from typing_extensions import override

from .functions import activation_function
from .runtime import F, nn, torch

Tensor = Any  # torch.Tensor (Any to the type checker, as torch is)


class Recurrent(nn.Module):
    """What LSTM, GRU and SimpleRNN share: sizes, options, the dropout masks and the outer loop."""

    gates = 1
    fused_activations: frozenset[tuple[str, str | None]] = (
        frozenset()
    )  # what torch's fused kernel computes

    def __init__(
        self,
        input_size: int,
        units: int,
        *,
        activation: str = "tanh",
        recurrent_activation: str | None = "sigmoid",
        use_bias: bool = True,
        return_sequences: bool = False,
        go_backwards: bool = False,
        return_state: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        zero_output_for_mask: bool = False,
    ) -> None:
        super().__init__()
        self.input_size, self.units = input_size, units
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.use_bias, self.return_sequences, self.go_backwards = (
            use_bias,
            return_sequences,
            go_backwards,
        )
        self.return_state = return_state
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout
        self.zero_output_for_mask = zero_output_for_mask
        self.act = activation_function(activation)
        self.rec_act = activation_function(recurrent_activation or "linear")  # SimpleRNN has none
        self.weight_ih = nn.Parameter(torch.empty(self.gates * units, input_size))
        self.weight_hh = nn.Parameter(torch.empty(self.gates * units, units))
        self.native = (activation, recurrent_activation) in self.fused_activations

    @override
    def extra_repr(self) -> str:
        keys = (
            "activation",
            "recurrent_activation",
            "use_bias",
            "return_sequences",
            "go_backwards",
            "return_state",
            "dropout",
            "recurrent_dropout",
            "zero_output_for_mask",
        )
        defaults = Recurrent.__init__.__kwdefaults__ or {}
        changed = [f"{k}={getattr(self, k)!r}" for k in keys if getattr(self, k) != defaults.get(k)]
        return ", ".join([f"{self.input_size}, {self.units}", *changed])

    def forward(
        self, x: Tensor, initial_state: list[Tensor] | None = None, mask: Tensor | None = None
    ) -> Any:
        """x (batch, time, features), `mask` (batch, time) or None -> (batch, units), or (batch,
        time, units) with `return_sequences`; with `return_state`, `(output, *states)`, each
        state (batch, units). The fused kernel when it computes Keras' cell, no dropout runs and
        no mask is given, else the step loop.
        """
        if self.go_backwards:
            x = x.flip(1)
            mask = None if mask is None else mask.flip(1)
        if initial_state is None:
            state = self._initial_state(x)
        else:  # Keras casts the states to the layer's dtype
            state = tuple(s.to(x.dtype) for s in initial_state)
        dropping = self.training and (self.dropout > 0 or self.recurrent_dropout > 0)
        if self.native and not dropping and mask is None:
            seq, states = self._fused(x, state)
        else:
            seq, states = self._loop(x, state, mask)
        output = seq if self.return_sequences else states[0]
        return (output, *states) if self.return_state else output

    def _masks(self, x: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """Keras' dropout masks, (masks, batch, [1,] features): one per gate, or one for all gates."""
        if not self.training:
            return None, None
        n, masks = x.shape[0], self.gates if self.recurrent_dropout > 0 else 1
        inp = rec = None
        if self.dropout > 0:
            inp = F.dropout(x.new_ones(masks, n, 1, self.input_size), self.dropout)
        if self.recurrent_dropout > 0:
            rec = F.dropout(x.new_ones(masks, n, self.units), self.recurrent_dropout)
        return inp, rec

    @staticmethod
    def _linear(
        x: Tensor, mask: Tensor | None, weight: Tensor, bias: Tensor | None = None
    ) -> Tensor:
        """`F.linear(x, weight, bias)` where each gate's block of `weight` reads `x` times its own mask."""
        if mask is None:
            return F.linear(x, weight, bias)
        if mask.shape[0] == 1:
            return F.linear(x * mask[0], weight, bias)
        out = torch.cat([F.linear(x * m, w) for m, w in zip(mask, weight.chunk(mask.shape[0]))], -1)
        return out if bias is None else out + bias

    def _loop(
        self, x: Tensor, state: tuple[Tensor, ...], mask: Tensor | None = None
    ) -> tuple[Tensor | None, tuple[Tensor, ...]]:
        """(the output sequence, or None without `return_sequences`; the last states)."""
        in_mask, rec_mask = self._masks(x)
        projected = self._linear(
            x, in_mask, self.weight_ih, self._input_bias()
        )  # every step at once
        outputs = []
        keeps = repeat(None) if mask is None else mask.unsqueeze(-1).unbind(1)
        for step, keep in zip(projected.unbind(1), keeps):
            new = self._step(step, state, rec_mask)
            if keep is None:
                state, output = new, new[0]
            else:  # Keras' backend.rnn: a masked step keeps the states (and the last output)
                state = tuple(torch.where(keep, n, old) for n, old in zip(new, state))
                output = torch.where(keep, new[0], 0.0) if self.zero_output_for_mask else state[0]
            outputs.append(output)
        return (torch.stack(outputs, 1) if self.return_sequences else None), state

    def _initial_state(self, x: Tensor) -> tuple[Tensor, ...]:
        return (x.new_zeros(x.shape[0], self.units),)

    def _input_bias(self) -> Tensor | None:
        return self.bias if self.use_bias else None

    def _zero_bias(self) -> Tensor:
        return torch.zeros_like(self.weight_hh[:, 0])


class LSTM(Recurrent):
    """Keras' LSTM: i, f, o = rec_act(.), c = f * c + i * act(.), h = o * act(c)."""

    gates = 4
    fused_activations = frozenset({("tanh", "sigmoid")})

    def __init__(self, input_size: int, units: int, **options: Any) -> None:
        super().__init__(input_size, units, **options)
        self.bias = nn.Parameter(torch.empty(4 * units)) if self.use_bias else None

    def _initial_state(self, x: Tensor) -> tuple[Tensor, ...]:
        zeros = x.new_zeros(x.shape[0], self.units)
        return zeros, zeros

    def _step(
        self, projected: Tensor, state: tuple[Tensor, ...], rec_mask: Tensor | None
    ) -> tuple[Tensor, ...]:
        h, c = state
        i, f, g, o = (projected + self._linear(h, rec_mask, self.weight_hh)).chunk(4, 1)
        c = self.rec_act(f) * c + self.rec_act(i) * self.act(g)
        return self.rec_act(o) * self.act(c), c

    def _fused(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        h0, c0 = (s.unsqueeze(0) for s in state)
        params = [self.weight_ih, self.weight_hh]
        if self.use_bias:
            params += [self.bias, self._zero_bias()]
        seq, h, c = torch.lstm(
            x, (h0, c0), params, self.use_bias, 1, 0.0, self.training, False, True
        )
        return seq, (h[0], c[0])


class GRU(Recurrent):
    """Keras' GRU: z, r = rec_act(.), n = act(x W + r * (h U)) with `reset_after` (torch's form),
    act(x W + (r * h) U) without; h = z * h + (1 - z) * n. Gate blocks in torch's order r, z, n."""

    gates = 3
    fused_activations = frozenset({("tanh", "sigmoid")})

    def __init__(
        self, input_size: int, units: int, *, reset_after: bool = True, **options: Any
    ) -> None:
        super().__init__(input_size, units, **options)
        self.reset_after = reset_after
        self.native = self.native and reset_after
        if not self.use_bias:
            self.bias = self.bias_ih = self.bias_hh = None
        elif reset_after:
            self.bias_ih = nn.Parameter(torch.empty(3 * units))
            self.bias_hh = nn.Parameter(torch.empty(3 * units))
        else:
            self.bias = nn.Parameter(torch.empty(3 * units))

    @override
    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.reset_after else ", reset_after=False")

    def _input_bias(self) -> Tensor | None:
        if not self.use_bias:
            return None
        return self.bias_ih if self.reset_after else self.bias

    def _step(
        self, projected: Tensor, state: tuple[Tensor, ...], rec_mask: Tensor | None
    ) -> tuple[Tensor, ...]:
        (h,) = state
        xr, xz, xn = projected.chunk(3, 1)
        u = self.units
        if self.reset_after:
            hr, hz, hn = self._linear(h, rec_mask, self.weight_hh, self.bias_hh).chunk(3, 1)
            r, z = self.rec_act(xr + hr), self.rec_act(xz + hz)
            n = self.act(xn + r * hn)
        else:
            rz_mask = None if rec_mask is None else rec_mask[:2]
            hr, hz = self._linear(h, rz_mask, self.weight_hh[: 2 * u]).chunk(2, 1)
            r, z = self.rec_act(xr + hr), self.rec_act(xz + hz)
            hn = h if rec_mask is None else h * rec_mask[-1]
            n = self.act(xn + F.linear(r * hn, self.weight_hh[2 * u :]))
        return (z * h + (1 - z) * n,)  # the state unmasked, as in Keras

    def _fused(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        params = [self.weight_ih, self.weight_hh]
        if self.use_bias:
            params += [self.bias_ih, self.bias_hh]
        h0 = state[0].unsqueeze(0)
        seq, h = torch.gru(x, h0, params, self.use_bias, 1, 0.0, self.training, False, True)
        return seq, (h[0],)


class SimpleRNN(Recurrent):
    """Keras' SimpleRNN: h = act(x W + b + h U)."""

    gates = 1
    fused_activations = frozenset({("tanh", None), ("relu", None)})

    def __init__(self, input_size: int, units: int, **options: Any) -> None:
        super().__init__(input_size, units, recurrent_activation=None, **options)
        self.bias = nn.Parameter(torch.empty(units)) if self.use_bias else None

    def _step(
        self, projected: Tensor, state: tuple[Tensor, ...], rec_mask: Tensor | None
    ) -> tuple[Tensor, ...]:
        (h,) = state
        return (self.act(projected + self._linear(h, rec_mask, self.weight_hh)),)

    def _fused(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        params = [self.weight_ih, self.weight_hh]
        if self.use_bias:
            params += [self.bias, self._zero_bias()]
        kernel = torch.rnn_tanh if self.activation == "tanh" else torch.rnn_relu
        h0 = state[0].unsqueeze(0)
        seq, h = kernel(x, h0, params, self.use_bias, 1, 0.0, self.training, False, True)
        return seq, (h[0],)


class Bidirectional(nn.Module):
    """Keras' Bidirectional: the layer, and a copy reading backwards; outputs merged by `merge_mode`.

    With `return_sequences` the backward layer's sequence is flipped back into time order first.
    `initial_state`: the forward layer's states, then the backward one's (Keras' halves); with
    the layers' `return_state`, `(output, *forward states, *backward states)`.
    """

    def __init__(
        self, forward_layer: Recurrent, backward_layer: Recurrent, merge_mode: str = "concat"
    ) -> None:
        super().__init__()
        self.forward_layer, self.backward_layer, self.merge_mode = (
            forward_layer,
            backward_layer,
            merge_mode,
        )

    @override
    def extra_repr(self) -> str:
        return f"merge_mode={self.merge_mode!r}"

    def forward(
        self, x: Tensor, initial_state: list[Tensor] | None = None, mask: Tensor | None = None
    ) -> Any:
        """x (batch, time, features), `mask` (batch, time) or None -> both layers' outputs merged:
        last axis 2*units for `concat`, units for `sum`, `mul` and `ave`; with `return_state`,
        the states follow.
        """
        half = len(initial_state) // 2 if initial_state is not None else 0
        forward_state = initial_state[:half] if initial_state is not None else None
        backward_state = initial_state[half:] if initial_state is not None else None
        y = self.forward_layer(x, forward_state, mask)
        y_rev = self.backward_layer(x, backward_state, mask)
        states: tuple[Tensor, ...] = ()
        if self.forward_layer.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.backward_layer.return_sequences:
            y_rev = y_rev.flip(1)
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], -1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:  # "ave"
            output = (y + y_rev) / 2
        return (output, *states) if states else output
