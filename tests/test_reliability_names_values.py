"""Issue 17, part 1, values: `${param}`s for an activation and a learning rate build, run,
train and save in both back ends; numbers a back end cannot hold (not finite, beyond float32 or
int32, a seed beyond int64, strides times a window over 2**24) are refused at their field."""

import pytest

from .conftest import problems
from .reliability import both_back_ends_run, saved_and_loaded


@pytest.mark.keras
@pytest.mark.torch
def test_a_param_for_an_activation_and_a_learning_rate_builds_runs_and_trains_in_both(tmp_path):
    import numpy as np

    spec = both_back_ends_run(
        """\
        params:
          a: {choice: [relu, tanh], default: tanh}
          lr: {loguniform: [1.0e-4, 1.0e-2], default: 1.0e-3}
          r: 0.25
        inputs: {x: {shape: [3, 4]}}
        layers:
          - {type: LSTM, units: 3, activation: "${a}", recurrent_activation: "${a}"}
          - {type: Activation, activation: "${a}"}
          - {type: Dropout, rate: "${r}"}
          - {type: Dense, units: 1, activation: "${a}", name: out}
        training:
          optimizer: {type: adam, learning_rate: "${lr}"}
          loss: mse
        """
    )
    data = {"x": np.ones((8, 3, 4), "float32"), "out": np.zeros((8, 1), "float32")}
    for backend in ("keras", "torch"):
        result = spec.train(data, backend=backend, epochs=1)
        assert np.isfinite(result.history[-1]["loss"])
    saved_and_loaded(spec.sample(3), tmp_path)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("{type: LayerNormalization, epsilon: .inf}", "epsilon", "must be a finite number, got inf"),
        ("{type: Rescaling, scale: .nan}", "scale", "must be a finite number, got nan"),
        ("{type: Masking, mask_value: -.inf}", "mask_value", "must be a finite number, got -inf"),
        ("{type: ReLU, max_value: 1.0e+39}", "max_value", "must be within float32's range (magnitude up to 3.4e38), got 1e+39"),
        ("{type: Normalization, mean: [0.0, 1.0e+300], variance: 1.0}", "mean", "must be within float32's range (magnitude up to 3.4e38), got 1e+300"),
        ("{type: Dense, units: 2, kernel_initializer: {type: random_normal, stddev: .inf}}", "kernel_initializer.stddev", "must be a finite number, got inf"),
        ("{type: Dense, units: 2, kernel_regularizer: {type: l2, l2: 1.0e+39}}", "kernel_regularizer.l2", "must be within float32's range (magnitude up to 3.4e38), got 1e+39"),
    ],
)  # fmt: skip
def test_a_float_that_is_not_finite_or_beyond_float32_is_refused_at_its_field(
    field, value, message
):
    found = problems(f"inputs: {{x: {{shape: [4]}}}}\nlayers:\n  - {field}\n")
    assert len(found) == 1 and found[0].startswith("spec.yaml:3:")
    assert f": layers.0.{value}: {message}" in found[0]


def test_a_non_finite_learning_rate_param_or_search_space_is_refused():
    found = problems(
        """\
        params: {p: .inf, q: {uniform: [0.0, .inf], default: 0.5}}
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1}]
        training: {optimizer: {type: sgd, learning_rate: .inf}, loss: mse}
        """
    )
    assert found == [
        "spec.yaml:1:13: params.p: must be a finite number, got inf",
        "spec.yaml:1:32: params.q.uniform: must be a finite number, got inf",
        "spec.yaml:4:50: training.optimizer.learning_rate: must be a finite number, got inf",
    ]


def test_an_epsilon_from_a_param_beyond_float32_is_refused_where_it_is_used():
    found = problems(
        """\
        params: {e: 1.0e+39}
        inputs: {x: {shape: [4]}}
        layers: [{type: LayerNormalization, epsilon: "${e}"}]
        """
    )
    message = "must be within float32's range (magnitude up to 3.4e38), got 1e+39"
    assert found == [f"spec.yaml:3:46: layers.0.epsilon: {message} (the value of ${{e}} is 1e+39)"]


