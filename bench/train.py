"""Training: one epoch of the seed 004 classifier through modelspec's trainers against loops
written by hand, on the same 800 samples in the same batches of 32.

torch: `TorchTrainer.train_epoch` (Keras' Adam, loss and averaging, accuracy tracked) against a
hand-written loop with `torch.optim.Adam`, the crossentropy of the softmax output and the loss and
accuracy summed per batch (`.item()` each step, as a progress bar needs). Keras: `KerasTrainer`
(`fit(epochs=1, shuffle=False)` on the batches modelspec drew) against `model.fit(epochs=1,
shuffle=False)` of the hand-written Sequential model. Dropout is on in both, so the two sides do
the same work but not the same arithmetic; both start from the same weights and keep training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import modelspec
from bench import references as ref
from bench.timing import Report, compare

ROOT = Path(__file__).resolve().parent.parent
SAMPLES, BATCH = 800, 32


def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(SAMPLES, 5)).astype("float32")
    label = (features @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) > 0).astype(int)
    return {"features": features, "classes": np.eye(2, dtype="float32")[label]}


def run(quick: bool) -> Report:
    import torch

    from modelspec.data import check_arrays
    from modelspec.training import batch_order, make_trainer

    torch.set_num_threads(1)
    repeats = 3 if quick else 21
    report = Report(f"Training: one epoch, seed 004 classifier, {SAMPLES} samples, batch {BATCH}")
    spec = modelspec.load(ROOT / "specs" / "sequential_classifier.yaml")
    arrays = check_arrays(spec.graph, data())
    batches = batch_order(SAMPLES, BATCH, True, np.random.default_rng(0))

    trainer = make_trainer(spec.graph, "torch")
    hand = ref.Classifier()
    ref.copy_weights(trainer.model, hand)
    report.rows.append(compare("torch: TorchTrainer epoch vs hand-written loop",
                               lambda: trainer.train_epoch(arrays, batches, lambda *a: None),
                               _torch_loop(torch, hand, arrays.x["features"], arrays.y["classes"], batches),
                               repeats=repeats, number=1, goal=1.10))  # fmt: skip
    print(report.rows[-1].row(), flush=True)

    import keras

    keras_trainer = make_trainer(spec.graph, "keras")
    model = ref.keras_classifier(keras)
    model.set_weights(keras_trainer.model.get_weights())
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"])
    order = np.concatenate(batches)
    x, y = arrays.x["features"][order], arrays.y["classes"][order]
    report.rows.append(compare("keras: KerasTrainer epoch vs model.fit",
                               lambda: keras_trainer.train_epoch(arrays, batches, lambda *a: None),
                               lambda: model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0),
                               repeats=repeats, number=1, goal=1.10))  # fmt: skip
    print(report.rows[-1].row(), flush=True)
    return report


def _torch_loop(torch, module, features, classes, batches):
    optimizer = torch.optim.Adam(module.parameters(), lr=0.001, eps=1e-7)
    x, y = torch.from_numpy(features), torch.from_numpy(classes)
    index = [torch.from_numpy(b) for b in batches]

    def epoch() -> tuple[float, float]:
        module.train()
        total = correct = 0.0
        for i in index:
            p = module(x[i])
            loss = -(y[i] * p.clamp(1e-7, 1 - 1e-7).log()).sum(-1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(i)
            correct += (p.argmax(-1) == y[i].argmax(-1)).sum().item()
        module.eval()
        return total / len(features), correct / len(features)

    return epoch
