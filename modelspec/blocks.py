"""A spec's `blocks:`: named, parameterised sub-graphs, which `block:` nodes instantiate. The
document imports this module when a spec has blocks, not before.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .doctypes import Names, Strict
from .nodes import LAYERS_FORMS, Layers


class Block(Strict):
    """A named, parameterised sub-graph. Its `layers` see its `inputs` and its `params`."""

    params: dict[str, Any] = Field(
        default={},
        description="The block's params with their defaults, referenced in it as ${name}; a "
        "block node's params override them.",
    )
    inputs: Names = Field(
        default=["x"],
        description="Names its layers read the tensors a block node passes in by, in order.",
    )
    layers: Layers = Field(description=f"The block's nodes: {LAYERS_FORMS}.")
    outputs: Names | None = Field(
        default=None,
        description="Nodes whose outputs the block returns (default: the nodes nobody in it "
        "reads).",
    )
