"""The spec language: both forms, params and search spaces, blocks, shared layers, training."""

import pytest

import modelspec

from .conftest import problems, spec


def test_sequential_names_follow_keras():
    s = spec(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          - {type: Dense, units: 8}
          - {type: Dropout, rate: 0.1}
          - {type: Dense, units: 8}
          - {type: Dense, units: 2, name: head}
        """
    )
    assert [n.name for n in s.graph] == ["dense", "dropout", "dense_1", "head"]
    assert s.graph.outputs == ["head"]
    assert [n.inputs for n in s.graph] == [["x"], ["dense"], ["dropout"], ["dense_1"]]


def test_sequential_list_needs_exactly_one_input():
    (found,) = problems(
        """\
        inputs: {a: {shape: [4]}, b: {shape: [4]}}
        layers: [{type: Dense, units: 2}]
        """
    )
    assert "a sequential list takes exactly one input, got 2 (a, b)" in found


def test_graph_form_orders_by_dependencies_keeping_declaration_order_otherwise():
    s = spec(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          out: {type: Dense, units: 1, inputs: hidden}
          hidden: {type: Dense, units: 3, inputs: x}
          other: {type: Dense, units: 2, inputs: x}
        outputs: [out, other]
        """
    )
    assert [n.name for n in s.graph] == ["hidden", "out", "other"]


def test_default_outputs_are_the_sinks_in_declaration_order():
    s = spec(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          h: {type: Dense, units: 3, inputs: x}
          b: {type: Dense, units: 1, inputs: h}
          a: {type: Dense, units: 2, inputs: h}
        """
    )
    assert s.graph.outputs == ["b", "a"]


def test_inputs_accept_a_single_name_or_a_list():
    s = spec(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          a: {type: Dense, units: 3, inputs: x}
          b: {type: Dense, units: 3, inputs: [x]}
        outputs: [a, b]
        """
    )
    assert s.graph.node("a").inputs == s.graph.node("b").inputs == ["x"]


SEARCH = """\
params:
  units: {choice: [16, 32, 64], default: 32}
  rate: {uniform: [0.1, 0.5]}
  lr: {loguniform: [1.0e-4, 1.0e-2], default: 1.0e-3}
  depth: {int: [2, 8], step: 2}
inputs: {x: {shape: [4]}}
layers:
  - {type: Dense, units: "${units}"}
  - {type: Dropout, rate: "${rate}"}
  - {type: Dense, units: "${depth}"}
training:
  optimizer: {type: adam, learning_rate: "${lr}"}
  loss: mse
"""


def test_search_spaces_compile_at_their_defaults():
    s = spec(SEARCH)
    assert s.values == {"units": 32, "rate": 0.1, "lr": 1e-3, "depth": 2}
    assert s.graph.node("dense").layer.units == 32
    assert s.graph.training.optimizer.learning_rate == 1e-3
    assert not s.is_concrete and set(s.search_space) == {"units", "rate", "lr", "depth"}


def test_sample_is_reproducible_and_stays_in_the_space():
    s = spec(SEARCH)
    draws = [s.sample(seed).values for seed in range(30)]
    assert s.sample(7).values == s.sample(7).values
    assert len({d["units"] for d in draws}) > 1
    for d in draws:
        assert d["units"] in (16, 32, 64)
        assert 0.1 <= d["rate"] <= 0.5
        assert 1e-4 <= d["lr"] <= 1e-2
        assert d["depth"] in (2, 4, 6, 8)
    sampled = s.sample(3)
    assert sampled.is_concrete
    assert sampled.graph.node("dense").layer.units == sampled.values["units"]
    assert sampled.graph.training.optimizer.learning_rate == sampled.values["lr"]


def test_a_sampled_spec_round_trips_through_yaml():
    sampled = spec(SEARCH).sample(5)
    again = modelspec.loads(sampled.to_yaml())
    assert again == sampled and again.values == sampled.values


