"""The names training reports its figures by (Keras' names), shared by the core's loop and
every back end's trainer; nothing here imports a framework or a back end."""

from __future__ import annotations

from .graph import Graph


def log_names(graph: Graph) -> list[str]:
    """The names an epoch's figures go by (Keras' names), without the `val_` twins."""
    several = len(graph.outputs) > 1
    names = ["loss"] + [f"{o}_loss" for o in graph.outputs if several]
    for output, metric in metric_pairs(graph):
        names.append(f"{output}_{metric}" if several else metric)
    return names


def metric_pairs(graph: Graph) -> list[tuple[str, str]]:
    """(output, metric name as written) for every metric, in output order."""
    metrics = graph.training.metrics
    if isinstance(metrics, dict):
        return [(o, m) for o in graph.outputs for m in metrics.get(o, [])]
    return [(o, m) for o in graph.outputs for m in metrics]
