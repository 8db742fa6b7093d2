"""The command line: exit codes, located errors on stderr, JSON output, the schema file."""

import json
import subprocess
import sys

import pytest

from modelspec.cli import main
from modelspec.schema import schema_text

from .conftest import ROOT, SPECS

BAD = "inputs: {x: {shape: [4]}}\nlayers:\n  - {type: Dense, unitz: 3}\n"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, capture_output=True, text=True)


def test_validate_many_files(capsys):
    assert main(["validate", *map(str, SPECS)]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok (") == len(SPECS)


def test_validate_reports_every_file_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    assert main(["validate", str(bad), str(SPECS[0]), str(tmp_path / "missing.yaml")]) == 1
    captured = capsys.readouterr()
    assert "missing required field" not in captured.err  # the misspelling says it
    assert f"{bad}:3:19: layers.0.unitz: unknown field 'unitz' (did you mean 'units'?)" in captured.err
    assert "missing.yaml: <document>: cannot read file: No such file or directory" in captured.err
    assert ": ok (" in captured.out


def test_usage_errors_exit_2_without_traceback():
    for args in (["frobnicate"], ["summary"], ["validate", "--nope", "x.yaml"]):
        result = run(*args)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr and "usage:" in result.stderr


def test_summary_json():
    result = run("summary", "specs/stock_lstm.yaml", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["total_params"] == 363_002


def test_summary_of_a_bad_spec_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    result = run("summary", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unknown field 'unitz'" in result.stderr


@pytest.mark.parametrize("command", ["validate", "summary", "schema"])
def test_help_shows_an_example(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "example:" in result.stdout


def test_schema_file_is_up_to_date():
    committed = (ROOT / "schema" / "modelspec.schema.json").read_text()
    assert committed == schema_text(), "run: modelspec schema -o schema/modelspec.schema.json"


def test_schema_describes_layers_and_refs():
    schema = json.loads(schema_text())
    assert schema["title"] == "modelspec"
    dense = schema["$defs"]["DenseNode"]["properties"]["units"]
    assert {"type": "string", "pattern": r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$"} in dense["anyOf"]


def test_example_specs_pass_the_json_schema_and_typos_do_not():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads(schema_text()))
    for path in SPECS:
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path
    typo = yaml.safe_load("inputs: {x: {shape: [3]}}\nlayers: [{type: Dense, unitz: 3}]\n")
    assert list(validator.iter_errors(typo))


def test_a_missing_framework_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
        "import modelspec\n"
        "spec = modelspec.load('specs/stock_lstm.yaml')\n"
        "module = spec.to_torch()\n"
        "print(type(module).__name__)\n"
        "try:\n"
        "    spec.to_keras()\n"
        "except modelspec.MissingFramework as exc:\n"
        "    print(exc)\n"
    )
    pytest.importorskip("torch")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "pip install 'modelspec[keras]'" in out.stdout


def test_compile_without_the_framework_says_which_extra(tmp_path):
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from modelspec.cli import main\n"
        f"sys.exit(main(['compile', 'specs/stock_lstm.yaml', '--backend', 'torch', '-o', r'{tmp_path / 'm.pt'}']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "pip install 'modelspec[torch]'" in out.stderr
    assert not (tmp_path / "m.pt").exists()


def test_errors_are_coloured_only_on_a_terminal(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    result = run("validate", str(bad))
    assert "\x1b[" not in result.stderr


@pytest.mark.keras
@pytest.mark.torch
def test_compile_writes_models_that_reload(tmp_path, capsys):
    pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    import keras
    import numpy as np

    import modelspec

    assert main(["compile", "specs/stock_lstm.yaml", "--backend", "keras", "-o", str(tmp_path / "m.keras")]) == 0
    assert main(["compile", "specs/stock_lstm.yaml", "--backend", "torch", "-o", str(tmp_path / "m.pt")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "m.pt"]  # no temporary files left
    x = np.random.default_rng(0).normal(size=(2, 10, 1)).astype("float32")
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    assert [o.shape for o in reloaded(x)] == [(2, 1), (2, 1)]
    module = modelspec.load_torch(tmp_path / "m.pt")
    again = modelspec.load_torch(tmp_path / "m.pt")
    with torch.no_grad():
        a, b = module(torch.from_numpy(x)), again(torch.from_numpy(x))
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert main(["compile", "specs/stock_lstm.yaml", "--backend", "keras", "-o", str(tmp_path / "m.h5")]) == 2
