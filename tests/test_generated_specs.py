"""Property tests on generated specs that need no framework: validity, YAML round trips, and
that a mutated (broken) spec always gives the located SpecError and never another exception."""

import yaml
from hypothesis import given
from hypothesis import strategies as st

import modelspec
from modelspec.layers import REGISTRY

from .conftest import bad_input
from .odd_specs import odd_specs
from .strategies import COVERED


def test_the_generator_covers_every_layer_kind():
    assert COVERED == set(REGISTRY)


@given(odd_specs())
def test_generated_specs_are_valid_and_round_trip(data):
    """Any generated spec (odd names, every dtype, extreme values, params) is valid, and its
    `to_yaml()` is the same spec."""
    text = yaml.safe_dump(data, sort_keys=False)
    spec = modelspec.loads(text)
    assert isinstance(spec.graph, modelspec.Graph)
    again = modelspec.loads(spec.to_yaml())
    assert again == spec
    assert again.summary() == spec.summary()


MUTATIONS = ["dangle", "merge", "type", "negative", "misspell"]


def mutate(data: dict, how: str, draw) -> dict:
    layers = data["layers"]
    name = draw(st.sampled_from(sorted(layers)))
    node = layers[name]
    if how == "dangle":
        node["inputs"] = ["nowhere"]
    elif how == "merge":
        layers["bad_merge"] = {"type": "Add", "inputs": [next(iter(data["inputs"])), name]}
        data["inputs"]["odd"] = {"shape": [7, 7, 7, 7]}
        layers["bad_merge"]["inputs"] = ["odd", name]
        data["outputs"].append("bad_merge")
    elif how == "type":
        if "type" in node:
            node["type"] = node["type"] + "x"
        else:  # a block instance or a shared node: point it nowhere
            node["block" if "block" in node else "shares"] = "nowhere"
    elif how == "negative":
        numeric = [k for k, v in node.items() if isinstance(v, int) and not isinstance(v, bool) and k != "seed"]
        if numeric:
            node[draw(st.sampled_from(numeric))] = -1000  # -1 is an axis, or groups=-1: valid; a seed may be negative (int64)
        else:
            node["type"] = 3
    elif how == "misspell":
        node["inputz"] = node.pop("inputs")
    return data


@bad_input
@given(odd_specs(max_nodes=5), st.sampled_from(MUTATIONS), st.data())
def test_mutated_specs_always_raise_located_spec_errors(data, how, draw):
    broken = mutate(data, how, draw.draw)
    text = yaml.safe_dump(broken, sort_keys=False)
    try:
        modelspec.loads(text, "gen.yaml")
    except modelspec.SpecError as exc:
        assert exc.errors
        for problem in exc.errors:
            assert str(problem).startswith("gen.yaml:") and problem.location.line >= 1
    else:
        raise AssertionError(f"mutation {how} was accepted:\n{text}")
