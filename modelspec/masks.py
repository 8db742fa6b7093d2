"""A graph-wide mask rule the kinds' own rules cannot state: Keras' MultiHeadAttention clears
the masks of the tensors it reads.

When Keras' MultiHeadAttention runs it deletes the Keras mask of its query, value and key tensors
(`backend.set_keras_mask(query, None)`, Keras 3.15). A node that reads one of them after it (in
Keras' order of execution, which the spec does not fix for nodes that do not depend on each
other), such as a residual `Add`, a second MultiHeadAttention or an Attention, may see no mask at
run time where Keras' own graph says it has one (how each layer gets its masks decides), and a
loss on such a tensor leaves nothing out. So a masked tensor a MultiHeadAttention reads may be
read otherwise only by nodes that run before it (those it depends on) or that neither read a
mask nor pass one on, and may not be an output. A layer that returns its input itself
(`Layer.returns_its_input`: Identity, a linear Activation, Dropout in inference) hands on the
same tensor, mask and all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .graph import DraftNode, producer


def cleared_masks(
    nodes: Sequence[DraftNode], types: Mapping[str, Any], outputs: Sequence[str]
) -> list[tuple[DraftNode, str]]:
    """(node, message) for each node that reads a masked tensor some MultiHeadAttention (a kind
    with `clears_input_masks`) reads too, unless it runs before that one, and for each such
    MultiHeadAttention whose masked input is a model output. `types`: tensor -> its type."""
    by_name = {n.name: n for n in nodes}
    same: dict[str, str] = {}  # tensor -> the tensor object it is in Keras
    readers: dict[str, list[DraftNode]] = {}
    for node in nodes:
        if node.layer is not None and node.layer.returns_its_input():
            same[node.name] = same.get(node.inputs[0], node.inputs[0])
            continue  # its readers read its input
        for tensor in dict.fromkeys(node.inputs):
            readers.setdefault(same.get(tensor, tensor), []).append(node)
    found: dict[str, tuple[DraftNode, str]] = {}
    for node in nodes:
        if node.layer is None or node.output is None or not node.layer.clears_input_masks:
            continue
        before = _ancestors(node, by_name)
        for tensor in dict.fromkeys(node.inputs):
            kind, root = node.kind, same.get(tensor, tensor)
            if (t := types.get(tensor)) is None or not t.masked:
                continue
            clears = f"Keras' {kind} clears the masks of what it reads when it runs"
            for other in readers.get(root, []):
                if other is node or other.name in before or other.name in found:
                    continue
                if not _reads_masks(other, types):
                    continue
                message = (
                    f"{other.kind} reads the masked {root!r}, which {kind} {node.name!r} reads "
                    f"too: {clears}, so a node reading it after (Keras decides the order) sees "
                    f"no mask: only nodes {node.name!r} depends on may read it"
                )
                found[other.name] = (other, message)
            if any(same.get(o, o) == root for o in outputs) and node.name not in found:
                message = (
                    f"{kind} reads the masked {root!r}, a model output: {clears}, so a loss on "
                    "that output would count its masked steps"
                )
                found[node.name] = (node, message)
    return list(found.values())


def _reads_masks(node: DraftNode, types: Mapping[str, Any]) -> bool:
    """Whether the node's result depends on its inputs' masks: its kind reads them, or its
    output's mask is theirs (not its own, as a Masking's). False for a node already refused."""
    if node.layer is None or node.output is None:
        return False
    if node.layer.reads_mask:
        return True
    shapes = [types[t].shape for t in node.inputs]
    unmasked = node.layer.compute_mask((False,) * len(shapes), *shapes)
    return node.output.masked and not unmasked


def _ancestors(node: DraftNode, by_name: Mapping[str, DraftNode]) -> set[str]:
    """The nodes `node` depends on (that Keras runs before it)."""
    seen: set[str] = set()
    stack = [producer(t) for t in node.reads]
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        stack.extend(producer(t) for t in by_name[name].reads)
    return seen