@pytest.mark.parametrize("seed", [2**63, -(2**63) - 1, 2**64])
@pytest.mark.parametrize(
    "layer",
    [
        "{type: Dropout, rate: 0.5, seed: %d}",
        "{type: GaussianNoise, stddev: 0.5, seed: %d}",
        "{type: Dense, units: 2, kernel_initializer: {type: glorot_uniform, seed: %d}}",
    ],
)
def test_a_seed_beyond_int64_is_refused_at_its_field(layer, seed):
    found = problems(f"inputs: {{x: {{shape: [4]}}}}\nlayers:\n  - {layer % seed}\n")
    assert len(found) == 1
    assert found[0].endswith(
        f"seed: must be within int64's range (-9223372036854775808 to 9223372036854775807), got {seed}"
    )


@pytest.mark.parametrize(
    "layer, field",
    [
        ("{type: Conv1D, filters: 2, kernel_size: 2, strides: 2147483648}", "strides"),
        ("{type: MaxPooling1D, pool_size: 2, strides: 4294967296}", "strides"),
        ("{type: Dense, units: 9223372036854775807}", "units"),
        ("{type: Embedding, input_dim: 10000000000, output_dim: 2}", "input_dim"),
    ],
)
def test_an_integer_beyond_int32_is_refused_at_its_field(layer, field):
    found = problems(f"inputs: {{x: {{shape: [6, 3]}}}}\nlayers:\n  - {layer}\n")
    assert len(found) == 1 and f"layers.0.{field}: must be within int32's range" in found[0]


def test_a_dilated_kernel_beyond_int32_is_refused():
    found = problems(
        """\
        inputs: {x: {shape: [6, 3]}}
        layers:
          - {type: Conv1D, filters: 2, kernel_size: 2, padding: same, dilation_rate: 2147483647}
        """
    )
    message = (
        "a kernel of 2 cells dilated by 2147483647 spans 2147483648 cells, beyond int32's range "
        "(2147483647), where TensorFlow computes its padding"
    )
    assert found == [f"spec.yaml:3:5: layers.0: {message}"]


@pytest.mark.keras
@pytest.mark.torch
def test_the_extremes_that_are_in_range_build_and_run_in_both(tmp_path):
    spec = both_back_ends_run(
        """\
        inputs: {x: {shape: [6, 3]}}
        layers:
          - {type: Dropout, rate: 0.5, seed: 9223372036854775807}
          - {type: GaussianNoise, stddev: 0.5, seed: -9223372036854775808}
          - {type: Dense, units: 2, kernel_initializer: {type: glorot_uniform, seed: -1}}
          - {type: LayerNormalization, epsilon: 1.0e-30}
          - {type: ReLU, max_value: 3.0e+38}
          - {type: Conv1D, filters: 2, kernel_size: 2, strides: 8388608}
          - {type: MaxPooling1D, pool_size: 1, strides: 2147483647}
        """
    )
    saved_and_loaded(spec, tmp_path)


@pytest.mark.parametrize(
    "kind", ["Conv1D", "Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D"]
)
def test_a_stride_times_the_window_over_2_to_the_24_is_refused(kind):
    found = problems(
        f"""\
        inputs: {{x: {{shape: [6, 3]}}}}
        layers:
          - {{type: {kind}, filters: 2, kernel_size: 2, strides: 8388609}}
        """.replace("filters: 2, ", "" if kind == "DepthwiseConv1D" else "filters: 2, ")
    )
    message = (
        f"{kind} strides 8388609 times its window of 2 cells is 16777218, over 16777216 "
        "(2**24): TensorFlow's convolution fails from about 2**28"
    )
    assert found == [f"spec.yaml:3:5: layers.0: {message}"]
