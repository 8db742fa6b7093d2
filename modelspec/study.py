"""Where a search's trials live, and the rules by which workers share them.

A study lives in a database (`sqlite:///<study>.db` in the current directory by default), so a
search that is stopped resumes where it was, and several processes or machines given one
database URL share one study. The rules that make that work:

* `trials=N` means the study ends up holding N *counted* trials: complete, pruned, or failed
  for a reason of the sample's own (it made the spec invalid or the data no longer fit, the back
  end cannot build it, the objective became NaN; the reason is the trial's `error` user
  attribute). Running again with the same N runs only the missing trials; with N there, none.
* A worker starts a trial only while counted + running trials < N. When two workers race for the
  last place, trial numbers decide: a trial with more than N counted-or-running trials at or
  before its number is surplus; it is failed at once, marked `surplus`, and not counted.
* A trial left RUNNING by a process that died (killed, machine lost) is failed, marked
  `abandoned`, and not counted. At start-up and before every trial a worker fails the running
  trials recorded with its own host name whose process is gone; any trial whose heartbeat
  (written every 20 s; database storages) is over 2 minutes old; and any trial that has not
  recorded its host and pid a minute after it was made (its process died in that first instant).
* Any other error in a trial (a bug, Ctrl-C) fails that trial, uncounted, and stops the worker.

Optuna is imported inside the functions, so importing this module imports no Optuna.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import random
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any, Self

from .errors import StudyError
from .limits import MAX_SEED

SAMPLERS = ("tpe", "random")
HEARTBEAT_S, GRACE_S = 20, 120
UNCLAIMED_S = 60  # a trial records its host and pid within moments of being made
_HOST, _PID = socket.gethostname(), os.getpid()


def default_storage(study_name: str) -> str:
    """The storage URL a study uses unless told: a SQLite file `<study_name>.db` here."""
    return f"sqlite:///{study_name}.db"


def counted(trial: Any) -> bool:
    """Whether a finished trial counts towards `trials` (see the module docstring)."""
    from optuna.trial import TrialState

    return trial.state in (TrialState.COMPLETE, TrialState.PRUNED) or (
        trial.state == TrialState.FAIL and "error" in trial.user_attrs
    )


def open_study(
    spec: Any,
    storage: Any = None,
    study_name: str | None = None,
    sampler: str = "tpe",
    seed: int | None = None,
    direction: str = "minimize",
) -> tuple[Any, str]:
    """The study (created or loaded) and a printable description of where it is stored."""
    from .frameworks import import_framework

    optuna = import_framework("optuna")  # or MissingFramework: pip install 'modelspec[search]'

    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be from 0 to {MAX_SEED}, got {seed}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study_name = study_name or spec.name
    url = storage or default_storage(study_name)
    if isinstance(url, str):
        storage = _rdb_storage(url)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3)  # prunes from the 4th trial on
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction=direction,
        pruner=pruner,
        load_if_exists=True,
    )
    if study.direction.name.lower() != direction:
        raise StudyError(
            f"study {study_name!r} in {url} was made to {study.direction.name.lower()}, "
            f"the spec says {direction}; name another study (--study)"
        )
    _same_search_space(study, spec, url)
    # A resumed search must not redraw the samples it drew before: offset the seed by what is there.
    offset = (
        None if seed is None else (seed + len(study.get_trials(deepcopy=False))) % (MAX_SEED + 1)
    )
    study.sampler = (
        optuna.samplers.RandomSampler(seed=offset)
        if sampler == "random"
        else optuna.samplers.TPESampler(seed=offset)
    )
    return study, url if isinstance(url, str) else type(url).__name__


def _same_search_space(study: Any, spec: Any, url: Any) -> None:
    """`StudyError` when the study's trials drew params the spec does not search: a study
    resumed after its spec changed (its best trial would name params the spec lacks)."""
    searched = set(spec.search_space)
    drawn = {name for trial in study.get_trials(deepcopy=False) for name in trial.params}
    if drawn - searched:
        raise StudyError(
            f"the study {study.study_name!r} in {url} searched params the spec has not "
            f"({', '.join(sorted(drawn - searched))}); give this search a new --study name"
        )


def _rdb_storage(url: str) -> Any:
    """Optuna's database storage, with a heartbeat so that a worker on any machine can see that
    a trial's process is gone."""
    import optuna
    from sqlalchemy.exc import (
        ArgumentError,
        DatabaseError,
        IntegrityError,
        NoSuchModuleError,
        OperationalError,
    )

    for attempt in range(5):
        try:
            with _quiet_optuna():
                return optuna.storages.RDBStorage(
                    url, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S
                )
        except (ArgumentError, NoSuchModuleError) as exc:
            raise StudyError(
                f"--storage {url!r} is not a database URL SQLAlchemy knows ({exc})"
            ) from None
        except ImportError as exc:  # Optuna's, from SQLAlchemy's import of the URL's driver
            missing = exc.__cause__ or exc
            raise StudyError(
                f"--storage {url!r}: the driver of its database is not installed ({missing}); "
                "install it, or use a sqlite:/// URL"
            ) from None
        except (IntegrityError, OperationalError) as exc:
            # Workers started together on a new database race to create its tables; the loser
            # finds them made on a second try.
            if attempt == 4:
                raise StudyError(
                    f"cannot open the study's database {url!r}: {' '.join(str(exc).split())[:300]}"
                ) from None
            time.sleep(0.2 * (attempt + 1) + random.random() * 0.2)
        except DatabaseError as exc:  # no race: the file is no database (not SQLite, damaged)
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
            raise StudyError(f"cannot open the study's database {url!r}: {reason}") from None


