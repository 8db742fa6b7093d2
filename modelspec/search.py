"""Hyperparameter search over a spec's search spaces, driven by Optuna.

Each trial draws every search space of `params:` (`choice` -> `suggest_categorical`, `uniform`
and `loguniform` -> `suggest_float`, `int` -> `suggest_int` with its step), validates the
concrete spec, trains it per `training:` and reports the objective that `search:` names
(default `val_loss`, minimised) after every epoch, so the pruner (a `MedianPruner`) can stop a
bad trial early. The trial's value is the objective after its last epoch.

    result = search(modelspec.load("specs/sequential_classifier.yaml"), "data.npz", "keras", trials=20)
    print(result.table()); result.best_spec.to_yaml()

The study lives in a database (`sqlite:///<study>.db` here by default, named after the spec),
so a stopped search resumes, and workers given one database URL share it; `trials=N` means the
study ends holding N counted trials. `modelspec.study` states the rules: what counts, how racing
workers avoid overshooting, and how a trial left running by a dead process is failed.

Nothing here imports Optuna or a framework until a search starts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .console import Progress, text_table
from .data import check_arrays, read_npz
from .errors import (
    BackendError,
    DataError,
    MissingFramework,
    Problem,
    SpecError,
    StudyError,
    did_you_mean,
)
from .logs import log_names
from .registry import backend as backend_named
from .spaces import Choice, IntRange, LogUniform, Uniform
from .study import Heartbeat, claim, count, fail_dead_trials, open_study, tell
from .training import train


class _CountedFailure(Exception):
    """A trial failed for a reason of its own sample; it counts towards N."""


def suggest(trial: Any, space: Mapping[str, Any]) -> dict[str, Any]:
    """One value per search space, drawn through the Optuna trial."""
    values = {}
    for name, s in space.items():
        try:
            values[name] = _suggest_one(trial, name, s)
        except ValueError as exc:  # Optuna refuses a space that differs from the study's own
            raise StudyError(
                f"param {name!r}: the study {trial.study.study_name!r} searched another space "
                f"for it ({exc}); give this search a new --study name"
            ) from None
    return values


def _suggest_one(trial: Any, name: str, s: Any) -> Any:
    if isinstance(s, Choice):
        return trial.suggest_categorical(name, list(s.choice))
    if isinstance(s, Uniform):
        return trial.suggest_float(name, *s.uniform)
    if isinstance(s, LogUniform):
        return trial.suggest_float(name, *s.loguniform, log=True)
    if isinstance(s, IntRange):
        return trial.suggest_int(name, *s.int_, step=s.step)
    raise TypeError(f"param {name!r}: no Optuna mapping for {type(s).__name__}")


def objective_names(graph: Any) -> list[str]:
    """The figures a trial can optimise: the epoch's figures, and their `val_` twins when
    `validation_split > 0` (they exist only then)."""
    names = log_names(graph)
    return names + [f"val_{n}" for n in names] if graph.training.validation_split else names


def check_searchable(spec: Any) -> tuple[str, str]:
    """(objective, direction) of `spec`; `SpecError` when there is nothing to search or the
    objective is not a figure training reports."""
    objective, direction = (
        ("val_loss", "minimize")
        if spec.document.search is None
        else (spec.document.search.objective, spec.document.search.direction)
    )
    problems = []
    if spec.graph.training is None:
        problems.append(
            _problem(spec, ("training",), "a search trains every trial; add a `training:` section")
        )
    if not spec.search_space:
        problems.append(
            _problem(
                spec,
                ("params",),
                "no param is a search space, so there is nothing to search "
                "(write one as e.g. `units: {choice: [32, 64], default: 32}`)",
            )
        )
    if spec.graph.training is not None and objective not in (names := objective_names(spec.graph)):
        hint = did_you_mean(objective, names)
        why = (
            ""
            if spec.graph.training.validation_split
            else " (val_ figures need validation_split > 0)"
        )
        problems.append(
            _problem(
                spec,
                ("search", "objective"),
                f"{objective!r} is not a figure training "
                f"reports{hint}; choose one of {', '.join(names)}{why}",
            )
        )
    if problems:
        raise SpecError(problems)
    return objective, direction


def _problem(spec: Any, path: tuple, message: str) -> Problem:
    return Problem(spec._doc.locate(path), path, message)


@dataclass
class SearchResult:
    """The study after a search, with the spec it searched."""

    study: Any
    spec: Any
    objective: str
    direction: str
    storage: str

    @property
    def best_trial(self) -> Any | None:
        """The best complete trial by the objective and direction; None when no trial completed."""
        from optuna.trial import TrialState

        done = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        pick = min if self.direction == "minimize" else max
        return pick(done, key=lambda t: t.value) if done else None

    @property
    def best_spec(self) -> Any | None:
        """The best complete trial's concrete spec (None when no trial completed)."""
        best = self.best_trial
        return None if best is None else self.spec.with_params(best.params)

    def table(self) -> str:
        """Every trial: number (the best marked *), state, objective, params, and why it failed or stopped."""
        trials = self.study.get_trials(deepcopy=False)
        if not trials:
            return "(no trials)"
        best = self.best_trial
        names = list(self.spec.search_space)
        head = ["trial", "state", self.objective, *names, "note"]
        rows = [
            [
                f"{t.number}{' *' if best is not None and t.number == best.number else ''}",
                t.state.name,
                _fmt(t.value),
                *(_fmt(t.params.get(n)) for n in names),
                _note(t),
            ]
            for t in trials
        ]
        return text_table(head, rows)


