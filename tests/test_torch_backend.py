"""The torch back end: a native, generated `nn.Module` with the Keras model's interface and figures.

For every example spec and every case below (each layer kind, with the arguments where Keras and
torch differ), the module's output shapes and parameter counts must be the core's, and, with
Keras' weights copied in, its outputs must be the Keras model's (atol = rtol = 1e-5). Modules and
models are built once per test module and reused.
"""

import io
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import yaml

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402

import modelspec  # noqa: E402
from modelspec.backends import BackendError  # noqa: E402
from modelspec.backends.torch import (  # noqa: E402
    LOWERINGS, count_params, get_keras_weights, load_torch, save_torch, set_keras_weights, to_torch)
from modelspec.layers import REGISTRY  # noqa: E402

from .conftest import ROOT, SPECS  # noqa: E402
from .strategies import specs as generated_specs  # noqa: E402

pytestmark = pytest.mark.torch


from .kind_cases import CASES, KIND_CASES, case, pad  # noqa: E402


CHAIN = """
    name: chain
    inputs: {img: {shape: [8, 8, 3]}}
    layers:
      - {type: Conv2D, filters: 4, kernel_size: 3, padding: same, activation: relu}
      - {type: BatchNormalization}
      - {type: Conv2D, filters: 4, kernel_size: 3, strides: 2, padding: same}
      - {type: Activation, activation: gelu}
      - {type: Conv2D, filters: 2, kernel_size: 3, padding: valid, name: out}
"""

# Layout: channels-first stretches through convolution, batch norm, activations and merges.
LAYOUT = """
    name: layout
    inputs: {img: {shape: [9, 8, 3]}}
    layers:
      conv_a: {type: Conv2D, filters: 4, kernel_size: 3, padding: same, inputs: img}
      norm:   {type: BatchNormalization, inputs: conv_a}
      act:    {type: Activation, activation: softmax, inputs: norm}
      conv_b: {type: Conv2D, filters: 4, kernel_size: 3, strides: 2, padding: same, activation: relu, inputs: act}
      conv_c: {type: Conv2D, filters: 2, kernel_size: 1, inputs: conv_b}
      both:   {type: Concatenate, inputs: [conv_b, conv_c]}
      pool:   {type: MaxPooling2D, pool_size: 2, padding: same, inputs: both}
      flat:   {type: Flatten, inputs: pool}
      out:    {type: Dense, units: 3, inputs: flat}
    outputs: [out, conv_c]
"""



def test_every_kind_has_a_rule_and_cases():
    assert sorted(k for k, cls in REGISTRY.items() if cls not in LOWERINGS) == [], "kinds with no torch lowering"
    assert sorted(set(REGISTRY) - set(CASES)) == [], "kinds with no case in this file"


# --- building, once per module ---------------------------------------------------------------

_BUILT: dict[str, tuple] = {}
_KERAS: dict[str, object] = {}


def built(key: str, load) -> tuple:
    """(spec, module) for `key`, built on first use and kept for the module."""
    if key not in _BUILT:
        spec = load()
        _BUILT[key] = spec, spec.to_torch()
    return _BUILT[key]


def example(path) -> tuple:
    return built(path.stem, lambda: modelspec.load(path))


def kind_case(key: str, data: dict) -> tuple:
    return built(key, lambda: modelspec.loads(yaml.safe_dump(data, sort_keys=False)))


def from_text(text: str) -> modelspec.Spec:
    return modelspec.loads(textwrap.dedent(text))


def sample_inputs(spec, seed: int = 0) -> list[np.ndarray]:
    """One batch of 2 for every input; `None` lengths as 4; integers within every vocabulary;
    padding where masks read it (`kind_cases.pad`)."""
    rng = np.random.default_rng(seed)
    out = []
    for t in spec.graph.inputs.values():
        shape = (2, *(4 if d is None else d for d in t.shape))
        if t.dtype.startswith("int"):
            out.append(rng.integers(0, 10, shape).astype(t.dtype))
        elif t.dtype == "bool":  # a mask: both values, often
            out.append(rng.random(shape) < 0.6)
        else:
            out.append(rng.normal(size=shape).astype(t.dtype))
    return pad(spec.graph, out)


def run(module, x: list[np.ndarray]) -> list[np.ndarray]:
    with torch.no_grad():
        out = module(*(torch.as_tensor(a) for a in x))
    return [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]


