"""Keras' default names, computed without Keras: what a layer of a class is called unless named.

Node names the spec leaves out, Keras layer names and torch submodule names all come from
`keras_name`, so a node is called what Keras would call a fresh layer of its kind.
"""

from __future__ import annotations

import re


def keras_name(kind: str) -> str:
    """Keras 3's name for a fresh layer of class `kind` (`keras.src.utils.naming.to_snake_case`):
    `Conv2D` -> `conv2d`, `Conv2DTranspose` -> `conv2d_transpose`, `MaxPooling2D` ->
    `max_pooling2d`, `SimpleRNN` -> `simple_rnn`, `LSTM` -> `lstm`, `MultiHeadAttention` ->
    `multi_head_attention`. Non-word characters are dropped, as Keras drops them."""
    name = re.sub(r"\W+", "", kind)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# The names a spec gives (inputs, nodes, block instances): Python identifiers in ASCII, so that
# each is a Keras layer name, a torch submodule attribute and a name in the generated forward.
# `\Z`, not `$`: `$` also matches before a final newline, which would let `"d\n"` through.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def name_problem(name: object, what: str) -> str | None:
    """Why `name` cannot name `what` (`node`, `input`, `block instance`), or None when it can:
    it must be an identifier (ASCII letters, digits and `_`, not starting with a digit)."""
    if isinstance(name, str) and IDENTIFIER.match(name):
        return None
    return (
        f"{what} name {name!r} must be an identifier "
        "(letters, digits and _, not starting with a digit)"
    )
