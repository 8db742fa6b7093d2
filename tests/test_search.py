"""`modelspec search`: the space mapping, failed samples, the objective, resuming and sharing a study.

Tiny data and one or two epochs per trial keep the whole file fast; the processes killed and the
workers sharing a study are real subprocesses of the command line.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import modelspec
import modelspec.search
import modelspec.study
from modelspec.cli import main

from .conftest import ROOT

optuna = pytest.importorskip("optuna")

CLASSIFIER = """\
    name: tiny
    params:
      units: {choice: [4, 8], default: 4}
      rate: {loguniform: [1.0e-3, 1.0e-1], default: 1.0e-2}
      dropout: {uniform: [0.0, 0.3], default: 0.1}
      depth: {int: [1, 3], step: 2, default: 1}
    inputs:
      features: {shape: [5]}
    layers:
      - {type: Dense, units: "${units}", activation: relu}
      - {type: Dropout, rate: "${dropout}"}
      - {type: Dense, units: 2, activation: softmax, name: classes}
    training:
      optimizer: {type: adam, learning_rate: "${rate}"}
      loss: categorical_crossentropy
      metrics: [accuracy]
      epochs: EPOCHS
      batch_size: 16
      validation_split: 0.25
      seed: 0
    """

# A kernel of 20 over 8 steps leaves no output: that sample is a failed trial, the search goes on.
BREAKS = """\
    name: breaks
    params:
      kernel: {choice: [3, 20], default: 3}
    inputs:
      x: {shape: [8, 1]}
    layers:
      - {type: Conv1D, filters: 2, kernel_size: "${kernel}"}
      - {type: Flatten}
      - {type: Dense, units: 1, activation: sigmoid, name: out}
    training: {loss: binary_crossentropy, epochs: 1, batch_size: 16, validation_split: 0.25}
    """


def write_spec(tmp_path, text=CLASSIFIER, epochs=1, extra=""):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text).replace("EPOCHS", str(epochs)) + textwrap.dedent(extra))
    return path


def classifier_data(tmp_path, n=48):
    x = np.random.default_rng(0).normal(size=(n, 5)).astype("float32")
    path = tmp_path / "data.npz"
    np.savez(path, features=x, classes=np.eye(2, dtype="float32")[(x[:, 0] > 0).astype(int)])
    return path


def counted_states(storage, study):
    from modelspec.study import counted

    trials = optuna.load_study(study_name=study, storage=storage).get_trials()
    return [t for t in trials if counted(t)], trials


def quiet(*_):
    pass


BACKENDS = [pytest.param(b, marks=getattr(pytest.mark, b)) for b in ("keras", "torch")]


# --- no framework needed -------------------------------------------------------------------------


def test_each_space_kind_maps_to_its_suggest_call(tmp_path):
    from modelspec.search import suggest

    spec = modelspec.load(write_spec(tmp_path))
    trial = optuna.create_study().ask()
    values = suggest(trial, spec.search_space)
    d = trial.distributions
    assert d["units"] == optuna.distributions.CategoricalDistribution([4, 8])
    assert d["rate"] == optuna.distributions.FloatDistribution(1e-3, 1e-1, log=True)
    assert d["dropout"] == optuna.distributions.FloatDistribution(0.0, 0.3)
    assert d["depth"] == optuna.distributions.IntDistribution(1, 3, step=2)
    assert values["depth"] in (1, 3) and spec.with_params(values).is_concrete


def test_the_objective_is_checked_before_any_trial(tmp_path):
    data = classifier_data(tmp_path)
    storage = f"sqlite:///{tmp_path / 's.db'}"
    typo = modelspec.load(write_spec(tmp_path, extra="search: {objective: val_acuracy}\n"))
    with pytest.raises(modelspec.SpecError) as info:
        modelspec.search.search(typo, data, "keras", trials=2, storage=storage, echo=quiet)
    message = str(info.value)
    assert "search.objective: 'val_acuracy' is not a figure" in message and "did you mean 'val_accuracy'" in message
    assert "loss, accuracy, val_loss, val_accuracy" in message
    assert not (tmp_path / "s.db").exists()  # nothing was started

    no_split = modelspec.load(write_spec(tmp_path, text=CLASSIFIER.replace("validation_split: 0.25", "")))
    with pytest.raises(modelspec.SpecError, match="validation_split > 0"):
        modelspec.search.search(no_split, data, "keras", trials=2, storage=storage, echo=quiet)

    concrete = modelspec.loads("inputs: {x: {shape: [3]}}\nlayers: [{type: Dense, units: 1}]\n"
                               "training: {loss: mse, validation_split: 0.5}\n")  # fmt: skip
    with pytest.raises(modelspec.SpecError, match="no param is a search space"):
        modelspec.search.search(concrete, data, "keras", trials=2, storage=storage, echo=quiet)


def test_a_worker_racing_for_the_last_place_yields_and_dead_workers_trials_are_failed():
    from modelspec.study import claim, count, fail_dead_trials

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for pid in (os.getpid(), int(gone.stdout)):  # two trials running: one alive, one whose process is gone
        trial = study.ask()
        trial.set_user_attr("host", modelspec.study._HOST)
        trial.set_user_attr("pid", pid)
    assert claim(study, 2) is None  # both places are taken: the new trial yields
    surplus = study.get_trials()[-1]
    assert surplus.state.name == "FAIL" and "surplus" in surplus.user_attrs and count(study) == (0, 2)

    fail_dead_trials(study)
    dead = study.get_trials()[1]
    assert dead.state.name == "FAIL" and dead.user_attrs["abandoned"].startswith(f"process {gone.stdout.strip()}")
    assert count(study) == (0, 1)
    assert claim(study, 2) is not None  # the dead worker's place is free again


def test_cli_usage_and_data_errors_exit_without_traceback(tmp_path, capsys):
    spec = write_spec(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["search", str(spec), "--data", "x.npz", "--backend", "keras", "--trials", "0"])
    assert exit_.value.code == 2
    bad = tmp_path / "bad.npz"
    np.savez(bad, features=np.zeros((8, 4), "float32"), classes=np.zeros((8, 2), "float32"))
    assert main(["search", str(spec), "--data", str(bad), "--backend", "keras", "--trials", "2",
                 "--storage", f"sqlite:///{tmp_path / 's.db'}"]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "array 'features': expected numeric values of shape (N, 5)" in err and "Traceback" not in err


def test_importing_the_cli_and_search_loads_no_optuna_or_framework():
    code = ("import sys, modelspec.cli, modelspec.search\n"
            "print([m for m in ('optuna', 'keras', 'tensorflow', 'torch') if m in sys.modules])")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


# --- trials that train ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_samples_that_break_the_spec_are_failed_trials_and_the_search_goes_on(tmp_path, backend):
    pytest.importorskip(backend)
    spec = modelspec.loads(textwrap.dedent(BREAKS), "breaks.yaml")
    x = np.random.default_rng(0).normal(size=(32, 8, 1)).astype("float32")
    np.savez(tmp_path / "d.npz", x=x, out=(x[:, 0, 0] > 0).astype("float32"))
    storage = f"sqlite:///{tmp_path / 's.db'}"
    result = modelspec.search.search(spec, tmp_path / "d.npz", backend, trials=4, sampler="random", seed=0,
                                     storage=storage, echo=quiet)  # fmt: skip
    trials = result.study.get_trials()
    failed = [t for t in trials if t.state.name == "FAIL"]
    assert len(trials) == 4 and failed and len(failed) < 4
    assert all(t.params["kernel"] == 20 for t in failed)
    assert all("breaks.yaml:7:5: layers.0: Conv1D would output (-11, 2) from (8, 1)" in t.user_attrs["error"]
               for t in failed)  # fmt: skip
    assert "Conv1D would output (-11, 2)" in result.table()
    assert result.best_spec.values["kernel"] == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_maximise_picks_the_highest_objective(tmp_path, backend):
    pytest.importorskip(backend)
    spec = modelspec.load(write_spec(tmp_path, extra="search: {objective: val_accuracy, direction: maximize}\n"))
    result = modelspec.search.search(spec, classifier_data(tmp_path), backend, trials=2, sampler="random",
                                     seed=0, storage=f"sqlite:///{tmp_path / 's.db'}", echo=quiet)  # fmt: skip
    assert result.study.direction == optuna.study.StudyDirection.MAXIMIZE
    complete = [t for t in result.study.get_trials() if t.state.name == "COMPLETE"]
    assert result.best_trial.value == max(t.value for t in complete)
    assert result.best_spec == spec.with_params(result.best_trial.params)


@pytest.mark.keras
def test_cli_prints_the_table_writes_a_best_spec_compile_accepts_and_reruns_nothing(tmp_path, capsys, monkeypatch):
    pytest.importorskip("keras")
    monkeypatch.chdir(tmp_path)  # the default storage, sqlite:///tiny.db, is made here
    spec, data = write_spec(tmp_path), classifier_data(tmp_path)
    command = ["search", str(spec), "--data", str(data), "--backend", "keras", "--trials", "2",
               "--sampler", "random", "--seed", "0", "--best-out", "best.yaml"]  # fmt: skip
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "study 'tiny' in sqlite:///tiny.db" in out and (tmp_path / "tiny.db").exists()
    assert "trial  state     val_loss  units  rate" in out and out.count("COMPLETE") + out.count("PRUNED") == 2
    assert main(["compile", "best.yaml", "--backend", "keras", "-o", "m.keras"]) == 0
    assert modelspec.load("best.yaml").is_concrete

    assert main(command) == 0  # the study holds 2 already: nothing runs
    assert "trial 2" not in capsys.readouterr().out
    assert len(optuna.load_study(study_name="tiny", storage="sqlite:///tiny.db").trials) == 2


def _cli(spec, data, trials, *extra):
    """The command for a worker process (torch: it starts in half Keras' time)."""
    return [sys.executable, "-m", "modelspec.cli", "search", str(spec), "--data", str(data), "--backend",
            "torch", "--trials", str(trials), "--sampler", "random", *extra]  # fmt: skip


def _progress(db) -> list[tuple[str, int]]:
    """(state, epochs reported) of each trial, read straight from Optuna's tables."""
    query = ("SELECT state, (SELECT count(*) FROM trial_intermediate_values v WHERE v.trial_id = t.trial_id) "
             "FROM trials t ORDER BY number")  # fmt: skip
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return list(con.execute(query))
    except sqlite3.OperationalError:  # not made yet
        return []


@pytest.mark.torch
def test_a_search_killed_mid_trial_resumes_and_loses_no_complete_trial(tmp_path):
    pytest.importorskip("torch")
    spec, data = write_spec(tmp_path, epochs=8), classifier_data(tmp_path, n=240)
    command = _cli(spec, data, 3)
    worker = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and worker.poll() is None:
        trials = _progress(tmp_path / "tiny.db")
        if ("COMPLETE", 8) in trials and trials[-1][0] == "RUNNING" and trials[-1][1] >= 1:
            break  # mid-way through training the trial after a complete one
        time.sleep(0.05)
    assert worker.poll() is None, worker.communicate()[0]
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    storage = f"sqlite:///{tmp_path / 'tiny.db'}"
    before, trials = counted_states(storage, "tiny")
    assert trials[-1].state.name == "RUNNING"  # killed during a trial
    values = {t.number: t.value for t in before}

    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    after, trials = counted_states(storage, "tiny")
    assert len(after) == 3
    assert {t.number: t.value for t in after if t.number in values} == values
    killed = trials[len(before)]
    assert killed.state.name == "FAIL" and "abandoned" in killed.user_attrs
    assert "abandoned: process" in rerun.stdout


@pytest.mark.torch
def test_two_workers_on_one_study_finish_exactly_n_trials(tmp_path):
    pytest.importorskip("torch")
    spec, data = write_spec(tmp_path), classifier_data(tmp_path)
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    command = _cli(spec, data, 5, "--storage", storage, "--study", "shared")
    workers = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]  # fmt: skip
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    done, trials = counted_states(storage, "shared")
    assert len(done) == 5
    assert not [t for t in trials if t.state.name == "RUNNING"]
    assert all("surplus" in t.user_attrs for t in trials if t not in done)  # a lost race, never a lost trial