def test_yaml_round_trip_keeps_references():
    s = spec(SEARCH)
    text = s.to_yaml()
    assert '${units}' in text
    assert modelspec.loads(text) == s


def test_default_outside_the_space_is_an_error():
    found = problems(SEARCH.replace("default: 32}", "default: 48}"))
    assert found == ["spec.yaml:2:10: params.units: default 48 is outside the search space"]


def test_inverted_bounds_are_an_error():
    found = problems(SEARCH.replace("[0.1, 0.5]", "[0.5, 0.1]"))
    assert found == ["spec.yaml:3:9: params.rate: the lower bound 0.5 is above the upper bound 0.1"]


def test_with_params_rejects_unknown_names():
    with pytest.raises(KeyError, match="no such param"):
        spec(SEARCH).with_params({"unitz": 3})


BLOCKS = """\
blocks:
  mlp:
    params: {width: 8, act: relu}
    inputs: [x]
    layers:
      - {type: Dense, units: "${width}", activation: "${act}"}
      - {type: Dense, units: "${width}", activation: "${act}", name: out}
  split:
    inputs: [x]
    layers:
      left: {type: Dense, units: 2, inputs: x}
      right: {type: Dense, units: 3, inputs: x}
    outputs: [left, right]
inputs: {x: {shape: [4]}}
"""


def test_block_params_default_and_override_and_repeat():
    s = spec(BLOCKS + "layers:\n  body: {block: mlp, repeat: 3, params: {width: 16}, inputs: x}\n")
    names = [n.name for n in s.graph]
    assert names == ["body_1_dense", "body_1_out", "body_2_dense", "body_2_out", "body_3_dense", "body_3_out"]
    assert {n.layer.units for n in s.graph} == {16}
    assert {n.layer.activation for n in s.graph} == {"relu"}
    scope = s.graph.node("body_2_out").scope
    assert [(c.instance, c.block, c.copy, c.copies) for c in scope] == [("body", "mlp", 2, 3)]


def test_multi_output_block_outputs_are_named_with_a_dot():
    s = spec(
        BLOCKS
        + """\
layers:
  parts: {block: split, inputs: x}
  joined: {type: Concatenate, inputs: [parts.left, parts.right]}
"""
    )
    assert s.graph.node("joined").inputs == ["parts_left", "parts_right"]
    assert s.graph.node("joined").output.shape == (5,)


def test_multi_output_block_needs_an_output_name():
    found = problems(BLOCKS + "layers:\n  parts: {block: split, inputs: x}\n  d: {type: Dense, units: 1, inputs: parts}\n")
    assert found == [
        "spec.yaml:17:38: layers.d.inputs: this block has 2 outputs (left, right); name one, as in `{node}.left`"
    ]


def test_blocks_nest_and_take_model_params():
    s = spec(
        """\
        params: {w: 6}
        blocks:
          inner:
            layers: [{type: Dense, units: "${w}"}]
          outer:
            layers: [{block: inner}, {block: inner}]
        inputs: {x: {shape: [4]}}
        layers: [{block: outer, name: o}]
        """
    )
    assert [n.name for n in s.graph] == ["o_inner_dense", "o_inner_1_dense"]
    assert s.graph.node("o_inner_1_dense").output.shape == (6,)


def test_shared_layer_in_a_sequential_list_and_its_weights_counted_once():
    s = spec(
        """\
        inputs: {x: {shape: [8]}}
        layers:
          - {type: Dense, units: 8, name: square}
          - {shares: square}
        """
    )
    assert [n.name for n in s.graph] == ["square", "square_shared"]
    assert s.graph.params == 72


