"""The demo's real data (examples/datasets.py): bundled, split as documented, fit for the seed
specs, and trained on alike by both back ends.

The data sets ship inside vega_datasets and scikit-learn (the dev extra); the preparation runs in
a process whose sockets refuse to connect, so a download would fail the test.
"""

import subprocess
import sys

import numpy as np
import pytest

import modelspec
from modelspec.data import check_arrays, read_npz

from .conftest import ROOT

pytest.importorskip("sklearn", reason="the demo's data needs the dev extra (scikit-learn)")
pytest.importorskip("vega_datasets", reason="the demo's data needs the dev extra (vega_datasets)")
from examples import datasets  # noqa: E402

SPECS = {"stock": "stock_lstm", "classifier": "sequential_classifier"}

NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("the network is refused in this test")
socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
from examples import datasets
sys.exit(datasets.main([sys.argv[1]]))
"""


@pytest.fixture(scope="module")
def stock():
    return datasets.stock_windows()


@pytest.fixture(scope="module")
def classifier():
    return datasets.breast_cancer()


def test_both_data_sets_are_written_with_the_network_refused_and_fit_their_specs(tmp_path):
    done = subprocess.run([sys.executable, "-c", NO_NETWORK, str(tmp_path)], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for stem, name in SPECS.items():
        graph = modelspec.load(ROOT / "specs" / f"{name}.yaml").graph
        for part in ("train", "val", "test"):
            path = tmp_path / f"{stem}_{part}.npz"
            assert str(path) in done.stdout
            check_arrays(graph, read_npz(path))  # a DataError naming the array otherwise


def test_stock_windows_are_ten_closes_relative_to_the_last_and_split_by_month(stock):
    sizes = [len(part["price"]) for _, part in stock.items()]
    # By target month, for all five tickers alike: to 2006 (74 months; GOOG's 19), 2007 to June
    # 2008 (18 each), July 2008 to March 2010 (21 each); 510 windows in all.
    assert sizes == [4 * 74 + 19, 5 * 18, 5 * 21]
    for _, part in stock.items():
        assert part["prices"].shape[1:] == (10, 1) and part["prices"].dtype == np.float32
        np.testing.assert_array_equal(part["prices"][:, -1, 0], 1.0)
        np.testing.assert_array_equal(part["direction"], part["price"] > 1.0)


def test_breast_cancer_is_stratified_seeded_disjoint_and_standardised_on_train(classifier):
    parts = [part for _, part in classifier.items()]
    assert [len(p["classes"]) for p in parts] == [341, 114, 114]
    for p in parts:
        assert p["features"].shape[1:] == (5,) and p["classes"].shape[1:] == (2,)
        assert abs(p["classes"][:, 0].mean() - 212 / 569) < 0.01  # malignant: 37% of every split
    rows = [tuple(r) for p in parts for r in p["features"]]
    assert len(set(rows)) == 569  # every sample in exactly one split
    np.testing.assert_allclose(classifier.train["features"].mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(classifier.train["features"].std(0), 1, atol=1e-5)
    assert abs(classifier.test["features"].mean(0)).max() > 1e-3  # fitted on train alone
    again, other = datasets.breast_cancer(seed=0), datasets.breast_cancer(seed=1)
    np.testing.assert_array_equal(again.test["features"], classifier.test["features"])
    assert not np.array_equal(other.test["features"], classifier.test["features"])


@pytest.mark.keras
@pytest.mark.torch
def test_both_back_ends_train_on_the_real_stock_data_alike_and_agree_on_the_test_split(stock, tmp_path):
    """From the same weights, one epoch (ten steps) on the training split, validated on the
    validation split (`train --val-data`), gives one history on both back ends, and their saved
    files one test evaluation (`modelspec evaluate`)."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    spec = modelspec.load(ROOT / "specs" / "stock_lstm.yaml").with_params({"units": 8})
    model, module = spec.to_keras(compile=False), spec.to_torch()
    modelspec.transfer_weights(model, module)
    quiet = dict(epochs=1, progress=False, echo=lambda line: None)
    runs = {b: spec.train(stock.train, b, model=m, val_data=stock.validation, **quiet)
            for b, m in (("keras", model), ("torch", module))}  # fmt: skip
    for k, t in zip(runs["keras"].history, runs["torch"].history):
        assert list(k) == list(t) and "val_price_loss" in k
        np.testing.assert_allclose(list(t.values()), list(k.values()), rtol=1e-4, atol=1e-5)
    assert runs["keras"].evaluated_on == runs["torch"].evaluated_on == "validation data"
    figures = {}
    for backend, suffix in (("keras", ".keras"), ("torch", ".pt")):
        runs[backend].save(tmp_path / f"stock{suffix}")
        figures[backend] = modelspec.evaluate(tmp_path / f"stock{suffix}", stock.test)
    assert list(figures["keras"]) == list(figures["torch"]) == [
        "loss", "price_loss", "direction_loss", "direction_accuracy"]  # fmt: skip
    np.testing.assert_allclose(list(figures["torch"].values()), list(figures["keras"].values()), rtol=1e-4)
