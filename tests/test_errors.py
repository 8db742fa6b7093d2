"""Every class of mistake is reported, located, and all of them at once."""

from .conftest import problems, spec


def test_unknown_layer_type_suggests_the_closest_kind():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          d: {type: Dnese, units: 2, inputs: x}
        """
    )
    assert found == ["spec.yaml:3:3: layers.d: unknown layer type 'Dnese' (did you mean 'Dense'?)"]


def test_unknown_field_points_at_the_key_and_suggests():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          d: {type: Dense, units: 2, activaton: relu, inputs: x}
        """
    )
    assert found == ["spec.yaml:3:30: layers.d.activaton: unknown field 'activaton' (did you mean 'activation'?)"]


def test_unknown_top_level_field():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layer:
          - {type: Dense, units: 2}
        """
    )
    assert "spec.yaml:2:1: layer: unknown field 'layer' (did you mean 'layers'?)" in found


def test_wrong_value_type_and_range():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          - {type: Dense, units: -3}
          - {type: Dropout, rate: 1.5}
          - {type: Dense, units: many}
        """
    )
    assert found == [
        "spec.yaml:3:26: layers.0.units: Input should be greater than 0",
        "spec.yaml:4:27: layers.1.rate: Input should be less than 1",
        "spec.yaml:5:26: layers.2.units: Input should be a valid integer, unable to parse string as an integer",
    ]


def test_misspelled_enum_value_suggests():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          - {type: Dense, units: 3, activation: rellu}
        """
    )
    assert found == ["spec.yaml:3:41: layers.0.activation: unknown value 'rellu' (did you mean 'relu'?)"]


def test_dangling_reference_suggests_a_node_name():
    found = problems(
        """\
        inputs: {prices: {shape: [4]}}
        layers:
          hidden: {type: Dense, units: 2, inputs: prices}
          out: {type: Dense, units: 1, inputs: hiden}
        """
    )
    assert found == ["spec.yaml:4:40: layers.out.inputs: unknown input 'hiden' (did you mean 'hidden'?)"]


def test_cycle_is_reported_at_each_member():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          a: {type: Dense, units: 4, inputs: c}
          b: {type: Dense, units: 4, inputs: a}
          c: {type: Dense, units: 4, inputs: b}
          out: {type: Dense, units: 1, inputs: x}
        """
    )
    assert found == [
        "spec.yaml:3:38: layers.a.inputs: cycle: a -> c -> b -> a",
        "spec.yaml:4:38: layers.b.inputs: cycle: b -> a -> c -> b",
        "spec.yaml:5:38: layers.c.inputs: cycle: c -> b -> a -> c",
    ]


def test_duplicate_names_in_a_sequential_list():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          - {type: Dense, units: 4, name: h}
          - {type: Dense, units: 4, name: h}
        """
    )
    assert found == ["spec.yaml:4:5: layers.1: duplicate name 'h'"]


def test_node_named_like_an_input():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          x: {type: Dense, units: 4, inputs: x}
        """
    )
    assert found[0] == "spec.yaml:3:3: layers.x: node 'x' has the name of an input"


def test_unused_input_is_a_warning_not_an_error():
    s = spec(
        """\
        inputs: {x: {shape: [4]}, spare: {shape: [2]}}
        layers:
          out: {type: Dense, units: 1, inputs: x}
        """
    )
    assert [str(w) for w in s.warnings] == ["spec.yaml:1:27: inputs.spare: warning: input 'spare' is not used"]


