"""Bad input: what invalid specs cost, against the same sizes of valid ones (issue 17, part 3).

Each class of mistake of tests/bad_specs.py is written into specs of 1,000 and 10,000 nodes and
loaded (`modelspec.loads`, which raises the `SpecError`); the slope of time against size says
whether reporting N mistakes is linear (1.0) or quadratic (2.0). Then the issue's own examples,
each timed once: 5,000 unknown inputs, an 8,000-node cycle, `repeat: 1000000000` and
`repeat: 1000000`, a 63 MB file and a 50 MB flow list over the value limit, and `summary()` and
`render()` of 30,000 nodes.

Goals: every slope at most 1.15, and no case over 5 s.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile

import modelspec

from tests.bad_specs import BUILDERS, THIRTY_THOUSAND, cycle, repeat, unknown_inputs

from bench.timing import Measurement, Report, sample

SIZES = (1_000, 10_000)
SMALL = {"nested repeat": (5, 50), "too deep": (10, 100), "bad seed": SIZES}  # n is not nodes there
SLOPE, LIMIT = 1.15, 5.0


def _rejected(text: str) -> None:
    try:
        modelspec.loads(text, "bad.yaml")
    except modelspec.SpecError:
        return
    raise AssertionError("a bad spec was accepted")


def _file(text: str) -> str:
    handle, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    return path


def run(quick: bool) -> Report:
    report = Report("Bad input: invalid specs of 1,000 and 10,000 nodes, and the issue's examples")
    repeats = 1 if quick else 3
    for how, build in BUILDERS.items():
        small, big = SMALL.get(how, SIZES)
        texts = {n: build(n) for n in (small, big)}
        times = {n: sample(lambda t=texts[n]: _rejected(t), repeats) for n in (small, big)}
        slopes = [math.log(b / a) / math.log(big / small) for a, b in zip(times[small], times[big])]
        slope = statistics.median(slopes)
        constant = how in ("repeat", "too many values", "too deep", "huge integers") or how in SMALL
        row = Measurement(
            f"{how}, {big:,}" + (" (size of the limit's input)" if how in SMALL else " nodes"),
            times[big],
            extra={f"at {small:,}": statistics.median(times[small]), "slope": f"{slope:.2f}"},
            goal=f"<= {LIMIT:.0f} s" + ("" if constant else f", slope <= {SLOPE}"),
        )
        row.met = row.median <= LIMIT and (constant or slope <= SLOPE)
        report.rows.append(row)
        print(row.row(), flush=True)
    examples = {
        "5,000 unknown inputs": unknown_inputs(5000),
        "8,000-node cycle": cycle(8000),
        "repeat: 1000000000": repeat(1, 10**9),
        "repeat: 1000000": repeat(1, 10**6),
    }
    for name, text in examples.items():
        row = Measurement(name, sample(lambda t=text: _rejected(t), repeats), goal=f"<= {LIMIT:.0f} s")
        row.met = row.median <= LIMIT
        report.rows.append(row)
        print(row.row(), flush=True)
    node = "  node_with_a_long_name_{:08d}: {{type: Dense, units: 4, activation: relu, inputs: x}}\n"
    big_file = "inputs: {x: {shape: [4]}}\nlayers:\n" + "".join(node.format(i) for i in range(780_000))
    flow = "inputs: {x: {shape: [4]}}\nlayers: [" + ", ".join(["{type: Dense, units: 4}"] * 2_000_000) + "]\n"
    for name, text in ((f"{len(big_file) / 1e6:.0f} MB file", big_file), (f"{len(flow) / 1e6:.0f} MB flow list", flow)):
        path = _file(text)
        try:
            row = Measurement(f"load of a {name}", sample(lambda p=path: _load_rejected(p), repeats),
                              goal=f"<= {LIMIT:.0f} s")  # fmt: skip
        finally:
            os.unlink(path)
        row.met = row.median <= LIMIT
        report.rows.append(row)
        print(row.row(), flush=True)
    spec = modelspec.loads(THIRTY_THOUSAND)
    for name, fn in (("summary()", lambda: str(spec.summary())), ("render()", lambda: spec.render().source)):
        row = Measurement(f"{name} of 30,000 nodes", sample(fn, repeats), per=30_000, goal=f"<= {LIMIT:.0f} s")
        row.met = row.median <= LIMIT
        report.rows.append(row)
        print(row.row(), flush=True)
    report.notes.append(
        "Bad input: each class of tests/bad_specs.py at both sizes, loaded until its SpecError; slope = "
        "log(time ratio) / log(size ratio), the median over repetitions. Classes whose limit is met at "
        "once (a repeat, the value limit, nesting, a huge integer) cost what reading up to the limit costs."
    )
    return report


def _load_rejected(path: str) -> None:
    try:
        modelspec.load(path)
    except modelspec.SpecError:
        return
    raise AssertionError("a file over the value limit was accepted")