def test_optimizer_shorthand_metrics_and_loss_weights():
    s = spec(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          a: {type: Dense, units: 1, inputs: x}
          b: {type: Dense, units: 3, activation: softmax, inputs: x}
        outputs: [b, a]
        training:
          optimizer: sgd
          loss: {a: mse, b: {type: sparse_categorical_crossentropy, from_logits: false}}
          loss_weights: {a: 0.5, b: 1.0}
          metrics: {b: accuracy, a: [mae, mse]}
        """
    )
    t = s.graph.training
    assert t.optimizer.type == "sgd" and t.optimizer.learning_rate == 0.01
    assert [(o.name, o.metrics, o.weight) for o in t.outputs] == [("b", ("accuracy",), 1.0),
                                                                  ("a", ("mae", "mse"), 0.5)]  # fmt: skip
    assert t.output("b").loss.type == "sparse_categorical_crossentropy"


def test_unknown_optimizer_suggests():
    (found,) = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1}]
        training: {optimizer: {type: adamm}, loss: mse}
        """
    )
    assert found.startswith("spec.yaml:3:12: training.optimizer: unknown kind 'adamm' (did you mean 'adam'?)")


def test_input_dtypes_flow_through():
    s = spec(
        """\
        inputs: {ids: {shape: [null], dtype: int32}}
        layers: [{type: Embedding, input_dim: 50, output_dim: 4}]
        """
    )
    assert s.graph.inputs["ids"].dtype == "int32"
    assert s.graph.node("embedding").output.dtype == "float32"
    assert s.graph.node("embedding").output.shape == (None, 4)


def test_input_shape_from_a_param():
    s = spec(
        """\
        params: {n: 7}
        inputs: {x: {shape: ["${n}", 2]}}
        layers: [{type: Flatten}]
        """
    )
    assert s.graph.node("flatten").output.shape == (14,)


# --- several outputs per node, inputs by role -------------------------------------------------

SEQ2SEQ = """\
inputs:
  src: {shape: [null, 3]}
  tgt: {shape: [5, 2]}
layers:
  enc: {type: LSTM, units: 4, return_state: true, inputs: src}
  dec: {type: LSTM, units: 4, return_sequences: true, inputs: {sequences: tgt, initial_state: [enc.state_h, enc.state_c]}}
"""


def test_a_recurrent_layer_with_return_state_has_named_outputs():
    s = spec(SEQ2SEQ + "outputs: [dec, enc.state_c, enc.output]\n")
    enc = s.graph.node("enc")
    assert enc.layer.output_names() == ("output", "state_h", "state_c")
    assert {k: t.shape for k, t in enc.tensors.items()} == {"enc": (4,), "enc.state_h": (4,), "enc.state_c": (4,)}
    assert s.graph.outputs == ["dec", "enc.state_c", "enc"]  # `enc.output` is the node's own tensor
    assert s.graph.tensor_type("enc.state_c").shape == (4,)
    dec = s.graph.node("dec")
    assert (dec.inputs, dec.keywords, dec.reads) == (["tgt"], {"initial_state": ["enc.state_h", "enc.state_c"]},
                                                     ["tgt", "enc.state_h", "enc.state_c"])  # fmt: skip
    row = next(r for r in s.summary().rows if r.name == "enc")
    assert row.output_shape == "[(None, 4), (None, 4), (None, 4)]"  # as Keras' summary shows it
    assert row.outputs == {"enc": "(None, 4)", "enc.state_h": "(None, 4)", "enc.state_c": "(None, 4)"}
    assert next(r for r in s.summary().rows if r.name == "dec").connected_to == dec.reads


def test_the_bare_name_of_a_node_of_several_outputs_is_its_first_output():
    s = spec(SEQ2SEQ.replace("return_sequences: true, ", "") + "  head: {type: Dense, units: 2, inputs: enc}\n"
             "outputs: [head, dec]\n")  # fmt: skip
    assert s.graph.node("head").inputs == ["enc"] and s.warnings == []


def test_a_state_output_is_kept_even_when_the_first_output_is_unread():
    s = spec(SEQ2SEQ + "outputs: [enc.state_h]\n")
    assert [n.name for n in s.graph] == ["enc"] and s.graph.outputs == ["enc.state_h"]
    assert [str(p) for p in s.warnings] == [
        "spec.yaml:6:8: layers.dec: warning: node 'dec' does not reach any output; it is left out of the model",
        "spec.yaml:3:3: inputs.tgt: warning: input 'tgt' is not used"]  # fmt: skip