def test_node_not_reaching_an_output_is_a_warning_and_is_left_out():
    s = spec(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          out: {type: Dense, units: 1, inputs: x}
          side: {type: Dense, units: 7, inputs: x}
        outputs: [out]
        """
    )
    assert [n.name for n in s.graph] == ["out"]
    assert "node 'side' does not reach any output" in str(s.warnings[0])


def test_elementwise_merge_shape_mismatch():
    found = problems(
        """\
        inputs: {a: {shape: [32]}, b: {shape: [64]}}
        layers:
          sum: {type: Add, inputs: [a, b]}
        """
    )
    assert len(found) == 1 and found[0].startswith("spec.yaml:3:3: layers.sum: Add")
    assert "(32,)" in found[0] and "(64,)" in found[0]


def test_conv2d_on_rank_1_input():
    (found,) = problems(
        """\
        inputs: {x: {shape: [32]}}
        layers:
          - {type: Conv2D, filters: 8, kernel_size: 3}
        """
    )
    assert found.startswith("spec.yaml:3:5: layers.0: Conv2D expects inputs of rank 3")
    assert "(32,)" in found


def test_reshape_sizes_disagree():
    (found,) = problems(
        """\
        inputs: {x: {shape: [4, 6]}}
        layers:
          - {type: Reshape, target_shape: [5, 5]}
        """
    )
    assert found.startswith("spec.yaml:3:5: layers.0: Reshape") and "24" in found and "25" in found


def test_input_too_small_for_the_kernel():
    (found,) = problems(
        """\
        inputs: {x: {shape: [2, 2, 3]}}
        layers:
          - {type: Conv2D, filters: 8, kernel_size: 3}
        """
    )
    assert found.startswith("spec.yaml:3:5: layers.0: Conv2D") and "too small" in found


def test_shared_layer_on_an_incompatible_shape():
    found = problems(
        """\
        inputs: {a: {shape: [16]}, b: {shape: [8]}}
        layers:
          dense: {type: Dense, units: 4, inputs: a}
          again: {shares: dense, inputs: b}
        """
    )
    assert found == [
        "spec.yaml:4:19: layers.again.shares: shares the layer of 'dense', built for input (16,), "
        "but gets (8,): its weights would not fit"
    ]


def test_shares_must_name_a_layer_node():
    found = problems(
        """\
        inputs: {a: {shape: [16]}}
        layers:
          dense: {type: Dense, units: 4, inputs: a}
          again: {shares: dnse, inputs: dense}
        """
    )
    assert found == ["spec.yaml:4:19: layers.again.shares: shares 'dnse': names no layer node (did you mean 'dense'?)"]


def test_unresolved_param_suggests_a_declared_one():
    found = problems(
        """\
        params: {units: 8}
        inputs: {x: {shape: [4]}}
        layers:
          - {type: Dense, units: "${unit}"}
        """
    )
    assert found == ["spec.yaml:4:26: layers.0.units: unresolved ${unit}: no param of that name (did you mean 'units'?)"]


def test_a_param_value_is_checked_where_it_is_used():
    found = problems(
        """\
        params: {units: -8}
        inputs: {x: {shape: [4]}}
        layers:
          - {type: Dense, units: "${units}"}
        """
    )
    assert found == ["spec.yaml:4:26: layers.0.units: Input should be greater than 0 (the value of ${units} is -8)"]


BLOCK = """\
blocks:
  pair:
    params: {width: 8}
    inputs: [x]
    layers:
      first: {type: Dense, units: "${width}", inputs: x}
      second: {type: Dense, units: 4, inputs: first}
    outputs: [second]
inputs: {x: {shape: [4]}}
"""


def test_bad_repeat_values():
    found = problems(BLOCK + "layers:\n  - {block: pair, repeat: 0}\n")
    assert found == ["spec.yaml:11:27: layers.0.repeat: Input should be greater than 0"]


def test_repeat_needs_outputs_to_match_inputs():
    text = BLOCK.replace("outputs: [second]", "outputs: [first, second]")
    found = problems(text + "layers:\n  r: {block: pair, repeat: 2, inputs: x}\n")
    assert found == [
        "spec.yaml:11:28: layers.r.repeat: repeat 2 chains each copy into the next, so block 'pair' "
        "needs as many outputs as inputs (2 outputs, 1 inputs)"
    ]


def test_unknown_block_and_block_param():
    found = problems(BLOCK + "layers:\n  - {block: par}\n  - {block: pair, params: {widht: 3}}\n")
    assert found == [
        "spec.yaml:11:13: layers.0.block: unknown block 'par' (did you mean 'pair'?)",
    ]
    found = problems(BLOCK + "layers:\n  - {block: pair, params: {widht: 3}}\n")
    assert found == ["spec.yaml:11:28: layers.0.params.widht: block 'pair' has no param 'widht' (did you mean 'width'?)"]


def test_error_inside_a_block_names_the_instance():
    text = BLOCK + "layers:\n  r: {block: pair, repeat: 2, inputs: x, params: {width: 0}}\n"
    found = problems(text)
    assert found == [
        "spec.yaml:6:35: blocks.pair.layers.first.units: in r (copy 1 of 2): Input should be greater "
        "than 0 (the value of ${width} is 0)",
        "spec.yaml:6:35: blocks.pair.layers.first.units: in r (copy 2 of 2): Input should be greater "
        "than 0 (the value of ${width} is 0)",
    ]


def test_a_block_cannot_contain_itself():
    found = problems(
        """\
        blocks:
          loop:
            layers:
              inner: {block: loop, inputs: x}
        inputs: {x: {shape: [4]}}
        layers:
          - {block: loop}
        """
    )
    assert found == [
        "spec.yaml:4:22: blocks.loop.layers.inner.block: in loop: block 'loop' instantiates itself (loop -> loop)"
    ]


def test_per_output_training_keys_must_be_outputs():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          price: {type: Dense, units: 1, inputs: x}
          direction: {type: Dense, units: 1, activation: sigmoid, inputs: x}
        outputs: [price, direction]
        training:
          loss: {price: mse, directon: binary_crossentropy}
        """
    )
    assert found == [
        "spec.yaml:7:9: training.loss: no loss for output 'direction'",
        "spec.yaml:7:22: training.loss.directon: 'directon' is not an output (did you mean 'direction'?); outputs: price, direction",
    ]


