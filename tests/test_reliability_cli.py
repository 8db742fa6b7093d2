"""Issue 17, part 4: the command line and the package behave as tools do (the newcomers'
messages: test_reliability_cli_messages.py)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest
import yaml

import modelspec
from modelspec.cli import main
from modelspec.layers import REGISTRY
from modelspec.schema import schema_text

from .conftest import ROOT, SPECS

BAD = "inputs: {x: {shape: [4]}}\nlayers:\n  - {type: Dense, unitz: 3}\n  - {type: Dense, units: 0}\n"


def _module(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, capture_output=True,
                          text=True, **options)  # fmt: skip


# --- compile: a file suffix its back end does not write -----------------------------------------


@pytest.mark.parametrize("backend, name", [("torch", "x.keras"), ("torch", "x.txt"),
                                           ("keras", "x.pt"), ("keras", "x.txt")])  # fmt: skip
def test_compile_refuses_a_suffix_its_back_end_does_not_write(backend, name, tmp_path, capsys):
    target = tmp_path / name
    assert main(["compile", str(SPECS[0]), "--backend", backend, "-o", str(target)]) == 2
    assert f"a {backend} model file ends in" in capsys.readouterr().err
    assert not target.exists()


# --- render: an invalid spec is drawn, and exits 1 as validate does -----------------------------


def test_render_of_an_invalid_spec_draws_it_reports_it_and_exits_1(tmp_path, capsys):
    spec, drawing = tmp_path / "bad.yaml", tmp_path / "bad.dot"
    spec.write_text(BAD)
    assert main(["validate", str(spec)]) == 1
    validated = capsys.readouterr().err
    assert main(["render", str(spec), "-o", str(drawing)]) == 1
    rendered = capsys.readouterr()
    assert rendered.err == validated and "unknown field 'unitz'" in validated
    assert f"wrote {drawing}" in rendered.out
    assert "unitz" in drawing.read_text()  # the problem is drawn too


def test_render_of_a_valid_spec_exits_0(tmp_path, capsys):
    assert main(["render", str(SPECS[0]), "-o", str(tmp_path / "ok.dot")]) == 0
    assert capsys.readouterr().err == ""


# --- output names: '' (and a folder) are usage errors, as for any tool ----------------------------

OUTPUTS = {
    "render -o": ["render", "specs/stock_lstm.yaml", "-o"],
    "compile -o": ["compile", "specs/stock_lstm.yaml", "--backend", "torch", "-o"],
    "import -o": ["import", "model.keras", "-o"],
    "import --weights": ["import", "model.keras", "-o", "m.yaml", "--weights"],
    "train -o": ["train", "specs/stock_lstm.yaml", "--data", "d.npz", "--backend", "torch", "-o"],
    "search --best-out": ["search", "specs/stock_lstm.yaml", "--data", "d.npz", "--backend", "torch",
                          "--trials", "1", "--best-out"],
    "schema -o": ["schema", "-o"],
}


@pytest.mark.parametrize("option", list(OUTPUTS))
@pytest.mark.parametrize("name", ["", " ", "FOLDER"])
def test_an_empty_output_name_or_a_folder_is_a_usage_error(option, name, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*OUTPUTS[option], str(tmp_path) if name == "FOLDER" else name])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "expected a file name" in err if name != "FOLDER" else "is a folder" in err
    assert os.listdir(tmp_path) == []


# --- the reader of stdout leaves: no "Broken pipe", the status SIGPIPE gives a tool ---------------


@pytest.mark.parametrize("args", [["summary", "specs/stock_lstm.yaml", "--json"], ["schema"],
                                  ["validate", *(str(p) for p in SPECS)]])  # fmt: skip
def test_a_reader_that_left_ends_the_command_quietly_with_status_141(args):
    # the pipe's one reader is closed before the command writes: its first write fails (as for
    # `modelspec summary --json | head -1` once head has its line), whatever the timing
    process = subprocess.Popen([sys.executable, "-m", "modelspec", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    process.stdout.close()
    assert process.wait() == 141
    assert process.stderr.read() == b""
    process.stderr.close()


def test_version():
    result = _module("--version")
    assert result.returncode == 0 and result.stdout == f"modelspec {modelspec.__version__}\n"
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in config["project"]["dynamic"]  # the package's __version__, one place
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "modelspec.__version__"}


# --- file modes: every artifact as `open` would make it -------------------------------------------


@pytest.mark.keras
@pytest.mark.torch
def test_pt_keras_json_and_diagrams_get_one_mode(tmp_path):
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    old = os.umask(0o022)
    try:
        for backend, name in (("torch", "m.pt"), ("keras", "m.keras")):
            assert main(["compile", "specs/stock_lstm.yaml", "--backend", backend, "-o", str(tmp_path / name)]) == 0
        assert main(["schema", "-o", str(tmp_path / "s.json")]) == 0
        assert main(["render", "specs/stock_lstm.yaml", "-o", str(tmp_path / "d.dot")]) == 0
    finally:
        os.umask(old)
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in tmp_path.iterdir()}
    assert modes == dict.fromkeys(["m.pt", "m.keras", "s.json", "d.dot"], "0o644")


# --- the package: its licence, and an sdist whose tests run ---------------------------------------


def test_the_licence_is_apache_2_as_an_spdx_expression():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"  # PEP 639: an SPDX expression, not the deprecated table
    assert project["license-files"] == ["LICENSE"]


def _copy_of_the_project(to: Path) -> Path:
    """The project's files (not what is built, cached or installed in it) copied under `to`."""
    skip = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build", "dist",
                                  "out", ".*_cache", ".hypothesis")  # fmt: skip
    return Path(shutil.copytree(ROOT, to / "project", ignore=skip))


