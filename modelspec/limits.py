"""What bounds the cost of a spec, valid or not: the size of the model it may expand to, and the
cost of reporting its mistakes.

A spec of N nodes takes time linear in N whatever is wrong with it:
- blocks expand to at most MAX_GRAPH_NODES nodes, checked from each `repeat:` before its copies
  are made (`copy_size`), and again as nodes are placed;
- "did you mean" compares a word with at most SUGGESTION_BUDGET names in all, per spec
  (`Suggestions`): 5,000 unknown inputs of a 5,000-node spec are 5,000 errors, not 25 million
  comparisons, and the first ones still get their suggestion;
- each cycle is walked once (`cycle_messages`), and a long one is named by its ends.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .errors import BackendError, did_you_mean

MAX_GRAPH_NODES = (
    200_000  # a model's nodes, block copies expanded (a spec file: yamlio.MAX_NODES values)
)
SUGGESTION_BUDGET = 100_000  # names "did you mean" looks at, in all, while one spec is checked
CYCLE_SHOWN = 8  # a cycle of more nodes is named by its first and last few
MAX_BLOCK_DEPTH = 100  # blocks within blocks (as YAML's nesting: yamlio.MAX_DEPTH)
MAX_SEED = 2**32 - 1  # what every generator seeded takes (NumPy's legacy seed, Keras', Optuna's)


class Suggestions:
    """`did_you_mean` within a budget of names looked at: once it is spent, no more suggestions."""

    def __init__(self, budget: int | None = None):
        self.left = SUGGESTION_BUDGET if budget is None else budget

    def __call__(self, word: str, choices: Iterable[str]) -> str:
        """` (did you mean 'units'?)` for a close choice among the first names the budget
        leaves, else ``."""
        if self.left <= 0:
            return ""
        pool = list(itertools.islice(choices, self.left))
        self.left -= max(1, len(pool))
        return did_you_mean(word, pool)


def cycle_messages(waiting_on: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """`cycle: a -> c -> b -> a` for each node on a cycle, given for every node that waits what it
    waits on (nodes no topological order reaches): each node follows the first name it waits on,
    so each walk ends on a cycle; every node is walked once. A node downstream of a cycle gets
    no message (the cycle is its problem)."""
    following = {name: min(needs, default=None) for name, needs in waiting_on.items()}
    messages: dict[str, str] = {}
    walked: set[str] = set()
    for start in following:
        trail: dict[str, int] = {}  # node -> its place on this walk
        node: str | None = start
        while node is not None and node not in walked and node not in trail:
            trail[node] = len(trail)
            node = following.get(node)
        if node is not None and node in trail:
            cycle = list(trail)[trail[node] :]
            for i in range(len(cycle)):
                messages[cycle[i]] = _cycle_message(cycle, i)
        walked.update(trail)
    return messages


def _cycle_message(cycle: list[str], start: int) -> str:
    n = len(cycle)
    if n <= CYCLE_SHOWN:
        names = [cycle[(start + k) % n] for k in range(n + 1)]
        return f"cycle: {' -> '.join(names)}"
    head = [cycle[(start + k) % n] for k in range(CYCLE_SHOWN // 2)]
    tail = [cycle[(start + k) % n] for k in range(n - CYCLE_SHOWN // 2, n + 1)]
    return f"cycle of {n:,} nodes: {' -> '.join(head)} -> ... -> {' -> '.join(tail)}"


@contextlib.contextmanager
def no_gc_pauses() -> Iterator[None]:
    """The cyclic garbage collector paused while a spec is loaded or drawn: both allocate many
    small objects that all live on, and the collector re-scanning them (and whatever else the
    process holds) made a 10,000-node spec take seconds instead of a fraction of one."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()  # move what was made to the oldest generation without a pass over it
            gc.unfreeze()
            gc.enable()


