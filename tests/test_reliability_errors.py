"""Issue 17, "every mistake is a located error, not an internal error": each example of the issue,
and the class it stands for (the costs of bad input: test_reliability_errors_costs.py)."""

import os
import re
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import modelspec
import modelspec.data
import modelspec.limits
import modelspec.yamlio
from modelspec.backends.check import check, random_inputs
from modelspec.cli import main
from modelspec.data import check_arrays, read_npz
from modelspec.errors import BackendError, DataError, StudyError
from modelspec.render import render_file

from .conftest import problems, spec

DENSE_ON = "inputs: {x: {shape: %s}}\nlayers:\n  d: {type: Dense, units: 3, inputs: x}\n"


# --- params defined as references -------------------------------------------------------------


def test_a_param_defined_as_a_reference_to_itself_is_located_at_the_param():
    found = problems(
        """\
        params: {u: "${u}"}
        inputs: {x: {shape: [4]}}
        layers:
          d: {type: Dense, units: "${u}", inputs: x}
        """
    )
    assert found == ["spec.yaml:1:13: params.u: a param's value cannot be a reference (${u}): "
                     "params do not read one another; write the value itself"]  # fmt: skip


@pytest.mark.parametrize(
    "params",
    ['{a: "${b}", b: 4}', '{a: [4, "${b}"], b: 2}', '{a: {choice: ["${b}", 8]}, b: 4}'],
    ids=["chain", "in a list", "in a search space"],
)
def test_a_param_reading_another_is_one_error_and_its_uses_stay_quiet(params):
    found = problems(f'params: {params}\ninputs: {{x: {{shape: [4]}}}}\nlayers:\n  d: {{type: Dense, units: "${{a}}", inputs: x}}\n')
    assert len(found) == 1 and found[0].startswith("spec.yaml:1:") and ": params.a: a param's value cannot be a reference (${b})" in found[0]


@pytest.mark.parametrize("value", ["${u}", [1, "${x}"]])
def test_a_param_given_a_reference_from_python_is_the_same_error(value):
    doc = modelspec.yamlio.parse('params: {u: 4}\ninputs: {x: {shape: [4]}}\nlayers:\n  d: {type: Dense, units: "${u}", inputs: x}\n')
    with pytest.raises(modelspec.SpecError, match=r"<string>:1:13: params.u: a param's value cannot be a reference"):
        modelspec.Spec.from_document(doc, {"u": value})


def test_render_draws_a_spec_whose_param_is_a_reference(tmp_path):
    path = tmp_path / "ref.yaml"
    path.write_text('params: {u: "${u}"}\ninputs: {x: {shape: [4]}}\nlayers:\n  d: {type: Dense, units: "${u}", inputs: x}\n')
    source = render_file(path).source
    assert "cannot be a reference" in source and "d" in source


# --- rank-0 inputs -----------------------------------------------------------------------------


def test_a_rank_0_input_into_dense_is_a_located_shape_error():
    (found,) = problems(DENSE_ON % "[]")
    assert found.startswith("spec.yaml:3:3: layers.d: Dense expects inputs of rank at least 1 (batch excluded), got shape ()")


@pytest.mark.parametrize("kind", ["TimeDistributed", "Rescaling", "Flatten", "LayerNormalization", "Concatenate"])
def test_kinds_that_read_a_feature_axis_refuse_a_rank_0_input(kind):
    args = {"TimeDistributed": "layer: {type: Dense, units: 2}", "Rescaling": "scale: [1.0, 2.0]"}.get(kind, "")
    inputs = "[x, x]" if kind == "Concatenate" else "x"
    (found,) = problems(f"inputs: {{x: {{shape: []}}}}\nlayers:\n  n: {{type: {kind}, {args}, inputs: {inputs}}}\n".replace(", ,", ","))
    assert "expects inputs of rank at least 1" in found


