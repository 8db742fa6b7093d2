"""torch itself, imported once for the back end (`MissingFramework` names the extra when absent)."""

from __future__ import annotations

from .. import import_framework

torch = import_framework("torch")
nn = torch.nn
F = torch.nn.functional
fx = torch.fx

__all__ = ["F", "fx", "nn", "torch"]
