"""The torch back end's builder: the complete graph as a `torch.fx.GraphModule`, its forward pass generated.

`to_torch` walks the graph's nodes once, in order, asks each node's lowering (`lowering.py`,
found by the layer's class) for its submodule and its code, and writes one fx graph: a placeholder per spec
input (in declared order, named after it), a `call_module` per layer call (submodules named after
the node that owns the layer, so a shared layer is one submodule called at each of its nodes),
activations, merges, reshapes and pooling inline as `call_function`/`call_method`, and an output
in the declared order. `module.code` is the forward pass as plain Python.

Layout: tensors cross the module's boundary channels-last, as Keras has them. A lowering's
`layout` says which layout it needs (`CHANNELS_FIRST` for convolution, pooling and batch norm over channels; `ANY`
for element-wise work). Each tensor is kept in the layout its producer wrote it in and converted
the first time a consumer needs the other one (the conversion is reused by later consumers), so
the permutes that would cancel are never written: a chain of convolutions permutes once in and
once out.
"""

from __future__ import annotations

import functools
import keyword
import operator
from typing import Any

from ...graph import Graph, Node
from ...naming import keras_name
from .. import BackendError
from . import layers  # noqa: F401  (registers the built-in kinds' lowerings)
from .functions import ACTIVATIONS, AXIS_ACTIVATIONS
from .init import keras_initial_weights
from .lowering import ANY, CHANNELS_FIRST, CHANNELS_LAST, Lowering, Site, lowering_for
from .runtime import fx, nn, torch

# Names the generated code needs for itself (`self` is the module): a spec name that is one of
# them, or a Python keyword, gets a trailing underscore wherever it names a value.
RESERVED_ARGS = {
    "self",
    "torch",
    "inf",
    "nan",
    "NoneType",
    "device",
    "fx_pytree",
    "pytree",
    "builtins",
}
LAYOUT_SUFFIX = {CHANNELS_FIRST: {3: "ncw", 4: "nchw"}, CHANNELS_LAST: {3: "nwc", 4: "nhwc"}}


def argument_name(name: str) -> str:
    """The Python name of spec name `name` in the generated forward (an input's argument, a
    node's value): the name itself unless Python or fx reserves it (`def`, `self`, `torch`)."""
    return f"{name}_" if keyword.iskeyword(name) or name in RESERVED_ARGS else name


@functools.cache
def _reserved_names() -> frozenset[str]:
    """Attribute names a GraphModule already has (an empty one costs ~0.4 ms: build it once)."""
    return frozenset(dir(fx.GraphModule(nn.Module(), fx.Graph())))


def attribute_name(name: str, reserved: set[str]) -> str:
    """The submodule name for layer `name`: the name itself unless it is taken (`reserved`: what
    `nn.Module` has, and the submodules so far) or a Python keyword (`self.class` would not
    parse); then with underscores added until it is neither."""
    while name in reserved or keyword.iskeyword(name):
        name += "_"
    return name


def to_torch(graph: Graph) -> Any:
    """A `torch.fx.GraphModule` computing what the Keras model of the complete graph
    (`Spec.graph`) computes, in eval mode."""
    return _Builder(graph).build()


def training_view(module: Any, activations: dict[str, str], extras: tuple[str, ...] = ()) -> Any:
    """A GraphModule over the same submodules and weights whose forward returns `(outputs, logits,
    values, masks)`: `values` are the results of the nodes named in `extras` (in the layout they
    were computed in: what an activity regularizer sums over).

    `logits` holds, per output, the input of its final activation (channels-last, as the output)
    when that activation is the one `activations` names for the output (Keras computes a
    crossentropy from the logits of a sigmoid or softmax output), else None. `masks` holds each
    output's Keras mask (boolean, the output's shape without the channels; Keras' losses and
    metrics leave the masked positions out), None for an output without one. The builder
    recorded where each output's activation and mask are (`meta["modelspec"]`): nothing here
    reads the generated code to find them.
    """
    meta = module.meta["modelspec"]
    graph, env = fx.Graph(), dict[Any, Any]()
    result: Any = None
    for node in module.graph.nodes:
        if node.op == "output":
            result = node.args[0]
            break
        env[node] = graph.node_copy(node, lambda n: env[n])
    by_name = {node.name: copied for node, copied in env.items()}
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    logits: list[Any] = []
    for name in meta["outputs"]:
        before, layout, activation = meta["logits"].get(name, (None, None, None))
        if before is None or activation != activations.get(name):
            logits.append(None)
            continue
        value = by_name[before]
        if layout == CHANNELS_FIRST:
            rank = meta["ranks"][name]
            value = graph.call_method("permute", (value, 0, *range(2, rank), 1))
        logits.append(value)
    values = tuple(by_name[meta["values"][name]] for name in extras)
    masks = [by_name[m] if (m := meta["masks"].get(name)) else None for name in meta["outputs"]]
    graph.output((tuple(env[r] for r in results), tuple(logits), values, tuple(masks)))
    return fx.GraphModule(module, graph)