def test_positional_losses_are_refused():
    (found,) = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1}]
        training: {loss: [mse, mae]}
        """
    )
    assert found.startswith("spec.yaml:3:18: training.loss: loss is one loss for every output, or a mapping")


def test_a_loss_takes_only_its_own_arguments():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          a: {type: Dense, units: 1, inputs: x}
          b: {type: Dense, units: 1, activation: sigmoid, inputs: x}
          c: {type: Dense, units: 1, inputs: x}
        outputs: [a, b, c]
        training:
          loss:
            a: {type: mse, from_logits: true}
            b: {type: binary_crossentropy, delta: 5}
            c: {type: huber, detla: 2}
        """
    )
    assert found == [
        "spec.yaml:9:20: training.loss.a.from_logits: unknown field 'from_logits'",
        "spec.yaml:10:36: training.loss.b.delta: unknown field 'delta'",
        "spec.yaml:11:22: training.loss.c.detla: unknown field 'detla' (did you mean 'delta'?)",
    ]


def test_one_loss_for_every_output_takes_only_its_own_arguments():
    (found,) = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1}]
        training: {loss: {type: mean_squared_error, delta: 1.0}}
        """
    )
    assert found == "spec.yaml:3:45: training.loss.delta: unknown field 'delta'"


def test_an_unknown_loss_kind_suggests():
    (found,) = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1}]
        training: {loss: {type: hubber, delta: 2}}
        """
    )
    assert found.startswith("spec.yaml:3:12: training.loss: unknown kind 'hubber' (did you mean 'huber'?); "
                            "expected one of mse, mae, mape, huber,")  # fmt: skip


def test_every_problem_is_reported_in_one_run():
    found = problems(
        """\
        params: {units: 8}
        inputs: {x: {shape: [4]}}
        layers:
          a: {type: Dense, unit: 3, inputs: x}
          b: {type: Dense, units: "${unts}", inputs: x}
          c: {type: Dense, units: 2, inputs: bb}
          d: {type: Flaten, inputs: x}
          e: {type: Dense, units: 2, inputs: a}
        """
    )
    assert [f.split(": ")[1] for f in found] == [
        "layers.a.unit", "layers.b.units", "layers.c.inputs", "layers.d",
    ]  # fmt: skip  (e reads the broken a: no second complaint)


def test_problems_never_raise_anything_but_spec_error():
    import modelspec

    for text in ["{", "inputs: 3", "layers: {a: 3}", "inputs: {x: {shape: [a]}}\nlayers: [1]", "\t"]:
        try:
            modelspec.loads(text)
        except modelspec.SpecError:
            pass


