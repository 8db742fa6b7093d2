"""The two graph types: a valid spec's complete `Graph`, a broken spec's `DraftGraph`."""

import textwrap

import pytest

import modelspec
from modelspec.graph import DraftGraph, Graph, Node
from modelspec.yamlio import parse

BROKEN = """
    inputs: {x: {shape: [4]}}
    layers:
      a: {type: Dense, units: -2, inputs: x}
      b: {type: Dense, units: 3, inputs: a}
      c: {type: Dense, units: 3, inputs: x}
"""


def test_load_hands_on_a_complete_graph_every_node_typed():
    spec = modelspec.load("specs/toy_resnet.yaml")
    assert type(spec.graph) is Graph and isinstance(spec.draft, DraftGraph)
    assert all(type(n) is Node and n.layer is not None and n.output is not None for n in spec.graph)
    assert spec.graph.tensor_type("conv3") == spec.draft.tensor_type("conv3")
    with pytest.raises(KeyError):
        spec.graph.tensor_type("nowhere")  # a complete graph has no unknown tensors


def test_a_broken_spec_keeps_only_a_draft_which_cannot_be_completed():
    analysis = modelspec.analyse(parse(textwrap.dedent(BROKEN), "spec.yaml"))
    draft = analysis.graph
    assert isinstance(draft, DraftGraph) and not draft.ok
    assert draft.tensor_type("c") is not None and draft.tensor_type("b") is None
    with pytest.raises(ValueError, match="has errors"):
        Graph.complete(draft)