def assert_figures_match(spec, module) -> None:
    graph = spec.graph
    assert count_params(module) == (graph.trainable_params, graph.non_trainable_params)
    outs = run(module, sample_inputs(spec))
    assert len(outs) == len(graph.outputs)
    for out, name in zip(outs, graph.outputs):
        t = graph.tensor_type(name)
        assert len(out.shape) == len(t.shape) + 1 and out.shape[0] == 2, name
        assert all(d is None or d == n for d, n in zip(t.shape, out.shape[1:])), name
        assert str(out.dtype) == t.dtype, name


# --- Keras, for numbers ----------------------------------------------------------------------


def keras_model(key: str, spec):
    """The spec's Keras model, seeded; constant weights (zero biases, unit gammas, moving statistics)
    moved off their constants so that each one counts. Built once per key."""
    keras = pytest.importorskip("keras")
    if key not in _KERAS:
        keras.utils.set_random_seed(0)
        model = spec.to_keras(compile=False)
        rng = np.random.default_rng(1)
        for w in model.weights:
            if np.ptp(w.numpy()) == 0:
                w.assign(w.numpy() + rng.uniform(-0.3, 0.3, tuple(w.shape)).astype(w.dtype))
        for layer in model.layers:  # Normalization reads its statistics once they are final
            if hasattr(layer, "finalize_state"):
                layer.finalize_state()
        _KERAS[key] = keras, model
    return _KERAS[key]


def keras_layer_weights(layer, names: list[str]) -> dict[str, np.ndarray]:
    """A Keras layer's weights by the core's names (the core lists them in Keras' order)."""
    assert len(names) == len(layer.weights), (names, [w.path for w in layer.weights])
    return {n: w.numpy() for n, w in zip(names, layer.weights)}


def copy_keras_weights(spec, model, module) -> None:
    graph = spec.graph
    for node in graph:
        if node.weights:
            weights = keras_layer_weights(model.get_layer(node.name), list(node.weights))
            set_keras_weights(module, node.layer_name, weights)


def assert_matches_keras(key: str, spec, module, seed: int = 0, tol: float = 1e-5) -> None:
    keras, model = keras_model(key, spec)
    copy_keras_weights(spec, model, module)
    x = sample_inputs(spec, seed)
    want = model(x[0] if len(x) == 1 else x)
    want = [keras.ops.convert_to_numpy(t) for t in (want if isinstance(want, (list, tuple)) else [want])]
    got = run(module, x)
    for name, a, b in zip(spec.graph.outputs, want, got):
        np.testing.assert_allclose(b, a, atol=tol, rtol=tol, err_msg=f"{key}: output {name}")


# --- every example spec ----------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_figures_equal_the_core(path):
    assert_figures_match(*example(path))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_matches_keras(path):
    spec, _ = example(path)
    assert_matches_keras(path.stem, spec, spec.to_torch())


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_exports_with_any_batch_size(path):
    spec, module = example(path)
    x = tuple(torch.as_tensor(a) for a in sample_inputs(spec))
    batch = torch.export.Dim("batch", min=1, max=4096)
    program = torch.export.export(module, x, dynamic_shapes=tuple({0: batch} for _ in x))
    bigger = [np.concatenate([a, a, a]) for a in sample_inputs(spec, seed=1)]
    for a, b in zip(run(program.module(), bigger), run(module, bigger)):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-6)


# --- every layer kind ------------------------------------------------------------------------


@pytest.mark.parametrize("key, data", KIND_CASES, ids=[k for k, _ in KIND_CASES])
def test_kind_figures_equal_the_core(key, data):
    assert_figures_match(*kind_case(key, data))


@pytest.mark.parametrize("key, data", KIND_CASES, ids=[k for k, _ in KIND_CASES])
def test_kind_matches_keras(key, data):
    spec, module = kind_case(key, data)
    assert_matches_keras(key, spec, module)


