"""modelspec: describe a neural network once, as a typed YAML graph; check it, infer its shapes,
draw it, and compile it to Keras 3 or PyTorch.

    >>> import modelspec
    >>> spec = modelspec.load("specs/stock_lstm.yaml")
    >>> print(spec.summary())

This package never imports TensorFlow, Keras or PyTorch; `modelspec.backends` does, lazily.
"""

from .errors import Location, Problem, SpecError
from .graph import Graph, Node, TensorType
from .spec import Analysis, Spec, analyse, load, loads

__version__ = "0.1.0"
__all__ = [
    "Analysis", "Graph", "Location", "Node", "Problem", "Spec", "SpecError", "TensorType",
    "analyse", "load", "loads",
]  # fmt: skip
