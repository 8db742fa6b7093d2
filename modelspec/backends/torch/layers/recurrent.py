"""Torch lowerings of LSTM, GRU, SimpleRNN and Bidirectional (modules: `../recurrent.py`).

Keras keeps one `kernel` (features, gates * units), one `recurrent_kernel` (units, gates * units)
and one `bias`; the torch modules hold `weight_ih`, `weight_hh` (transposed) and `bias` (GRU with
`reset_after`: `bias_ih`, `bias_hh`, Keras' two bias rows). Gate blocks: LSTM i, f, c, o in both;
Keras' GRU z, r, h is torch's r, z, n (`GRU.gate_order`). A masked input's mask is the
module's second argument.
"""

from __future__ import annotations

import operator
from typing import Any, ClassVar

from typing_extensions import override

from ....layers import recurrent as core
from .. import recurrent as modules
from ..lowering import LOWERINGS, Arrays, Emitter, Lowering, lowering_for, stacked


class Recurrent(Lowering):
    """What the three recurrent kinds share; `recurrent_module` is what Bidirectional wraps."""

    arguments: ClassVar[tuple[str, ...]] = (
        "units",
        "activation",
        "use_bias",
        "return_sequences",
        "go_backwards",
        "return_state",
        "dropout",
        "recurrent_dropout",
    )
    cls: type = modules.SimpleRNN

    def options(self) -> dict[str, Any]:
        """The recurrent module's keyword arguments from the layer's config."""
        cfg = self.layer
        return {
            "activation": cfg.activation,
            "use_bias": cfg.use_bias,
            "return_sequences": cfg.return_sequences,
            "return_state": cfg.return_state,
            "dropout": cfg.dropout,
            "recurrent_dropout": cfg.recurrent_dropout,
        }

    def recurrent_module(self, go_backwards: bool, zero_output_for_mask: bool = False) -> Any:
        """The kind's module (`../recurrent.py`), reading backwards if `go_backwards`, outputting
        zeros at masked steps if `zero_output_for_mask` (else the last output again)."""
        return self.cls(
            self.site.shape[-1],
            self.layer.units,
            go_backwards=go_backwards,
            zero_output_for_mask=zero_output_for_mask,
            **self.options(),
        )

    @override
    def module(self) -> Any:
        return self.recurrent_module(self.layer.go_backwards)

    @override
    def emit(self, e: Emitter, x: Any, initial_state: list[Any] | None = None) -> Any:
        return emit_outputs(self.layer, e, x, initial_state)

    def gate_order(self) -> list[int] | None:
        """The index that reorders Keras' gate blocks into torch's (its own inverse); None: same order."""
        return None

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        order = self.gate_order()

        def gates(a: Any) -> Any:  # Keras (n, gates * U) -> torch (gates * U, n)
            return (a if order is None else a[:, order]).T

        out = {
            "weight_ih": gates(weights["kernel"]),
            "weight_hh": gates(weights["recurrent_kernel"]),
        }
        if "bias" in weights:
            b = weights["bias"] if order is None else weights["bias"][..., order]
            if b.ndim == 2:  # GRU reset_after: input and recurrent biases
                out.update(bias_ih=b[0], bias_hh=b[1])
            else:
                out["bias"] = b
        return out

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        order = self.gate_order()

        def gates(a: Any) -> Any:
            return a.T if order is None else a.T[:, order]

        out = {"kernel": gates(params["weight_ih"]), "recurrent_kernel": gates(params["weight_hh"])}
        if "bias_ih" in params:
            out["bias"] = stacked([params["bias_ih"], params["bias_hh"]])[..., order]
        elif "bias" in params:
            out["bias"] = params["bias"] if order is None else params["bias"][order]
        return out