@settings(max_examples=8, deadline=None)
@given(generated_specs(max_nodes=5))
def test_generated_specs_match_the_core_and_keras(data):
    spec = modelspec.loads(yaml.safe_dump(data, sort_keys=False))
    module = spec.to_torch()
    try:
        run(module, sample_inputs(spec))
    except RuntimeError:  # lengths unknown to the core that disagree at run time: Keras fails too,
        keras, model = keras_model("generated", spec)  # or (a valid window longer than its input)
        _KERAS.pop("generated")  # returns an empty tensor where torch refuses to compute one
        x = sample_inputs(spec)
        try:
            outputs = model(x[0] if len(x) == 1 else x)
        except Exception:
            return
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        assert any(0 in tuple(o.shape) for o in outputs), "Keras computed what torch refused"
        return
    assert_figures_match(spec, module)
    # Layers in a chain compound float32 rounding: LayerNormalization of a low-variance input
    # amplifies TensorFlow's x * inv - mean * inv (Keras' TF formula) against F.layer_norm.
    try:
        assert_matches_keras("generated", spec, module, tol=1e-4)
    finally:  # a failing example's model must not answer for the next one (shrinking)
        _KERAS.pop("generated", None)


# --- the module's shape: names, generated code, layout ----------------------------------------


def test_submodules_and_state_dict_are_named_after_the_nodes():
    _, module = example(ROOT / "specs/stock_lstm.yaml")
    assert [name for name, _ in module.named_children()] == ["lstm", "price", "direction"]
    assert list(module.state_dict()) == ["lstm.weight_ih", "lstm.weight_hh", "lstm.bias", "price.weight",
                                         "price.bias", "direction.weight", "direction.bias"]  # fmt: skip


def test_the_forward_pass_is_readable_generated_code():
    _, module = example(ROOT / "specs/stock_lstm.yaml")
    code = module.code
    assert "def forward(self, prices : torch.Tensor):" in code
    assert "lstm = self.lstm(prices)" in code
    assert "price = self.price(lstm)" in code
    assert "direction = torch.sigmoid(direction_linear)" in code
    assert "return (price, direction)" in code
    assert isinstance(module, torch.fx.GraphModule) and "for " not in code


def test_a_shared_layer_is_one_submodule_called_at_each_node():
    spec, module = example(ROOT / "specs/shared_embedding.yaml")
    assert [name for name, _ in module.named_children()] == ["embed"]
    assert module.code.count("self.embed(") == 2
    x = torch.as_tensor(sample_inputs(spec)[0])
    a, b = module(x, x)
    assert torch.equal(a, b)


def test_a_chain_of_convolutions_permutes_once_in_and_once_out():
    spec = from_text(CHAIN)
    module = spec.to_torch()
    assert module.code.count(".permute(") == 2, module.code
    assert "out_nhwc = out.permute(0, 2, 3, 1)" in module.code and "return out_nhwc" in module.code
    assert_matches_keras("chain", spec, module)


def test_layouts_meet_at_merges_and_reductions():
    spec = from_text(LAYOUT)
    module = spec.to_torch()
    code = module.code
    assert code.count(".permute(") == 3, code  # img in; conv_c out; pool's output before Flatten
    assert "img_nchw = img.permute(0, 3, 1, 2)" in code
    assert "torch.softmax(norm, dim = 1)" in code and "torch.cat([conv_b, conv_c], dim = 1)" in code
    resnet = example(ROOT / "specs/toy_resnet.yaml")[1].code
    assert resnet.count(".permute(") == 1, resnet  # global pooling leaves (batch, channels)
    assert_matches_keras("layout", spec, module)


def test_states_are_named_outputs_and_initial_states_keywords_in_the_code():
    spec, module = example(ROOT / "specs/seq2seq.yaml")
    code = module.code
    assert "encoder_lstm = self.encoder(encoder_inputs)" in code
    assert "encoder_state_h = encoder_lstm[1]" in code and "encoder_state_c = encoder_lstm[2]" in code
    assert "encoder_lstm[0]" not in code  # the encoder's output nobody reads is not taken
    assert "decoder = self.decoder(decoder_inputs, initial_state = [encoder_state_h, encoder_state_c])" in code



def test_a_shared_recurrent_layer_returns_its_states_at_each_call():
    spec = from_text("""
        inputs: {a: {shape: [5, 3]}, b: {shape: [4, 3]}}
        layers:
          rnn: {type: Bidirectional, layer: {type: LSTM, units: 2, return_state: true}, inputs: a}
          rnn_b: {shares: rnn, inputs: {sequences: b, initial_state: [rnn.backward_state_h, rnn.backward_state_c,
                                                                      rnn.forward_state_h, rnn.forward_state_c]}}
        outputs: [rnn_b.forward_state_c, rnn, rnn_b]
    """)
    module = spec.to_torch()
    assert [name for name, _ in module.named_children()] == ["rnn"] and module.code.count("self.rnn(") == 2
    assert_figures_match(spec, module)
    assert_matches_keras("shared-states", spec, module)

