"""The JSON Schema describes every field it lists, in one line: each layer kind's arguments (from
`modelspec.layers.arguments`) and every field of the document, so an argument added without a
line fails here."""

from __future__ import annotations

from modelspec.layers import REGISTRY
from modelspec.layers.arguments import ARGUMENTS, BY_KIND, FAMILIES, OPTIONS, OPTIONS_BY_KIND
from modelspec.schema import schema

SCHEMA = schema()
# Every model in the schema (an object with properties), the document itself included.
MODELS = {
    "the document": SCHEMA,
    **{name: model for name, model in SCHEMA["$defs"].items() if "properties" in model},
}


def test_every_kind_has_its_node_in_the_schema():
    assert {f"{kind}Node" for kind in REGISTRY} <= set(MODELS)


def _undescribed(models: dict[str, dict]) -> list[str]:
    """The models without a description, and `model.field` for each field without one."""
    return [name for name, model in models.items() if not model.get("description")] + [
        f"{name}.{field}"
        for name, model in models.items()
        for field, value in model["properties"].items()
        if not value.get("description", "").strip()
    ]


def test_every_layer_argument_has_a_description():
    options = {cls.__name__ for family, _ in FAMILIES for cls in family.values()}
    names = {f"{kind}Node" for kind in REGISTRY} | options
    layers = {name: model for name, model in MODELS.items() if name in names}
    assert _undescribed(layers) == [], "give each a line in modelspec/layers/arguments.py"


def test_every_document_model_and_field_has_a_description():
    # inputs, training, optimizers, losses, search, blocks, nodes, search spaces, the document
    assert _undescribed(MODELS) == [], "give each field a Field(description=...)"


def test_each_field_description_is_one_sentence_on_one_line():
    lines = {
        f"{name}.{field}": value["description"]
        for name, model in MODELS.items()
        for field, value in model["properties"].items()
    }
    assert [f for f, line in lines.items() if "\n" in line or not line.endswith(".")] == []
    assert [f for f, line in lines.items() if len(line) > 200] == []


def _fields(model: type) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def test_the_tables_describe_only_arguments_that_exist():
    kinds = {kind: _fields(REGISTRY[kind]) for kind in REGISTRY}
    assert set(ARGUMENTS) - set().union(*kinds.values()) == set()
    assert set(BY_KIND) - set(kinds) == set()
    assert {f"{k}.{a}" for k, lines in BY_KIND.items() for a in lines if a not in kinds[k]} == set()
    options = {kind: _fields(cls) for family, _ in FAMILIES for kind, cls in family.items()}
    assert set(OPTIONS) - set().union(*options.values()) == set()
    assert {f"{k}.{a}" for k, lines in OPTIONS_BY_KIND.items() for a in lines
            if a not in options.get(k, ())} == set()  # fmt: skip


def test_a_kind_reads_its_own_line_where_a_name_means_something_else():
    defs = SCHEMA["$defs"]
    concatenate = defs["ConcatenateNode"]["properties"]["axis"]["description"]
    batch_norm = defs["BatchNormalizationNode"]["properties"]["axis"]["description"]
    assert concatenate.startswith("Axis to join the inputs along") and concatenate != batch_norm
    assert defs["RescalingNode"]["properties"]["scale"]["description"].startswith("Factor")
    assert defs["ZeroPadding2DNode"]["properties"]["padding"]["description"].startswith("Zeros")
    assert defs["Conv2DNode"]["properties"]["padding"]["description"].startswith("`valid`: no")
    assert defs["DenseNode"]["properties"]["units"]["description"] == ARGUMENTS["units"]
    # a field's own description comes first (the node's `inputs`), and aliases are Keras' names
    assert defs["DenseNode"]["properties"]["inputs"]["description"].startswith("Tensors")
    assert "query" in defs["MultiHeadAttentionNode"]["properties"]["output_shape"]["description"]
