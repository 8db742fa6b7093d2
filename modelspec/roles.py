"""A node's inputs by role: its `inputs:` as written (a list, or a mapping from its kind's input
roles to tensors) bound to the layer call's positional inputs and keyword inputs.

A kind declares its roles (`Layer.roles`): the positional inputs of its Keras call, in order (a
list fills them), then the keyword ones (`initial_state`, `attention_mask`). `bind` checks a
mapping against them (unknown roles, with did-you-mean; a missing required one; one tensor given
several; a later positional role without an earlier one) and says where each role is written, so
the resolver reports a shape rule's complaint about a role (`ShapeError.role`) at its entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import did_you_mean
from .layers import Layer

Tensors = list[str] | dict[str, list[str]]  # a node's inputs as written, looked up


@dataclass
class Binding:
    """A node's `inputs` (the call's positional tensors) and `keywords` (role -> tensors), and
    `where` each role is written (role -> its path); or, when the roles are wrong, `problems`
    (path, message, at the key?) and no inputs."""

    inputs: list[str] = field(default_factory=list)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    where: dict[str, tuple] = field(default_factory=dict)
    problems: list[tuple[tuple, str, bool]] = field(default_factory=list)


def bind(kind: type[Layer], tensors: Tensors, path: tuple) -> Binding:
    """The binding of a node of `kind` at `path` whose inputs, as written, are `tensors`."""
    positional = [r for r in kind.roles if not r.keyword]
    if isinstance(tensors, list):
        return Binding(
            tensors, {}, {r.name: path + ("inputs", i) for i, r in enumerate(positional)}
        )
    name = kind.model_fields["type"].default
    roles = {r.name: r for r in kind.roles}
    if not roles:
        message = f"{name} takes its inputs as a list: it has no input roles"
        return Binding(problems=[(path + ("inputs",), message, True)])
    problems = []
    for role, refs in tensors.items():
        at = path + ("inputs", role)
        if role not in roles:
            hint = did_you_mean(role, roles)
            message = f"{name} has no input role {role!r}{hint}; its roles: {', '.join(roles)}"
            problems.append((at, message, True))
        elif not roles[role].many and len(refs) != 1:
            problems.append(
                (at, f"{name} input role {role!r} takes one tensor, got {len(refs)}", False)
            )
    for needed in kind.roles:
        if needed.required and needed.name not in tensors:
            message = f"{name} needs input role {needed.name!r}: {needed.what}"
            problems.append((path + ("inputs",), message, True))
    given = [r.name in tensors for r in positional]
    if False in given and True in given[given.index(False) :]:  # Keras takes them by position
        gap = given.index(False)
        later = positional[gap + given[gap:].index(True)]
        message = (
            f"{name} input role {later.name!r} needs {positional[gap].name!r} too: Keras takes "
            f"them by position ({', '.join(r.name for r in positional)})"
        )
        problems.append((path + ("inputs", later.name), message, True))
    if problems:
        return Binding(problems=problems)
    inputs = [tensors[r.name][0] for r in positional if r.name in tensors]
    keywords = {r.name: tensors[r.name] for r in kind.roles if r.keyword and r.name in tensors}
    return Binding(inputs, keywords, {role: path + ("inputs", role) for role in tensors})


def references(inputs: Any) -> list[tuple[tuple, str]]:
    """Each reference written in a node's `inputs:` (a list, or a mapping of roles), with its
    path below the node: ("inputs", 1), or ("inputs", "initial_state", 0)."""
    if isinstance(inputs, dict):
        return [
            (("inputs", role, i), ref)
            for role, refs in inputs.items()
            for i, ref in enumerate(refs)
        ]
    return [(("inputs", i), ref) for i, ref in enumerate(inputs or [])]


def as_written(inputs: Any, tensors: list[str]) -> Tensors:
    """The tensors `references(inputs)` looked up, in the form `inputs` was written in."""
    if not isinstance(inputs, dict):
        return tensors
    out, start = {}, 0
    for role, refs in inputs.items():
        out[role] = tensors[start : start + len(refs)]
        start += len(refs)
    return out


def flattened(tensors: Tensors) -> list[str]:
    """Every tensor of inputs as written, in order."""
    return tensors if isinstance(tensors, list) else [t for ts in tensors.values() for t in ts]
