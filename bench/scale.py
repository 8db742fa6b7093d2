"""Scale: parse, validate and infer every shape of generated specs of 100, 1,000 and 10,000 nodes.

The specs are the test suite's `chain_with_branches(n)` (tests/kind_cases.py): a chain in which
every step branches into two Dense layers and merges again with an Add that also reads the
merge three steps back, so edges are long and the graph is not a plain list. Timed:
`modelspec.loads(text)` (what `modelspec validate` does after reading the file), with its two
halves measured apart: `parse` (YAML -> data with the position of every value) and the rest
(Pydantic validation, resolving the graph, inferring shapes and parameter counts).

Goals: linear (log-log slope of time against nodes, 1,000 -> 10,000, at most 1.10: 1.0 is
linear, 2.0 quadratic) and 10,000 nodes within 1 s.
"""

from __future__ import annotations

import cProfile
import math
import pstats
import statistics
import tracemalloc

import modelspec
from modelspec.spec import Spec
from modelspec.yamlio import parse

from tests.kind_cases import chain_with_branches  # the test suite's generated spec

from bench.timing import Measurement, Report, fmt_time, per_call

SIZES = (100, 1_000, 10_000)
SLOPE = 1.10
LIMIT = 1.0  # seconds at 10,000 nodes




def run(quick: bool) -> Report:
    report = Report("Scale: `modelspec.loads` of generated specs (parse + validate + infer)")
    texts = {n: chain_with_branches(n) for n in SIZES}
    docs = {n: parse(texts[n], "big.yaml") for n in SIZES}
    nodes = {n: len(modelspec.loads(texts[n]).graph.nodes) for n in SIZES}
    calls_per_block = {100: 10, 1_000: 3, 10_000: 1}
    kinds = ("loads", "loads, GC off", "parse", "validate + infer")
    samples: dict[int, dict[str, list[float]]] = {n: {k: [] for k in kinds} for n in SIZES}
    # Every repetition times every size and every part in turn, so that the sizes' ratio (the
    # slope) and the parts compare figures taken in the same spell of the machine.
    for _ in range(1 if quick else 5):
        for n in SIZES:
            text, doc, k = texts[n], docs[n], calls_per_block[n]
            fns = {"loads": (lambda: modelspec.loads(text), False),
                   "loads, GC off": (lambda: modelspec.loads(text), True),
                   "parse": (lambda: parse(text, "big.yaml"), True),
                   "validate + infer": (lambda: Spec.from_document(doc), True)}  # fmt: skip
            for kind, (fn, gc_off) in fns.items():
                samples[n][kind].append(per_call(fn, k, gc_off=gc_off, collect=True))
    rows: dict[int, Measurement] = {}
    for n in SIZES:
        got = samples[n]
        gc_cost = [a - b for a, b in zip(got["loads"], got["loads, GC off"])]
        row = Measurement(f"validate + infer, {nodes[n]:,} nodes", got["loads"], per=nodes[n],
                          extra={"parse": statistics.median(got["parse"]),
                                 "validate + infer": statistics.median(got["validate + infer"]),
                                 "cyclic GC": max(0.0, statistics.median(gc_cost))})  # fmt: skip
        rows[n] = row
        report.rows.append(row)
        print(row.row(), flush=True)
    small, big = rows[1_000], rows[10_000]
    scale = math.log(big.per / small.per)

    def slope(kind: str) -> float:
        pairs = zip(samples[10_000][kind], samples[1_000][kind])
        return statistics.median(math.log(a / b) / scale for a, b in pairs)

    slopes = {kind: slope(kind) for kind in kinds}
    per_node = math.exp((slopes["loads"] - 1) * scale)
    linear = Measurement(f"linearity, {small.per:,} -> {big.per:,} nodes: log-log slope",
                         [slopes["loads"]], unit="", goal=f"<= {SLOPE:.2f}", met=slopes["loads"] <= SLOPE,
                         extra={"time per node": f"x{per_node:.2f}",
                                "GC off": f"{slopes['loads, GC off']:.2f}",
                                "parse": f"{slopes['parse']:.2f}",
                                "validate + infer": f"{slopes['validate + infer']:.2f}"})  # fmt: skip
    big.goal, big.met = f"<= {LIMIT:.0f} s", big.median <= LIMIT
    report.rows.append(linear)
    print(linear.row(), flush=True)
    calls = {} if quick else {n: _calls(lambda: modelspec.loads(texts[n])) for n in (1_000, 10_000)}
    counted = (f" The work itself grows linearly: {calls[1_000]:,} Python function calls at {small.per:,} "
               f"nodes, {calls[10_000]:,} at {big.per:,} (x{calls[10_000] / calls[1_000]:.2f}), so what "
               f"grows faster is the cost per operation." if calls else "")  # fmt: skip
    gc_small, gc_big = small.extra["cyclic GC"], big.extra["cyclic GC"]
    peaks = {} if quick else {n: _peak(lambda: modelspec.loads(texts[n])) for n in (1_000, 10_000)}
    memory = (f" Loading allocates up to {peaks[1_000] / 1e6:.0f} MB at {small.per:,} nodes and "
              f"{peaks[10_000] / 1e6:.0f} MB at {big.per:,} (tracemalloc's peak): ten times the objects, "
              f"spread over more memory than the CPU's caches hold, so each operation (and the GC's pass "
              f"over them) waits on memory more often." if peaks else "")  # fmt: skip
    big.why = (f"{fmt_time(big.median)} for {big.per:,} nodes ({big.median / big.per * 1e6:.0f} µs per node; "
               f"{small.median / small.per * 1e6:.0f} µs at {small.per:,}). Timed alone with the cyclic GC off, "
               f"parsing the YAML with a position for every value takes {fmt_time(big.extra['parse'])}, "
               f"validation, resolution and shape inference {fmt_time(big.extra['validate + infer'])}; the "
               f"cyclic GC adds {fmt_time(gc_big)} (`loads` pauses it while loading; the collection it then "
               f"owes, a pass over every object the load made, runs when it is re-enabled, inside `loads`).")  # fmt: skip
    gc_part = ("so the deferred collection accounts for the excess" if slopes["loads, GC off"] <= SLOPE else
               "so the deferred collection is only part of it")  # fmt: skip
    linear.why = (f"Time per node grows x{per_node:.2f} from {small.per:,} to {big.per:,} nodes. The cyclic "
                  f"GC's share is {fmt_time(gc_small)} at {small.per:,} nodes and {fmt_time(gc_big)} at "
                  f"{big.per:,}; with it off the slope is {slopes['loads, GC off']:.2f}, {gc_part}. By part "
                  f"(GC off): parsing {slopes['parse']:.2f}, validation and inference "
                  f"{slopes['validate + infer']:.2f}.{counted}{memory}")  # fmt: skip
    report.notes.append("Scale: each repetition times every size and every part in turn. `parse` and "
                        "`validate + infer` are timed alone with the cyclic GC off; `cyclic GC` = `loads` "
                        "with the GC on (as users run it) minus `loads` with it off, per repetition; the "
                        "slopes are medians of per-repetition slopes." + counted)  # fmt: skip
    return report


def _peak(fn) -> int:
    """Peak bytes allocated by Python during one call of `fn` (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _calls(fn) -> int:
    """Python function calls made by one call of `fn` (cProfile's count: deterministic)."""
    profile = cProfile.Profile()
    profile.runcall(fn)
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
