"""Start-up: `modelspec validate SPEC` as a fresh process against `python -c "import pydantic, yaml"`.

Both are processes of the project's Python, alternated; the wall time of each includes the
interpreter's start. Where the difference goes is measured in the same run: `import modelspec`
alone, and one run under `python -X importtime` summed by module.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.timing import Measurement, Report, compare, fmt_time, interleaved, median_time, medians

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "stock_lstm.yaml"


def _command() -> list[str]:
    """The `modelspec` console script next to this Python, else `python -m modelspec`."""
    script = Path(sys.executable).with_name("modelspec")
    return [str(script)] if script.exists() else [sys.executable, "-m", "modelspec"]


# As an installed package runs: from cached bytecode (the warm-up run writes it), which a
# PYTHONDONTWRITEBYTECODE in the environment would otherwise turn into a compile on every run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# The least any Pydantic-validated tool pays: `import pydantic` is lazy, a model class is not.
ONE_MODEL = "import yaml\nfrom pydantic import BaseModel\nclass A(BaseModel):\n    x: int = 1"


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                   env=ENV)  # fmt: skip


def run(quick: bool) -> Report:
    repeats = 3 if quick else 15
    validate = [*_command(), "validate", str(SPEC.relative_to(ROOT))]
    baseline = [sys.executable, "-c", "import pydantic, yaml"]
    report = Report("`modelspec validate` start-up (fresh processes)")
    row = compare(f"`modelspec validate specs/{SPEC.name}` vs `python -c \"import pydantic, yaml\"`",
                  lambda: _run(validate), lambda: _run(baseline), number=1, repeats=repeats, goal=1.5,
                  warmup=1, gc_off=False)  # fmt: skip
    report.rows.append(row)
    print(row.row(), flush=True)
    floor = compare(f"`modelspec validate specs/{SPEC.name}` vs `import yaml` and one Pydantic model class",
                    lambda: _run(validate), lambda: _run([sys.executable, "-c", ONE_MODEL]), number=1,
                    repeats=repeats, goal=1.5, warmup=1, gc_off=False)  # fmt: skip
    floor.why = ("What modelspec adds to the least a Pydantic-validated tool pays (its first model "
                 "class imports pydantic's schema machinery and plugin loader).")  # fmt: skip
    report.rows.append(floor)
    print(floor.row(), flush=True)

    parts = medians(interleaved({
        "`python -c pass`": lambda: _run([sys.executable, "-c", "pass"]),
        "`import yaml` and one Pydantic model class": lambda: _run([sys.executable, "-c", ONE_MODEL]),
        "`import modelspec`": lambda: _run([sys.executable, "-c", "import modelspec"]),
        "`import modelspec.cli`": lambda: _run([sys.executable, "-c", "import modelspec.cli"]),
        "`modelspec validate`": lambda: _run(validate),
    }, 3 if quick else 7))  # fmt: skip
    bare, one_model, imported, cli, validating = parts.values()
    first = validating - cli  # the first validation in a fresh process, beyond the imports
    import modelspec

    checking = median_time(lambda: modelspec.load(SPEC), 5 if quick else 21)
    shares = import_times(SPEC)
    report.diagnostics.append(Measurement("start-up parts (separate processes)", [row.ours_median], extra={
        "`python -c pass`": bare, "`import pydantic, yaml`": row.reference_median,
        "`import yaml` and one Pydantic model class": one_model,
        "`import modelspec`": imported, "`import modelspec.cli`": cli,
        "first validation (`validate` less `import modelspec.cli`)": first,
        "`modelspec.load(spec)` again in process": checking}))  # fmt: skip
    top = ", ".join(f"`{m}` {fmt_time(t)}" for m, t in shares["top"])
    packages = ", ".join(f"{p} {fmt_time(t)}" for p, t in shares["packages"][:6])
    report.notes.append(
        f"Under `python -X importtime` (which inflates every figure a little), `modelspec validate` "
        f"imported for {fmt_time(shares['total'])} of self time, `import pydantic, yaml` for "
        f"{fmt_time(shares['base'])}. The modules only `validate` imports took {fmt_time(shares['extra'])}; "
        f"by package: {packages}. modelspec's own share is the creation of its Pydantic model "
        f"classes and dataclasses (no validator is built at import: a kind's module, the models of "
        f"the sections and options a spec writes, and the validators it uses are made when it is "
        f"validated); largest modules by self time: {top}.")  # fmt: skip
    row.why = (f"{fmt_time(row.ours_median)} against {fmt_time(row.reference_median)}. `import modelspec` alone "
               f"takes {fmt_time(imported)} (`python -c pass`: {fmt_time(bare)}), `import modelspec.cli` "
               f"{fmt_time(cli)}; the first validation, in `validate`'s process, {fmt_time(first)} (the "
               f"modules of the spec's kinds and sections, the validators it uses, and Pydantic's plugin "
               f"loader, which its first validator runs: it reads every installed distribution's entry "
               f"points); validating the spec again in process (`modelspec.load`) takes "
               f"{fmt_time(checking)}. Defining a single Pydantic model class after `import yaml` already "
               f"takes {fmt_time(one_model)} ({one_model / row.reference_median:.2f}x; `import pydantic` "
               f"is lazy, a model class imports its machinery). Of the imports only `validate` "
               f"makes ({fmt_time(shares['extra'])} under `-X importtime`), modelspec's own modules take "
               f"{fmt_time(shares['own'])}, creating Pydantic model classes and dataclasses (largest: {top}); "
               f"by package: {packages}.")  # fmt: skip
    return report


def import_log(args: list[str]) -> dict[str, float]:
    """Self import time (seconds) of every module a `python ARGS` run imports, by `-X importtime`."""
    err = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT, capture_output=True,
                         text=True, env=ENV).stderr  # fmt: skip
    times: dict[str, float] = {}
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| *(\S+)", line)
        if m:
            times[m.group(3)] = times.get(m.group(3), 0.0) + int(m.group(1)) / 1e6
    return times


def import_times(spec: Path) -> dict:
    """What `modelspec validate` imports beyond `import pydantic, yaml`, by top-level package."""
    ours = import_log(["-m", "modelspec", "validate", str(spec)])
    base = import_log(["-c", "import pydantic, yaml"])
    extra = {name: t for name, t in ours.items() if name not in base}
    packages: dict[str, float] = {}
    for name, t in extra.items():
        top = name.split(".")[0]
        packages[top] = packages.get(top, 0.0) + t
    own = {name: t for name, t in extra.items() if name.split(".")[0] == "modelspec"}
    return {
        "total": sum(ours.values()), "base": sum(base.values()), "extra": sum(extra.values()),
        "packages": sorted(packages.items(), key=lambda kv: -kv[1]),
        "own": sum(own.values()), "top": sorted(own.items(), key=lambda kv: -kv[1])[:4],
    }  # fmt: skip