RANK_0 = """\
    inputs: {x: {shape: []}, ids: {shape: [], dtype: int32}}
    layers:
      act: {type: Activation, activation: tanh, inputs: x}
      drop: {type: Dropout, rate: 0.5, inputs: act}
      relu: {type: ReLU, max_value: 1.0, inputs: drop}
      prelu: {type: PReLU, inputs: relu}
      noise: {type: GaussianNoise, stddev: 0.1, inputs: prelu}
      same: {type: Identity, inputs: noise}
      column: {type: Reshape, target_shape: [1], inputs: same}
      dense: {type: Dense, units: 2, inputs: column}
      embed: {type: Embedding, input_dim: 5, output_dim: 2, inputs: ids}
    outputs: [dense, embed]
    """


def test_rank_0_inputs_go_through_the_kinds_that_take_them():
    graph = spec(RANK_0).graph
    assert [graph.tensor_type(o).shape for o in graph.outputs] == [(2,), (2,)]
    assert graph.tensor_type("same").shape == ()


def test_rank_0_inputs_build_and_agree_in_both_back_ends():
    assert check(spec(RANK_0)).ok


# --- numbers and seeds --------------------------------------------------------------------------


def test_an_integer_of_4301_digits_is_located():
    (found,) = problems(DENSE_ON.replace("units: 3", "units: " + "9" * 4301) % "[4]")
    assert found == "spec.yaml:3:27: layers.d.units: an integer of 4,301 digits is too long to read (at most 4,300)"


@pytest.mark.parametrize("seed, says", [(-1, "greater than or equal to 0"), (2**64, "less than or equal to 4294967295")])
def test_a_training_seed_no_generator_takes_is_located(seed, says):
    (found,) = problems(DENSE_ON % "[4]" + f"training: {{optimizer: adam, loss: mse, seed: {seed}}}\n")
    assert found.startswith("spec.yaml:4:") and "training.seed" in found and says in found


@pytest.mark.parametrize("command", ["check", "search"])
@pytest.mark.parametrize("seed", ["-1", "4294967296", "1e3"])
def test_check_and_search_refuse_a_seed_as_usage_errors(command, seed, tmp_path, capsys):
    extra = ["--data", "d.npz", "--backend", "torch", "--trials", "1"] if command == "search" else []
    with pytest.raises(SystemExit) as info:
        main([command, str(tmp_path / "s.yaml"), *extra, "--seed", seed])
    assert info.value.code == 2
    assert f"argument --seed: expected a seed from 0 to 4294967295, got '{seed}'" in capsys.readouterr().err


def test_the_python_check_refuses_a_negative_seed():
    with pytest.raises(ValueError, match="seed must be from 0 to 4294967295, got -1"):
        random_inputs(spec(DENSE_ON % "[4]").graph, seed=-1)


# --- storages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, drivers", [("postgresql://u@localhost/db", ("psycopg", "psycopg2")),
                                          ("mysql+mysqldb://u@localhost/db", ("MySQLdb",))])  # fmt: skip
def test_a_storage_whose_driver_is_missing_is_one_clear_line(url, drivers, monkeypatch):
    pytest.importorskip("optuna")
    from modelspec.study import _rdb_storage

    for driver in drivers:  # the dev extra installs psycopg: make it missing, as on a user's machine
        monkeypatch.setitem(sys.modules, driver, None)
    with pytest.raises(StudyError, match=rf"--storage '{re.escape(url)}': the driver of its database is not installed \((No module named|import of {drivers[0]} halted)"):
        _rdb_storage(url)


def test_a_storage_file_that_is_not_sqlite_is_one_clear_line(tmp_path):
    pytest.importorskip("optuna")
    from modelspec.study import _rdb_storage

    (tmp_path / "s.db").write_text("not a database at all\n" * 100)
    with pytest.raises(StudyError, match="cannot open the study's database .*: file is not a database"):
        _rdb_storage(f"sqlite:///{tmp_path / 's.db'}")


