"""Timing helpers: both sides of a comparison in one run, alternated, repeated, medians, a ratio.

`compare` times two callables in blocks of `number` calls, one block of each per repetition,
swapping which goes first every repetition (A B, B A, A B, ...), so drift in the machine's speed
(another process, frequency scaling, a warming cache) lands on both sides alike. It reports the
median seconds per call of each side, their ratio (ours / reference: above 1 means modelspec is
slower) and the spread of the per-repetition ratios, which says how far the ratio can be trusted
on this machine.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

Fn = Callable[[], object]


def per_call(fn: Fn, number: int, *, gc_off: bool = True, collect: bool = False) -> float:
    """Seconds per call of `fn`, over `number` calls in a row: the cyclic GC paused (as timeit
    does), or left on (`gc_off=False`); `collect` first clears the garbage earlier calls left, so
    each block pays for collecting its own garbage only."""
    if collect:
        gc.collect()
    was_enabled = gc.isenabled()
    if gc_off:
        gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        if was_enabled:
            gc.enable()


def calibrate(fn: Fn, block: float, *, gc_off: bool = True) -> int:
    """How many calls of `fn` make a block of about `block` seconds (at least one)."""
    once = per_call(fn, 1, gc_off=gc_off)
    if once >= block:
        return 1
    number = max(1, int(block / once))
    return max(1, int(block / per_call(fn, min(number, 1000), gc_off=gc_off)))


def quantiles(values: list[float]) -> tuple[float, float]:
    """(25th, 75th) percentile."""
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


@dataclass
class Comparison:
    """modelspec's side against the hand-written one: seconds per call, one value per repetition."""

    name: str
    ours: list[float]
    reference: list[float]
    goal: float | None  # met when ratio <= goal
    number: int = 1  # calls per block
    why: str = ""  # measured explanation, quoted in the closing note when the goal is missed

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def reference_median(self) -> float:
        return statistics.median(self.reference)

    @property
    def paired(self) -> list[float]:
        """The ratio within each repetition (the two blocks ran back to back)."""
        return [a / b for a, b in zip(self.ours, self.reference)]

    @property
    def ratio(self) -> float:
        """ours / reference: the median of the per-repetition ratios. Each ratio compares two blocks
        that ran back to back, so a slow spell of the machine cancels out of it; the ratio of the two
        medians would not cancel it when the times cluster in fast and slow spells."""
        return statistics.median(self.paired)

    @property
    def ratio_of_medians(self) -> float:
        return self.ours_median / self.reference_median

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.ratio <= self.goal

    def row(self) -> str:
        lo, hi = quantiles(self.paired)
        goal = "-" if self.goal is None else f"<= {self.goal:.2f}"
        met = {None: "-", True: "yes", False: "**no**"}[self.met]
        return (f"| {self.name} | {fmt_time(self.ours_median)} | {fmt_time(self.reference_median)} | "
                f"**{self.ratio:.3f}** | {lo:.2f} to {hi:.2f} | {self.ratio_of_medians:.3f} | "
                f"{goal} | {met} |")  # fmt: skip


@dataclass
class Measurement:
    """A time with no hand-written counterpart (scale, render): seconds per call, per repetition."""

    name: str
    samples: list[float]
    per: int | None = None  # e.g. node count, for a per-node figure
    goal: str = ""  # what it should meet, in words
    met: bool | None = None
    why: str = ""
    extra: dict[str, float | str] = field(default_factory=dict)  # named parts: seconds, or text
    unit: str = "s"  # "s": samples are seconds; else a plain number with this unit ("" for none)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def row(self) -> str:
        value = fmt_time(self.median) if self.unit == "s" else f"{self.median:.2f}{self.unit}"
        per = f"{self.median / self.per * 1e6:.1f} µs" if self.per and self.unit == "s" else "-"
        parts = ", ".join(f"{k} {fmt_time(v) if isinstance(v, float) else v}" for k, v in self.extra.items())
        met = {None: "-", True: "yes", False: "**no**"}[self.met]
        return f"| {self.name} | {value} | {per} | {parts or '-'} | {self.goal or '-'} | {met} |"


def compare(name: str, ours: Fn, reference: Fn, *, repeats: int, goal: float | None,
            number: int | None = None, block: float = 0.02, warmup: int = 2, gc_off: bool = True,
            collect: bool = False, why: str = "") -> Comparison:  # fmt: skip
    """Time `ours` against `reference`, alternating blocks; `number` calls per block, or as many as
    fill about `block` seconds (calibrated on the reference). `gc_off`, `collect`: see `per_call`."""
    for _ in range(warmup):
        ours()
        reference()
    if number is None:
        number = calibrate(reference, block, gc_off=gc_off)
    a: list[float] = []
    b: list[float] = []
    options = {"gc_off": gc_off, "collect": collect}
    for i in range(repeats):
        if i % 2 == 0:
            a.append(per_call(ours, number, **options))
            b.append(per_call(reference, number, **options))
        else:
            b.append(per_call(reference, number, **options))
            a.append(per_call(ours, number, **options))
    return Comparison(name, a, b, goal, number, why)


def sample(fn: Fn, repeats: int, *, number: int = 1, warmup: int = 1, gc_off: bool = False,
           collect: bool = True) -> list[float]:  # fmt: skip
    """Seconds per call of `fn`, once per repetition (garbage collected before each)."""
    for _ in range(warmup):
        fn()
    return [per_call(fn, number, gc_off=gc_off, collect=collect) for _ in range(repeats)]


def interleaved(fns: dict[str, Fn], repeats: int, *, number: int = 1, warmup: int = 1, collect: bool = True,
                gc_off: dict[str, bool] | None = None) -> dict[str, list[float]]:  # fmt: skip
    """Seconds per call of each of `fns`, taken in turn within every repetition (so a slow spell of
    the machine touches all of them alike); `gc_off[name]` pauses the cyclic GC for that one."""
    gc_off = gc_off or {}
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            out[name].append(per_call(fn, number, gc_off=gc_off.get(name, False), collect=collect))
    return out


def medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in samples.items()}


def median_time(fn: Fn, repeats: int, **options) -> float:
    return statistics.median(sample(fn, repeats, **options))


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


@dataclass
class Report:
    """What one group measured: rows with goals, diagnostic rows, and notes on where time goes."""

    title: str
    rows: list = field(default_factory=list)  # Comparison | Measurement
    diagnostics: list = field(default_factory=list)  # Comparison | Measurement, no goals
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # how long the group took
    group: str = ""
