"""Importing published models: Keras model -> spec, and the imported spec built by each back end.

For ResNet50 and DenseNet121 (`keras.applications`, `weights=None`, 32x32 inputs): the import of
the model's config (`modelspec.keras_import.import_config`: walk, validate, infer) against Keras'
own reconstruction from that config (`keras.Model.from_config`; each side gets a fresh copy,
since Keras' changes it); then the imported spec built
as a Keras model and as a torch module, each against Keras' own construction of the same model
(`keras.applications.ResNet50(...)`), the reference the issue names.
"""

from __future__ import annotations

import copy
import gc
import os

from bench.timing import Report, compare

MODELS = ["ResNet50", "DenseNet121"]


def run(quick: bool) -> Report:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import torch

    from modelspec.keras_import import import_config

    torch.set_num_threads(1)
    repeats = 3 if quick else 7
    report = Report(f"Import (Keras {keras.__version__}; torch on {torch.get_num_threads()} thread)")
    gc.collect()
    for name in MODELS:
        build = getattr(keras.applications, name)

        def construct(build=build):
            keras.backend.clear_session()
            return build(weights=None, input_shape=(32, 32, 3), classes=10)

        def to_keras(spec):
            keras.backend.clear_session()  # as `construct` does, so both start alike
            return spec.to_keras(compile=False)

        model = construct()
        config = {"class_name": "Functional", "config": model.get_config()}
        spec, _ = import_config(config)
        assert spec.graph.params == model.count_params(), name
        rows = [
            compare(f"{name}: import its config -> spec vs keras.Model.from_config",
                    lambda: import_config(copy.deepcopy(config)),
                    lambda: keras.Model.from_config(copy.deepcopy(config["config"])),
                    repeats=repeats, goal=None, number=1, warmup=1, gc_off=False, collect=True),
            compare(f"{name}: imported spec -> keras.Model vs keras.applications.{name}",
                    lambda: to_keras(spec), construct,
                    repeats=repeats, goal=1.10, number=1, warmup=1, gc_off=False, collect=True),
            compare(f"{name}: imported spec -> torch module vs keras.applications.{name}",
                    lambda: spec.to_torch(), construct,
                    repeats=repeats, goal=None, number=1, warmup=1, gc_off=False, collect=True),
        ]  # fmt: skip
        for row in rows:
            report.rows.append(row)
            print(row.row(), flush=True)
    report.notes.append(
        "Keras' construction of an application also builds its weights, as `to_keras` and "
        "`to_torch` do; the import row times what `modelspec import` does without weights."
    )
    return report
