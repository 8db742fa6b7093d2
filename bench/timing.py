"""Timing both sides of a comparison in the same run: alternated, repeated, medians, a ratio."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Comparison:
    name: str
    ours: float  # median seconds per call
    reference: float
    goal: float | None  # the ratio ours / reference must stay at or below this
    unit: str = "ms"

    @property
    def ratio(self) -> float:
        return self.ours / self.reference

    @property
    def met(self) -> str:
        return "-" if self.goal is None else ("yes" if self.ratio <= self.goal else "**no**")

    def row(self) -> str:
        scale = 1e3 if self.unit == "ms" else 1.0
        goal = "-" if self.goal is None else f"<= {self.goal:.2f}"
        return (f"| {self.name} | {self.ours * scale:.3f} {self.unit} | {self.reference * scale:.3f} "
                f"{self.unit} | {self.ratio:.3f} | {goal} | {self.met} |")  # fmt: skip


def per_call(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def compare(name: str, ours: Callable[[], object], reference: Callable[[], object], *, number: int,
            repeats: int, goal: float | None, warmup: int = 3, unit: str = "ms") -> Comparison:  # fmt: skip
    """Median time per call of each side, the sides alternating within every repetition."""
    for _ in range(warmup):
        ours(), reference()
    a, b = [], []
    for i in range(repeats):
        first, second = (ours, reference) if i % 2 == 0 else (reference, ours)
        t1, t2 = per_call(first, number), per_call(second, number)
        (a if first is ours else b).append(t1)
        (b if first is ours else a).append(t2)
    return Comparison(name, statistics.median(a), statistics.median(b), goal, unit)


def once(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of one call."""
    return statistics.median(per_call(fn, 1) for _ in range(repeats))