class _Builder:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.fx = fx.Graph()
        self.root = nn.Module()
        self.values: dict[str, dict[str, Any]] = {}  # tensor -> layout -> fx node
        self.masks: dict[str, Any] = {}  # tensor -> its Keras mask (fx node), if it carries one
        self.home: dict[str, str] = {}  # tensor -> the layout it was produced in
        self.attributes: dict[str, str] = {}  # layer instance -> submodule name
        self.lowerings: dict[str, Lowering] = {}  # layer instance -> the lowering of its owner
        self.logits: dict[
            str, tuple[str, str, str]
        ] = {}  # node -> (pre-activation value, layout, activation)
        self.reserved = set(_reserved_names())
        self.value_names: dict[str, str] = {}  # tensor -> the name of its fx value
        self.kept: set[str] = set()  # values an activity regularizer reads, read or not

    def build(self) -> Any:
        args: dict[str, str] = {}
        for name in self.graph.inputs:
            args[name] = argument_name(name)
            while args[name] in list(args.values())[:-1]:
                args[name] += "_"
            self._set(name, self.fx.placeholder(args[name], type_expr=torch.Tensor), CHANNELS_LAST)
        for node in self.graph.nodes:
            self._lower(node)
        outputs = [self.value(name, CHANNELS_LAST) for name in self.graph.outputs]
        self.fx.output(outputs[0] if len(outputs) == 1 else tuple(outputs))
        for value in list(self.fx.nodes):  # an output of several that nothing reads
            if value.target is operator.getitem and not value.users and value.name not in self.kept:
                self.fx.erase_node(value)
        module = fx.GraphModule(self.root, self.fx, class_name=_class_name(self.graph.name))
        # GraphModule wraps __call__ in two more Python frames (to decorate tracebacks): about
        # 4% of a small model's forward at batch 1. Plain nn.Module.__call__ costs what a
        # hand-written module costs; `recompile()` puts the wrapper back.
        if "__call__" in vars(type(module)):
            del type(module).__call__
        module.meta["modelspec"] = {  # spec input -> forward argument, layer instance -> submodule
            "name": self.graph.name,
            "inputs": args,
            "outputs": list(self.graph.outputs),
            "modules": dict(self.attributes),
            "lowerings": dict(self.lowerings),
            "logits": {o: self.logits[o] for o in self.graph.outputs if o in self.logits},
            "masks": {o: self.masks[o].name for o in self.graph.outputs if o in self.masks},
            "ranks": {o: self._rank(o) for o in self.graph.outputs},
            "values": dict(self.value_names),  # tensor -> the fx value, for `training_view`
        }
        return module.eval()

    # --- tensors and their layouts -------------------------------------------------------------
    def _set(self, tensor: str, value: Any, layout: str) -> None:
        rank = self._rank(tensor)
        layout = layout if rank > 2 else CHANNELS_LAST  # (batch, features) is both
        self.values[tensor] = {layout: value}
        self.home[tensor] = layout

    def _rank(self, tensor: str) -> int:
        t = self.graph.tensor_type(tensor)
        return len(t.shape) + 1

    def value(self, tensor: str, layout: str) -> Any:
        """The fx value of `tensor` in `layout`, permuting (once) from the layout it was made in."""
        have = self.values[tensor]
        rank = self._rank(tensor)
        if rank <= 2 or layout in have:
            return have[self.home[tensor]] if rank <= 2 else have[layout]
        perm = (
            (0, rank - 1, *range(1, rank - 1))
            if layout == CHANNELS_FIRST
            else (0, *range(2, rank), 1)
        )
        suffix = LAYOUT_SUFFIX[layout].get(rank, "cf" if layout == CHANNELS_FIRST else "cl")
        source = have[self.home[tensor]]
        have[layout] = self.fx.create_node(
            "call_method", "permute", (source, *perm), {}, name=f"{source.name}_{suffix}"
        )
        return have[layout]

    def _layout(self, lowering: Lowering, node: Node) -> str:
        if lowering.layout != ANY:
            return lowering.layout
        homes = {self.home[t] for t in node.inputs}
        ranks = {self._rank(t) for t in node.inputs}
        return homes.pop() if len(homes) == 1 and len(ranks) == 1 else CHANNELS_LAST

    # --- one node ------------------------------------------------------------------------------
    def _site(self, node: Node) -> Site:
        return Site(node.name, [self.graph.tensor_type(t) for t in node.inputs], node.output)

    def _lower(self, node: Node) -> None:
        site = self._site(node)
        lowering = lowering_for(node.layer, site)
        attribute = self._instance(node, lowering)
        layout = self._layout(lowering, node)
        inputs = [self._cast(self.value(t, layout), t, node, lowering) for t in node.inputs]
        # inputs by keyword role (states, masks) come channels-last, as Keras has them
        keywords = {
            r: [self.value(t, CHANNELS_LAST) for t in ts] for r, ts in node.keywords.items()
        }
        emitter = FxEmitter(self, node, site, attribute, layout)
        emitter.masks = [self.masks.get(t) for t in node.inputs]
        if node.output.masked:
            emitter.mask = self.masks[node.name] = lowering.mask(emitter, *inputs)
            if emitter.mask not in emitter.masks:
                emitter.mask._rename(f"{node.name}_mask")
        if not node.layer.reads_mask:  # its computation is the same with a mask as without
            emitter.masks = [None] * len(node.inputs)
        result = lowering.emit(emitter, *inputs, **node.layer.by_role(keywords))
        outputs = result if isinstance(result, tuple) else (result,)  # one per output, in order
        given = inputs + [v for vs in keywords.values() for v in vs]
        regularized = getattr(node.layer, "activity_regularizer", None) is not None
        for tensor, value in zip(node.tensors, outputs, strict=True):
            if value not in given and value.op != "placeholder":
                value._rename(argument_name(tensor.replace(".", "_")))  # the spec's name
            self._set(tensor, value, layout)
            self.value_names[tensor] = value.name
            if regularized:  # Keras regularizes every output of the layer
                self.kept.add(value.name)
        out = outputs[0]
        if emitter.activated is not None and emitter.activated[2] is out:
            before, activation, _ = emitter.activated
            self.logits[node.name] = (
                before.name,
                layout if self._rank(node.name) > 2 else CHANNELS_LAST,
                activation,
            )

    def _instance(self, node: Node, lowering: Lowering) -> str | None:
        """The submodule of the node's layer instance, made from the owner's config when first met."""
        if node.layer_name in self.attributes:
            return self.attributes[node.layer_name]
        owner = self.graph.node(node.layer_name) if node.shared else node
        if owner is not node:
            lowering = lowering_for(owner.layer, self._site(owner))
        module = lowering.module()
        if module is None:
            return None
        self._initialize(owner, module, lowering)
        self.lowerings[node.layer_name] = lowering
        attribute = attribute_name(owner.layer_name, self.reserved | set(self.attributes.values()))
        self.root.add_module(attribute, module)
        self.attributes[node.layer_name] = attribute
        return attribute

    def _initialize(self, owner: Node, module: Any, lowering: Lowering) -> None:
        """Keras' initial values, drawn in Keras' shapes and mapped: also checks the names and sizes."""
        shapes = [self.graph.tensor_type(t).shape for t in owner.inputs]
        try:
            state = lowering.to_torch(keras_initial_weights(owner.layer, shapes))
        except BackendError as exc:
            raise BackendError(f"node {owner.name!r}: layer kind {owner.kind}: {exc}") from None
        own = module.state_dict()
        if set(state) != set(own) or any(tuple(state[k].shape) != tuple(own[k].shape) for k in own):
            got = {k: tuple(v.shape) for k, v in own.items()}
            want = {k: tuple(v.shape) for k, v in state.items()}
            raise BackendError(
                f"node {owner.name!r}: layer kind {owner.kind}: the torch back end built "
                f"weights {got} where modelspec's weights map to {want} "
                "(a bug in modelspec: please report it with the spec)"
            )
        module.load_state_dict(state)

    def _cast(self, value: Any, tensor: str, node: Node, lowering: Lowering) -> Any:
        """Keras casts a layer's inputs to its dtype; so does the generated code, where they differ."""
        have, want = self.graph.tensor_type(tensor).dtype, node.output.dtype
        if not lowering.casts or have == want or node.layer.keeps_dtype:
            return value
        return self.fx.create_node(
            "call_method", "to", (value, getattr(torch, want)), {}, name=f"{value.name}_{want}"
        )


