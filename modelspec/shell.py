"""How the `modelspec` command behaves as other command-line tools do.

- `file_name`: an argparse type for an output file, refusing `''` (which once meant "no file"
  to one command and wrote nothing) and a folder, as a usage error;
- `reader_gone`: what a command does when the reader of its output left (`modelspec summary
  --json | head -1`): it stops silently with the status a tool killed by SIGPIPE has (141);
- `version`: the line `modelspec --version` prints;
- `UsageError`: a bad argument that argparse cannot see (exit status 2), which every command
  module raises (`modelspec.cli` re-exports it).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

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
