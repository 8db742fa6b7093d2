"""torch itself, imported once for the back end (`MissingFramework` names the extra when absent).

Type checkers see the real modules (`follow_imports = "skip"` in pyproject.toml makes them `Any`
to mypy, so checking modelspec does not type-check torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import fx, nn
    from torch.nn import functional as F
else:
    from .. import import_framework

    torch = import_framework("torch")
    nn = torch.nn
    F = torch.nn.functional
    fx = torch.fx

__all__ = ["F", "fx", "nn", "torch"]
