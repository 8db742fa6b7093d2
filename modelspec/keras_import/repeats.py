"""A flat graph-form spec read for its repeated sub-graphs (`search.py` picks the blocks).

The nodes keep the importer's order (Keras' call order, topological), and a block instance
expands to consecutive nodes, so an occurrence is a run of consecutive nodes `[start, stop)`: a
unit, with the tensors it reads from before it as its inputs and those read after it as its
outputs. A cut between two nodes has a width: the tensors made before it and read after it. A
unit between cuts of width 1 is a single-entry sub-graph that nothing passes by: a residual
block from its input to the Add or the activation after it, a dense block's layer to its
Concatenate. Units of two inputs or outputs, with tensors passing them by, come after: a cell
reading the last two cells' outputs, a U-Net level keeping its features for the decoder. Units
are alike when their nodes have the same kinds, the same connections, and the same arguments
wherever a `${param}` cannot stand: what may differ are the arguments a param may fill (slots).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from ..layers import REGISTRY
from .names import NameKeys

MAX_NODES = 80  # the longest unit looked for (Inception's modules: 31, NASNet's cells: ~60)
_PROBE = "${probe}"

Path = tuple[str | int, ...]  # an argument, or an item of a list argument: ("target_shape", 2)
Slot = tuple[Path, str, Any]  # its path, its value as canonical JSON, its value


@dataclass(frozen=True)
class Unit:
    """One occurrence: nodes `[start, stop)`, the tensors it reads from before it (in the order
    its nodes first read them) and the positions of the nodes whose outputs are read after it
    (or are model outputs)."""

    start: int
    stop: int
    inputs: tuple[str, ...]
    outputs: tuple[int, ...]

    @property
    def size(self) -> int:
        """Its number of nodes."""
        return self.stop - self.start


def ref_base(ref: str) -> tuple[str, str]:
    """`node.member` as (node, member); a bare node or input name has member ''."""
    base, _, member = ref.partition(".")
    return base, member


def refs_in(value: Any) -> list[str]:
    """The tensor names in an `inputs:` field (a name, a list, or a role mapping), in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [r for item in value for r in refs_in(item)]
    if isinstance(value, dict):
        return [r for item in value.values() for r in refs_in(item)]
    return []


def canon(value: Any) -> str:
    """A value as canonical JSON, to compare values."""
    return json.dumps(value, sort_keys=True, default=repr)


