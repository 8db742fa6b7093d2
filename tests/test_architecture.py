"""The package's shape: no import cycles, and the core reaches the back ends only through the
table of back ends (`modelspec.registry`)."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from modelspec import registry
from modelspec.cli import main
from modelspec.errors import MissingFramework
from modelspec.frameworks import import_framework

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "modelspec"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if path.name == "__init__.py" else parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports anywhere in its text (function bodies too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [f"{target}.{a.name}" for a in node.names] + [target]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for c in candidates:
            while c and c not in modules:
                c = c.rpartition(".")[0]
            if c and c != name and not name.startswith(c + "."):  # a package's own __init__ is no cycle
                out.add(c)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_no_module_reaches_back_to_one_that_imports_it():
    graph = _graph()

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for b in graph[todo.pop()]:
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    cycles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in reach(b)})
    assert not cycles, "import cycles: " + "; ".join(f"{a} <-> {b}" for a, b in cycles)


def test_the_cycle_check_sees_a_cycle(tmp_path, monkeypatch):
    """The check above is not vacuous: two modules importing each other (one lazily) are caught."""
    modules = {"p.a": tmp_path / "a.py", "p.b": tmp_path / "b.py"}
    modules["p.a"].write_text("from . import b\n")
    modules["p.b"].write_text("def f():\n    from .a import x\n")
    assert _imports("p.a", modules["p.a"], modules) == {"p.b"}
    assert _imports("p.b", modules["p.b"], modules) == {"p.a"}


def test_the_core_imports_no_back_end_module():
    """Outside `modelspec/backends/`, a back end is named only as an entry-point string."""
    offenders = {name: sorted(t for t in targets if t.startswith("modelspec.backends"))
                 for name, targets in _graph().items() if not name.startswith("modelspec.backends")}  # fmt: skip
    assert not {k: v for k, v in offenders.items() if v}


def test_every_entry_point_resolves():
    """Each back end's entry points name a callable (this imports the frameworks)."""
    entries = [getattr(b, f.name) for b in registry.BACKENDS.values() for f in dataclasses.fields(b)
               if isinstance(getattr(b, f.name), registry.EntryPoint)]  # fmt: skip
    assert len(entries) == 11 * len(registry.BACKENDS)
    for entry in [*entries, registry.CHECK, registry.TRANSFER_WEIGHTS, registry.REMEMBER]:
        assert callable(entry.load()), entry


def test_importing_the_cli_imports_no_back_end():
    code = ("import sys, modelspec, modelspec.cli, modelspec.search, modelspec.training, modelspec.weights\n"
            "print(sorted(m for m in sys.modules if m.startswith('modelspec.backends') or "
            "m.split('.')[0] in ('torch', 'keras', 'tensorflow', 'optuna')))\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_backend_names_the_table():
    with pytest.raises(ValueError, match="backend must be one of keras, torch, got 'jax'"):
        registry.backend("jax")


@pytest.mark.parametrize("name, wrong", [("torch", "m.keras"), ("keras", "m.pt")])
@pytest.mark.parametrize("command", ["compile", "train"])
def test_a_model_file_of_another_back_end_is_a_usage_error(name, wrong, command, tmp_path, capsys):
    args = [command, str(ROOT / "specs/stock_lstm.yaml"), "--backend", name, "-o", str(tmp_path / wrong)]
    if command == "train":
        args += ["--data", str(tmp_path / "absent.npz")]
    assert main(args) == 2
    suffixes = " or ".join(registry.backend(name).suffixes)
    assert f"a {name} model file ends in {suffixes}" in capsys.readouterr().err
    assert not (tmp_path / wrong).exists()


def test_the_install_hint_comes_from_the_table():
    for b in registry.BACKENDS.values():
        for framework in b.frameworks:
            assert registry.extra_for(framework) == b.extra
    with pytest.raises(MissingFramework, match=r"pip install 'modelspec\[torch\]'"):
        import_framework("torch.no_such_module_here")


@pytest.mark.parametrize("name", registry.NAMES)
def test_each_back_end_builds_saves_loads_and_runs_through_the_table(name, tmp_path):
    pytest.importorskip(name)
    import numpy as np

    from modelspec import loads
    from modelspec.backends.check import random_inputs

    spec = loads("inputs: {x: {shape: [3]}}\nlayers: [{type: Dense, units: 2, name: y}]\n")
    chosen = registry.backend(name)
    model = chosen.build(spec.graph)
    path = tmp_path / f"m{chosen.suffixes[0]}"
    chosen.save(model, path, spec.to_yaml())
    again = chosen.load(path)
    inputs = random_inputs(spec.graph)
    np.testing.assert_allclose(chosen.run(again, spec.graph, inputs)[0], chosen.run(model, spec.graph, inputs)[0])
    assert chosen.count_params(again) == (8, 0)
    chosen.release()
