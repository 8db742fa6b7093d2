"""Keras' regularization losses and weight constraints, for a module `to_torch` built.

The core's weights carry their regularizer and constraint (`Weight.regularizer`,
`Weight.constraint`, from the layers' `*_regularizer` / `*_constraint` arguments). Both are
defined on the weight in Keras' layout (a constraint's `axis` is an axis of that layout), so
each is applied to the Keras view of the submodule's parameters that the layer's lowering
gives (`Lowering.to_keras`, made of differentiable tensor operations), and a constrained
weight goes back through `Lowering.to_torch`:

- a weight regularizer adds `l1 * sum(|w|) + l2 * sum(w ** 2)` to the loss, once per layer
  instance (a shared layer's weights once), as Keras sums `model.losses`;
- an activity regularizer adds the same of a node's output divided by the batch size, at every
  node that applies the layer, and of each of its outputs when it has several (a recurrent
  layer's states: Keras 3's `Layer.__call__` regularizes every tensor the call returns);
- a constraint replaces the weight by its projection after every optimizer step (Keras'
  `BaseOptimizer.apply`), with Keras' epsilon 1e-7.
"""

from __future__ import annotations

from typing import Any

from ...graph import Graph
from ...layers.base import Constraint, Regularizer
from ...layers.options import regularizer
from .runtime import torch
from .weights import lowering, submodule

EPSILON = 1e-7  # keras.backend.epsilon()


def penalty(regularizer: Regularizer, x: Any) -> Any:
    """`l1 * sum(|x|) + l2 * sum(x ** 2)`, Keras' L1, L2 and L1L2."""
    out = x.new_zeros(())
    if regularizer.l1:
        out = out + regularizer.l1 * x.abs().sum()
    if regularizer.l2:
        out = out + regularizer.l2 * x.square().sum()
    return out


def project(constraint: Constraint, w: Any) -> Any:
    """Keras' constraint `constraint` applied to `w` (Keras' layout)."""
    args = constraint.kwargs
    if constraint.name == "non_neg":
        return w.clamp(min=0)
    axis = args["axis"]
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    norms = w.square().sum(dim=dims, keepdim=True).sqrt()
    if constraint.name == "unit_norm":
        return w / (EPSILON + norms)
    if constraint.name == "max_norm":
        desired = norms.clamp(0, args["max_value"])
    else:  # min_max_norm
        clipped = norms.clamp(args["min_value"], args["max_value"])
        desired = args["rate"] * clipped + (1 - args["rate"]) * norms
    return w * (desired / (EPSILON + norms))


class Penalties:
    """What the graph's regularizers add to a step's loss and what its constraints do after it."""

    def __init__(self, graph: Graph, module: Any) -> None:
        self.module = module
        self.regularized: dict[str, dict[str, Regularizer]] = {}
        self.constrained: dict[str, dict[str, Constraint]] = {}
        for node in graph.nodes:
            for name, w in node.weights.items():  # the owner's only: shared nodes have none
                if w.regularizer is not None:
                    self.regularized.setdefault(node.layer_name, {})[name] = w.regularizer
                if w.constraint is not None:
                    self.constrained.setdefault(node.layer_name, {})[name] = w.constraint
        self.activity = {  # Keras regularizes each output of a layer of several (its states)
            tensor: reg
            for node in graph.nodes
            if (reg := _activity(node.layer)) is not None
            for tensor in node.tensors
        }

    @property
    def activity_nodes(self) -> tuple[str, ...]:
        """The tensors an activity regularizer reads, every output of its node (for
        `training_view`)."""
        return tuple(self.activity)

    def loss(self, values: tuple[Any, ...], batch_size: float | None = None) -> Any:
        """The regularization loss: the weights' terms and those of `values` (the outputs of
        `activity_nodes`, in that order), each divided by `batch_size` (default its own first
        dimension; a process of a distributed run divides its part of the batch by the whole
        batch's size); a zero tensor when there are none."""
        total = torch.zeros(())
        for layer, regularizers in self.regularized.items():
            view = self._keras_view(layer)
            for name, reg in regularizers.items():
                total = total + penalty(reg, view[name])
        for value, reg in zip(values, self.activity.values()):
            total = total + penalty(reg, value) / (batch_size or value.shape[0])
        return total

    @torch.no_grad()
    def constrain(self) -> None:
        """Project every constrained weight, in place (after an optimizer step)."""
        for layer, constraints in self.constrained.items():
            view = self._keras_view(layer)
            view.update({name: project(c, view[name]) for name, c in constraints.items()})
            state = submodule(self.module, layer).state_dict(keep_vars=True)
            for key, value in lowering(self.module, layer).to_torch(view).items():
                state[key].copy_(value)

    def _keras_view(self, layer: str) -> dict[str, Any]:
        params = submodule(self.module, layer).state_dict(keep_vars=True)
        return lowering(self.module, layer).to_keras(params)


def _activity(layer: Any) -> Regularizer | None:
    return regularizer(getattr(layer, "activity_regularizer", None))