def count(study: Any) -> tuple[int, int]:
    """(trials that count towards `trials`, trials running now) in `study`."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    return sum(map(counted, trials)), sum(t.state == TrialState.RUNNING for t in trials)


def claim(study: Any, n: int) -> Any | None:
    """A new trial, or None when a worker racing for the last place took it first."""
    from optuna.trial import TrialState

    with _quiet_optuna():  # "heartbeat is meant for optimize": we beat ourselves
        trial = study.ask()
    trial.set_user_attr("host", _HOST)
    trial.set_user_attr("pid", _PID)
    ahead = [
        t
        for t in study.get_trials(deepcopy=False)
        if t.number <= trial.number and (counted(t) or t.state == TrialState.RUNNING)
    ]
    if len(ahead) <= n:
        return trial
    trial.set_user_attr("surplus", f"another worker took the last of {n} places")
    study.tell(trial, state=TrialState.FAIL)
    return None


def tell(study: Any, trial: Any, state: Any, value: float | None = None, **attrs: str) -> None:
    """Finish the trial in `state`, with `attrs` as user attributes (`error` makes a failure count)."""
    from optuna.exceptions import UpdateFinishedTrialError

    try:
        for key, text in attrs.items():
            trial.set_user_attr(key, text)
        study.tell(trial, value, state=state)
    except UpdateFinishedTrialError:
        pass  # another worker failed it as abandoned (our heartbeat lapsed): it is not counted


def fail_dead_trials(study: Any) -> None:
    """Fail, uncounted, the running trials whose process is gone (see the module docstring)."""
    import optuna
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    with _quiet_optuna():
        optuna.storages.fail_stale_trials(study)  # heartbeats over GRACE_S old, any host
    storage = study._storage  # Optuna's public API cannot fail another process's trial
    now = datetime.datetime.now()
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        pid = t.user_attrs.get("pid")
        if (
            pid is None
            and t.datetime_start
            and (now - t.datetime_start).total_seconds() > UNCLAIMED_S
        ):
            why = "its process died before recording itself"
        elif pid is not None and t.user_attrs.get("host") == _HOST and not _alive(pid):
            why = f"process {pid} on {_HOST} is gone"
        else:
            continue
        try:
            storage.set_trial_user_attr(t._trial_id, "abandoned", why)
            storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
        except UpdateFinishedTrialError:
            pass  # another worker got there first


@contextlib.contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Without Optuna's warnings that the heartbeat is experimental and meant for `optimize`."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class Heartbeat:
    """Records the trial's heartbeat every HEARTBEAT_S seconds while it runs (database storages)."""

    def __init__(self, study: Any, trial: Any):
        storage = study._storage  # RDBStorage made by `open_study` beats; other storages do not
        self._beat = (
            storage.record_heartbeat if getattr(storage, "heartbeat_interval", None) else None
        )
        self._trial_id = trial._trial_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        beat = self._beat
        assert beat is not None  # started only for a storage that beats
        while True:
            beat(self._trial_id)
            if self._stop.wait(HEARTBEAT_S):
                return

    def __enter__(self) -> Self:
        if self._beat is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._beat is not None:
            self._stop.set()
            self._thread.join()