class FlatGraph:
    """The importer's flat graph-form data, analysed: each node's reads, slots and skeleton, the
    last reader of each of its outputs, the width of each cut, what the names say."""

    def __init__(self, data: dict[str, Any]) -> None:
        layers: dict[str, dict[str, Any]] = data["layers"]
        self.names = list(layers)
        self.nodes = [layers[n] for n in self.names]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.n = len(self.nodes)
        self.keys = NameKeys(self.names, [str(node.get("type", "")) for node in self.nodes])
        self.reads = [refs_in(node.get("inputs")) for node in self.nodes]
        shared = {str(node["shares"]) for node in self.nodes if "shares" in node}
        # a `shares:` node names its owner within its section: neither goes into a block
        self.pinned = [
            "type" not in node or "shares" in node or self.names[i] in shared
            for i, node in enumerate(self.nodes)
        ]
        last: dict[str, int] = {str(ref): self.n for ref in data.get("outputs") or []}
        for i, reads in enumerate(self.reads):
            for ref in reads:
                last[ref] = max(last.get(ref, -1), i)
        self.last_read = [last.get(name, -1) for name in self.names]  # its first output
        self.last_member = [-1] * self.n  # its other outputs (`node.state_h`)
        for ref, at in last.items():
            base, member = ref_base(ref)
            made = self.index.get(base, -1)
            if member and made >= 0:
                self.last_member[made] = max(self.last_member[made], at)
        # the width of each cut: the tensors made before it and read after it
        change = [0] * (self.n + 2)
        for ref, at in last.items():
            change[self.index.get(ref_base(ref)[0], -1) + 1] += 1
            change[at + 1] -= 1
        self.width, running = [0] * (self.n + 1), 0
        for p in range(self.n + 1):
            running += change[p]
            self.width[p] = running
        self.done: list[list[int]] = [[] for _ in range(self.n)]  # the nodes node i reads last
        self.members_done: list[list[int]] = [[] for _ in range(self.n)]
        for j in range(self.n):
            for at, done in (
                (self.last_read[j], self.done),
                (self.last_member[j], self.members_done),
            ):
                if 0 <= at < self.n:
                    done[at].append(j)
        self.slots: list[list[Slot]] = []
        self.skeletons: list[tuple[Any, ...]] = []
        for i, node in enumerate(self.nodes):
            slots, skeleton = _slots(node) if not self.pinned[i] else ([], ("pinned",))
            self.slots.append(slots)
            self.skeletons.append(skeleton)
        self._misfits: dict[tuple[int, int], float | None] = {}

    def units(self, most: int, free: list[bool], cuts: bool) -> list[list[Unit]]:
        """The units of at most `most` inputs and outputs over free nodes, grouped alike
        (groups of one left out), in order; `cuts`: only between cuts of width `most` at most
        (no tensor passes it by)."""
        groups: dict[tuple[Any, ...], list[Unit]] = {}
        for start in range(self.n):
            if not free[start] or (cuts and self.width[start] > most):
                continue
            external: dict[str, int] = {}
            shape: list[Any] = []
            read_after = member_after = 0
            for stop in range(start + 1, min(self.n, start + MAX_NODES) + 1):
                i = stop - 1
                if not free[i] or self.pinned[i] or len(external) > most:
                    break
                shape.append((self.skeletons[i], self._pattern(i, start, external)))
                # the unit's nodes read after it: node i, less those whose last reader it is
                read_after += (self.last_read[i] > i) - sum(j >= start for j in self.done[i])
                member_after += (self.last_member[i] > i) - sum(
                    j >= start for j in self.members_done[i]
                )
                if stop - start < 2 or len(external) > most or member_after:
                    continue  # (a block returns its nodes' first outputs only)
                if not 0 < read_after <= most or (cuts and self.width[stop] > most):
                    continue
                outputs = tuple(j for j in range(start, stop) if self.last_read[j] >= stop)
                key = (tuple(shape), tuple(j - start for j in outputs))
                groups.setdefault(key, []).append(Unit(start, stop, tuple(external), outputs))
        return [units for units in groups.values() if len(units) > 1]

    def _pattern(self, i: int, start: int, external: dict[str, int]) -> Any:
        """Node `i`'s `inputs:` with each tensor as its place: a node of the unit by offset, or
        the unit's n-th input."""

        def place(ref: str) -> tuple[Any, ...]:
            made = self.index.get(ref_base(ref)[0], -1)
            if made >= start:
                return ("node", made - start, ref_base(ref)[1])
            return ("input", external.setdefault(ref, len(external)))

        return _map_refs(self.nodes[i].get("inputs"), place)

    def misfit(self, unit: Unit) -> float | None:
        """`NameKeys.misfit` of a unit, except that names cannot veto a closed one."""
        key = (unit.start, unit.stop)
        if key not in self._misfits:
            misfit = self.keys.misfit(unit.start, unit.stop)
            self._misfits[key] = 1.0 if misfit is None and self._closed(unit) else misfit
        return self._misfits[key]

    def _closed(self, unit: Unit) -> bool:
        """Whether every cut inside the unit is crossed by more of its tensors than its inputs
        or its outputs: it is one piece, however its nodes are named (Inception's modules)."""
        start, size = unit.start, unit.size
        last: dict[str, int] = {self.names[j]: size for j in unit.outputs}
        for offset in range(size):
            for ref in self.reads[start + offset]:
                last[ref] = max(last.get(ref, 0), offset)
        crossing = [0] * (size + 2)
        for ref, at in last.items():
            made = self.index.get(ref_base(ref)[0], -1) - start
            crossing[max(made + 1, 0)] += 1  # from the cut after its node to its last reader
            crossing[at + 1] -= 1
        running, narrowest = crossing[0], size + 1
        for cut in range(1, size):
            running += crossing[cut]
            narrowest = min(narrowest, running)
        return narrowest > max(len(unit.inputs), len(unit.outputs))

    def connected(self, unit: Unit) -> bool:
        """Whether the unit's nodes are one sub-graph, joined by what they read (its inputs
        included): not two branches side by side that only meet outside it."""
        parent = list(range(unit.size + len(unit.inputs)))

        def root(k: int) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        place = {ref: unit.size + k for k, ref in enumerate(unit.inputs)}
        for offset in range(unit.size):
            for ref in self.reads[unit.start + offset]:
                made = self.index.get(ref_base(ref)[0], -1) - unit.start
                other = made if made >= 0 else place[ref]
                parent[root(other)] = root(offset)
        return len({root(k) for k in range(unit.size)}) == 1

    def chains(self, before: Unit, after: Unit) -> bool:
        """Whether `after` follows `before` reading exactly its outputs, in order, and nothing
        after it reads them (so `repeat:` may chain the two)."""
        if before.stop != after.start or len(after.inputs) != len(before.outputs):
            return False
        if any(self.last_read[j] >= after.stop for j in before.outputs):
            return False
        return all(ref == self.names[j] for ref, j in zip(after.inputs, before.outputs))

    def argument(self, i: int, arg: str) -> Any:
        """Node `i`'s argument `arg`, or its kind's default."""
        node = self.nodes[i]
        if arg in node:
            return node[arg]
        fields = REGISTRY[str(node["type"])].model_fields
        info = next(f for name, f in fields.items() if (f.alias or name) == arg)
        return info.get_default(call_default_factory=True)


