"""The torch back end's contract for a layer kind: one `Lowering` subclass per kind.

A lowering is made for one use of a layer, `Lowering(layer, site)`: the concrete layer config
and where it is applied (the node's name, its input and output types). It owns everything torch
needs to know about the kind:

- `module()`: the submodule that holds the layer's weights (None for weightless kinds, whose
  computation is written inline);
- `emit(e, *inputs, **roles)`: the node's computation, written through the `Emitter` `e` (each
  call is one fx node: a torch function, a tensor method, or the submodule), returning its
  result, or a tuple of one result per output for a layer of several (`Layer.output_names`).
  Inputs by keyword role come as keywords, channels-last (a list for a role of several
  tensors: `initial_state`). What it writes is plain torch code a person could have written, so
  the forward pass prints as Python source (`module.code`);
- `to_torch(weights)` / `to_keras(params)`: the layer's weights between Keras' names and
  layout (the core's `Layer.weights()`) and the submodule's `state_dict`.

Masks (the core's `TensorType.masked`; `layers/base.py`) are fx values too: a boolean tensor of
the Keras shape without the channels, (batch, *steps), in every layout. The builder hands a
lowering its inputs' masks (`e.masks`); where the core says the output carries one, it asks
`mask()` for it first (the input's by default), so that `emit` can read it (`e.mask`). `emit`
sees the inputs' masks only for a kind that reads them (`Layer.reads_mask`): a lowering shared by
kinds that do and do not (the global average poolings) reads them only where Keras does.

`layout` says which layout the inputs must arrive in: channels-last (Keras', the default),
channels-first (what torch's convolutions, pooling and batch norm read) or either (element-wise
work). `arguments` lists the config fields the lowering honours and `fixed` the fields it
honours at one value only: any other field is a `BackendError` naming the node, the kind and
this back end, so a field added to a kind later is refused until its lowering says how it lowers.

Lowerings are registered by the core's layer class in `LOWERINGS` (`backends/lowerings.py`);
the built-in kinds' live in `layers/`, one module per module of `modelspec/layers/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn, Protocol

from ...graph import TensorType
from ...layers import Layer
from ...layers.options import OPTION_FIELDS
from .. import BackendError
from ..lowerings import Lowerings

CHANNELS_LAST, CHANNELS_FIRST, ANY = "channels_last", "channels_first", "any"
Arrays = dict[str, Any]  # weight name -> numpy array or torch tensor


@dataclass
class Site:
    """Where a layer is applied: the node's name (for messages) and its tensors' types."""

    name: str
    inputs: list[TensorType]
    output: TensorType

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The first input's shape (batch excluded, channels last)."""
        return self.inputs[0].shape


class Emitter(Protocol):
    """What a lowering's `emit` writes the node's computation with (the builder's `FxEmitter`):
    each call adds one node to the fx graph and returns it."""

    layout: str  # the layout the inputs arrived in: CHANNELS_LAST or CHANNELS_FIRST
    site: Site
    masks: list[Any]  # each input's mask (boolean, (batch, *steps)) or None; see the module doc
    mask: Any  # the output's mask, None when it carries none (set before `emit`)

    @property
    def rank(self) -> int:
        """Rank of the (first) input, batch included."""
        ...

    def dim(self, axis: int, rank: int | None = None) -> int:
        """The torch dimension holding Keras axis `axis` (batch = 0, negatives from the end)."""
        ...

    def spatial(self, rank: int | None = None) -> tuple[int, ...]:
        """The torch dimensions between batch and channels."""
        ...

    def module(self, *args: Any, **kwargs: Any) -> Any:
        """A call of the node's submodule (its layer instance)."""
        ...

    def fn(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A call of a torch function (or `operator.add`, ...)."""
        ...

    def method(self, x: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        """`x.name(*args, **kwargs)`."""
        ...

    def activation(self, x: Any, name: str, axis: int = -1) -> Any:
        """The Keras activation `name` applied to `x` (softmax and log_softmax along Keras axis
        `axis`, the channels by default, wherever it is in the layout); the builder records `x`
        as the node's logits when this is the node's last step."""
        ...

    def framed(self, site: Site, layout: str) -> Emitter:
        """An emitter for a wrapped layer's lowering applied at `site` (TimeDistributed's one
        step), its inputs in `layout`: the same node and submodule; its activations are not
        recorded as the node's logits."""
        ...


