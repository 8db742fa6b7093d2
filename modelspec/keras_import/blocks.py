"""Readable imports: the repeated sub-graphs of a flat imported spec written as `blocks:`.

`compress(data)` takes the importer's graph-form data (every layer a node) and returns it with
the sub-graphs that occur more than once (`search.py` picks them) as blocks with params, each
occurrence a `block:` node, consecutive ones with equal params one node with `repeat:`. The
model is never changed: the compressed spec's graph has the same nodes in the same order, of
the same kinds with the same arguments, connections and shapes; only names differ, and
`renames` gives each node's new one (the weights are keyed by them).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..naming import keras_name
from ..yamlio import Flow
from .names import DEFAULT_NAMES, NameKeys, block_word
from .repeats import FlatGraph, Unit, ref_base, refs_in
from .search import Found, find_blocks

__all__ = ["compress"]


@dataclass
class _Block:
    """A block as the spec writes it: its name, its nodes' names (by offset), its inputs' names
    and its params' defaults (the value most units have)."""

    found: Found
    word: str  # what its instances' names say it is (`conv_block`)
    local: list[str]
    inputs: list[str]
    defaults: dict[str, Any]
    name: str = ""

    @property
    def outputs(self) -> list[str]:
        """The nodes whose outputs it returns."""
        unit = self.found.units[0]
        return [self.local[j - unit.start] for j in unit.outputs]


