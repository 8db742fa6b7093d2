"""Located problems: every mistake in a spec as `FILE:LINE:COL: dotted.path: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Location:
    """A position in a spec file (lines and columns from 1); line 0: the file as a whole."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file


@dataclass(frozen=True)
class Problem:
    """One mistake (or, with severity "warning", one suspicious thing) found in a spec."""

    location: Location
    path: tuple
    message: str
    severity: Literal["error", "warning"] = "error"

    @property
    def dotted_path(self) -> str:
        """The path as `layers.dense.units` (`<document>` for the root); a key that is empty or
        holds a character that does not print (a newline) is quoted, so the problem stays one line."""
        return ".".join(_key(p) for p in self.path) or "<document>"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {self.dotted_path}: {prefix}{self.message}"


def _key(part: object) -> str:
    text = str(part)
    return text if text and text.isprintable() else repr(text)


class SpecError(ValueError):
    """A spec is invalid. `problems` lists every error found, in file order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.location, p.dotted_path))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity "error"."""
        return [p for p in self.problems if p.severity == "error"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'units'?)` when a close choice exists, else ``."""
    import difflib  # for mistakes only: a valid spec never asks

    choices = list(choices)
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[str(word).lower()]] if str(word).lower() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""


class RenderError(RuntimeError):
    """A diagram could not be written: no `dot` on PATH, an unknown suffix, or `dot` failed."""


class DataError(ValueError):
    """Data does not fit the spec (training arrays, a weights file): each line names an array, what
    it should be and what it is."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ImportProblems(ValueError):
    """A Keras model modelspec cannot express as a spec: `problems` lists every unsupported layer,
    argument or op, one line each, named by the Keras layer's name and class (`layers=False`:
    what is wrong with the file itself, which is no Keras model this importer reads)."""

    def __init__(self, source: str, problems: Iterable[str], layers: bool = True):
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        if not layers:  # the file itself: not a Keras model, or none this importer reads
            super().__init__(f"{source}: cannot import: " + "; ".join(self.problems))
            return
        head = f"{source}: cannot import: {count} layer{'s' if count != 1 else ''} modelspec cannot express"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class StudyError(RuntimeError):
    """A search's study cannot be used: its storage URL does not open, or it was made for another
    direction or other search spaces than the spec's."""


class BackendError(Exception):
    """A spec cannot be built by a back end: the message names the node, the kind and the back end.

    A refusal of one node also keeps `what` it refuses there ("argument mask_zero=True is not
    supported by the torch back end"), for a message located at the node's line.
    """

    def __init__(self, message: str, what: str | None = None):
        super().__init__(message)
        self.what = what or message


class MissingFramework(BackendError):
    """The framework a back end needs is not installed."""
