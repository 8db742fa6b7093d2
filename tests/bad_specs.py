"""Bad specs of any size: one class of mistake, made `n` times over or in a spec of `n` nodes.

`BUILDERS` maps each class to a function of the size (and a few choices) that writes the YAML
text; `bad_specs()` draws a class, a size and the choices for Hypothesis, and bench/scale.py
times the same builders at growing sizes (what a spec costs must grow linearly with it, valid or
not). Each text is invalid, and `loads` must say why with located problems, never another error.
"""

from __future__ import annotations

from typing import Callable

from hypothesis import strategies as st

HEAD = "modelspec: 1\ninputs:\n  x: {shape: [4]}\n"

# A valid spec of 30,001 nodes (15,000 block copies): what summary() and render() must draw once each
THIRTY_THOUSAND = """\
inputs: {x: {shape: [4]}}
blocks:
  pair:
    inputs: [x]
    layers:
      d: {type: Dense, units: 4, inputs: x}
      a: {type: Add, inputs: [d, x]}
layers:
  r: {block: pair, repeat: 15000, inputs: x}
"""


def _dense_nodes(n: int, reads: Callable[[int], str]) -> list[str]:
    return [f"  d{i}: {{type: Dense, units: 4, inputs: {reads(i)}}}" for i in range(n)]


def valid_chain(n: int) -> str:
    """The valid spec the bad ones are measured against: a chain of `n` Dense nodes."""
    return HEAD + "layers:\n" + "\n".join(_dense_nodes(n, lambda i: f"d{i - 1}" if i else "x")) + "\n"


def unknown_inputs(n: int, every: int = 1) -> str:
    """`n` nodes, every `every`-th of them reading a name no node has."""
    lines = _dense_nodes(n, lambda i: f"nowhere{i}" if i % every == 0 else "x")
    return HEAD + "layers:\n" + "\n".join(lines) + "\n"


def cycle(n: int, tail: int = 0) -> str:
    """A cycle through `n` nodes, and `tail` nodes downstream of it."""
    lines = _dense_nodes(n, lambda i: f"d{(i + 1) % n}")
    lines += [f"  t{i}: {{type: Dense, units: 4, inputs: d0}}" for i in range(tail)]
    return HEAD + "layers:\n" + "\n".join(lines) + "\n"


def repeat(n: int, copies: int = 10**9) -> str:
    """A block of `n` nodes repeated `copies` times (over the model's node limit)."""
    body = "\n".join(f"      b{i}: {{type: Dense, units: 4, inputs: {f'b{i - 1}' if i else 'x'}}}" for i in range(n))
    return (HEAD + f"blocks:\n  blk:\n    inputs: [x]\n    layers:\n{body}\n"
            f"layers:\n  r: {{block: blk, repeat: {copies}, inputs: x}}\n")  # fmt: skip


def nested_repeat(n: int, copies: int = 1000) -> str:
    """Blocks nested `n` deep, each repeating the next `copies` times: the product is over the limit."""
    blocks = ["  b0:\n    inputs: [x]\n    layers:\n      d: {type: Dense, units: 4, inputs: x}"]
    for i in range(1, n + 1):
        blocks.append(f"  b{i}:\n    inputs: [x]\n    layers:\n      r: {{block: b{i - 1}, repeat: {copies}, inputs: x}}")
    return HEAD + "blocks:\n" + "\n".join(blocks) + f"\nlayers:\n  top: {{block: b{n}, repeat: {copies}, inputs: x}}\n"


def param_references(n: int, chain: bool = False) -> str:
    """`n` nodes using a param whose value is a reference (to itself, or along a chain)."""
    params = "  u: '${v}'\n  v: 4\n" if chain else "  u: '${u}'\n"
    lines = _dense_nodes(n, lambda i: "x")
    lines = [line.replace("units: 4", "units: '${u}'") for line in lines]
    return HEAD + "params:\n" + params + "layers:\n" + "\n".join(lines) + "\n"


