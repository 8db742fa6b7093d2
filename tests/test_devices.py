"""Where training runs: `--device` on both back ends, Keras' mixed dtype policies in the torch
trainer, and `--nproc N`: PyTorch DistributedDataParallel through torchrun, giving the weights one
process gets. The CUDA cases run where torch sees a GPU (`scripts/gpu_check.sh`), and are skipped,
saying so, elsewhere."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import modelspec
from modelspec.cli import main
from modelspec.devices import check_device, check_dtype_policy, ddp_refusals, usable_cores
from modelspec.errors import BackendError

from .conftest import ROOT

SPEC = """
    name: two_heads
    inputs:
      tokens: {shape: [5], dtype: int32}
      values: {shape: [3]}
    layers:
      embed: {type: Embedding, input_dim: 20, output_dim: 4, inputs: tokens}
      pooled: {type: GlobalAveragePooling1D, inputs: embed}
      joined: {type: Concatenate, inputs: [pooled, values]}
      trunk: {type: Dense, units: 8, activation: tanh, inputs: joined,
              kernel_regularizer: {type: l2, l2: 0.01}, activity_regularizer: {type: l1, l1: 0.01}}
      level: {type: Dense, units: 1, inputs: trunk}
      kind: {type: Dense, units: 3, activation: softmax, inputs: trunk}
    outputs: [level, kind]
    training:
      optimizer: {type: adam, learning_rate: 0.01}
      loss: {level: mse, kind: sparse_categorical_crossentropy}
      loss_weights: {kind: 0.5}
      metrics: {level: [mae], kind: [accuracy]}
      epochs: 3
      batch_size: 7
      validation_split: 0.2
      seed: 3
"""
N = 46  # 36 to train on: batches of 7 (two processes: 4 + 3) and a last one of 1 (1 + none)
QUIET = {"progress": False, "echo": lambda line: None}


def spec(text: str = SPEC) -> modelspec.Spec:
    return modelspec.loads(textwrap.dedent(text), "spec.yaml")


def arrays(n: int = N) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 20, size=(n, 5)).astype("int32")
    values = rng.normal(size=(n, 3)).astype("float32")
    return {"tokens": tokens, "values": values, "level": values.sum(1), "kind": tokens[:, 0] % 3}


def files(tmp_path, text: str = SPEC) -> list[str]:
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(text))
    np.savez(tmp_path / "data.npz", **arrays())
    return ["train", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.npz")]


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m modelspec ARGS` in a process of its own (torchrun's agent is no test's guest)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def cuda_gpus() -> int:
    try:
        import torch
    except ImportError:
        return 0
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


needs_cuda = pytest.mark.skipif("not cuda_gpus()", reason="needs a CUDA GPU that torch sees (none here)")


# --- names, checked before any framework ---------------------------------------------------------


def test_device_and_policy_names():
    assert [check_device(d) for d in (None, "cpu", "cuda", "cuda:1", "mps")] == ["auto", "cpu", "cuda", "cuda:1", "mps"]
    for bad in ("gpu", "cuda:", "cuda:01", "CPU", "cuda:-1"):
        with pytest.raises(ValueError, match="device must be one of auto, cpu, cuda, cuda:N, mps"):
            check_device(bad)
    assert check_dtype_policy(None) == "float32"
    with pytest.raises(ValueError, match="dtype_policy must be one of float32, mixed_float16, mixed_bfloat16"):
        check_dtype_policy("float16")


def test_bad_device_policy_and_nproc_are_usage_errors(tmp_path, capsys):
    args = files(tmp_path)
    for extra, message in [
        (["--device", "gpu"], "--device: expected one of auto, cpu, cuda, cuda:N, mps, got 'gpu'"),
        (["--dtype-policy", "mixed_float17"], "--dtype-policy: invalid choice: 'mixed_float17'"),
        (["--nproc", "0"], "--nproc: expected a whole number of at least 1, got '0'"),
        (["--nproc", "-1"], "--nproc: expected a whole number of at least 1, got '-1'"),
    ]:
        with pytest.raises(SystemExit) as info:
            main([*args, "--backend", "torch", *extra])
        assert info.value.code == 2 and message in capsys.readouterr().err
    assert main([*args, "--backend", "keras", "--nproc", "2"]) == 2
    assert "--nproc runs PyTorch DistributedDataParallel: it needs --backend torch" in capsys.readouterr().err


# --- devices ---------------------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.skipif("cuda_gpus()", reason="this machine has a CUDA GPU")
def test_a_device_torch_does_not_see_is_one_line_before_training(tmp_path, capsys):
    args = [*files(tmp_path), "--backend", "torch"]
    assert main([*args, "--device", "cuda", "-o", str(tmp_path / "m.pt")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("modelspec: error: device 'cuda': torch sees no CUDA GPU") and err.count("\n") == 1
    assert not (tmp_path / "m.pt").exists()
    torch = pytest.importorskip("torch")
    if not torch.backends.mps.is_available():
        assert main([*args, "--device", "mps"]) == 1
        assert "device 'mps': torch sees no MPS device" in capsys.readouterr().err


@pytest.mark.keras
def test_keras_devices_are_tensorflows(tmp_path, capsys):
    """auto leaves placement to TensorFlow; cuda needs a GPU TensorFlow sees; mps is torch's."""
    tf = pytest.importorskip("tensorflow")
    args = [*files(tmp_path), "--backend", "keras", "--epochs", "1"]
    if not tf.config.list_physical_devices("GPU"):
        assert main([*args, "--device", "cuda:0"]) == 1
        assert "device 'cuda:0': TensorFlow sees no GPU (the keras back end)" in capsys.readouterr().err
    assert main([*args, "--device", "mps"]) == 1
    assert "device 'mps' is PyTorch's Apple-GPU device" in capsys.readouterr().err
    assert main([*args, "--dtype-policy", "mixed_bfloat16"]) == 1
    assert "the keras back end trains in the spec's dtypes" in capsys.readouterr().err