# --- models too big for memory ---------------------------------------------------------------------

# 10**10 rows are refused where they are written (beyond int32, which both back ends index with);
# 10**9 rows of 80 are as large: refused before building, with their size.
HUGE_EMBEDDING = "inputs: {x: {shape: [3], dtype: int32}}\nlayers:\n  e: {type: Embedding, input_dim: 1000000000, output_dim: 80, inputs: x}\n"


@pytest.mark.parametrize("backend", ["keras", "torch"])
def test_an_embedding_of_10_billion_rows_says_its_size_before_building(backend, monkeypatch):
    with pytest.raises(modelspec.SpecError, match=r"layers.e.input_dim: must be within int32's range"):
        spec(HUGE_EMBEDDING.replace("1000000000", "10000000000"))
    monkeypatch.setattr(modelspec.limits, "available_memory", lambda: 16 * 10**9)
    huge = spec(HUGE_EMBEDDING)
    with pytest.raises(BackendError) as info:
        huge.to_keras() if backend == "keras" else huge.to_torch()
    assert str(info.value) == (f"model 'model' has 80,000,000,000 weights, 320 GB (e/embeddings (1000000000, 80) 320 GB), "
                               f"more than the 16 GB of memory available: the {backend} back end cannot build it")  # fmt: skip


def test_a_failed_allocation_while_building_says_the_size(monkeypatch):
    monkeypatch.setattr(modelspec.limits, "available_memory", lambda: None)  # unknown: the build is tried
    graph = spec(HUGE_EMBEDDING).graph
    for failure in (MemoryError(), RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried")):
        with pytest.raises(BackendError, match="320 GB .*more than the memory it could allocate"):
            with modelspec.limits.memory_checked(graph, "torch"):
                raise failure
    with pytest.raises(KeyError), modelspec.limits.memory_checked(graph, "torch"):
        raise KeyError("x")  # any other error is the back end's own


# --- data ----------------------------------------------------------------------------------------------

TRAINED = DENSE_ON % "[4]" + "training: {optimizer: adam, loss: mse}\n"


def test_data_beyond_float32s_range_is_refused_before_training():
    data = {"x": np.full((8, 4), 1e39), "d": np.zeros((8, 3))}
    with pytest.raises(DataError) as info:
        check_arrays(spec(TRAINED).graph, data)
    assert info.value.problems == ["array 'x': 32 values outside float32's range (-3.403e+38 to 3.403e+38), "
                                   "from 1e+39 to 1e+39; the back ends compute in float32"]  # fmt: skip


def test_integers_beyond_int32s_range_are_refused():
    graph = spec("inputs: {ids: {shape: [2], dtype: int32}}\nlayers:\n  d: {type: Dense, units: 1, inputs: ids}\n"
                 "training: {optimizer: adam, loss: mse}\n").graph  # fmt: skip
    with pytest.raises(DataError, match=r"array 'ids': 1 value outside int32's range \(-2,147,483,648 to 2,147,483,647\)"):
        check_arrays(graph, {"ids": np.array([[1, 2**40], [0, 1]]), "d": np.zeros((2, 1))})


def test_an_npz_that_inflates_past_the_memory_is_refused_from_its_headers(tmp_path, monkeypatch):
    np.savez_compressed(tmp_path / "bomb.npz", x=np.zeros((1000, 1000)), d=np.zeros((1000, 3)))
    monkeypatch.setattr(modelspec.data, "available_memory", lambda: 2_000_000)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("an array was read"))
    with pytest.raises(DataError) as info:
        read_npz(tmp_path / "bomb.npz")
    assert info.value.problems == [f"{tmp_path / 'bomb.npz'}: its arrays take 8.02 MB once read (x 8 MB, d 24 kB), "
                                   "more than the 2 MB of memory available"]  # fmt: skip


