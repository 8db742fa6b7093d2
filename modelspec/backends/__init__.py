"""Back ends: the complete graph lowered to a framework, one lowering per layer kind.

Each back end keeps a table from layer class to lowering (`lowerings.Lowerings`), filled with a
decorator, and a builder that walks the graph once and looks lowerings up (as JAX registers one
lowering per primitive per platform).
Frameworks are imported lazily, only when a back end is used; the table of back ends (name,
suffixes, extra, entry points) is the core's `modelspec.registry`.
"""

from __future__ import annotations

# Moved to the core; re-exported so that `from .. import BackendError, import_framework` keeps working.
from ..errors import BackendError, MissingFramework
from ..frameworks import _muted_stderr, import_framework, tensorflow_environment
from ..registry import BACKENDS, backend

__all__ = [
    "BACKENDS",
    "BackendError",
    "MissingFramework",
    "_muted_stderr",
    "backend",
    "import_framework",
    "tensorflow_environment",
]