MASKS = """
    inputs: {q: {shape: [3, 4]}, v: {shape: [5, 4]}, m: {shape: [3, 5]}, vm: {shape: [5]}}
    layers:
      mha: {type: MultiHeadAttention, num_heads: 2, key_dim: 2, inputs: {query: q, value: v, attention_mask: m}}
      att: {type: Attention, inputs: {query: q, value: v, value_mask: vm}}
      add: {type: AdditiveAttention, use_causal_mask: true, inputs: {query: q, value: v, value_mask: vm}}
    outputs: [mha, att, add]
"""


@pytest.mark.parametrize("hidden", ["nothing", "a query's every step", "every step"])
def test_masks_hide_what_keras_hides_a_row_with_no_step_left_included(hidden):
    """Keras sets a masked score to a large negative number (MultiHeadAttention) or lowers it by
    1e9 (Attention): a query step left with no value step attends to every step alike, where
    torch's scaled_dot_product_attention would give NaN."""
    spec = from_text(MASKS)
    module = spec.to_torch()
    keras, model = keras_model(f"masks-{hidden}", spec)
    copy_keras_weights(spec, model, module)
    rng = np.random.default_rng(0)
    q, v = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 5, 4)).astype("float32")
    # float masks: Keras casts them to bool, so 0.3 attends too (its Softmax layer would read > 0.5)
    mask = (rng.random((2, 3, 5)) < 0.5).astype("float32") * 0.3
    value_mask = (rng.random((2, 5)) < 0.5).astype("float32") * 0.3
    if hidden != "nothing":
        mask[0, 1] = 0  # query step 1 of sample 0 may attend to nothing
        value_mask[1] = 0 if hidden == "every step" else value_mask[1]
    x = [q, v, mask, value_mask]
    want = [keras.ops.convert_to_numpy(t) for t in model(x)]
    got = run(module, x)
    for name, a, b in zip(spec.graph.outputs, want, got):
        assert np.isfinite(b).all(), name
        np.testing.assert_allclose(b, a, atol=1e-5, rtol=1e-5, err_msg=name)
    unmasked = run(module, [q, v, np.ones_like(mask), np.ones_like(value_mask)])
    assert not np.allclose(unmasked[0], got[0]) and not np.allclose(unmasked[1], got[1])  # the masks count

def test_same_padding_is_keras_asymmetric_padding():
    spec, module = kind_case("Conv2D-3", CASES["Conv2D"][3])  # 10x9 input, k 3, stride 2
    assert "torch.nn.functional.pad(in_0_nchw, (1, 1, 0, 1))" in module.code
    assert module.node.padding == (0, 0)


def test_inputs_are_taken_by_name_even_when_python_reserves_the_name():
    spec = from_text("""
        inputs: {class: {shape: [2]}, torch: {shape: [3]}, self: {shape: [1]}}
        layers:
          training: {type: Concatenate, inputs: [class, torch, self]}
          eval:     {type: Dense, units: 2, inputs: training}
        outputs: [eval]
    """)
    module = spec.to_torch()
    assert module.meta["modelspec"]["inputs"] == {"class": "class_", "torch": "torch_", "self": "self_"}
    assert [name for name, _ in module.named_children()] == ["eval_"]
    x = [torch.randn(4, n) for n in (2, 3, 1)]
    by_name = module(class_=x[0], torch_=x[1], self_=x[2])
    assert torch.equal(by_name, module(*x)) and by_name.shape == (4, 2)


def test_inputs_are_cast_as_keras_casts_them():
    spec = from_text("""
        inputs: {x: {shape: [3], dtype: float64}, n: {shape: [3], dtype: int32}}
        layers:
          drop:  {type: Dropout, rate: 0.5, inputs: x}
          dense: {type: Dense, units: 2, inputs: drop}
          ints:  {type: Dense, units: 2, inputs: n}
        outputs: [drop, dense, ints]
    """)
    drop, dense, ints = spec.to_torch()(torch.randn(2, 3, dtype=torch.float64), torch.ones(2, 3, dtype=torch.int32))
    assert (drop.dtype, dense.dtype, ints.dtype) == (torch.float64, torch.float32, torch.float32)


# --- Keras semantics beyond one forward pass --------------------------------------------------