def rank_zero(n: int) -> str:
    """`n` Dense nodes reading an input of rank 0 (one number per sample)."""
    text = HEAD.replace("{shape: [4]}", "{shape: []}")
    return text + "layers:\n" + "\n".join(_dense_nodes(n, lambda i: "x")) + "\n"


def huge_integers(n: int, digits: int = 4301) -> str:
    """`n` nodes, the last of whose `units` has `digits` digits (over what Python reads)."""
    lines = _dense_nodes(n, lambda i: "x")
    lines[-1] = lines[-1].replace("units: 4", f"units: {'7' * digits}")
    return HEAD + "layers:\n" + "\n".join(lines) + "\n"


def bad_seed(n: int, seed: int = -1) -> str:
    """A trained chain of `n` nodes with a `training.seed` out of range."""
    lines = _dense_nodes(n, lambda i: f"d{i - 1}" if i else "x")
    return HEAD + "layers:\n" + "\n".join(lines) + f"\ntraining:\n  optimizer: adam\n  loss: mse\n  seed: {seed}\n"


def duplicate_outputs(n: int) -> str:
    """`n` nodes, each listed twice in `outputs:`."""
    lines = _dense_nodes(n, lambda i: "x")
    names = ", ".join(f"d{i}, d{i}" for i in range(n))
    return HEAD + "layers:\n" + "\n".join(lines) + f"\noutputs: [{names}]\n"


def misspelled(n: int) -> str:
    """`n` nodes whose `units` is written `unitz`."""
    lines = [line.replace("units:", "unitz:") for line in _dense_nodes(n, lambda i: "x")]
    return HEAD + "layers:\n" + "\n".join(lines) + "\n"


def too_deep(n: int) -> str:
    """A value nested over the limit of levels (100), `n` levels past it."""
    depth = 101 + n
    return HEAD + "layers: " + "[" * depth + "]" * depth + "\n"


def too_many_values(n: int) -> str:
    """A flow list of nodes just over the limit of values (200,000), `n` nodes more, and a broken
    end that is never reached."""
    count = 200_000 // 5 + n
    return HEAD + "layers: [" + ", ".join(["{type: Dense, units: 4}"] * count) + ", {broken\n"


BUILDERS: dict[str, Callable[..., str]] = {
    "unknown inputs": unknown_inputs,
    "cycle": cycle,
    "repeat": repeat,
    "nested repeat": nested_repeat,
    "param references": param_references,
    "rank 0": rank_zero,
    "huge integers": huge_integers,
    "bad seed": bad_seed,
    "duplicate outputs": duplicate_outputs,
    "misspelled": misspelled,
    "too deep": too_deep,
    "too many values": too_many_values,
}
CHEAP = [name for name in BUILDERS if name != "too many values"]  # each example a fraction of a second


@st.composite
def bad_specs(draw, most: int = 300) -> tuple[str, str]:
    """(the class of mistake, the YAML text) of a bad spec of up to `most` nodes."""
    how = draw(st.sampled_from(CHEAP))
    n = draw(st.integers(1, most))
    options: dict = {}
    if how == "unknown inputs":
        options["every"] = draw(st.integers(1, 5))
    elif how == "cycle":
        n, options["tail"] = max(n, 2), draw(st.integers(0, 3))
    elif how == "repeat":
        options["copies"] = draw(st.integers(200_001 // n + 1, 10**12))
    elif how == "nested repeat":
        n, options["copies"] = min(n, 6), draw(st.integers(450, 10**6))  # 450**2 > 200,000
    elif how == "param references":
        options["chain"] = draw(st.booleans())
    elif how == "huge integers":
        options["digits"] = draw(st.integers(4301, 20_000))
    elif how == "bad seed":
        n, options["seed"] = min(n, 50), draw(st.sampled_from([-1, -(2**40), 2**32, 2**64]))
    return how, BUILDERS[how](n, **options)
