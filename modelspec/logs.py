"""What the core's training loop and every back end's trainer share: the names figures are
reported by (Keras' names) and the progress callback; nothing here imports a framework or a
back end."""

from __future__ import annotations

from collections.abc import Callable

from .graph import Graph

OnBatch = Callable[[int, float], None]  # called after each batch: (batches done, running loss)


def log_names(graph: Graph) -> list[str]:
    """The names an epoch's figures go by (Keras' names), without the `val_` twins: `loss`, each
    output's `{output}_loss` when there are several, then each metric (`{output}_{metric}` when
    there are several outputs), in the training plan's output order. `DataError` without a plan."""
    plan = graph.training_plan()
    several = len(plan.outputs) > 1
    names = ["loss"] + [f"{o.name}_loss" for o in plan.outputs if several]
    for output, metric in plan.metric_pairs:
        names.append(f"{output}_{metric}" if several else metric)
    return names
