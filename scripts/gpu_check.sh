#!/usr/bin/env bash
# The device checks that need a CUDA GPU (issue 18: --device, --dtype-policy, --nproc on NCCL).
# Run on a machine where torch sees a GPU:   bash scripts/gpu_check.sh
# Every case of tests/test_devices.py runs, the slow ones too; -rs lists the skipped ones with
# their reason (the 2-GPU NCCL case is skipped on a machine with one GPU, as is the Keras case
# where TensorFlow sees no GPU). Exit status: pytest's (0: all passed).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
command -v nvidia-smi >/dev/null && nvidia-smi -L || echo "(no nvidia-smi)"
"$PY" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, '-', torch.cuda.device_count(), 'GPU(s) seen'); assert torch.cuda.is_available(), 'torch sees no CUDA GPU: nothing to check here'"
PYTHONPATH=$PWD timeout 900 "$PY" -m pytest tests/test_devices.py -m "slow or not slow" -q -rs -p no:cacheprovider