def test_fresh_weights_follow_keras_initializers():
    torch.manual_seed(0)
    module = from_text("""
        inputs: {x: {shape: [5, 40]}, ids: {shape: [5], dtype: int32}}
        layers:
          lstm:  {type: LSTM, units: 30, inputs: x}
          dense: {type: Dense, units: 50, inputs: lstm}
          embed: {type: Embedding, input_dim: 100, output_dim: 8, inputs: ids}
        outputs: [dense, embed]
    """).to_torch()
    lstm, dense = module.lstm, module.dense
    limit = (6 / (30 + 50)) ** 0.5  # glorot_uniform
    assert dense.weight.abs().max() <= limit and dense.weight.abs().max() > 0.9 * limit
    assert torch.count_nonzero(dense.bias) == 0
    bias = lstm.bias.detach().view(4, 30)  # i, f, c, o: unit_forget_bias
    assert torch.equal(bias[1], torch.ones(30)) and torch.count_nonzero(bias[[0, 2, 3]]) == 0
    w = lstm.weight_hh.detach()  # Keras' recurrent kernel (30, 120) has orthonormal rows
    assert torch.allclose(w.T @ w, torch.eye(30), atol=1e-5)
    assert module.embed.weight.abs().max() <= 0.05


def test_batch_norm_trains_as_keras_does():
    keras = pytest.importorskip("keras")
    spec = from_text("""
        inputs: {x: {shape: [4, 3]}}
        layers: [{type: BatchNormalization, momentum: 0.8, name: bn}]
    """)
    module, layer = spec.to_torch().train(), spec.to_keras(compile=False).get_layer("bn")
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(5, 4, 3)).astype("float32")
    want = keras.ops.convert_to_numpy(layer(x, training=True))
    got = module(torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(module.bn.running_var.numpy(), layer.moving_variance.numpy(), rtol=1e-5)
    np.testing.assert_allclose(module.bn.running_mean.numpy(), layer.moving_mean.numpy(), rtol=1e-5)


def test_dropout_runs_only_in_training():
    spec = from_text("""
        inputs: {x: {shape: [6, 3]}}
        layers:
          - {type: GRU, units: 4, dropout: 0.5, recurrent_dropout: 0.5, return_sequences: true}
          - {type: Dropout, rate: 0.5, name: out}
    """)
    module = spec.to_torch()
    x = torch.randn(3, 6, 3)
    assert not module.training and torch.equal(module(x), module(x))
    module.train()
    assert not torch.equal(module(x), module(x))


def noise_module(kind: str, shape: list, **args):
    """A one-layer module of `kind` on inputs of `shape`, in training mode, seeded; its
    eval mode must be the identity."""
    torch.manual_seed(0)
    module = modelspec.loads(yaml.safe_dump({"inputs": {"x": {"shape": shape}},
                                              "layers": [{"type": kind, **args}]})).to_torch()  # fmt: skip
    x = torch.randn(2, *shape)
    assert torch.equal(module(x), x)
    return module.train()


def mask_of(y: torch.Tensor, keep: float) -> torch.Tensor:
    """True where `y` (a module's output for inputs of ones) was dropped; every value must be
    0 or the kept scale `keep`."""
    assert bool(((y == 0) | torch.isclose(y, torch.tensor(keep))).all())
    return y == 0


@pytest.mark.parametrize("kind, shape", [("SpatialDropout1D", [9, 8]), ("SpatialDropout2D", [5, 4, 8]),
                                         ("SpatialDropout3D", [3, 4, 2, 8])])  # fmt: skip
def test_spatial_dropout_drops_whole_channels_in_training(kind, shape):
    rate = 0.4
    y = noise_module(kind, shape, rate=rate)(torch.ones(512, *shape))
    dropped = mask_of(y, 1 / (1 - rate)).flatten(1, -2)  # (batch, cells, channels)
    assert bool((dropped.all(1) | ~dropped.any(1)).all()), "a channel was partly dropped"
    assert abs(dropped[:, 0].float().mean().item() - rate) < 0.04  # 4096 draws: sd 0.008


@pytest.mark.parametrize("noise_shape, same", [([None, 1, None], (1,)), ([1, 8], (0, 1)),
                                               ([None, 10, 1], (2,))])  # fmt: skip
def test_dropout_noise_shape_shares_the_mask_along_its_ones(noise_shape, same):
    rate = 0.3
    y = noise_module("Dropout", [10, 8], rate=rate, noise_shape=noise_shape)(torch.ones(400, 10, 8))
    dropped = mask_of(y, 1 / (1 - rate))
    draws = dropped.amax(same, keepdim=True)  # one per cell of the mask
    assert torch.equal(dropped, draws.expand_as(dropped))
    assert abs(draws.float().mean().item() - rate) < 5 * (rate * (1 - rate) / draws.numel()) ** 0.5


def test_gaussian_noise_adds_zero_mean_noise_of_stddev_in_training():
    y = noise_module("GaussianNoise", [50], stddev=0.7)(torch.full((4000, 50), 2.0))
    assert abs(y.mean().item() - 2.0) < 0.01 and abs(y.std().item() - 0.7) < 0.01


def test_gaussian_dropout_multiplies_by_noise_of_mean_1_in_training():
    rate = 0.3
    y = noise_module("GaussianDropout", [50], rate=rate)(torch.ones(4000, 50))
    assert abs(y.mean().item() - 1.0) < 0.01
    assert abs(y.std().item() - (rate / (1 - rate)) ** 0.5) < 0.01


@pytest.mark.parametrize("noise_shape", [None, [None, 1, None]])
def test_alpha_dropout_keeps_a_standard_normal_standard_in_training(noise_shape):
    rate, saturation = 0.2, -1.0507009873554805 * 1.6732632423543772
    a = ((1 - rate) * (1 + rate * saturation**2)) ** -0.5
    dropped_value = a * saturation - a * saturation * rate  # Keras: a * alpha_p + b
    module = noise_module("AlphaDropout", [10, 20], rate=rate, noise_shape=noise_shape)
    x = torch.randn(2000, 10, 20)
    x[(x - saturation).abs() < 1e-3] += 0.01  # no kept input lands on the dropped value
    y = module(x)
    assert abs(y.mean().item()) < 0.01 and abs(y.var().item() - 1.0) < 0.01
    dropped = torch.isclose(y, torch.tensor(dropped_value), rtol=0, atol=1e-5)
    assert abs(dropped.float().mean().item() - rate) < 0.01
    if noise_shape is not None:  # one draw per (sample, feature), shared by the steps
        assert bool((dropped.all(1) | ~dropped.any(1)).all())


@pytest.mark.parametrize("kind, options", [("LSTM", {}), ("GRU", {}), ("SimpleRNN", {"activation": "relu"})])
def test_the_step_loop_computes_what_torchs_fused_kernel_computes(kind, options):
    from modelspec.backends.torch import recurrent

    torch.manual_seed(0)
    layer = getattr(recurrent, kind)(3, 4, return_sequences=True, **options)
    for p in layer.parameters():
        torch.nn.init.uniform_(p, -0.5, 0.5)
    x = torch.randn(2, 5, 3)
    assert layer.native
    fused = layer.eval()(x)
    layer.native = False
    torch.testing.assert_close(layer(x), fused, atol=1e-6, rtol=1e-6)
    # from given states, returning the last ones
    layer.return_state, layer.native = True, True
    states = [torch.randn(2, 4) for _ in range(2 if kind == "LSTM" else 1)]
    fused = layer(x, states)
    layer.native = False
    looped = layer(x, states)
    assert len(fused) == len(looped) == 1 + len(states)
    torch.testing.assert_close(looped, fused, atol=1e-6, rtol=1e-6)
    assert not torch.allclose(fused[1], layer(x)[1])  # the states count


def test_weights_round_trip_through_the_keras_names():
    spec, module = example(ROOT / "specs/ticket_classifier.yaml")
    for node in spec.graph:
        if node.weights:
            weights = get_keras_weights(module, node.layer_name)
            assert {k: v.shape for k, v in weights.items()} == {k: w.shape for k, w in node.weights.items()}
            set_keras_weights(module, node.layer_name, weights)


# --- activations by name, preprocessing statistics ------------------------------------------------

# negatives, zero, large values and every kink of a Keras activation (relu6 at 6, hard_sigmoid and
# hard_silu at -3 and 3, the shrinks at -0.5 and 0.5, sparse_* at -1 and 1, softplus' torch cut at 20)
KINKS = [-100.0, -20.0, -6.0, -3.5, -3.0, -2.5, -1.0, -0.75, -0.5, -0.25, -1e-3, 0.0,
         1e-3, 0.25, 0.5, 0.75, 1.0, 2.5, 3.0, 3.5, 6.0, 6.5, 20.0, 100.0]  # fmt: skip


def test_the_activation_table_holds_every_name_the_core_accepts():
    from modelspec.backends.torch.functions import ACTIVATIONS as TORCH_ACTIVATIONS
    from modelspec.layers import ACTIVATIONS

    assert sorted(TORCH_ACTIVATIONS) == sorted(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(REGISTRY["Dense"].model_fields["activation"].annotation.__args__))
def test_every_activation_name_computes_what_keras_computes(name):
    keras = pytest.importorskip("keras")
    spec = from_text(f"""
        inputs: {{x: {{shape: [{len(KINKS)}]}}}}
        layers:
          act: {{type: Activation, activation: {name}, inputs: x}}
        outputs: [act]
    """)
    x = np.array([KINKS, [v / 7 for v in KINKS], [-v / 3 for v in KINKS]], dtype="float32")
    want = keras.ops.convert_to_numpy(spec.to_keras(compile=False)(x))
    (got,) = run(spec.to_torch(), [x])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("axis", [-1, [1, 2], None])
def test_normalization_adapted_here_is_keras_adapt(axis):
    keras = pytest.importorskip("keras")
    from modelspec.layers.preprocessing import Normalization

    rng = np.random.default_rng(3)
    data = rng.normal(size=(50, 4, 3)) * [1.0, 2.0, 3.0] + [0.0, 1.0, -2.0]  # float64, as users have it
    theirs = keras.layers.Normalization(axis=axis)
    theirs.adapt(data)
    ours = Normalization(axis=axis)
    adapted = ours.adapted(data)
    np.testing.assert_allclose(np.asarray(adapted.mean), theirs.adapt_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(adapted.variance), theirs.adapt_variance.numpy(), rtol=1e-6)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    want = keras.ops.convert_to_numpy(theirs(x))
    text = yaml.safe_dump({"inputs": {"x": {"shape": [4, 3]}},
                           "layers": {"node": {"type": "Normalization", **adapted.model_dump(exclude={"type"}),
                                               "inputs": "x"}}, "outputs": ["node"]})  # fmt: skip
    (given,) = run(modelspec.loads(text).to_torch(), [x])
    np.testing.assert_allclose(given, want, rtol=1e-5, atol=1e-6)
    spec = from_text(f"""
        inputs: {{x: {{shape: [4, 3]}}}}
        layers: {{node: {{type: Normalization, axis: {'null' if axis is None else axis}, inputs: x}}}}
        outputs: [node]
    """)
    module, model = spec.to_torch(), spec.to_keras(compile=False)
    set_keras_weights(module, "node", ours.adapted_weights(data))
    (loaded,) = run(module, [x])
    np.testing.assert_allclose(loaded, want, rtol=1e-5, atol=1e-6)
    modelspec.transfer_weights(module, model)  # and on to Keras, which reads them once finalised
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), want, rtol=1e-5, atol=1e-6)


