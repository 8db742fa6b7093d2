"""Real data for the two seed models, split into train / validation / test, as `.npz` files.

Both sets ship inside installed packages, so nothing is downloaded (`vega_datasets.local_data`
reads the package's own CSV and has no network path; scikit-learn's `load_breast_cancer` reads
its bundled CSV). Arrays are named after the specs' inputs and outputs, so each file is what
`modelspec train SPEC --data FILE` takes:

    stock_lstm (specs/stock_lstm.yaml, seed 000)
        prices     (N, 10, 1) float32  ten consecutive monthly closes of one ticker
        price      (N,)       float32  the next month's close
        direction  (N,)       float32  1.0 when that close is above the window's last close
    sequential_classifier (specs/sequential_classifier.yaml, seed 004)
        features   (N, 5)     float32  five of the 30 breast-cancer features, standardised
        classes    (N, 2)     float32  one-hot: [1, 0] malignant, [0, 1] benign (scikit-learn's ids)

    python -m examples.datasets out/     # out/stock_{train,val,test}.npz, out/classifier_*.npz
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from modelspec.files import write_atomic

Arrays = dict[str, np.ndarray]

WINDOW = 10  # seed 000's input: shape (10, 1)
VALIDATION_FROM, TEST_FROM = np.datetime64("2007-01-01"), np.datetime64("2008-07-01")

# The data set's UCI description names worst area, worst smoothness and mean texture as the
# space of its best separating plane; forward selection (scikit-learn's
# SequentialFeatureSelector: logistic regression, 5-fold cross-validation on a stratified 80%
# training split, seed 0) adds mean concavity and worst concave points to those three as its
# best five (98.0% cross-validated accuracy; the five highest univariate F scores, all of size
# and concave points, which say much the same thing: 94.7%).
FEATURES = ("mean texture", "worst area", "worst smoothness", "mean concavity", "worst concave points")  # fmt: skip


@dataclass
class Splits:
    """A data set split three ways, each split a dict of arrays named as the spec's inputs and
    outputs; `notes` says how it was made, one line per item, for printing."""

    train: Arrays
    validation: Arrays
    test: Arrays
    notes: list[str] = field(default_factory=list)

    def items(self) -> list[tuple[str, Arrays]]:
        """(file suffix, arrays) of each split: train, val, test."""
        return [("train", self.train), ("val", self.validation), ("test", self.test)]


def stock_windows() -> Splits:
    """Seed 000's data from `vega_datasets.local_data.stocks()`: the monthly closes of AAPL,
    AMZN, GOOG, IBM and MSFT, January 2000 (GOOG: August 2004) to March 2010, 560 rows.

    Each ticker's series is cut into every window of 10 consecutive closes; the target is the
    close that follows (510 windows). Each window and its target are divided by the window's
    last close, so all tickers and years are on one scale (about 1.0) and nothing is fitted on
    any split. The seed's price loss, MAPE, is unchanged by that scale (`|y - p| / |y|` is the
    same for `c*y, c*p`), so the price MAPE it reports is the MAPE of the prices in dollars.

    Split by the target's month, the same dates for every ticker (a random split would put
    months of the test period, shared by all five tickers, into training): targets before 2007
    train, 2007 to June 2008 validate, July 2008 to March 2010 test.
    """
    from vega_datasets import local_data  # the package's own CSV; `data.stocks` would download

    frame = local_data.stocks()
    windows, targets, months = [], [], []
    for _, rows in frame.sort_values(["symbol", "date"]).groupby("symbol"):
        close = rows["price"].to_numpy(dtype="float64")
        dates = rows["date"].to_numpy(dtype="datetime64[D]")
        for start in range(len(close) - WINDOW):
            last = close[start + WINDOW - 1]
            windows.append(close[start : start + WINDOW] / last)
            targets.append(close[start + WINDOW] / last)
            months.append(dates[start + WINDOW])
    prices = np.asarray(windows, dtype="float32")[..., None]
    price = np.asarray(targets, dtype="float32")
    when = np.asarray(months)
    arrays = {"prices": prices, "price": price, "direction": (price > 1.0).astype("float32")}
    parts = [
        when < VALIDATION_FROM,
        (when >= VALIDATION_FROM) & (when < TEST_FROM),
        when >= TEST_FROM,
    ]
    train, validation, test = ({k: v[part] for k, v in arrays.items()} for part in parts)
    tickers = frame["symbol"].nunique()
    sizes = [len(part["price"]) for part in (train, validation, test)]
    rises = [f"{part['direction'].mean():.0%}" for part in (train, validation, test)]
    notes = [
        (
            f"vega_datasets stocks: {len(frame)} monthly closes of {tickers} tickers -> {len(price)} "
            f"windows of {WINDOW} closes, each divided by its last close"
        ),
        "split by the target's month: train to 2006 ({}), validation 2007 to June 2008 ({}), "
        "test July 2008 to March 2010 ({})".format(*sizes),
        "share of rises (next close above the last): train {}, validation {}, test {}".format(
            *rises
        ),
    ]
    return Splits(train, validation, test, notes)


def breast_cancer(seed: int = 0) -> Splits:
    """Seed 004's data (`input_shape=5, n_classes=2`) from scikit-learn's bundled Wisconsin
    diagnostic breast-cancer set: 569 samples, the 5 features of `FEATURES`, 2 classes.

    Stratified 60 / 20 / 20 split by `seed` (both classes in each split in the whole set's
    proportion, 37% malignant); features standardised by a `StandardScaler` fitted on the
    training split only (worst area runs to 4,254, smoothness to 0.22), as a Keras user would;
    classes one-hot, for the seed's categorical crossentropy.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer()
    names = [str(name) for name in data.feature_names]
    x = data.data[:, [names.index(name) for name in FEATURES]]
    y = data.target
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=seed
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=seed
    )
    scaler = StandardScaler().fit(x_train)

    def arrays(x: np.ndarray, y: np.ndarray) -> Arrays:
        return {
            "features": scaler.transform(x).astype("float32"),
            "classes": np.eye(2, dtype="float32")[y],
        }

    splits = (y_train, y_val, y_test)
    sizes = " / ".join(f"{len(part)} ({(part == 0).mean():.0%} malignant)" for part in splits)
    notes = [
        f"scikit-learn breast cancer: {len(y)} samples, features {', '.join(FEATURES)}",
        (
            f"stratified split (seed {seed}), train / validation / test: {sizes}; standardised on "
            "the training split"
        ),
    ]
    return Splits(arrays(x_train, y_train), arrays(x_val, y_val), arrays(x_test, y_test), notes)


def write(splits: Splits, folder: str | Path, stem: str) -> dict[str, Path]:
    """Write `FOLDER/STEM_train.npz`, `_val.npz` and `_test.npz` (atomically: a reader sees a
    whole file or none); return split -> path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for part, arrays in splits.items():
        path = folder / f"{stem}_{part}.npz"
        write_atomic(path, partial(_savez, arrays=arrays))
        paths[part] = path
    return paths


def _savez(path: str, arrays: Arrays) -> None:
    # numpy's stubs type **kwds as bool, after its keyword allow_pickle
    np.savez(path, **arrays)  # type: ignore[arg-type]


def write_all(folder: str | Path) -> dict[str, dict[str, Path]]:
    """Both data sets into `folder`: {"stock": paths, "classifier": paths} (see `write`)."""
    return {
        "stock": write(stock_windows(), folder, "stock"),
        "classifier": write(breast_cancer(), folder, "classifier"),
    }


def main(argv: list[str]) -> int:
    """`python -m examples.datasets [FOLDER]` (default out/): write both data sets there."""
    folder = Path(argv[0]) if argv else Path("out")
    for paths in write_all(folder).values():
        print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