def test_per_output_training_settings_take_a_state_output_by_name():
    s = spec(SEQ2SEQ + "outputs: [dec, enc.state_h]\ntraining: {loss: {dec: mse, enc.state_h: mae}, "
             "loss_weights: {enc.state_h: 0.5}}\n")  # fmt: skip
    assert [(o.name, o.loss.type, o.weight, o.activation) for o in s.graph.training.outputs] == [
        ("dec", "mse", 1.0, None), ("enc.state_h", "mae", 0.5, None)]  # fmt: skip


def test_a_shared_recurrent_layer_returns_its_states_at_each_node():
    s = spec(
        """\
        inputs: {a: {shape: [5, 3]}, b: {shape: [7, 3]}}
        layers:
          rnn: {type: GRU, units: 2, return_state: true, inputs: a}
          rnn_b: {shares: rnn, inputs: {sequences: b, initial_state: rnn.state}}
        outputs: [rnn_b.state, rnn]
        """
    )
    b = s.graph.node("rnn_b")
    assert b.shared and b.keywords == {"initial_state": ["rnn.state"]} and list(b.tensors) == ["rnn_b", "rnn_b.state"]
    assert s.graph.params == s.graph.node("rnn").params == 42


def test_bidirectional_states_forward_then_backward():
    s = spec(
        """\
        inputs: {x: {shape: [5, 3]}}
        layers:
          bi: {type: Bidirectional, layer: {type: LSTM, units: 2, return_state: true}, inputs: x}
          again: {type: Bidirectional, layer: {type: LSTM, units: 2}, inputs: {sequences: x, initial_state:
                  [bi.forward_state_h, bi.forward_state_c, bi.backward_state_h, bi.backward_state_c]}}
        """
    )
    assert list(s.graph.node("bi").tensors) == ["bi", "bi.forward_state_h", "bi.forward_state_c",
                                                 "bi.backward_state_h", "bi.backward_state_c"]  # fmt: skip
    assert s.graph.node("bi").output.shape == (4,) and s.graph.outputs == ["again"]


def test_attention_masks_are_inputs_by_role():
    s = spec(
        """\
        inputs: {q: {shape: [3, 4]}, v: {shape: [5, 4]}, m: {shape: [3, 5], dtype: bool}, vm: {shape: [5], dtype: int32}}
        layers:
          mha: {type: MultiHeadAttention, num_heads: 2, key_dim: 2, inputs: {query: q, value: v, attention_mask: m}}
          att: {type: Attention, inputs: {query: q, value: v, value_mask: vm}}
        outputs: [mha, att]
        """
    )
    assert s.graph.node("mha").inputs == ["q", "v"] and s.graph.node("mha").keywords == {"attention_mask": ["m"]}
    assert s.graph.node("att").output.shape == (3, 4)


def test_a_list_of_inputs_fills_the_positional_roles():
    by_list = spec("inputs: {q: {shape: [3, 4]}, v: {shape: [5, 4]}}\n"
                   "layers: {a: {type: Attention, inputs: [q, v]}}\n")  # fmt: skip
    by_role = spec("inputs: {q: {shape: [3, 4]}, v: {shape: [5, 4]}}\n"
                   "layers: {a: {type: Attention, inputs: {value: v, query: q}}}\n")  # fmt: skip
    assert by_list.graph.node("a").inputs == by_role.graph.node("a").inputs == ["q", "v"]


def test_a_return_state_param_decides_the_outputs():
    text = SEQ2SEQ.replace("return_state: true", 'return_state: "${states}"')
    assert spec("params: {states: true}\n" + text).graph.node("enc").extra_outputs
    found = problems("params: {states: false}\n" + text)
    assert found == [f"spec.yaml:7:{col}: layers.dec.inputs.initial_state.{i}: 'enc' is a layer with one output; "
                     "write 'enc' (LSTM returns its states with `return_state: true`)"
                     for i, col in enumerate([96, 109])]  # fmt: skip