# --- real torch clients ------------------------------------------------------------------------


def test_torch_compile_runs_a_small_model():
    spec = from_text("""
        inputs: {x: {shape: [4]}}
        layers:
          - {type: Dense, units: 3, activation: gelu}
          - {type: Dense, units: 2, activation: softmax, name: y}
    """)
    module = spec.to_torch()
    x = torch.randn(2, 4)
    compiled = torch.compile(module, fullgraph=True)
    assert torch.allclose(compiled(x), module(x), atol=1e-6)


@pytest.mark.parametrize("stem", ["stock_lstm", "ticket_classifier", "toy_resnet"])
def test_onnx_export_runs_in_onnxruntime_with_equal_outputs(stem):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    spec, module = example(ROOT / "specs" / f"{stem}.yaml")
    x = sample_inputs(spec)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(torch.as_tensor(a) for a in x), buffer, dynamo=False,
                          input_names=list(spec.graph.inputs), output_names=list(spec.graph.outputs))  # fmt: skip
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    got = session.run(None, dict(zip(spec.graph.inputs, x)))
    for a, b in zip(got, run(module, x)):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


def test_save_and_load_rebuild_the_module_from_the_spec(tmp_path):
    spec = modelspec.load(ROOT / "specs/stock_lstm.yaml")
    module = spec.to_torch()
    target = tmp_path / "model.pt"
    target.write_text("old")
    save_torch(module, (ROOT / "specs/stock_lstm.yaml").read_text(), target)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
    loaded = load_torch(target)
    x = sample_inputs(spec)
    for a, b in zip(run(module, x), run(loaded, x)):
        np.testing.assert_array_equal(a, b)
    assert not loaded.training and torch.load(target, weights_only=True)["modelspec"].startswith("#")