class FxEmitter:
    """The `lowering.Emitter` the builder hands each lowering: every call adds one fx node."""

    def __init__(
        self, builder: _Builder, node: Node, site: Site, attribute: str | None, layout: str
    ):
        self._b, self._node, self.site, self._attribute = builder, node, site, attribute
        self.layout = layout
        self.masks: list[Any] = [None] * len(site.inputs)  # the inputs' masks (`lowering.Emitter`)
        self.mask: Any = None  # the output's
        self.activated: tuple[Any, str, Any] | None = (
            None  # the last activation: (input, name, result)
        )

    @property
    def rank(self) -> int:
        """Rank of the (first) input, batch included."""
        return len(self.site.inputs[0].shape) + 1

    def dim(self, axis: int, rank: int | None = None) -> int:
        """The torch dimension holding Keras axis `axis` (batch = 0, negatives from the end)."""
        rank = rank or self.rank
        if self.layout != CHANNELS_FIRST or rank <= 2:
            return axis
        return (0, rank - 1, *range(1, rank - 1)).index(axis % rank)

    def spatial(self, rank: int | None = None) -> tuple[int, ...]:
        """The torch dimensions between batch and channels."""
        rank = rank or self.rank
        return tuple(range(2, rank)) if self.layout == CHANNELS_FIRST else tuple(range(1, rank - 1))

    def module(self, *args: Any, **kwargs: Any) -> Any:
        """A call of the node's submodule (its layer instance), an fx `call_module` node."""
        kind = type(self._b.root.get_submodule(self._attribute)).__name__
        return self._add("call_module", self._attribute, args, kwargs, keras_name(kind))

    def fn(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """A call of a torch function (`operator.add`, ...), an fx `call_function` node."""
        return self._add(
            "call_function", function, args, kwargs, getattr(function, "__name__", "fn")
        )

    def method(self, x: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        """`x.name(*args, **kwargs)`."""
        return self._add("call_method", name, (x, *args), kwargs, name)

    def activation(self, x: Any, name: str, axis: int = -1) -> Any:
        """The Keras activation `name` applied to `x` (softmax and log_softmax along Keras axis
        `axis`, the channels by default, wherever it is in the layout); records `x` as the
        node's logits when this is the node's last step."""
        entry = ACTIVATIONS[name]
        if entry is None:
            return x
        function, kwargs = entry
        if name in AXIS_ACTIVATIONS:
            kwargs = {"dim": self.dim(axis, len(self.site.output.shape) + 1)}
        out = self.fn(function, x, **kwargs)
        self.activated = (x, name, out)
        return out

    def framed(self, site: Site, layout: str) -> FxEmitter:
        """An emitter for a wrapped layer's lowering at `site`, in `layout` (the same node and
        submodule); the builder reads the logits of this emitter only, not of a framed one."""
        return FxEmitter(self._b, self._node, site, self._attribute, layout)

    def _add(self, op: str, target: Any, args: tuple, kwargs: dict, what: str) -> Any:
        name = f"{self._node.name}_{what.strip('_')}"
        return self._b.fx.create_node(op, target, args, kwargs, name=name)


def _class_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_")) or "Model"