@pytest.mark.torch
def test_a_changed_search_space_under_an_old_study_name_is_a_clear_error(tmp_path):
    pytest.importorskip("torch")
    storage, data = f"sqlite:///{tmp_path / 's.db'}", classifier_data(tmp_path)
    spec = modelspec.load(write_spec(tmp_path))
    modelspec.search.search(spec, data, "torch", trials=1, storage=storage, study_name="s", echo=quiet)
    ints = CLASSIFIER.replace("{choice: [4, 8], default: 4}", "{int: [4, 8], default: 4}")
    changed = modelspec.load(write_spec(tmp_path, ints))
    says = r"param 'units': the study 's' searched another space .* new --study"
    with pytest.raises(modelspec.errors.StudyError, match=says):
        modelspec.search.search(changed, data, "torch", trials=2, storage=storage, study_name="s", echo=quiet)


@pytest.mark.torch
def test_a_study_of_params_the_spec_has_not_is_a_clear_error(tmp_path):
    pytest.importorskip("torch")  # was a KeyError ("no such param(s)") from the best trial
    storage, data = f"sqlite:///{tmp_path / 's.db'}", classifier_data(tmp_path)
    spec = modelspec.load(write_spec(tmp_path))
    modelspec.search.search(spec, data, "torch", trials=1, storage=storage, study_name="s", echo=quiet)
    renamed = modelspec.load(write_spec(tmp_path, CLASSIFIER.replace("units: {", "width: {").replace("${units}", "${width}")))
    says = r"the study 's' in sqlite:///.* searched params the spec has not \(units\); give .* --study"
    with pytest.raises(modelspec.errors.StudyError, match=says):
        modelspec.search.search(renamed, data, "torch", trials=2, storage=storage, study_name="s", echo=quiet)


def test_storage_and_missing_optuna_errors_are_one_clear_line(tmp_path, capsys):
    spec, data = write_spec(tmp_path), classifier_data(tmp_path)
    base = ["search", str(spec), "--data", str(data), "--backend", "torch", "--trials", "1"]
    for storage, says in (("foo://bar", "is not a database URL"),
                          (f"sqlite:///{tmp_path}/no/such/dir/s.db", "cannot open the study's database")):
        assert main([*base, "--storage", storage]) == 1
        err = capsys.readouterr().err
        assert says in err and "internal error" not in err and err.count("\n") == 1
    code = ("import sys; sys.modules['optuna'] = None\nfrom modelspec.cli import main\n"
            f"sys.exit(main({[*base, '--storage', f'sqlite:///{tmp_path}/s.db']!r}))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1 and "pip install 'modelspec[search]'" in out.stderr and "Traceback" not in out.stderr
