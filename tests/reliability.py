"""Helpers of the reliability tests (issue 17): a spec run by both back ends, and saved and
loaded by each."""

import textwrap

import pytest

import modelspec


def both_back_ends_run(text: str) -> modelspec.Spec:
    """The spec of `text`, built by both back ends, run on the same inputs, and found equal."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    from modelspec.backends.check import check

    spec = modelspec.loads(textwrap.dedent(text), "spec.yaml")
    report = check(spec)
    assert report.ok, str(report)
    return spec


def saved_and_loaded(spec: modelspec.Spec, folder) -> None:
    """`compile` writes the spec's model with each back end, and each file loads back."""
    import keras

    from modelspec.backends.torch import load_torch
    from modelspec.cli import main

    source = folder / "spec.yaml"
    source.write_text(spec.to_yaml())
    assert main(["compile", str(source), "--backend", "torch", "-o", str(folder / "m.pt")]) == 0
    assert main(["compile", str(source), "--backend", "keras", "-o", str(folder / "m.keras")]) == 0
    load_torch(folder / "m.pt")
    keras.saving.load_model(folder / "m.keras")