def _map_refs(value: Any, place: Any) -> Any:
    if isinstance(value, str):
        return place(value)
    if isinstance(value, list):
        return ("list", tuple(_map_refs(v, place) for v in value))
    if isinstance(value, dict):
        return ("map", tuple((k, _map_refs(v, place)) for k, v in value.items()))
    return value


def _slots(node: dict[str, Any]) -> tuple[list[Slot], tuple[Any, ...]]:
    """A layer node's slots, its arguments at their defaults included; and its skeleton: its
    kind and everything no param may stand for (arguments that take no reference, with their
    values, and any other field)."""
    kind = str(node["type"])
    cls = REGISTRY.get(kind)
    if cls is None:
        return [], ("kind", canon(node))
    args = {k: v for k, v in node.items() if k != "inputs"}
    slots: list[Slot] = []
    fixed: list[Any] = [kind]
    fields = {info.alias or name: info for name, info in cls.model_fields.items()}
    fixed.extend((k, canon(v)) for k, v in args.items() if k not in fields)
    for arg, info in fields.items():
        if arg == "type":
            continue
        value = args.get(arg, PydanticUndefined)
        if value is PydanticUndefined:
            value = info.get_default(call_default_factory=True)
            if value is PydanticUndefined or not _plain(value):
                fixed.append((arg, "<default>"))
                continue
        probe = {**args, arg: value}
        if _paramable(kind, (arg,), probe):
            slots.append(((arg,), canon(value), value))
        elif isinstance(value, list):
            items: list[Any] = [arg, len(value)]
            for i, item in enumerate(value):
                if _paramable(kind, (arg, i), probe):
                    slots.append(((arg, i), canon(item), item))
                    items.append("*")
                else:
                    items.append(canon(item))
            fixed.append(tuple(items))
        else:
            fixed.append((arg, canon(value)))
    return slots, tuple(fixed)


def _plain(value: Any) -> bool:
    """Whether `value` is plain YAML data (what a param's value must be)."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return value is None or isinstance(value, (str, int, float, bool))


_PARAMABLE: dict[tuple[str, Path], bool] = {}


def _paramable(kind: str, path: Path, args: dict[str, Any]) -> bool:
    """Whether a `${param}` may stand at `path` in a node of `kind`: Pydantic validates the node
    with one there. The answer is the argument's type, so it is kept per kind and path."""
    known = _PARAMABLE.get((kind, path))
    if known is None:
        args = copy.deepcopy(args)
        arg, item = str(path[0]), path[1] if len(path) > 1 else None
        placed = item is None or isinstance(item, int) and item < len(args[arg])
        if item is None:
            args[arg] = _PROBE
        elif placed:
            args[arg][item] = _PROBE
        try:
            REGISTRY[kind].model_validate(args)
            known = placed
        except (ValidationError, TypeError, ValueError):
            known = False
        _PARAMABLE[(kind, path)] = known
    return known
