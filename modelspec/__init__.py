"""modelspec: describe a neural network once, as a typed YAML graph; check it, infer its shapes,
draw it, and compile it to Keras 3 or PyTorch.

    >>> import modelspec
    >>> spec = modelspec.load("specs/stock_lstm.yaml")
    >>> print(spec.summary())

This package never imports TensorFlow, Keras or PyTorch; `modelspec.backends` does, lazily.
"""

from .backends import BackendError, MissingFramework
from .backends.transfer import transfer_weights
from .errors import DataError, Location, Problem, SpecError
from .graph import Graph, Node, TensorType
from .spec import Analysis, Spec, analyse, load, loads

__version__ = "0.1.0"


def load_torch(path):
    """The torch module saved by `modelspec compile --backend torch`: rebuilt from the spec
    inside the file, with its weights."""
    from .backends.torch import load_torch as load

    return load(path)


__all__ = [
    "Analysis", "BackendError", "DataError", "Graph", "Location", "MissingFramework", "Node", "Problem", "Spec",
    "SpecError", "TensorType",
    "analyse", "load", "load_torch", "loads", "transfer_weights",
]  # fmt: skip
