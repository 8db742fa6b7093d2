"""Every example spec validates, with its parameter total pinned; the core imports no framework."""

import json
import subprocess
import sys

import pytest

import modelspec

from .conftest import ROOT, SPECS

TOTALS = {
    "stock_lstm": 363_002,
    "sequential_classifier": 17_538,
    "ticket_classifier": 1_392_097,
    "toy_resnet": 223_242,
    "shared_embedding": 128_000,
    "seq2seq": 718_173,
}


def test_every_example_is_pinned():
    assert sorted(p.stem for p in SPECS) == sorted(TOTALS)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_validates_with_its_total(path):
    spec = modelspec.load(path)
    assert spec.warnings == []
    assert spec.summary().total_params == TOTALS[path.stem]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_says_what_it_shows_and_points_at_the_schema(path):
    lines = path.read_text().splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../schema/modelspec.schema.json"
    assert lines[1].startswith("# ") and len(lines[1]) > 30


def test_stock_lstm_matches_seed_000():
    spec = modelspec.load(ROOT / "specs/stock_lstm.yaml")
    g = spec.graph
    assert g.inputs["prices"].shape == (10, 1)
    lstm = g.node("lstm").layer
    assert (lstm.type, lstm.units, lstm.activation) == ("LSTM", 300, "relu")
    assert [(n.name, n.layer.activation, n.output.shape) for n in g if n.kind == "Dense"] == [
        ("price", "linear", (1,)),
        ("direction", "sigmoid", (1,)),
    ]
    t = g.training
    assert t.optimizer.type == "adam"
    assert [(o.name, o.loss.type, o.metrics) for o in t.outputs] == [
        ("price", "mape", ()),
        ("direction", "binary_crossentropy", ("accuracy",)),
    ]


def test_ticket_classifier_keeps_declared_output_order():
    spec = modelspec.load(ROOT / "specs/ticket_classifier.yaml")
    assert spec.graph.outputs == ["priority", "department"]
    assert spec.graph.node("features").output.shape == (172,)
    assert spec.graph.inputs["title"].shape == (None,)


def test_toy_resnet_expands_its_block_twice():
    spec = modelspec.load(ROOT / "specs/toy_resnet.yaml")
    names = [n.name for n in spec.graph]
    assert names[3:9] == ["res_1_conv_a", "res_1_conv_b", "res_1_add", "res_2_conv_a", "res_2_conv_b", "res_2_add"]
    assert spec.graph.node("res_2_add").inputs == ["res_2_conv_b", "res_1_add"]
    assert spec.graph.node("conv3").inputs == ["res_2_add"]


def test_shared_embedding_is_one_layer():
    spec = modelspec.load(ROOT / "specs/shared_embedding.yaml")
    b = spec.graph.node("embed_b")
    assert b.shared and b.layer_name == "embed" and b.params == 0
    assert b.output.shape == (None, 128)


def test_seq2seq_decoder_starts_from_the_encoder_states():
    g = modelspec.load(ROOT / "specs/seq2seq.yaml").graph
    encoder, decoder = g.node("encoder"), g.node("decoder")
    assert list(encoder.tensors) == ["encoder", "encoder.state_h", "encoder.state_c"]
    assert g.tensor_type("encoder.state_c").shape == (256,)
    assert decoder.inputs == ["decoder_inputs"]
    assert decoder.keywords == {"initial_state": ["encoder.state_h", "encoder.state_c"]}
    assert g.consumers()["encoder.state_h"] == ["decoder"] and "encoder" not in g.consumers()


def test_core_imports_no_framework():
    code = (
        "import sys, glob, modelspec\n"
        "for p in sorted(glob.glob('specs/*.yaml')):\n"
        "    s = modelspec.load(p); s.summary(); s.to_yaml()\n"
        "from modelspec import cli, schema; schema.schema_text()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'torch', 'jax'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_summary_json_matches_the_table():
    spec = modelspec.load(ROOT / "specs/stock_lstm.yaml")
    data = json.loads(json.dumps(spec.summary().to_dict()))
    assert data["total_params"] == 363_002
    assert [r["name"] for r in data["rows"]] == ["prices", "lstm", "price", "direction"]
    assert data["rows"][1]["output_shape"] == "(None, 300)" and data["rows"][1]["params"] == 362_400
    table = str(spec.summary())
    assert "lstm (LSTM)" in table and "362,400" in table and "Total params: 363,002" in table
