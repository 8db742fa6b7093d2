"""What the Keras layer names of a flat spec say about its blocks.

Keras' applications name a block's layers with a shared prefix (`conv2_block1_1_conv`,
`block_3_expand`, `conv_dw_5_bn`, `block2a_se_reduce`); the tokens holding digits
(`conv2`, `block1`, `5`, `block2a`) say which block a layer is in. A layer left with Keras'
default name (`conv2d_94`, `add_3`, `re_lu_7`) says nothing. `NameKeys` reads these hints:
where a unit's ends fall against them, what to call its instances and block, and its nodes.
"""

from __future__ import annotations

import re

from ..layers import REGISTRY
from ..naming import keras_name
from .structure import spec_name

_NUMBERED = re.compile(r"\d+[a-z]?$")  # `block2b` -> `block`, `conv2` -> `conv`, `3` -> ``


DEFAULT_NAMES = frozenset(keras_name(kind) for kind in REGISTRY)  # `conv2d`, `add`, `re_lu`


def _is_generic(name: str, kind: str) -> bool:
    """A Keras default name (`conv2d`, `conv2d_94`, `add_12` of a raw op): it names no block."""
    match = re.fullmatch(r"(.*?)(_\d+)?", name)
    base = match.group(1) if match else name
    return base == keras_name(kind) or base in DEFAULT_NAMES


def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)


class NameKeys:
    """Each node's name as tokens (split at `_`), and its index tokens (those with digits);
    None for a Keras default name."""

    def __init__(self, names: list[str], kinds: list[str]) -> None:
        self.names = names
        self.kinds = kinds
        self.tokens = [name.split("_") for name in names]
        self.index: list[tuple[str, ...] | None] = [
            None if _is_generic(name, kind) else tuple(t for t in tokens if _has_digit(t))
            for name, kind, tokens in zip(names, kinds, self.tokens, strict=True)
        ]
        # a default name's count (`conv2d_5`: 5, `conv2d`: 0); None for other names
        self.number = [
            None if index is not None else int(tokens[-1]) if tokens[-1].isdigit() else 0
            for tokens, index in zip(self.tokens, self.index, strict=True)
        ]

    def named(self, start: int, stop: int) -> list[int]:
        """The nodes of `[start, stop)` not left with a default name."""
        return [i for i in range(start, stop) if self.index[i] is not None]

    def misfit(self, start: int, stop: int) -> float | None:
        """How `[start, stop)` falls against its names: None when it cuts them wrong (its
        names share no index token: it spans numbered groups; or a neighbour shares all those
        its names share: it splits one); 0 when its ends fall where the names change group;
        1 when its names say nothing (no numbers in them), 0.5 for default names numbered
        alike (`conv2d_5`, `batch_normalization_5`, `activation_5`, as Keras counts)."""
        named = self.named(start, stop)
        if not named:
            numbers = {self.number[i] for i in range(start, stop)}
            apart = all(
                not 0 <= i < len(self.names) or self.number[i] not in numbers
                for i in (start - 1, stop)
            )
            return 0.5 if len(numbers) == 1 and apart else 1.0
        if not any(self.index[i] for i in named):
            return 1.0
        common = tuple(_common([self.index[i] or () for i in named]))
        if not common:
            return None
        outside = [
            next((i for i in range(start - 1, -1, -1) if self.index[i] is not None), None),
            next((i for i in range(stop, len(self.names)) if self.index[i] is not None), None),
        ]
        for i in outside:
            if i is not None and (self.index[i] or ())[: len(common)] == common:
                return None
        return 0.0

    def label(self, start: int, stop: int, constant: frozenset[str] = frozenset()) -> list[str]:
        """The tokens `[start, stop)`'s names share: their common prefix (`conv2_block1`), and
        when it holds no index, the first index token every name has but `constant` (those all
        units of its block share) (`conv_dw_3`, `conv_pw_3`: `conv`, `3`). Empty when the
        names share nothing."""
        named = self.named(start, stop)
        if not named:
            return []
        prefix = _common([self.tokens[i] for i in named])
        if len(named) > 1 and len(prefix) == len(self.tokens[named[0]]):
            prefix = prefix[:-1]  # the whole name of one node: keep a token for each
        if any(_has_digit(t) for t in prefix):
            return prefix
        return prefix + [t for t in self.shared(start, stop) if t not in constant][:1]

    def shared(self, start: int, stop: int) -> list[str]:
        """The index tokens every named node of `[start, stop)` has, in the first one's order."""
        named = self.named(start, stop)
        if not named:
            return []
        first = self.index[named[0]] or ()
        return [t for t in first if all(t in (self.index[i] or ()) for i in named)]

    def theme(self, start: int, stop: int) -> str:
        """The word most of `[start, stop)`'s names hold (`normal` in NASNet's normal cells:
        `normal_conv_1_0`, `separable_conv_1_normal_left1_0`, ...), or ''."""
        named = self.named(start, stop)
        counts: dict[str, int] = {}
        for i in named:
            for token in dict.fromkeys(self.tokens[i]):
                if token.isalpha():
                    counts[token] = counts.get(token, 0) + 1
        best = max(counts, key=lambda t: counts[t], default="")
        return best if counts.get(best, 0) * 2 > len(named) else ""

    def local_names(self, starts: list[int], size: int, label: list[str], letter: str) -> list[str]:
        """The names of a block's nodes, from its units at `starts`: each node's name without
        the tokens that differ between units (`conv2_block2_1_conv`, `conv3_block2_1_conv`:
        `1_conv`) or that the label holds, a default name without its number (`conv2d`), a
        letter first where a digit would lead (`b1_conv`)."""
        names = []
        for offset in range(size):
            i = starts[0] + offset
            if self.index[i] is None:
                names.append(keras_name(self.kinds[i]) or "node")
                continue
            tokens = self.tokens[i]
            keep = [bool(t) for t in tokens]
            if tokens[: len(label)] == label:
                keep[: len(label)] = [False] * len(label)
            else:
                keep = [k and t not in label for k, t in zip(keep, tokens, strict=True)]
            others = [self.tokens[s + offset] for s in starts[1:]]
            if all(len(o) == len(tokens) for o in others):
                for k, t in enumerate(tokens):
                    if _has_digit(t) and any(o[k] != t for o in others):
                        keep[k] = False
            tokens = [t for k, t in zip(keep, tokens, strict=True) if k]
            name = "_".join(t for t in tokens if t) or keras_name(self.kinds[i]) or "node"
            name = spec_name(name).lstrip("_") or "node"
            names.append(f"{letter}{name}" if name[0].isdigit() else name)
        return names


def block_word(label: list[str]) -> str:
    """A block's name from an instance's label, without its numbers: `conv2_block1` ->
    `conv_block`, `block_3` -> `block`, `block2b` -> `block`, `mixed5` -> `mixed`; '' if none."""
    words = [_NUMBERED.sub("", t) for t in label]
    name = "_".join(w for w in words if w)
    name = spec_name(name).strip("_") if name else ""
    return name if name[:1].isalpha() else ""


def _common(sequences: list[list[str]] | list[tuple[str, ...]]) -> list[str]:
    """The longest common prefix of token sequences."""
    if not sequences:
        return []
    first = list(sequences[0])
    n = len(first)
    for seq in sequences[1:]:
        n = min(n, len(seq))
        for k in range(n):
            if seq[k] != first[k]:
                n = k
                break
    return first[:n]
