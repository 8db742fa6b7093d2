"""Every artifact is written atomically by one helper (`modelspec.files.write_atomic`), with the
mode `open` would give it: an existing file keeps its mode, a new one gets 0o666 & ~umask."""

from __future__ import annotations

import os
import shutil
import stat
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import modelspec
from modelspec import search as search_module
from modelspec.cli import main
from modelspec.files import write_atomic

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs/stock_lstm.yaml"
TINY = textwrap.dedent("""
    inputs: {x: {shape: [3]}}
    layers: [{type: Dense, units: 1, name: y}]
    training: {loss: mse, epochs: 1, batch_size: 4}
""")


def _compile(suffix: str, backend: str):
    def write(target: Path) -> None:
        pytest.importorskip(backend)
        assert main(["compile", str(SPEC), "--backend", backend, "-o", str(target)]) == 0

    return write, suffix


def _render(suffix: str):
    def write(target: Path) -> None:
        if shutil.which("dot") is None:
            pytest.skip("graphviz's dot is not installed")
        assert main(["render", str(SPEC), "-o", str(target)]) == 0

    return write, suffix


def _schema(target: Path) -> None:
    assert main(["schema", "-o", str(target)]) == 0


def _history(target: Path) -> None:
    """`train -o m.pt` writes `m.pt.history.json` beside the model: `target` is that history."""
    pytest.importorskip("torch")
    spec, data = target.parent / "tiny.yaml", target.parent / "tiny.npz"
    spec.write_text(TINY)
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    np.savez(data, x=x, y=x.sum(1, keepdims=True))
    model = target.with_name(target.name.replace(".history.json", ""))
    assert main(["train", str(spec), "--data", str(data), "--backend", "torch", "-o", str(model)]) == 0


def _best_spec(target: Path) -> None:
    """`search --best-out` (the search itself stubbed: only the writing is under test here)."""
    best = modelspec.loads(TINY)
    result = SimpleNamespace(table=lambda: "", best_spec=best, objective="loss",
                             best_trial=SimpleNamespace(number=0, value=1.0))  # fmt: skip
    data = target.parent / "unused.npz"
    with pytest.MonkeyPatch.context() as m:
        m.setattr(search_module, "search", lambda *a, **k: result)
        assert main(["search", str(SPEC), "--data", str(data), "--backend", "torch", "--trials", "1",
                     "--best-out", str(target)]) == 0  # fmt: skip


ARTIFACTS = {
    "spec.yaml": (_best_spec, ".yaml"),
    "schema.json": (_schema, ".json"),
    "history.json": (_history, ".pt.history.json"),
    "diagram.svg": _render(".svg"),
    "diagram.png": _render(".png"),
    "model.keras": _compile(".keras", "keras"),
    "model.pt": _compile(".pt", "torch"),
}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("kind", list(ARTIFACTS))
def test_each_artifact_gets_the_mode_open_would_give_it(kind, tmp_path):
    write, suffix = ARTIFACTS[kind]
    target = tmp_path / f"out{suffix}"
    old = os.umask(0o027)
    try:
        write(target)
        assert _mode(target) == 0o640, oct(_mode(target))
        target.chmod(0o604)
        write(target)
        assert _mode(target) == 0o604, oct(_mode(target))  # an existing file keeps its mode
    finally:
        os.umask(old)
    strays = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert not strays, strays  # no temporary file left behind


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "m.pt"
    target.write_text("old")

    def fail(tmp: str) -> None:
        assert tmp.endswith(".pt")  # the temporary path keeps the suffix (model.save wants it)
        Path(tmp).write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    from modelspec.files import write_atomic

    target = tmp_path / "real.yaml"
    target.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    write_atomic(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"


def test_the_umask_is_read_without_changing_it():
    import os

    from modelspec.files import umask

    before = os.umask(0o027)
    try:
        assert umask() == 0o027
    finally:
        os.umask(before)
