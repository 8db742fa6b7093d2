"""Which repeated sub-graphs become blocks: a greedy choice among the units alike.

Each step takes, of all groups of units alike (`FlatGraph.units`, over the nodes no block has
taken yet), the one whose block saves the most lines: one line per node written once in the
block, one per instance (consecutive units with equal params chained by `repeat:`), a little
less where the Keras names say nothing of a unit's ends. Left out: a unit that cuts the names
wrong (it splits `conv_dw_2` from `conv_pad_2`, or spans two numbered groups) and units of two
pieces that meet only outside them. First single-entry units between cuts of width 1, then, in
what is left, units of up to two inputs and outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .repeats import FlatGraph, Path, Unit, canon

MAX_PARAMS = 5  # more reads worse than two blocks


@dataclass
class Param:
    """A block param: the slots (node offset, path) it fills, and its value in each unit."""

    name: str
    slots: list[tuple[int, Path]]
    values: list[Any]


@dataclass
class Found:
    """A block: its units (in order), its params, and its instances: runs of units (indexes
    into `units`) that chain, each reading only what the one before makes, with equal params."""

    units: list[Unit]
    params: list[Param]
    runs: list[list[int]] = field(default_factory=list)


def find_blocks(graph: FlatGraph) -> list[Found]:
    """The blocks worth writing, in the order chosen."""
    free = [True] * graph.n
    found: list[Found] = []
    for most, cuts in ((1, True), (2, False)):
        groups = graph.units(most, free, cuts)
        while True:
            best: tuple[tuple[float, int, int], Found] | None = None
            for units in groups:
                picked = _apart([u for u in units if all(free[u.start : u.stop])])
                if len(picked) < 2:
                    continue
                bound = sum(u.size for u in picked) - picked[0].size - 3  # saves at most
                if bound <= 0 or (best is not None and bound < best[0][0]):
                    continue
                block = _fit(graph, picked)
                if block is None:
                    continue
                rank = (_saving(graph, block), sum(u.size for u in block.units), -picked[0].start)
                if best is None or rank > best[0]:
                    best = (rank, block)
            if best is None or best[0][0] <= 0:
                break
            found.append(best[1])
            for unit in best[1].units:
                free[unit.start : unit.stop] = [False] * unit.size
    return found


def params(graph: FlatGraph, units: list[Unit]) -> list[Param]:
    """The params units alike need: one for each series of values among the slots whose values
    differ (slots always equal share one: ResNet's two 3x3 convs' `filters`), named after its
    first slot's argument (`filters`, `strides`, `filters_2`)."""
    first = units[0]
    series: dict[tuple[str, ...], Param] = {}
    count: dict[str, int] = {}
    for offset in range(first.size):
        for k, (path, _, _) in enumerate(graph.slots[first.start + offset]):
            values = tuple(graph.slots[u.start + offset][k][1] for u in units)
            if all(v == values[0] for v in values):
                continue
            if values in series:
                series[values].slots.append((offset, path))
                continue
            arg = str(path[0])
            count[arg] = count.get(arg, 0) + 1
            name = arg if count[arg] == 1 else f"{arg}_{count[arg]}"
            plain = [graph.slots[u.start + offset][k][2] for u in units]
            series[values] = Param(name, [(offset, path)], plain)
    return list(series.values())


def _apart(units: list[Unit]) -> list[Unit]:
    """Units that do not overlap, taken from the left."""
    picked: list[Unit] = []
    for unit in units:
        if not picked or unit.start >= picked[-1].stop:
            picked.append(unit)
    return picked


def _fit(graph: FlatGraph, units: list[Unit]) -> Found | None:
    """A block for units alike, leaving out those that cut the Keras names wrong, with at most
    `MAX_PARAMS` params: where more, the largest share of the units that agree on one param's
    value (the others may make another block)."""
    units = [u for u in units if graph.misfit(u) is not None]
    if len(units) < 2 or not graph.connected(units[0]):
        return None
    while len(found := params(graph, units)) > MAX_PARAMS:
        largest: list[int] = []
        for param in found:
            by_value: dict[str, list[int]] = {}
            for k, value in enumerate(param.values):
                by_value.setdefault(canon(value), []).append(k)
            most = max(by_value.values(), key=len)
            largest = most if len(most) > len(largest) else largest
        if len(largest) < 2:
            return None
        units = [units[k] for k in largest]
    block = Found(units, found)
    for k in range(len(units)):
        same = k > 0 and all(canon(p.values[k]) == canon(p.values[k - 1]) for p in found)
        if same and graph.chains(units[k - 1], units[k]):
            block.runs[-1].append(k)
        else:
            block.runs.append([k])
    return block


def _saving(graph: FlatGraph, block: Found) -> float:
    """Lines saved by writing the units as a block (its definition, a line per instance) rather
    than a line per node, less up to a line for each unit whose names say nothing of its ends."""
    unit = block.units[0]
    definition = 2 + unit.size + bool(block.params) + (len(unit.inputs) > 1)
    definition += len(unit.outputs) > 1
    flat = sum(u.size for u in block.units)
    misfit = sum(graph.misfit(u) or 0.0 for u in block.units)
    return flat - definition - len(block.runs) - misfit