class Lowering:
    """The lowering of one layer kind at one site; subclasses are registered in `LOWERINGS`.

    `Lowering(layer, site)` runs `check()` at once, so a lowering that exists computes the node
    exactly: a field it does not honour is a `BackendError` naming the node, the kind and torch.
    The builder calls `module()` once, `emit` while tracing the forward pass, and
    `to_torch`/`to_keras` when weights move between Keras' layout and the submodule's.
    """

    layout: str = CHANNELS_LAST  # an instance may choose by its site (BatchNormalization)
    casts: ClassVar[bool] = True  # inputs are cast to the node's dtype first (Keras' autocast)
    arguments: ClassVar[tuple[str, ...]] = ()
    fixed: ClassVar[dict[str, Any]] = {}

    def __init__(self, layer: Any, site: Site) -> None:
        self.layer, self.site = layer, site
        self.check()

    def check(self) -> None:
        """Refuse what this lowering cannot compute exactly (`BackendError`)."""
        honour(self.layer, self.site, *self.arguments, **self.fixed)

    def module(self) -> Any:
        """The submodule holding the layer's weights, or None for an inline computation."""
        return None

    def emit(self, e: Emitter, *inputs: Any, **roles: Any) -> Any:
        """The node's computation on its inputs (fx nodes, in `e.layout`) and its keyword roles
        (channels-last), written through `e`; returns the output (a tuple of one per output for a
        kind of several), in `e.layout` too (a kind whose layout is ANY keeps the one it got).
        """
        raise NotImplementedError

    def mask(self, e: Emitter, *inputs: Any) -> Any:
        """The output's mask (a boolean fx value, Keras' shape without the channels), called
        before `emit` when the core says the output carries one; by default the first input's."""
        return e.masks[0]

    def to_torch(self, weights: Arrays) -> Arrays:
        """The submodule's `state_dict` entries from the layer's Keras weights (by the core's names)."""
        return {}

    def to_keras(self, params: Arrays) -> Arrays:
        """The layer's Keras weights (by the core's names) from the submodule's `state_dict` entries."""
        return {}

    def refuse(self, what: str) -> NoReturn:
        """`BackendError`: this node's `what` (an argument, a value) is not supported by torch."""
        refuse(self.layer, self.site, what)


LOWERINGS: Lowerings[type[Lowering]] = Lowerings("torch")


def lowering_for(layer: Layer, site: Site) -> Lowering:
    """The lowering of `layer` at `site`, through the registry (`BackendError` if there is none)."""
    return LOWERINGS.lookup(layer, site.name)(layer, site)


def refuse(layer: Layer, site: Site, what: str) -> NoReturn:
    """`BackendError` naming the node, the layer kind and `what` torch does not support."""
    what = f"{what} is not supported by the torch back end"
    raise BackendError(f"node {site.name!r}: layer kind {layer.type}: {what}", what)


def honour(layer: Layer, site: Site, *fields: str, **only: Any) -> None:
    """Refuse every field of `layer` that is not in `fields`, and a field in `only` set to
    anything but the value given there. Initializers, regularizers and constraints are honoured
    for every kind: they reach the back end on the weights (`init.py`, `penalties.py`)."""
    for name in type(layer).model_fields:
        value = getattr(layer, name)
        if name in OPTION_FIELDS:
            continue
        if name != "type" and name not in fields and (name not in only or value != only[name]):
            refuse(layer, site, f"argument {name}={value!r}")


def spread(e: Emitter, mask: Any) -> Any:
    """`mask` (batch, *steps) with a size-1 channel axis where `e.layout` has the channels, to
    broadcast against a value of the node's input rank."""
    return e.method(mask, "unsqueeze", e.dim(-1))


def ntuple(value: Any, n: int) -> tuple[int, ...]:
    """Keras' `standardize_tuple`: an int stands for the same value on every axis."""
    return (value,) * n if isinstance(value, int) else tuple(value)


# --- helpers for the weight mappings -------------------------------------------------------------


def renamed(
    names: dict[str, str], weights: Arrays, convert: Callable[[str, Any], Any] | None = None
) -> Arrays:
    """`names` maps source name -> target name; `convert(source name, array)` changes the array
    on the way; weights missing from `weights` are skipped."""
    return {
        target: convert(source, weights[source]) if convert else weights[source]
        for source, target in names.items()
        if source in weights
    }


def permuted(a: Any, axes: tuple[int, ...]) -> Any:
    """`a` (numpy array or torch tensor) with its axes permuted."""
    return a.permute(*axes) if hasattr(a, "permute") else a.transpose(axes)


def stacked(arrays: list[Any]) -> Any:
    """`np.stack` or `torch.stack`, whichever the arrays are."""
    if hasattr(arrays[0], "permute"):
        import torch

        return torch.stack(arrays)
    import numpy as np

    return np.stack(arrays)