def compress(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Spec data with the repeated sub-graphs of `data` (the importer's graph form) written as
    `blocks:`, and each original node's name -> its name in the expanded graph. The list form,
    or a model with nothing repeated, comes back as it is."""
    layers = data.get("layers")
    if not isinstance(layers, dict) or not layers:
        return data, {}
    graph = FlatGraph(data)
    found = sorted(find_blocks(graph), key=lambda f: f.units[0].start)
    if not found:
        return data, {name: name for name in graph.names}
    return _Writer(graph, _named(graph, found), data).write()


def _named(graph: FlatGraph, found: list[Found]) -> list[_Block]:
    """The blocks, named after what their instances are called: `conv_block`. Of blocks called
    alike, a residual one whose Add reads its input is `identity_...`; the others take a word
    only their nodes' names hold (`block_pad`), or a number, in order."""
    blocks = [_block(graph, f) for f in found]
    for b in blocks:
        b.name = b.word
        if sum(o.word == b.word for o in blocks) > 1 and _is_identity(graph, b.found.units[0]):
            last = b.word.rsplit("_", 1)[-1]
            b.name = f"identity_{last}" if last == "block" else f"{b.word}_identity"
    taken: set[str] = set()
    for b in blocks:
        others = [o for o in blocks if o.name == b.name and o is not b]
        mark = _own_word(graph.keys, b, others) if others else ""
        b.name = _fresh(f"{b.name}_{mark}" if mark else b.name, taken)
    return blocks


def _block(graph: FlatGraph, found: Found) -> _Block:
    """A found block with its word: its instances' names without their numbers (`conv2_block1`:
    `conv_block`) where those that say something agree, else its first kind's (`conv2d_block`);
    its nodes' names, its inputs' and its params' defaults."""
    keys, unit = graph.keys, found.units[0]
    constant = _constant(keys, found.units)
    label = keys.label(unit.start, unit.stop, constant)
    words = {
        block_word(keys.label(u.start, u.stop, constant)) or keys.theme(u.start, u.stop)
        for u in found.units
    } - {""}
    word = words.pop() if len(words) == 1 else ""  # the towers `left1`, `right1`: neither
    word = word or f"{keras_name(str(graph.nodes[unit.start]['type']))}_block"
    inputs = ["x", "y", "z"][: len(unit.inputs)] if len(unit.inputs) <= 3 else []
    inputs = inputs or [f"x{k + 1}" for k in range(len(unit.inputs))]
    starts = [u.start for u in found.units]
    letter = word.rsplit("_", 1)[-1][:1]
    local = _distinct(keys.local_names(starts, unit.size, label, letter), set(inputs))
    defaults = {p.name: _most_common(p.values) for p in found.params}
    return _Block(found, word, local, inputs, defaults)


def _is_identity(graph: FlatGraph, unit: Unit) -> bool:
    """Whether an Add in the unit reads the unit's input itself: an identity shortcut."""
    return any(
        graph.nodes[i].get("type") == "Add" and set(graph.reads[i]) & set(unit.inputs)
        for i in range(unit.start, unit.stop)
    )


def _own_word(keys: NameKeys, block: _Block, others: list[_Block]) -> str:
    """The word most often in the names of its named nodes that the other blocks lack (`pad`
    of MobileNetV2's strided blocks, `se` of EfficientNetV2's squeeze-and-excite ones), not
    already in its name; or ''."""
    theirs = {name for o in others for name in o.local}
    unit = block.found.units[0]
    counts: Counter[str] = Counter()
    for offset, name in enumerate(block.local):
        if keys.index[unit.start + offset] is None or name in theirs:
            continue
        words = [w for w in name.split("_") if _is_word(w) and w not in block.name.split("_")]
        counts.update(words)
        counts.update(words[-1:])  # a name's last word first among equals: `dwconv_pad`: pad
    return max(counts, key=lambda w: counts[w], default="")


def _is_word(token: str) -> bool:
    """A word that may tell a block from another: letters, not a kind's default name."""
    return token.isalpha() and len(token) > 1 and token not in DEFAULT_NAMES


class _Writer:
    """Writes the compressed spec data: block definitions, instances, the other nodes."""

    def __init__(self, graph: FlatGraph, blocks: list[_Block], data: dict[str, Any]) -> None:
        self.graph, self.blocks, self.data = graph, blocks, data
        self.runs: dict[int, tuple[_Block, list[Unit]]] = {}  # by its first node
        inside: set[int] = set()
        for block in blocks:
            for run in block.found.runs:
                units = [block.found.units[k] for k in run]
                self.runs[units[0].start] = (block, units)
                for unit in units:
                    inside.update(range(unit.start, unit.stop))
        kept = [name for i, name in enumerate(graph.names) if i not in inside]
        self.taken = set(kept) | set(data.get("inputs") or {})  # names of the new spec
        self.renames = {name: name for name in kept}
        self.tensors: dict[str, str] = {}  # a block's output (original name) -> its new name

    def write(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The spec data and the renames."""
        graph = self.graph
        layers: dict[str, Any] = {}
        i = 0
        while i < graph.n:
            if i in self.runs:
                block, units = self.runs[i]
                name, node = self.instance(block, units)
                layers[name] = node
                i = units[-1].stop
                continue
            node = dict(graph.nodes[i])
            if "inputs" in node:
                node["inputs"] = _renamed(node["inputs"], self.tensors)
            layers[graph.names[i]] = node
            i += 1
        out = {k: v for k, v in self.data.items() if k not in ("blocks", "layers", "outputs")}
        out["blocks"] = {b.name: self.definition(b) for b in self.blocks}
        out["layers"] = layers
        if "outputs" in self.data:
            out["outputs"] = _renamed(list(self.data["outputs"]), self.tensors)
        return out, {name: self.renames[name] for name in graph.names}

    def instance(self, block: _Block, units: list[Unit]) -> tuple[str, dict[str, Any]]:
        """A `block:` node for a run of units, named after what their names share."""
        keys = self.graph.keys
        constant = _constant(keys, block.found.units)
        labels = [keys.label(u.start, u.stop, constant) for u in units]
        name = "_".join(labels[0])
        shared = _common_prefix(labels)
        if len(units) > 1 and any(any(c.isdigit() for c in t) for t in shared):
            name = "_".join(shared)  # DenseNet's conv2_block1 ... conv2_block6: conv2
        if not name[:1].isalpha():
            name = f"{block.name}_{name}" if name else block.name
        copies = len(units)
        name = self._fresh(name, block, copies)
        k = block.found.units.index(units[0])
        node: dict[str, Any] = {"block": block.name}
        params = {
            p.name: p.values[k]
            for p in block.found.params
            if repr(p.values[k]) != repr(block.defaults[p.name])
        }
        if params:
            node["params"] = params
        if copies > 1:
            node["repeat"] = copies
        refs = [self.tensors.get(r, r) for r in units[0].inputs]
        node["inputs"] = refs[0] if len(refs) == 1 else refs
        for j, local in zip(units[-1].outputs, block.outputs, strict=True):
            single = len(block.outputs) == 1
            self.tensors[self.graph.names[j]] = name if single else f"{name}.{local}"
        for copy_number, unit in enumerate(units, start=1):
            tag = f"{name}_{copy_number}_" if copies > 1 else f"{name}_"
            for j in range(unit.start, unit.stop):
                self.renames[self.graph.names[j]] = tag + block.local[j - unit.start]
        return name, node

    def _fresh(self, name: str, block: _Block, copies: int) -> str:
        """`name`, or `name_2`, ..., so that it and its nodes' expanded names are new."""
        n = 1
        while True:
            candidate = name if n == 1 else f"{name}_{n}"
            tags = [f"{candidate}_{c}_" for c in range(1, copies + 1)] if copies > 1 else []
            expanded = {t + local for t in tags or [f"{candidate}_"] for local in block.local}
            if candidate not in self.taken and not expanded & self.taken:
                self.taken |= {candidate} | expanded
                return candidate
            n += 1

    def definition(self, block: _Block) -> dict[str, Any]:
        """A block's definition: params with their defaults, inputs, nodes, outputs (the last
        two where they are not the defaults: `[x]`, the nodes nobody in it reads)."""
        graph, unit = self.graph, block.found.units[0]
        place = {graph.names[unit.start + o]: name for o, name in enumerate(block.local)}
        place.update(zip(unit.inputs, block.inputs, strict=True))
        fills: dict[int, list[tuple[tuple[Any, ...], str]]] = {}
        for param in block.found.params:
            for offset, path in param.slots:
                fills.setdefault(offset, []).append((path, f"${{{param.name}}}"))
        layers: dict[str, Any] = {}
        for offset, local in enumerate(block.local):
            i = unit.start + offset
            node = {k: copy.deepcopy(v) for k, v in graph.nodes[i].items() if k != "inputs"}
            for path, ref in fills.get(offset, []):
                arg = str(path[0])
                if len(path) == 1:
                    node[arg] = ref
                    continue
                if arg not in node:
                    node[arg] = copy.deepcopy(list(graph.argument(i, arg)))
                node[arg][int(path[1])] = ref
            node["inputs"] = _renamed(graph.nodes[i].get("inputs"), place)
            layers[local] = node
        definition: dict[str, Any] = {}
        if block.defaults:
            definition["params"] = Flow(block.defaults)
        if block.inputs != ["x"]:
            definition["inputs"] = block.inputs
        definition["layers"] = layers
        used = {ref_base(r)[0] for node in layers.values() for r in refs_in(node["inputs"])}
        if block.outputs != [name for name in layers if name not in used]:
            definition["outputs"] = block.outputs
        return definition


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """An `inputs:` field (or a list of outputs) with tensors renamed; `names` maps a tensor,
    or a node, whose other outputs (`node.member`) follow it."""
    if isinstance(value, str):
        base, member = ref_base(value)
        if value in names or base not in names:
            return names.get(value, value)
        return f"{names[base]}.{member}"
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, names) for k, v in value.items()}
    return value


def _constant(keys: NameKeys, units: list[Unit]) -> frozenset[str]:
    """The index tokens the names of all of a block's units share (the `1` of NASNet's
    `normal_conv_1_0`, `normal_conv_1_1`): they tell no instance from another."""
    shared = [set(keys.shared(u.start, u.stop)) for u in units]
    return frozenset(set.intersection(*shared))


def _distinct(names: list[str], taken: set[str]) -> list[str]:
    """`names` made distinct from each other and from `taken` (`conv2d`, `conv2d_2`, ...)."""
    seen = set(taken)
    return [_fresh(name, seen) for name in names]


def _fresh(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, ..., whichever `taken` lacks first (then taken)."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _most_common(values: list[Any]) -> Any:
    """The value most units have (the first of those tied)."""
    counts = Counter(repr(v) for v in values)
    top = max(counts.values())
    return next(v for v in values if counts[repr(v)] == top)


def _common_prefix(labels: list[list[str]]) -> list[str]:
    """The tokens all labels start with."""
    n = 0
    while all(len(label) > n and label[n] == labels[0][n] for label in labels):
        n += 1
    return labels[0][:n]