@pytest.mark.keras
@pytest.mark.torch
def test_on_the_cpu_both_back_ends_train_alike():
    """`device="cpu"` on both (Keras under keras.device("cpu:0")): one history from one start."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    s = spec()
    model, module = s.to_keras(compile=False), s.to_torch()
    modelspec.transfer_weights(model, module)
    keras_run = s.train(arrays(), "keras", model=model, device="cpu", epochs=1, **QUIET)
    torch_run = s.train(arrays(), "torch", model=module, device="cpu", epochs=1, **QUIET)
    for k, t in zip(keras_run.history, torch_run.history):
        np.testing.assert_allclose(list(t.values()), list(k.values()), rtol=1e-4, atol=1e-5)
    assert str(torch_run.trainer.device) == "cpu"


@pytest.mark.torch
def test_auto_is_the_best_device_torch_sees():
    torch = pytest.importorskip("torch")
    from modelspec.backends.torch.devices import resolve

    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert resolve(None).type == resolve("auto").type == expected


# --- mixed precision ---------------------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.torch
def test_loss_scaling_is_keras_loss_scale_optimizer():
    """mixed_float16 scales the loss as Keras' LossScaleOptimizer (real Keras' figures)."""
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    from modelspec.backends.torch.devices import GROWTH_STEPS, INITIAL_SCALE, Precision

    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())
    assert theirs.initial_scale == INITIAL_SCALE == 2.0**15
    assert theirs.dynamic_growth_steps == GROWTH_STEPS == 2000
    ours = Precision("mixed_float16", torch.device("cpu"))
    assert ours.scaler.get_scale() == INITIAL_SCALE and ours.dtype == torch.float16
    assert Precision("mixed_bfloat16", torch.device("cpu")).scaler is None  # bfloat16 needs none


@pytest.mark.torch
def test_mixed_bfloat16_trains_near_float32_with_float32_weights():
    torch = pytest.importorskip("torch")
    s = spec()
    full = s.train(arrays(), "torch", device="cpu", **QUIET)
    mixed = s.train(arrays(), "torch", device="cpu", dtype_policy="mixed_bfloat16", **QUIET)
    assert all(p.dtype == torch.float32 for p in mixed.model.parameters())  # as Keras' variables
    for f, m in zip(full.history, mixed.history):
        np.testing.assert_allclose(list(m.values()), list(f.values()), rtol=0.02, atol=0.01)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = mixed.trainer.view(*(torch.as_tensor(arrays()[k]) for k in ("tokens", "values")))
    assert out[0][0].dtype == torch.bfloat16  # the forward pass does run in it


@pytest.mark.torch
def test_mixed_float16_skips_the_steps_whose_scaled_gradients_overflow():
    """From Keras' scale 2**15 the first steps' float16 gradients overflow: each is skipped and
    halves the scale, as in Keras' LossScaleOptimizer; then training goes on, in float32 weights."""
    torch = pytest.importorskip("torch")
    mixed = spec().train(arrays(), "torch", device="cpu", dtype_policy="mixed_float16", **QUIET)
    t = mixed.trainer
    skipped = round(np.log2(2.0**15 / t.precision.scaler.get_scale()))
    assert skipped >= 1 and t.optimizer.iterations == 3 * 6 - skipped  # 3 epochs of 6 batches
    assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in mixed.model.parameters())
    assert mixed.history[-1]["loss"] < mixed.history[0]["loss"]