# --- refusals -----------------------------------------------------------------------------------

from .kind_cases import Dense, DenseWithExtra, Unknown, one_node_graph  # noqa: E402


def test_a_kind_without_a_rule_names_node_kind_and_backend():
    with pytest.raises(BackendError, match=r"node 'head': layer kind Unknown has no lowering in the torch back end"):
        to_torch(one_node_graph(Unknown(units=2)))


def test_an_argument_the_backend_cannot_honour_is_refused():
    with pytest.raises(BackendError, match=r"node 'head': layer kind Dense: argument blend=0.5 .*torch back end"):
        to_torch(one_node_graph(DenseWithExtra(units=2)))


def test_a_mask_is_a_value_of_the_generated_code():
    spec = from_text("""
        inputs: {ids: {shape: [null], dtype: int32}}
        layers:
          embed: {type: Embedding, input_dim: 9, output_dim: 2, mask_zero: true, inputs: ids}
          lstm:  {type: LSTM, units: 3, return_sequences: true, inputs: embed}
          steps: {type: Dense, units: 2, inputs: lstm}
          pool:  {type: GlobalAveragePooling1D, inputs: steps}
        outputs: [steps, pool]
    """)
    module = spec.to_torch()
    code = module.code
    assert "embed_mask = ids.ne(0)" in code
    assert "lstm = self.lstm(embed, mask = embed_mask)" in code  # the mask passes through lstm and steps
    assert "pool_unsqueeze = embed_mask.unsqueeze(-1)" in code and "torch.where(pool_unsqueeze, steps, 0.0)" in code
    assert module.meta["modelspec"]["masks"] == {"steps": "embed_mask"}  # the loss leaves masked steps out
    assert_matches_keras("masked_code", spec, module)


