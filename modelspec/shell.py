"""How the `modelspec` command behaves as other command-line tools do.

- `file_name`: an argparse type for an output file, refusing `''` (which once meant "no file"
  to one command and wrote nothing) and a folder, as a usage error;
- `reader_gone`: what a command does when the reader of its output left (`modelspec summary
  --json | head -1`): it stops silently with the status a tool killed by SIGPIPE has (141);
- `version`: the line `modelspec --version` prints;
- `UsageError`: a bad argument that argparse cannot see (exit status 2), which every command
  module raises (`modelspec.cli` re-exports it);
- what the command modules share: argparse types (`positive`, `seed_number`), the checks of an
  output path (`model_path`, `writable_folder`), `load_spec`, `weights_argument`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TYPE_CHECKING

from .limits import MAX_SEED
from .registry import BACKENDS, Backend, backend

if TYPE_CHECKING:
    from .spec import Spec

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2  # ok; an invalid spec, data or model; a usage error
EXIT_READER_GONE = 128 + getattr(signal, "SIGPIPE", 13)
"""The status a shell reports for a tool that SIGPIPE ended: 141 (128 + 13)."""


class UsageError(Exception):
    """A bad argument that argparse cannot see (exit status 2)."""


def file_name(text: str) -> str:
    """`text` as the name of a file to write; `argparse.ArgumentTypeError` (a usage error, exit 2)
    for an empty name or an existing folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a file name, got {text!r}")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder: give a file name in it")
    return text


def reader_gone() -> int:
    """The status to exit with once stdout's reader has gone (`BrokenPipeError`): stdout is
    pointed at the null device first, so that the interpreter's last flush of what is still
    buffered fails no more and prints nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout has no descriptor (captured, or closed): nothing to do
        pass
    return EXIT_READER_GONE


def version() -> str:
    """`modelspec 0.1.0`: the program and the package's version."""
    from . import __version__

    return f"modelspec {__version__}"


def load_spec(path: str) -> Spec:
    """The spec at `path` (`SpecError` listing its problems; an `OSError` for a missing file)."""
    from .spec import load

    return load(path)


def model_path(name: str, path: str | None) -> Backend:
    """The back end `name`; `UsageError` when `path` does not end in a suffix it writes."""
    chosen = backend(name)
    if path:
        try:
            chosen.check_path(path)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return chosen


def writable_folder(path: str | None) -> None:
    """Refuse an output path that cannot be written before hours of training, not after."""
    if not path:
        return
    from .files import cannot_write_in

    folder = os.path.dirname(os.path.abspath(path))
    why = cannot_write_in(folder)
    if why:
        raise UsageError(f"cannot write {path!r} ({why}: {folder})")


def model_files() -> str:
    """`FILE.keras or FILE.pt`: the model files the back ends write."""
    return " or ".join(f"FILE{suffix}" for b in BACKENDS.values() for suffix in b.suffixes)


def weights_argument(p: argparse.ArgumentParser, what: str) -> None:
    """`--weights FILE.safetensors`: a weights file (`modelspec.weights`), `what` it is for."""
    p.add_argument(
        "--weights",
        metavar="FILE.safetensors",
        help=f"{what} (safetensors, keyed NODE/WEIGHT; `Spec.save_weights` writes one)",
    )


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (`--epochs`, `--trials`, `--batch-size`)."""
    value = int(text) if text.lstrip("-").isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def seed_number(text: str) -> int:
    """An argparse type: a seed every generator takes, 0 to `MAX_SEED`."""
    value = int(text) if text.isdigit() and len(text) <= 10 else -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to {MAX_SEED}, got {text!r}")
    return value