def test_an_output_listed_twice():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          d: {type: Dense, units: 1, inputs: x}
        outputs: [d, d]
        """
    )
    assert found == ["spec.yaml:4:14: outputs.1: output 'd' is listed twice"]


def test_inputs_by_role_are_checked_against_the_kind_and_located():
    found = problems(
        """\
        inputs: {src: {shape: [null, 5]}, tgt: {shape: [null, 6]}, q: {shape: [3, 8]}, v: {shape: [4, 8]}}
        layers:
          enc: {type: LSTM, units: 8, return_state: true, inputs: src}
          d1: {type: LSTM, units: 8, inputs: {sequences: tgt, initial_states: [enc.state_h, enc.state_c]}}
          d2: {type: LSTM, units: 8, inputs: {initial_state: [enc.state_h, enc.state_c]}}
          d3: {type: Dense, units: 8, inputs: {x: tgt}}
          a1: {type: MultiHeadAttention, num_heads: 2, key_dim: 2, inputs: {query: q, key: v}}
          a2: {type: MultiHeadAttention, num_heads: 2, key_dim: 2, inputs: {query: q, value: v, attention_mask: [q, q]}}
        """
    )
    assert found == [
        "spec.yaml:4:55: layers.d1.inputs.initial_states: LSTM has no input role 'initial_states' "
        "(did you mean 'initial_state'?); its roles: sequences, initial_state",
        "spec.yaml:5:30: layers.d2.inputs: LSTM needs input role 'sequences': the input sequence (timesteps, features)",
        "spec.yaml:6:31: layers.d3.inputs: Dense takes its inputs as a list: it has no input roles",
        "spec.yaml:7:79: layers.a1.inputs.key: MultiHeadAttention input role 'key' needs 'value' too: Keras takes "
        "them by position (query, value, key)",
        "spec.yaml:8:105: layers.a2.inputs.attention_mask: MultiHeadAttention input role 'attention_mask' takes "
        "one tensor, got 2",
    ]  # fmt: skip


def test_mis_shaped_states_and_masks_are_reported_where_written():
    found = problems(
        """\
        inputs: {src: {shape: [null, 5]}, tgt: {shape: [null, 6]}, q: {shape: [3, 8]}, v: {shape: [4, 8]}}
        layers:
          enc: {type: LSTM, units: 8, return_state: true, inputs: src}
          d1: {type: LSTM, units: 4, inputs: {sequences: tgt, initial_state: [enc.state_h, enc.state_c]}}
          d2: {type: LSTM, units: 8, inputs: {sequences: tgt, initial_state: enc.state_h}}
          d3: {type: GRU, units: 8, inputs: {sequences: tgt, initial_state: [enc.state_c]}}
          a1: {type: MultiHeadAttention, num_heads: 2, key_dim: 2, inputs: {query: q, value: v, attention_mask: q}}
        outputs: [d1, d2, d3, a1]
        """
    )
    assert found == [
        "spec.yaml:4:71: layers.d1.inputs.initial_state.0: LSTM initial_state state_h must be of shape (4,) "
        "(the layer's units), got (8,)",
        "spec.yaml:5:70: layers.d2.inputs.initial_state: LSTM initial_state takes 2 tensor(s) (state_h, state_c), got 1",
        "spec.yaml:7:105: layers.a1.inputs.attention_mask: MultiHeadAttention attention_mask must be of shape "
        "(query steps, value steps) = (3, 4), got (3, 8)",
    ]  # fmt: skip


def test_a_missing_output_of_a_node_suggests_and_says_how_to_get_states():
    found = problems(
        """\
        inputs: {x: {shape: [5, 3]}}
        layers:
          enc: {type: LSTM, units: 4, return_state: true, inputs: x}
          gru: {type: GRU, units: 4, inputs: x}
          a: {type: Dense, units: 2, inputs: enc.state}
          b: {type: Dense, units: 2, inputs: gru.state}
          c: {type: Dense, units: 2, inputs: a.output}
        outputs: [a, b, enc.cell]
        """
    )
    assert found == [
        "spec.yaml:5:38: layers.a.inputs: 'enc' has no output 'state' (did you mean 'state_h'?); "
        "its outputs: output, state_h, state_c",
        "spec.yaml:6:38: layers.b.inputs: 'gru' is a layer with one output; write 'gru' "
        "(GRU returns its states with `return_state: true`)",
        "spec.yaml:8:17: outputs.2: 'enc' has no output 'cell'; its outputs: output, state_h, state_c",
    ]  # fmt: skip


def test_a_block_takes_its_inputs_as_a_list_and_timedistributed_one_output():
    found = problems(
        """\
        blocks:
          b: {layers: [{type: Dense, units: 2}]}
        inputs: {x: {shape: [5, 3]}}
        layers:
          a: {block: b, inputs: {x: x}}
          t: {type: TimeDistributed, layer: {type: GRU, units: 2, return_state: true}, inputs: x}
        """
    )
    assert found == [
        "spec.yaml:5:17: layers.a.inputs: block 'b' takes its inputs as a list, in the order of the block's "
        "`inputs:`; a mapping of roles is for layer kinds",
        "spec.yaml:6:37: layers.t.layer: TimeDistributed wraps a layer of one output, not GRU with "
        "return_state (it returns output, state)",
    ]  # fmt: skip


def test_masks_a_kind_cannot_take_are_located_errors_and_a_dropped_mask_a_warning():
    found = problems(
        """\
        inputs: {ids: {shape: [6], dtype: int32}}
        layers:
          e: {type: Embedding, input_dim: 10, output_dim: 4, mask_zero: true, inputs: ids}
          s: {type: Softmax, inputs: e}
          a: {type: MultiHeadAttention, num_heads: 1, key_dim: 2, inputs: [e]}
          b: {type: MultiHeadAttention, num_heads: 1, key_dim: 2, inputs: [a, e]}
        outputs: [s, b]
        """
    )
    assert found == [
        "spec.yaml:4:3: layers.s: Softmax cannot take a masked input (a mask made upstream by an Embedding "
        "with mask_zero or by Masking): Keras' Softmax applies a mask along its own axis, broadcast from the "
        "last axis (a step mask does not fit there: Keras fails at run time); use Activation(softmax), which "
        "passes the mask on",
        "spec.yaml:6:3: layers.b: MultiHeadAttention reads the masked 'e', which MultiHeadAttention 'a' "
        "reads too: Keras' MultiHeadAttention clears the masks of what it reads when it runs, so a node "
        "reading it after (Keras decides the order) sees no mask: only nodes 'a' depends on may read it",
    ]
    s = spec(
        """\
        inputs: {ids: {shape: [6], dtype: int32}}
        layers:
          e: {type: Embedding, input_dim: 10, output_dim: 4, mask_zero: true, inputs: ids}
          f: {type: Flatten, inputs: e}
        """
    )
    assert [str(w) for w in s.warnings] == [
        "spec.yaml:4:3: layers.f: warning: Flatten does not support masking: the mask of its input ends here, "
        "as in Keras"]


def test_a_masked_tensor_a_multi_head_attention_reads_is_read_only_before_it():
    """Keras' MultiHeadAttention clears its inputs' masks when it runs: a residual Add of the
    same tensor (or of a Dropout of it: the same tensor in Keras) is refused, an LSTM it reads
    is not (it runs before), nor is a Flatten (it reads no mask), nor a Masking's new tensor."""
    found = problems(
        """\
        inputs: {ids: {shape: [6], dtype: int32}}
        layers:
          e: {type: Embedding, input_dim: 10, output_dim: 4, mask_zero: true, inputs: ids}
          l: {type: LSTM, units: 4, return_sequences: true, inputs: e}
          d: {type: Dropout, rate: 0.1, inputs: e}
          a: {type: MultiHeadAttention, num_heads: 1, key_dim: 2, inputs: [l, e]}
          f: {type: Flatten, inputs: e}
          r: {type: Add, inputs: [d, a]}
          m: {type: Masking, inputs: e}
          b: {type: MultiHeadAttention, num_heads: 1, key_dim: 2, inputs: [m]}
        outputs: [f, r, b]
        """
    )
    assert found == [
        "spec.yaml:7:3: layers.f: warning: Flatten does not support masking: the mask of its input ends here, "
        "as in Keras",
        "spec.yaml:8:3: layers.r: Add reads the masked 'e', which MultiHeadAttention 'a' reads too: Keras' "
        "MultiHeadAttention clears the masks of what it reads when it runs, so a node reading it after (Keras "
        "decides the order) sees no mask: only nodes 'a' depends on may read it"]