def emit_outputs(layer: Any, e: Emitter, x: Any, initial_state: list[Any] | None) -> Any:
    """The submodule's call on `x` (from `initial_state` when given; else skipping the steps its
    mask masks) and, for a layer of several outputs (`return_state`), one value per output taken
    from the tuple it returns."""
    given = {"initial_state": initial_state} if initial_state is not None else {}
    # Keras fills a call's `mask` from its input only for a call of one tensor argument: a layer
    # given its initial_state reads every step (its returned sequence still carries the mask)
    if e.masks[0] is not None and initial_state is None:
        given["mask"] = e.masks[0]
    out = e.module(x, **given)
    count = len(layer.output_names())
    return out if count == 1 else tuple(e.fn(operator.getitem, out, i) for i in range(count))


@LOWERINGS.register(core.SimpleRNN)
class SimpleRNN(Recurrent):
    """`h = activation(x @ W_ih.T + h @ W_hh.T + bias)`; Keras' kernels transposed."""


@LOWERINGS.register(core.LSTM)
class LSTM(Recurrent):
    """Gates i, f, c, o in Keras' and torch's order alike: the kernels are only transposed."""

    arguments: ClassVar[tuple[str, ...]] = (
        *Recurrent.arguments,
        "recurrent_activation",
        "unit_forget_bias",
    )
    cls = modules.LSTM

    @override
    def options(self) -> dict[str, Any]:
        return {**super().options(), "recurrent_activation": self.layer.recurrent_activation}


@LOWERINGS.register(core.GRU)
class GRU(Recurrent):
    """Keras' gate blocks z, r, h are torch's r, z, n: `gate_order` swaps the first two."""

    arguments: ClassVar[tuple[str, ...]] = (
        *Recurrent.arguments,
        "recurrent_activation",
        "reset_after",
    )
    cls = modules.GRU

    @override
    def options(self) -> dict[str, Any]:
        cfg = self.layer
        return {
            **super().options(),
            "recurrent_activation": cfg.recurrent_activation,
            "reset_after": cfg.reset_after,
        }

    @override
    def gate_order(self) -> list[int] | None:
        u = self.layer.units
        return [*range(u, 2 * u), *range(u), *range(2 * u, 3 * u)]


@LOWERINGS.register(core.Bidirectional)
class Bidirectional(Lowering):
    """The wrapped kind's own lowering, twice (the copy reading backwards); its weight mapping
    per side: Keras' `forward_<name>` is torch's `forward_layer.<param>`, `backward_` likewise."""

    arguments = ("layer", "merge_mode")
    sides: ClassVar[dict[str, str]] = {"forward": "forward_layer", "backward": "backward_layer"}

    def __init__(self, layer: Any, site: Any) -> None:
        super().__init__(layer, site)
        inner = lowering_for(layer.layer, site)
        if not isinstance(inner, Recurrent):
            self.refuse(f"layer of kind {layer.layer.type} (a recurrent layer is needed)")
        self.inner: Recurrent = inner

    @override
    def module(self) -> Any:
        # Keras' Bidirectional sets its layers' zero_output_for_mask to return_sequences; the
        # core refuses a wrapped layer reading backwards
        zeros = bool(self.layer.layer.return_sequences)
        return modules.Bidirectional(
            self.inner.recurrent_module(False, zeros),
            self.inner.recurrent_module(True, zeros),
            self.layer.merge_mode,
        )

    @override
    def emit(self, e: Emitter, x: Any, initial_state: list[Any] | None = None) -> Any:
        return emit_outputs(self.layer, e, x, initial_state)

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        out = {}
        for side, attribute in self.sides.items():
            mine = {k[len(side) + 1 :]: a for k, a in weights.items() if k.startswith(side + "_")}
            out.update({f"{attribute}.{k}": a for k, a in self.inner.to_torch(mine).items()})
        return out

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        out = {}
        for side, attribute in self.sides.items():
            mine = {
                k[len(attribute) + 1 :]: a
                for k, a in params.items()
                if k.startswith(attribute + ".")
            }
            out.update({f"{side}_{k}": a for k, a in self.inner.to_keras(mine).items()})
        return out