def copy_size(
    block: str, blocks: Mapping[str, Any], sizes: dict[str, int] | None = None, depth: int = 0
) -> int:
    """The nodes one copy of `block` expands to, as far as it is known before expanding it (a
    nested instance's `repeat:` counts when it is written as a number; one given by a `${param}`
    counts once, and the resolver counts its copies as it makes them). Capped just above
    MAX_GRAPH_NODES; a block that instantiates itself, or one nested deeper than MAX_BLOCK_DEPTH,
    counts once (each is an error of its own)."""
    sizes = {} if sizes is None else sizes
    if block in sizes:
        return sizes[block]
    if depth > MAX_BLOCK_DEPTH:
        return 1
    sizes[block] = 1  # while it is counted: an instance of itself (reported elsewhere)
    model = blocks.get(block)
    layers = getattr(model, "layers", None) or ()
    total = 0
    for node in layers.values() if isinstance(layers, dict) else layers:
        inner = getattr(node, "block", None)
        if inner is None or inner not in blocks:
            total += 1
            continue
        repeat = getattr(node, "repeat", 1)
        copies = repeat if isinstance(repeat, int) and not isinstance(repeat, bool) else 1
        total += max(copies, 1) * copy_size(inner, blocks, sizes, depth + 1)
        total = min(total, MAX_GRAPH_NODES + 1)
    sizes[block] = max(total, 1)
    return sizes[block]


def available_memory() -> int | None:
    """Bytes of memory there is to take now: the system's available memory (/proc/meminfo),
    or what the process's cgroup leaves, if less; None where neither can be read (not Linux)."""
    found: list[int] = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    try:
        with (
            open("/sys/fs/cgroup/memory.max") as limit,
            open("/sys/fs/cgroup/memory.current") as used,
        ):
            most = limit.read().strip()
            if most != "max":
                found.append(max(0, int(most) - int(used.read().strip())))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def size_text(nbytes: int) -> str:
    """`16.0 GB`, `320 GB`, `12 kB`: a byte count for a message (decimal units, 3 figures)."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if nbytes >= scale:
            value = nbytes / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{nbytes} bytes"


def weights_nbytes(graph: Any) -> list[tuple[str, tuple[int, ...], int]]:
    """(`node/weight`, shape, bytes) of every weight of a complete graph, the largest first: each
    in its node's float dtype (float32 unless the node computes in another)."""
    itemsize = {"float16": 2, "bfloat16": 2, "float64": 8}
    found = [
        (f"{node.name}/{name}", weight.shape, weight.size * itemsize.get(node.output.dtype, 4))
        for node in graph.nodes
        for name, weight in node.weights.items()
    ]
    return sorted(found, key=lambda w: -w[2])


def too_big_to_build(graph: Any, backend: str, memory: int | None = None) -> str | None:
    """Why `backend` cannot build `graph` in the memory there is (`available_memory()` unless
    given), said before any weight is made: its weights' size, the largest ones, and the memory;
    None when they fit (or the memory is unknown)."""
    memory = available_memory() if memory is None else memory
    weights = weights_nbytes(graph)
    total = sum(nbytes for _, _, nbytes in weights)
    if memory is None or total <= memory:
        return None
    return out_of_memory(graph, backend, f"the {size_text(memory)} of memory available")


def out_of_memory(graph: Any, backend: str, what: str) -> str:
    """The message for a model whose weights do not fit in `what`: their count and size and the
    largest of them, by node."""
    weights = weights_nbytes(graph)
    total = sum(nbytes for _, _, nbytes in weights)
    largest = ", ".join(
        f"{name} {tuple(shape)} {size_text(nbytes)}" for name, shape, nbytes in weights[:3]
    )
    return (
        f"model {graph.name!r} has {graph.params:,} weights, {size_text(total)} ({largest}), "
        f"more than {what}: the {backend} back end cannot build it"
    )


@contextlib.contextmanager
def memory_checked(graph: Any, backend: str) -> Iterator[None]:
    """Around a back end's build of `graph`: `BackendError` saying the weights' size before
    anything is built when they take more memory than there is, and the same message when the
    framework fails to allocate them all the same (MemoryError, TensorFlow's
    ResourceExhaustedError, torch's "can't allocate memory")."""
    reason = too_big_to_build(graph, backend)
    if reason is not None:
        raise BackendError(reason)
    try:
        yield
    except Exception as exc:
        failed = isinstance(exc, MemoryError) or type(exc).__name__ in (
            "ResourceExhaustedError",
            "OutOfMemoryError",
        )
        if not failed and not (
            isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc)
        ):
            raise
        raise BackendError(out_of_memory(graph, backend, "the memory it could allocate")) from None
