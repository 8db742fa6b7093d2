"""modelspec's benchmarks: its output against the same models written by hand.

    make bench                          # = .venv/bin/python -m bench: every group, writes bench/RESULTS.md
    python -m bench torch_forward build # some groups (printed; written only with --out FILE)
    python -m bench --quick             # a smoke run: few repetitions (printed; --out to write)

Groups: torch_forward (compiled torch module vs hand-written nn.Module), train (an epoch through
modelspec's trainers vs hand-written loops), build (spec file ->
keras.Model / torch module vs written by hand), validate (`modelspec validate` start-up vs
`python -c "import pydantic, yaml"`), imports (Keras model -> spec, and the imported ResNet50 and
DenseNet121 built by each back end vs Keras' own construction), scale (validate + infer 100 to 10,000 nodes), bad_input (invalid specs of
1,000 and 10,000 nodes, and issue 17's examples), render (svg of
100 and 1,000 nodes). Each comparison times both sides in the same run, alternating, and
reports medians and the ratio modelspec / by hand. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.timing import Comparison, Report, quantiles  # noqa: E402

GROUPS = ["torch_forward", "build", "imports", "train", "validate", "scale", "bad_input", "render"]  # the order of the results
RUN_ORDER = ["validate", "scale", "bad_input", "render", "torch_forward", "build", "imports", "train"]  # before torch, TensorFlow load
ALIASES = {"forward": "torch_forward", "torch": "torch_forward", "import": "imports"}
RESULTS = ROOT / "bench" / "RESULTS.md"
COMMAND = "make bench"


def machine() -> list[str]:
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip() or str(platform.uname())
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = [f"Python {platform.python_version()}"]
    for dist in ("torch", "tensorflow-cpu", "tensorflow", "keras", "numpy", "pydantic", "PyYAML", "graphviz"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    try:
        dot = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()
    except OSError:
        dot = "no Graphviz dot"
    return [f"- machine: `{uname}`",
            f"- CPU: {cpu}, {os.cpu_count()} cores ({usable} usable by this process)",
            f"- software: {', '.join(versions)}; {dot}",
            "- threads: torch timings on 1 thread (`torch.set_num_threads(1)`); "
            "TensorFlow's pools at their defaults"]  # fmt: skip


def table(rows: list) -> list[str]:
    """Markdown tables of the rows, one per run of rows of the same type."""
    out: list[str] = []
    kind = None
    for row in rows:
        if type(row) is not kind:
            kind = type(row)
            out += [""] if out else []
            if kind is Comparison:
                out += ["| comparison | modelspec | by hand | ratio | IQR | ratio of medians | goal | met? |",
                        "|---|---|---|---|---|---|---|---|"]  # fmt: skip
            else:
                out += ["| measurement | median | per node | parts (medians) | goal | met? |",
                        "|---|---|---|---|---|---|"]  # fmt: skip
        out.append(row.row())
    return out


def missed(reports: list[Report]) -> list[str]:
    lines = []
    for report in reports:
        for row in report.rows:
            if row.met is not False:
                continue
            if isinstance(row, Comparison):
                over = (row.ratio / row.goal - 1) * 100
                lo, hi = quantiles(row.paired)
                noise = (f"The per-repetition ratios' interquartile range, {lo:.3f} to {hi:.3f}, "
                         f"{'takes in' if lo <= row.goal <= hi else 'lies wholly above'} the goal.")  # fmt: skip
                lines.append(f"- **{row.name}**: ratio {row.ratio:.3f} against a goal of {row.goal:.2f}, "
                             f"missed by {over:.2f}% ({row.ratio - row.goal:+.3f}). {row.why} {noise}")  # fmt: skip
            else:
                value = f"{row.median:.2f}" if row.unit != "s" else f"{row.median:.3f} s"
                lines.append(f"- **{row.name}**: {value} against a goal of {row.goal}. {row.why}")
    return lines


def render(reports: list[Report], started: datetime.datetime, seconds: float, quick: bool, groups: list[str]) -> str:
    rows = [row for report in reports for row in report.rows if row.met is not None]
    met = sum(1 for row in rows if row.met)
    how = "`python -m bench --quick` (a smoke run: few repetitions)" if quick else f"`{COMMAND}` (`python -m bench`)"
    if groups != GROUPS:
        how += f", groups: {', '.join(groups)}"
    lines = ["# Benchmark results", "",
             f"Run {started:%Y-%m-%d %H:%M %Z} with {how}; {seconds:.0f} s in all.", "", *machine(), "",
             "Each comparison times modelspec's side and the hand-written side in the same process, in "
             "alternating blocks of calls (A B, B A, ...), many repetitions. `modelspec` and `by hand` are "
             "each side's median time per call. **ratio** = modelspec / by hand (above 1: modelspec is "
             "slower) is the median of the per-repetition ratios, each between two blocks that ran back to "
             "back, so that a slow spell of this shared machine cancels out; a goal is met when it is at or "
             "under the goal. `IQR` is the interquartile range of those per-repetition ratios (how much the "
             "machine's noise moves a single comparison); `ratio of medians` is the two medians' quotient, "
             "for reference. "
             "The hand-written models are in `bench/references.py`; the groups' docstrings (`bench/*.py`) "
             "say exactly what is timed.", "",
             f"**Goals met: {met} of {len(rows)}.**"]  # fmt: skip
    for report in reports:
        lines += ["", f"## {report.title}", "", *table(report.rows), "", f"({report.seconds:.0f} s)"]
    lines += ["", "## Where the time goes", "", "Diagnostics measured in the same run."]
    for report in reports:
        if report.diagnostics or report.notes:
            lines += ["", f"### {report.title}"]
            if report.diagnostics:
                lines += ["", *table(report.diagnostics)]
            lines += [line for note in report.notes for line in ("", note)]
    lines += ["", "## Closing note", ""]
    misses = missed(reports)
    lines += (["Every goal measured here was met."] if not misses else
              [f"{len(misses)} goal(s) missed:", "", *misses])  # fmt: skip
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)  # mkstemp makes files 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])  # fmt: skip
    parser.add_argument("groups", nargs="*", metavar="GROUP",
                        help=f"one or more of: {', '.join(GROUPS)} (default: all)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run, not a measurement")
    parser.add_argument("--out", type=Path, help=f"write the results here (default: {RESULTS.relative_to(ROOT)} "
                                                 "for a full run of every group, nowhere otherwise)")  # fmt: skip
    args = parser.parse_args(argv)
    groups = []
    for name in args.groups or GROUPS:
        name = ALIASES.get(name, name)
        if name not in GROUPS:
            parser.error(f"unknown group {name!r}: choose from {', '.join(GROUPS)}")
        if name not in groups:
            groups.append(name)
    groups.sort(key=GROUPS.index)
    out = args.out or (RESULTS if groups == GROUPS and not args.quick else None)

    started = datetime.datetime.now().astimezone()
    clock = time.perf_counter()
    reports = []
    for name in sorted(groups, key=RUN_ORDER.index):
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        reports.append(importlib.import_module(f"bench.{name}").run(args.quick))
        reports[-1].seconds, reports[-1].group = time.perf_counter() - began, name
        print(f"== {name}: {reports[-1].seconds:.0f} s", flush=True)
    reports.sort(key=lambda report: GROUPS.index(report.group))
    text = render(reports, started, time.perf_counter() - clock, args.quick, groups)
    if out is None:
        print("\n" + text)
        print("(not written: a full run of every group writes bench/RESULTS.md; or pass --out FILE)")
    else:
        write_atomic(out, text)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
