"""Search workers on PostgreSQL: two `modelspec search` processes share one `postgresql://` study.

The server is real: Debian's PostgreSQL package (`.ci/run` installs it when it is missing and it
can), started by `initdb` and `pg_ctl` in a temporary data directory on a free local port for
the session, and stopped at its end. PostgreSQL refuses to run as root, so as root the server
runs as the package's `postgres` user (or `nobody`) through `runuser`. The test is skipped,
saying why, where there is no server to start or no driver for a plain `postgresql://` URL
(psycopg 3, the dev extra's, which SQLAlchemy 2.1 takes by default; 2.0 took psycopg2).
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from .test_search import _cli, classifier_data, counted_states, write_spec

optuna = pytest.importorskip("optuna")


def _server_binaries() -> Path | None:
    """The folder of initdb, pg_ctl and postgres: on PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(f.split("/")[-2]))
    return Path(folders[-1]) if folders else None


def _server_user() -> str | None:
    """Who runs the server: this user, or (as root, whom PostgreSQL refuses) `postgres` or `nobody`."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        if shutil.which("runuser"):
            return name
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgresql_url():
    """A `postgresql://` URL of a fresh server that lives for the test session."""
    from sqlalchemy.engine import make_url

    driver = make_url("postgresql://").get_dialect().driver  # psycopg with SQLAlchemy 2.1
    pytest.importorskip(driver, reason=f"SQLAlchemy drives postgresql:// URLs with {driver}")
    binaries, user = _server_binaries(), _server_user()
    if binaries is None:
        pytest.skip("no PostgreSQL server here (initdb): `apt-get install postgresql`, as .ci/run does")
    if user is None:
        pytest.skip("running as root with no other user to run PostgreSQL as (it refuses root)")
    # As root the server runs as another user, who must reach the folder: /tmp is open to all
    # (pytest's own temporary folders are not: mode 0700).
    folder = Path(tempfile.mkdtemp(prefix="modelspec-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    data, log = folder / "data", folder / "server.log"
    account = pwd.getpwnam(user)
    os.chown(folder, account.pw_uid, account.pw_gid)
    as_user = ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}{done.stderr}"

    run(str(binaries / "initdb"), "-D", str(data), "-U", "modelspec", "--auth=trust", "-E", "UTF8", "--no-sync")
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        yield f"postgresql://modelspec@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.torch
def test_two_workers_on_one_postgresql_study_finish_exactly_n_trials(tmp_path, postgresql_url):
    """`--trials N` is the study's total, whatever the number of workers (Optuna's
    `MaxTrialsCallback`, not `optimize(n_trials=N)` per worker): the study ends holding exactly N
    counted trials, none running, and any other trial is a lost race marked surplus."""
    pytest.importorskip("torch")
    spec, data = write_spec(tmp_path), classifier_data(tmp_path)
    command = _cli(spec, data, 5, "--storage", postgresql_url, "--study", "shared")
    workers = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]  # fmt: skip
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    done, trials = counted_states(postgresql_url, "shared")
    assert len(done) == 5
    assert sorted(t.number for t in done) == sorted({t.number for t in done})
    assert not [t for t in trials if t.state.name == "RUNNING"]
    assert all("surplus" in t.user_attrs for t in trials if t not in done)  # a lost race, never a lost trial
    assert {t.user_attrs["pid"] for t in trials} <= {w.pid for w in workers}