def _trial_line(trial: Any, objective: str) -> str:
    """One finished trial, for a reader without the bar: state, objective, params, note."""
    value = f"  {objective} {_fmt(trial.value)}" if trial.value is not None else ""
    params = "  ".join(f"{k} {_fmt(v)}" for k, v in trial.params.items())
    note = f"  ({_note(trial)})" if _note(trial) else ""
    return f"trial {trial.number}: {trial.state.name.lower()}{value}  {params}{note}"


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _note(trial: Any) -> str:
    attrs = trial.user_attrs
    if "error" in attrs:
        lines = attrs["error"].splitlines()
        return lines[0] + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")
    for key in ("surplus", "abandoned", "crashed"):
        if key in attrs:
            return f"{key}: {attrs[key]}"
    state = trial.state.name
    if state == "PRUNED":
        return f"pruned after epoch {trial.last_step}"
    if state == "FAIL":  # Optuna's stale-trial check fails a trial without a word
        return "abandoned: no heartbeat"
    return "running" if state == "RUNNING" else ""


def search(
    spec: Any,
    data: Mapping[str, Any] | str | os.PathLike,
    backend: str = "keras",
    trials: int = 10,
    sampler: str = "tpe",
    storage: Any = None,
    study_name: str | None = None,
    seed: int | None = None,
    epochs: int | None = None,
    echo: Callable[[str], None] = print,
    progress: bool = True,
) -> SearchResult:
    """Run trials until the study holds `trials` counted ones (see the module docstring).

    `storage` is a database URL or an Optuna storage (default `sqlite:///<study>.db` here);
    `study_name` defaults to the spec's name; `epochs` overrides `training.epochs`. The spec
    and the data are checked before the first trial (`SpecError`, `DataError`).
    """
    if trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")
    chosen = backend_named(backend)  # ValueError naming the choices
    objective, direction = check_searchable(spec)
    arrays = read_npz(data) if isinstance(data, (str, os.PathLike)) else data
    check_arrays(spec.graph, arrays)  # a bad file fails now, not in every trial
    study, where = open_study(spec, storage, study_name, sampler, seed, direction)
    echo(f"study {study.study_name!r} in {where}")
    with Progress(
        trials, "trials", "trial", enabled=progress, initial=count(study)[0], echo=echo
    ) as bar:
        while True:
            fail_dead_trials(study)
            done, running = count(study)
            bar.update(done)
            if done + running >= trials:
                break
            trial = claim(study, trials)
            if trial is None:
                break
            _run_trial(study, trial, spec, arrays, backend, objective, epochs)
            chosen.release()  # else Keras' memory grows with every trial's model
            bar.say(_trial_line(study._storage.get_trial(trial._trial_id), objective))
    return SearchResult(study, spec, objective, direction, where)


def _run_trial(
    study: Any, trial: Any, spec: Any, arrays: Any, backend: str, objective: str, epochs: int | None
) -> None:
    import optuna
    from optuna.trial import TrialState

    def on_epoch(epoch: int, logs: dict[str, float]) -> None:
        value = logs[objective]
        if not math.isfinite(value):
            raise _CountedFailure(f"{objective} is {value} after epoch {epoch}")
        trial.report(value, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()

    with Heartbeat(study, trial):
        try:
            concrete = spec.with_params(suggest(trial, spec.search_space))
            result = train(
                concrete,
                arrays,
                backend,
                epochs=epochs,
                progress=False,
                on_epoch=on_epoch,
                echo=lambda line: None,
            )
        except SpecError as exc:
            tell(study, trial, TrialState.FAIL, error="\n".join(str(p) for p in exc.errors))
        except MissingFramework as exc:  # every trial would fail alike: stop
            tell(study, trial, TrialState.FAIL, crashed=str(exc))
            raise
        except BackendError as exc:  # the sample is one this back end cannot build
            tell(study, trial, TrialState.FAIL, error=str(exc))
        except DataError as exc:
            tell(study, trial, TrialState.FAIL, error="\n".join(exc.problems))
        except _CountedFailure as exc:
            tell(study, trial, TrialState.FAIL, error=str(exc))
        except optuna.TrialPruned:
            tell(study, trial, TrialState.PRUNED)
        except BaseException as exc:  # a bug or Ctrl-C: fail the trial (uncounted) and stop
            tell(study, trial, TrialState.FAIL, crashed=f"{type(exc).__name__}: {exc}")
            raise
        else:
            tell(study, trial, TrialState.COMPLETE, value=result.history[-1][objective])
