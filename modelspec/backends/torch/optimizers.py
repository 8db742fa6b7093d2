"""Keras 3's optimizers as `torch.optim.Optimizer`s: the same update, step for step.

torch's own optimizers differ from Keras' in small ways that add up: Adam's epsilon is scaled by
the bias correction in torch and not in Keras, RMSprop takes the square root after adding
epsilon in Keras and before in torch, and Keras applies AdamW's decay with the learning rate
before the update. Each class here writes Keras' `update_step` (keras/src/optimizers/*.py) with
torch tensors; `OPTIMIZERS` maps the spec's `optimizer.type` to its class.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from typing_extensions import override

from .runtime import torch

OPTIMIZERS: dict[str, type[KerasOptimizer]] = {}


def register(name: str) -> Callable[[type], type]:
    """Decorator: register an optimizer class in `OPTIMIZERS` under the spec's `optimizer.type`."""

    def decorate(cls: type) -> type:
        OPTIMIZERS[name] = cls
        return cls

    return decorate


def make_optimizer(config: Any, params: Any) -> KerasOptimizer:
    """The optimizer of a spec's `training.optimizer` section over `params`."""
    options = config.model_dump(exclude={"type"})
    return OPTIMIZERS[config.type](params, **options)


class KerasOptimizer(torch.optim.Optimizer):
    """One step: weight decay (if any) on every parameter that has a gradient, then the update.

    `iterations` counts steps as Keras' `optimizer.iterations` does (shared by all parameters).
    `squared_gradients` holds, for an Embedding's table, the per-row sum of each lookup's squared
    gradient (`track_embedding`): Keras on TensorFlow gets an embedding's gradient as
    `IndexedSlices`, one slice per lookup, and squares the slices before summing them, so a token
    seen twice in a batch adds g1^2 + g2^2 to Adam's and RMSprop's second moments, not (g1 + g2)^2.
    """

    def __init__(
        self, params: Any, learning_rate: float, weight_decay: float | None = None, **options: Any
    ):
        super().__init__(params, dict(lr=learning_rate, weight_decay=weight_decay, **options))
        self.iterations = 0
        self.squared_gradients: dict[Any, Any] = {}

    @override
    def state_dict(self) -> dict[str, Any]:
        """torch's `state_dict` (each parameter's moments, the hyperparameters) and Keras'
        `iterations`, which Adam's bias corrections read: a resumed run continues the count."""
        return {**super().state_dict(), "iterations": self.iterations}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """What `state_dict` gave: the moments, the hyperparameters and `iterations`."""
        state = dict(state_dict)
        self.iterations = int(state.pop("iterations", 0))
        super().load_state_dict(state)

    def square(self, p: Any, g: Any) -> Any:
        """The gradient squared as Keras squares it (per lookup for an embedding table)."""
        squared = self.squared_gradients.pop(p, None)
        return g.square() if squared is None else squared

    def track_embedding(self, embedding: Any) -> Any:
        """Record the per-lookup squared gradients of an `nn.Embedding`'s table; returns the hook handle."""

        def forward_hook(module: Any, inputs: tuple, output: Any) -> None:
            if not output.requires_grad:
                return
            ids = inputs[0].reshape(-1).long()

            def on_gradient(grad: Any) -> None:
                rows = grad.reshape(-1, grad.shape[-1]).square()
                table = self.squared_gradients.get(module.weight)
                if table is None:
                    table = self.squared_gradients[module.weight] = torch.zeros_like(module.weight)
                table.index_add_(0, ids, rows)  # a shared table sums over all its lookups

            output.register_hook(on_gradient)

        return embedding.register_forward_hook(forward_hook)

    @override
    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        self.iterations += 1
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if group["weight_decay"]:
                    p.sub_(p * group["weight_decay"] * group["lr"])
                self.update(p, p.grad, self.state[p], group)

    def zeros(self, state: dict, name: str, like: Any) -> Any:
        """The state tensor `name` of a parameter, created as zeros like `like` on first use."""
        if name not in state:
            state[name] = torch.zeros_like(like, memory_format=torch.preserve_format)
        return state[name]

    def update(self, p: Any, g: Any, state: dict, group: dict) -> None:
        """Keras' `update_step` for one parameter `p` with gradient `g` (weight decay already applied)."""
        raise NotImplementedError


@register("sgd")
class SGD(KerasOptimizer):
    """Keras' SGD: `p -= lr * g`; with momentum `m = momentum * m - lr * g`, `p += m`
    (nesterov: `p += momentum * m - lr * g`).
    """

    def __init__(
        self,
        params: Any,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
    ):
        super().__init__(params, learning_rate, momentum=momentum, nesterov=nesterov)

    @override
    def update(self, p: Any, g: Any, state: dict, group: dict) -> None:
        lr, momentum = group["lr"], group["momentum"]
        if not momentum:
            p.sub_(g * lr)
            return
        m = self.zeros(state, "momentum", p)
        m.copy_(m * momentum - g * lr)
        p.add_(m * momentum - g * lr if group["nesterov"] else m)


@register("adam")
class Adam(KerasOptimizer):
    """Keras' Adam: the step, not epsilon, scaled by the bias corrections
    (`lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`), optionally AMSGrad.
    """

    def __init__(
        self,
        params: Any,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
    ):
        super().__init__(
            params,
            learning_rate,
            weight_decay,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
        )

    @override
    def update(self, p: Any, g: Any, state: dict, group: dict) -> None:
        b1, b2, t = group["beta_1"], group["beta_2"], self.iterations
        # Keras scales the step, not epsilon, by the bias corrections
        alpha = group["lr"] * math.sqrt(1 - b2**t) / (1 - b1**t)
        m, v = self.zeros(state, "momentum", p), self.zeros(state, "velocity", p)
        m.add_((g - m) * (1 - b1))
        v.add_((self.square(p, g) - v) * (1 - b2))
        if group["amsgrad"]:
            v_hat = self.zeros(state, "velocity_hat", p)
            torch.maximum(v_hat, v, out=v_hat)
            v = v_hat
        p.sub_((m * alpha) / (v.sqrt() + group["epsilon"]))


@register("adamw")
class AdamW(Adam):
    """Keras' AdamW: Adam with decoupled weight decay (`p -= p * weight_decay * lr` before the
    update), weight_decay 0.004 by default.
    """

    def __init__(
        self,
        params: Any,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
    ):
        super().__init__(
            params, learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay
        )


@register("rmsprop")
class RMSprop(KerasOptimizer):
    """Keras' RMSprop: epsilon added inside the square root, optionally centered and with momentum."""

    def __init__(
        self,
        params: Any,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
    ):
        super().__init__(
            params, learning_rate, rho=rho, momentum=momentum, epsilon=epsilon, centered=centered
        )

    @override
    def update(self, p: Any, g: Any, state: dict, group: dict) -> None:
        rho, eps = group["rho"], group["epsilon"]
        velocity = self.zeros(state, "velocity", p)
        velocity.copy_(rho * velocity + (1 - rho) * self.square(p, g))
        if group["centered"]:
            average = self.zeros(state, "average_gradient", p)
            average.copy_(rho * average + (1 - rho) * g)
            denominator = velocity - average.square() + eps
        else:
            denominator = velocity + eps
        increment = group["lr"] * g / denominator.sqrt()  # epsilon inside the root, as Keras
        if group["momentum"] > 0:
            m = self.zeros(state, "momentum", p)
            m.copy_(group["momentum"] * m + increment)
            p.sub_(m)
        else:
            p.sub_(increment)