# --- several processes -------------------------------------------------------------------------------


@pytest.mark.torch
def test_two_processes_on_half_batches_give_the_weights_of_one(tmp_path):
    """torchrun, 2 processes (gloo): parts of 4 and 3 samples and a last batch of 1 (one process
    without a sample), an embedding, weight and activity regularizers, two weighted losses and
    metrics; weights to 1e-6 and the history of one process, printed and written once."""
    torch = pytest.importorskip("torch")
    if usable_cores() < 2:
        pytest.skip("needs 2 CPU cores for 2 gloo processes")
    out = tmp_path / "ddp.pt"
    done = cli(*files(tmp_path), "--backend", "torch", "--device", "cpu", "--nproc", "2", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("trained two_heads with torch") == 1 and "epoch 3/3" in done.stdout
    one = spec().train(arrays(), "torch", device="cpu", **QUIET)
    theirs = torch.load(out, weights_only=True)["state_dict"]
    for name, value in one.model.state_dict().items():
        np.testing.assert_allclose(theirs[name].numpy(), value.numpy(), rtol=0, atol=1e-6, err_msg=name)
    history = json.loads((tmp_path / "ddp.pt.history.json").read_text())["history"]
    for name, values in one.history_dict().items():
        np.testing.assert_allclose(history[name], values, rtol=1e-6, atol=1e-6, err_msg=name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.npz", "ddp.pt", "ddp.pt.history.json", "spec.yaml"]


MASKED = """
    name: masked
    inputs: {ids: {shape: [7], dtype: int32}}
    layers:
      - {type: Embedding, input_dim: 12, output_dim: 4, mask_zero: true}
      - {type: LSTM, units: 5, return_sequences: true}
      - {type: Dense, units: 3, activation: softmax, name: out}
    training: {optimizer: {type: rmsprop, learning_rate: 0.01}, loss: sparse_categorical_crossentropy,
               metrics: [accuracy], epochs: 2, batch_size: 5, seed: 11}
"""


@pytest.mark.slow
@pytest.mark.torch
def test_two_processes_leave_the_masked_steps_out_as_one_does(tmp_path):
    """Padded sequences (mask_zero): each process' loss and accuracy count the kept steps of the
    whole batch, whose number is summed across processes first; RMSprop's squared embedding
    gradients per lookup are summed across processes."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    ids = rng.integers(1, 12, size=(23, 7)).astype("int32")
    ids[np.arange(7) >= rng.integers(1, 8, size=23)[:, None]] = 0
    data = {"ids": ids, "out": rng.integers(0, 3, size=(23, 7))}
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(MASKED))
    np.savez(tmp_path / "data.npz", **data)
    out = tmp_path / "ddp.pt"
    done = cli("train", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.npz"), "--backend", "torch",
               "--device", "cpu", "--nproc", "2", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    one = spec(MASKED).train(data, "torch", device="cpu", **QUIET)
    theirs = torch.load(out, weights_only=True)["state_dict"]
    for name, value in one.model.state_dict().items():
        np.testing.assert_allclose(theirs[name].numpy(), value.numpy(), rtol=0, atol=1e-6, err_msg=name)
    history = json.loads((tmp_path / "ddp.pt.history.json").read_text())["history"]
    np.testing.assert_allclose(history["loss"], one.history_dict()["loss"], rtol=1e-6)
    np.testing.assert_allclose(history["accuracy"], one.history_dict()["accuracy"], rtol=1e-6)


def test_what_several_processes_cannot_do_is_said_first(tmp_path, capsys):
    batch_norm = SPEC.replace("      level: {type: Dense, units: 1, inputs: trunk}",
                              "      norm: {type: BatchNormalization, inputs: trunk}\n"
                              "      level: {type: Dense, units: 1, inputs: norm}")  # fmt: skip
    assert ddp_refusals(spec(batch_norm).graph) == [
        "node 'norm' (BatchNormalization) normalizes by the statistics of the batch in training, and each "
        "process would see only its part of the batch: train it in one process"
    ]
    assert main([*files(tmp_path, batch_norm), "--backend", "torch", "--nproc", "2"]) == 1
    assert "modelspec: error: --nproc 2: node 'norm' (BatchNormalization) normalizes" in capsys.readouterr().err


@pytest.mark.torch
def test_more_processes_than_cores_or_an_unshareable_device_is_refused(tmp_path, capsys):
    pytest.importorskip("torch")
    args = [*files(tmp_path), "--backend", "torch", "--device", "cpu"]
    too_many = str(usable_cores() + 1)
    assert main([*args, "--nproc", too_many]) == 2
    assert f"--nproc {too_many}: this machine has {usable_cores()} CPU core" in capsys.readouterr().err
    assert main([*args[:-2], "--device", "cuda:1", "--nproc", "2"]) == 1
    assert "device 'cuda:1' with several processes: each process takes the GPU of its local rank" in capsys.readouterr().err


@pytest.mark.torch
def test_a_distributed_trainer_outside_torchrun_says_how_to_start_it(monkeypatch):
    pytest.importorskip("torch")
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(BackendError, match="distributed training runs in processes torchrun starts"):
        spec().train(arrays(), "torch", distributed=True, **QUIET)


# --- CUDA (where there is one: scripts/gpu_check.sh) -----------------------------------------------------


@pytest.mark.torch
@needs_cuda
def test_cuda_trains_as_the_cpu_does_and_its_file_loads_without_a_gpu(tmp_path):
    torch = pytest.importorskip("torch")
    s = spec()
    cpu = s.train(arrays(), "torch", device="cpu", **QUIET)
    gpu = s.train(arrays(), "torch", device="cuda", **QUIET)
    assert next(gpu.model.parameters()).device.type == "cuda"
    for c, g in zip(cpu.history, gpu.history):
        np.testing.assert_allclose(list(g.values()), list(c.values()), rtol=1e-4, atol=1e-5)
    gpu.save(tmp_path / "gpu.pt")
    assert all(t.device.type == "cpu" for t in torch.load(tmp_path / "gpu.pt", weights_only=True)["state_dict"].values())
    code = (f"import modelspec; m = modelspec.load_torch({str(tmp_path / 'gpu.pt')!r}); "
            "print(next(m.parameters()).device)")  # fmt: skip
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""})  # fmt: skip
    assert loaded.returncode == 0 and loaded.stdout.strip() == "cpu", loaded.stderr


@pytest.mark.torch
@needs_cuda
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_on_cuda(policy):
    s = spec()
    full = s.train(arrays(), "torch", device="cuda", **QUIET)
    mixed = s.train(arrays(), "torch", device="cuda", dtype_policy=policy, **QUIET)
    for f, m in zip(full.history, mixed.history):
        np.testing.assert_allclose(list(m.values()), list(f.values()), rtol=0.05, atol=0.02)


@pytest.mark.torch
@pytest.mark.skipif("cuda_gpus() < 2", reason="needs 2 CUDA GPUs for 2 NCCL processes")
def test_two_processes_on_two_gpus_with_nccl(tmp_path):
    torch = pytest.importorskip("torch")
    out = tmp_path / "ddp.pt"
    done = cli(*files(tmp_path), "--backend", "torch", "--device", "cuda", "--nproc", "2", "-o", str(out))
    assert done.returncode == 0, done.stderr
    one = spec().train(arrays(), "torch", device="cuda", **QUIET)
    theirs = torch.load(out, weights_only=True)["state_dict"]
    for name, value in one.model.state_dict().items():
        np.testing.assert_allclose(theirs[name].numpy(), value.cpu().numpy(), rtol=0, atol=1e-5, err_msg=name)


@pytest.mark.keras
def test_keras_on_a_gpu_tensorflow_sees(tmp_path):
    tf = pytest.importorskip("tensorflow")
    if not tf.config.list_physical_devices("GPU"):
        pytest.skip("TensorFlow sees no GPU here (tensorflow-cpu, or no GPU)")
    assert main([*files(tmp_path), "--backend", "keras", "--epochs", "1", "--device", "cuda"]) == 0


@pytest.mark.slow
@pytest.mark.torch
def test_torchrun_itself_runs_the_command_as_several_processes(tmp_path):
    torch = pytest.importorskip("torch")
    out = tmp_path / "ddp.pt"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
                           "-m", "modelspec", *files(tmp_path), "--backend", "torch", "--device", "cpu", "-o", str(out)],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("trained two_heads with torch") == 1
    one = spec().train(arrays(), "torch", device="cpu", **QUIET)
    theirs = torch.load(out, weights_only=True)["state_dict"]
    for name, value in one.model.state_dict().items():
        np.testing.assert_allclose(theirs[name].numpy(), value.numpy(), rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_two_processes_in_mixed_precision_train_as_one(tmp_path, policy):
    """mixed_float16: the loss scale starts halved in each of 2 processes, whose loss is twice its
    share: the float16 gradients are those of one process, so the same steps overflow and are
    skipped (from 2**15 the first two here); weights then differ by float16's rounding only."""
    torch = pytest.importorskip("torch")
    out = tmp_path / "ddp.pt"
    done = cli(*files(tmp_path), "--backend", "torch", "--device", "cpu", "--nproc", "2",
               "--dtype-policy", policy, "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    one = spec().train(arrays(), "torch", device="cpu", dtype_policy=policy, **QUIET)
    theirs = torch.load(out, weights_only=True)["state_dict"]
    for name, value in one.model.state_dict().items():
        np.testing.assert_allclose(theirs[name].numpy(), value.numpy(), rtol=0, atol=1e-3, err_msg=name)


@pytest.mark.slow
@pytest.mark.torch
def test_a_process_that_fails_says_why_once_per_process_without_torchruns_traceback(tmp_path):
    """What the processes see that the first did not check (here: a spec file gone) is their own
    one-line error; the exit status is theirs, and torchrun's report of the failure is left out."""
    pytest.importorskip("torch")
    code = ("import sys; from modelspec.backends.torch.launch import launch\n"
            f"sys.exit(launch(['train', {str(tmp_path / 'gone.yaml')!r}, '--data', 'd.npz', '--backend', 'torch'], 2, 'cpu'))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if "gone.yaml" in line]
    assert len(lines) == 2 and lines[0].endswith("cannot read file: No such file or directory")
    assert "Traceback" not in done.stderr and "ChildFailedError" not in done.stderr


@pytest.mark.slow
@pytest.mark.torch
def test_a_model_saved_by_one_process_resumes_in_two(tmp_path):
    """`--resume` with `--nproc 2`: the optimizer's state and the batch order continue in each
    process; 2 epochs in one process then 1 in two give the weights of 3 in one."""
    torch = pytest.importorskip("torch")
    args = files(tmp_path)
    assert cli(*args, "--backend", "torch", "--epochs", "2", "-o", str(tmp_path / "e2.pt")).returncode == 0
    done = cli("train", "--resume", str(tmp_path / "e2.pt"), *args[2:], "--epochs", "3", "--device", "cpu",
               "--nproc", "2", "-o", str(tmp_path / "e3.pt"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    one = spec().train(arrays(), "torch", device="cpu", **QUIET)
    theirs = torch.load(tmp_path / "e3.pt", weights_only=True)["state_dict"]
    for name, value in one.model.state_dict().items():
        np.testing.assert_allclose(theirs[name].numpy(), value.numpy(), rtol=0, atol=1e-6, err_msg=name)
