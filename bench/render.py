"""Render: generated specs of 100 and 1,000 nodes to svg (the scale group's specs).

Timed apart: drawing the diagram (`spec.render()`, Python, builds the graphviz source) and
writing it (`modelspec.render.write(digraph, "x.svg")`, which runs Graphviz's `dot`).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import modelspec
from modelspec.render import write

from bench.scale import chain_with_branches
from bench.timing import Measurement, Report


def run(quick: bool) -> Report:
    report = Report("Render to svg (generated specs; Graphviz `dot` included)")
    if shutil.which("dot") is None:
        report.notes.append("Graphviz's `dot` is not on PATH: render not measured.")
        return report
    with tempfile.TemporaryDirectory() as tmp:
        for n in (100, 1_000):
            spec = modelspec.loads(chain_with_branches(n))
            nodes = len(spec.graph.nodes)
            draw, dot, total = [], [], []
            for i in range(1 if quick else 3):
                start = time.perf_counter()
                digraph = spec.render()
                middle = time.perf_counter()
                write(digraph, Path(tmp) / f"big{n}.svg")
                end = time.perf_counter()
                draw.append(middle - start)
                dot.append(end - middle)
                total.append(end - start)
            size = (Path(tmp) / f"big{n}.svg").stat().st_size
            row = Measurement(f"render to svg, {nodes:,} nodes ({size / 1e3:,.0f} kB)", total, per=nodes,
                              extra={"`spec.render()`": statistics.median(draw),
                                     "`dot -Tsvg`": statistics.median(dot)})  # fmt: skip
            report.rows.append(row)
            print(row.row(), flush=True)
    return report