def test_torch_is_imported_only_when_a_module_is_built():
    code = ("import sys, modelspec, modelspec.backends.torch\n"
            "spec = modelspec.load('specs/sequential_classifier.yaml')\n"
            "assert 'torch' not in sys.modules\n"
            "spec.to_torch()\n"
            "assert 'torch' in sys.modules\n")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_training_view_returns_each_outputs_logits_as_the_builder_recorded_them():
    from modelspec.backends.torch.builder import training_view

    spec = from_text("""
        inputs: {x: {shape: [6, 6, 2]}}
        layers:
          conv:  {type: Conv2D, filters: 3, kernel_size: 3, padding: same, activation: softmax, inputs: x}
          flat:  {type: Flatten, inputs: conv}
          gate:  {type: Dense, units: 1, activation: sigmoid, inputs: flat}
          plain: {type: Dense, units: 2, inputs: flat}
        outputs: [conv, gate, plain]
    """)
    module = spec.to_torch()
    assert set(module.meta["modelspec"]["logits"]) == {"conv", "gate"}  # `plain` ends in no function
    view = training_view(module, {"conv": "softmax", "gate": "sigmoid", "plain": "softmax"})
    x = torch.randn(2, 6, 6, 2)
    outputs, logits, values, masks = view(x)
    assert values == ()  # no node asked for
    assert masks == (None, None, None)  # no output carries a mask
    for a, b in zip(outputs, module(x)):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(torch.softmax(logits[0], -1), outputs[0])  # channels-last, as the output
    torch.testing.assert_close(torch.sigmoid(logits[1]), outputs[1])
    assert logits[2] is None  # `plain` ends in linear, not the softmax asked for
    assert module.code.count("permute") == 2  # the inference forward pays for no logits


def test_an_initializer_torch_cannot_draw_is_refused_naming_node_and_initializer():
    from modelspec.backends.torch import lowering
    from modelspec.layers import Initializer, Weight

    class HeDense(Dense):  # the same kind, its kernel declared with an initializer torch lacks
        def weights(self, x):
            return {**super().weights(x), "kernel": Weight((x[-1], self.units), Initializer("no_such_init"))}

    assert lowering.LOWERINGS.find(HeDense) is not None  # Dense's own lowering (same kind name)
    with pytest.raises(BackendError, match=r"node 'head': layer kind Dense: initializer 'no_such_init' is not"):
        to_torch(one_node_graph(HeDense(units=2)))