def test_an_npz_whose_header_claims_more_than_it_holds_is_refused(tmp_path):
    path = tmp_path / "lies.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("x.npy", "w") as npy:
        np.lib.format.write_array_header_1_0(npy, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
        npy.write(bytes(16))
    with pytest.raises(DataError, match=r"x.npy is damaged: its header says float64 of shape \(1000000000000,\) \(8,000,000,000,000 bytes\)"):
        read_npz(path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_not_read_as_data():
    with pytest.raises(DataError, match="/dev/zero: not a file"):
        read_npz("/dev/zero")


def test_an_unreadable_npz_says_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "secret.npz"
    np.savez(path, x=np.zeros((2, 4)))
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads it anyway: the operating system's refusal, as it comes
        monkeypatch.setattr(modelspec.data, "open", _refuse, raising=False)
    with pytest.raises(DataError) as info:
        read_npz(path)
    assert info.value.problems == [f"{path}: cannot read it: Permission denied"]


def _refuse(path, *args, **kwargs):
    raise PermissionError(13, "Permission denied", str(path))


# --- check's random ids -----------------------------------------------------------------------------

FLOAT_IDS = """\
    inputs: {x: {shape: [3]}, y: {shape: [2, 2]}}
    layers:
      e: {type: Embedding, input_dim: 6, output_dim: 2, inputs: x}
      flat: {type: Flatten, inputs: y}
      f: {type: Embedding, input_dim: 3, output_dim: 2, inputs: flat}
    outputs: [e, f]
    """


def test_check_draws_ids_for_an_embedding_fed_by_a_float_input():
    inputs = random_inputs(spec(FLOAT_IDS).graph, batch=64)
    assert inputs["x"].dtype == np.float32 and inputs["x"].min() >= 0 and inputs["x"].max() < 6
    assert inputs["y"].min() >= 0 and inputs["y"].max() < 3  # through a Flatten
    assert np.array_equal(inputs["x"], np.round(inputs["x"]))


def test_check_of_an_embedding_fed_by_a_float_input_agrees_in_both_back_ends():
    assert check(spec(FLOAT_IDS)).ok


# --- no command says "internal error" -----------------------------------------------------------------

EXAMPLES = {
    "reference": 'params: {u: "${u}"}\ninputs: {x: {shape: [4]}}\nlayers:\n  d: {type: Dense, units: "${u}", inputs: x}\n',
    "chain": 'params: {a: "${b}", b: 4}\ninputs: {x: {shape: [4]}}\nlayers:\n  d: {type: Dense, units: "${a}", inputs: x}\n',
    "rank 0": DENSE_ON % "[]",
    "4301 digits": (DENSE_ON % "[4]").replace("units: 3", "units: " + "1" * 4301),
    "seed -1": TRAINED.replace("loss: mse}", "loss: mse, seed: -1}"),
    "seed 2**64": TRAINED.replace("loss: mse}", f"loss: mse, seed: {2**64}}}"),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
@pytest.mark.parametrize("command", ["validate", "summary", "render", "compile", "check", "train", "search"])
def test_no_command_prints_an_internal_error(example, command, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(EXAMPLES[example]))
    np.savez(tmp_path / "d.npz", x=np.zeros((8, 4)), d=np.zeros((8, 3)))
    extra = {"render": ["-o", str(tmp_path / "out.dot")], "compile": ["--backend", "torch", "-o", str(tmp_path / "m.pt")],
             "train": ["--data", str(tmp_path / "d.npz"), "--backend", "torch"],
             "search": ["--data", str(tmp_path / "d.npz"), "--backend", "torch", "--trials", "1"]}  # fmt: skip
    code = main([command, str(path), *extra.get(command, [])])
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    if command == "render" and code == 0:  # drawn with its problems marked (section 4 decides the status)
        return
    assert code == 1 and err.startswith(f"{path}:") and err.splitlines()[0].split(":")[1].isdigit(), err
