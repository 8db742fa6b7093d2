"""Scale: parse, validate and infer every shape of generated specs of 100, 1,000 and 10,000 nodes.

The specs are the test suite's `chain_with_branches(n)` (tests/test_render.py): a chain in which
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

import modelspec
from modelspec.spec import Spec
from modelspec.yamlio import parse

from bench.timing import Measurement, Report, fmt_time, sample

SIZES = (100, 1_000, 10_000)
SLOPE = 1.10
LIMIT = 1.0  # seconds at 10,000 nodes


def chain_with_branches(n: int) -> str:
    """A spec of about `n` nodes: a long chain in which every step branches and merges again,
    with a skip from three steps back (copied from tests/test_render.py)."""
    lines = ["modelspec: 1", "name: big", "inputs:", "  x: {shape: [16]}", "layers:"]
    merges = ["x"]
    for i in range(n // 3):
        prev, far = merges[-1], merges[max(0, len(merges) - 4)]
        lines.append(f"  a{i}: {{type: Dense, units: 16, activation: relu, inputs: {prev}}}")
        lines.append(f"  b{i}: {{type: Dense, units: 16, inputs: a{i}}}")
        lines.append(f"  m{i}: {{type: Add, inputs: [b{i}, {far}, {prev}]}}")
        merges.append(f"m{i}")
    lines.append(f"outputs: [{merges[-1]}]")
    return "\n".join(lines) + "\n"


def run(quick: bool) -> Report:
    report = Report("Scale: `modelspec.loads` of generated specs (parse + validate + infer)")
    rows: dict[int, Measurement] = {}
    calls: dict[int, int] = {}
    gc_free: dict[int, float] = {}
    for n in SIZES:
        text = chain_with_branches(n)
        nodes = len(modelspec.loads(text).graph.nodes)
        repeats = (3 if quick else 9) if n <= 1_000 else (1 if quick else 5)
        total = sample(lambda: modelspec.loads(text), repeats)
        no_gc = statistics.median(sample(lambda: modelspec.loads(text), repeats, gc_off=True))
        parsed = statistics.median(sample(lambda: parse(text, "big.yaml"), repeats, gc_off=True))
        doc = parse(text, "big.yaml")
        rest = statistics.median(sample(lambda: Spec.from_document(doc), repeats, gc_off=True))
        row = Measurement(f"validate + infer, {nodes:,} nodes", total, per=nodes,
                          extra={"parse": parsed, "validate + infer": rest,
                                 "cyclic GC": max(0.0, statistics.median(total) - no_gc)})  # fmt: skip
        rows[n], gc_free[n] = row, no_gc
        if not quick and n >= 1_000:
            calls[n] = _calls(lambda: modelspec.loads(text))
        report.rows.append(row)
        print(row.row(), flush=True)
    small, big = rows[1_000], rows[10_000]
    slope = math.log(big.median / small.median) / math.log(big.per / small.per)
    per_node = (big.median / big.per) / (small.median / small.per)
    slope_no_gc = math.log(gc_free[10_000] / gc_free[1_000]) / math.log(big.per / small.per)
    linear = Measurement(f"linearity, {small.per:,} -> {big.per:,} nodes: log-log slope", [slope], unit="",
                         goal=f"<= {SLOPE:.2f}", met=slope <= SLOPE,
                         extra={"time per node": f"x{per_node:.2f}",
                                "slope without GC": f"{slope_no_gc:.2f}"})  # fmt: skip
    big.goal, big.met = f"<= {LIMIT:.0f} s", big.median <= LIMIT
    report.rows.append(linear)
    print(linear.row(), flush=True)
    counted = (f" The work itself is linear: {calls[1_000]:,} Python function calls at {small.per:,} nodes, "
               f"{calls[10_000]:,} at {big.per:,} (x{calls[10_000] / calls[1_000]:.2f})."
               if calls else "")  # fmt: skip
    gc_share = big.extra["cyclic GC"]
    big.why = (f"{fmt_time(big.median)} for {big.per:,} nodes ({big.median / big.per * 1e6:.0f} µs per node; "
               f"{small.median / small.per * 1e6:.0f} µs at {small.per:,}). Timed alone with the cyclic GC off, "
               f"parsing the YAML with a position for every value takes {fmt_time(big.extra['parse'])}, "
               f"validation, resolution and shape inference {fmt_time(big.extra['validate + infer'])}; the "
               f"cyclic GC adds {fmt_time(gc_share)} (`loads` pauses it while loading, and the collection "
               f"it then owes runs as soon as it is re-enabled, inside `loads`).")  # fmt: skip
    linear.why = (f"Time per node grows x{per_node:.2f} from {small.per:,} to {big.per:,} nodes. Without the "
                  f"cyclic GC (`gc.disable()` around the call) the slope is {slope_no_gc:.2f}: the excess is "
                  f"the one collection `loads` defers to its end, which traverses every object the load made "
                  f"({fmt_time(small.extra['cyclic GC'])} at {small.per:,} nodes, {fmt_time(gc_share)} at "
                  f"{big.per:,}); what remains above 1.0 is the memory hierarchy (a bigger working set, more "
                  f"cache misses per object).{counted}")  # fmt: skip
    report.notes.append(f"Scale: `parse`, `validate + infer` timed alone with the cyclic GC off; `cyclic GC` = "
                        f"`loads` with the GC on (as users run it) minus `loads` with it off.{counted}")  # fmt: skip
    return report


def _calls(fn) -> int:
    """Python function calls made by one call of `fn` (cProfile's count: deterministic)."""
    profile = cProfile.Profile()
    profile.runcall(fn)
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
