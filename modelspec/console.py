"""Text tables and progress bars, the two ways the CLI shows figures as it works.

`text_table` lays out every table the commands print (`summary`, `train`'s history, `search`'s
trials, `check`'s report); `Progress` is the bar `train` and `search` show: tqdm on a terminal,
plain lines (or nothing) elsewhere.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Self


def text_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "", *, boxed: bool = False
) -> str:
    """`rows` under `header`, each column as wide as its widest cell.

    `align` has one character per column, `<` (left, the default for columns it leaves out) or
    `>` (right). Plain: columns two spaces apart, a dashed rule under the header, no trailing
    spaces. Boxed (Keras' `model.summary()` look): cells between `|`, rules of `+---+`, `=`
    under the header. `ValueError` when a row has another number of cells than the header.
    """
    table = [list(header), *(list(r) for r in rows)]
    if any(len(r) != len(header) for r in table):
        raise ValueError(
            f"every row needs {len(header)} cells, got {sorted({len(r) for r in table})}"
        )
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    sides = [align[c] if c < len(align) else "<" for c in range(len(header))]

    def cells(row: list[str]) -> list[str]:
        return [
            cell.rjust(w) if side == ">" else cell.ljust(w)
            for cell, w, side in zip(row, widths, sides)
        ]

    if not boxed:
        lines = ["  ".join(cells(r)).rstrip() for r in table]
        return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines = ["| " + " | ".join(cells(r)) + " |" for r in table]
    return "\n".join([rule, lines[0], rule.replace("-", "="), *lines[1:], rule])


class Progress:
    """A progress bar over `total` steps (tqdm, on stderr) when enabled and stderr is a terminal;
    elsewhere no bar, and `say` prints its lines through `echo` instead."""

    def __init__(
        self,
        total: int,
        label: str,
        unit: str,
        *,
        enabled: bool = True,
        initial: int = 0,
        leave: bool = True,
        echo: Callable[[str], None] = print,
    ):
        self._total, self._echo, self._bar = total, echo, None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, initial=initial, desc=label, unit=unit, leave=leave, file=sys.stderr
            )

    @property
    def on_terminal(self) -> bool:
        """Whether a bar is shown."""
        return self._bar is not None

    def update(self, done: int, postfix: str | None = None) -> None:
        """Move the bar to `done` steps (capped at the total), with `postfix` after it."""
        if self._bar is None:
            return
        self._bar.n = min(done, self._total)
        if postfix is not None:
            self._bar.set_postfix_str(postfix)  # refreshes the bar too
        else:
            self._bar.refresh()

    def say(self, line: str) -> None:
        """A line for a reader without the bar (a log file, a pipe): printed only when no bar is shown."""
        if self._bar is None:
            self._echo(line)

    def close(self) -> None:
        """Close the bar, if one is shown."""
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