def test_the_sdist_ships_a_test_suite_that_runs(tmp_path):
    pytest.importorskip("setuptools", minversion="77")  # PEP 639 licence metadata
    project = _copy_of_the_project(tmp_path)
    built = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.build_sdist({str(tmp_path)!r}))"],
        cwd=project, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "deprecat" not in built.stderr.lower(), built.stderr
    with tarfile.open(tmp_path / built.stdout.split()[-1]) as sdist:
        sdist.extractall(tmp_path / "unpacked", filter="data")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    metadata = (unpacked / "PKG-INFO").read_text()
    assert "License-Expression: Apache-2.0" in metadata and "License-File: LICENSE" in metadata
    shipped = {p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file()}
    wanted = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").glob("*.py")}
    wanted |= {p.relative_to(ROOT).as_posix() for p in SPECS} | {"schema/modelspec.schema.json"}
    assert wanted - shipped == set()
    # tests that import the conftest and read the specs and the schema run there, on its package
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cli.py",
                          "-k", "validate_many_files or schema_file_is_up_to_date"],
                         cwd=unpacked, capture_output=True, text=True, env=env)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout


# --- the JSON Schema: each kind's `type` is required, as validation requires it --------------------


def test_the_json_schema_requires_each_kinds_type():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_text())
    defs = schema["$defs"]
    assert [kind for kind in REGISTRY if "type" not in defs[f"{kind}Node"].get("required", [])] == []
    tagged = [name for name, d in defs.items() if "const" in d.get("properties", {}).get("type", {})]
    assert [name for name in tagged if "type" not in defs[name].get("required", [])] == []
    validator = jsonschema.Draft202012Validator(schema)
    for text in (
        "inputs: {x: {shape: [4]}}\nlayers: [{units: 3}]\n",  # a Dense, but for its `type`
        "inputs: {x: {shape: [4]}}\nlayers: [{type: Dense, units: 3, kernel_initializer: {value: 3}}]\n",
        "inputs: {x: {shape: [4, 3]}}\nlayers: [{type: Bidirectional, layer: {units: 3, reset_after: true}}]\n",
    ):
        data = yaml.safe_load(text)
        assert list(validator.iter_errors(data)), text
        with pytest.raises(modelspec.SpecError):
            modelspec.loads(text)
    for path in SPECS:
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path


# --- spec.summary() in Jupyter: the table, not a dataclass repr -----------------------------------


def test_a_summary_shows_its_table_at_a_prompt_and_in_a_notebook():
    summary = modelspec.load(ROOT / "specs/stock_lstm.yaml").summary()
    table = str(summary)
    assert table.startswith('Model: "stock_lstm"') and "Total params: 363,002" in table
    assert repr(summary) == table  # Python's prompt, and IPython's text/plain
    html = summary._repr_html_()
    assert html.startswith("<pre>") and html.endswith("</pre>") and "Model: &quot;stock_lstm&quot;" in html


def test_ipython_displays_a_summary_as_its_table():
    formatters = pytest.importorskip("IPython.core.formatters")
    summary = modelspec.load(ROOT / "specs/stock_lstm.yaml").summary()
    shown, _ = formatters.DisplayFormatter().format(summary)  # what a notebook cell's result gets
    assert shown["text/plain"] == str(summary)
    assert shown["text/html"] == summary._repr_html_()
