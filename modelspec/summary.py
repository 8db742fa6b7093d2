"""`spec.summary()`: Keras' `model.summary()` figures, computed from the graph with no framework."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .console import text_table
from .graph import Graph
from .layers.base import format_shape


@dataclass(frozen=True)
class Row:
    """One row of the table: a node (or an input), Keras' output shape with the batch as None
    (a node of several outputs: the list of their shapes, as Keras shows it, and `outputs`,
    each output's tensor name and shape), its parameters (counted at the node that owns them)
    and the tensors it reads.
    """

    name: str
    kind: str
    output_shape: str  # Keras style, batch shown as None
    dtype: str
    params: int  # counted once, at the node that owns the weights
    connected_to: list[str]
    shares: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # tensor -> shape, for several outputs


@dataclass(frozen=True, repr=False)
class Summary:
    """Keras' `model.summary()` of a graph: the rows and the parameter counts. `str()` and
    `repr()` are the table (as Python's prompt and IPython's show it), `_repr_html_` the same
    table for a notebook."""

    name: str
    rows: list[Row]
    outputs: list[str]
    trainable_params: int
    non_trainable_params: int

    @property
    def total_params(self) -> int:
        """Trainable plus non-trainable parameters."""
        return self.trainable_params + self.non_trainable_params

    @classmethod
    def of(cls, graph: Graph) -> Summary:
        """The summary of `graph`: its inputs as InputLayer rows, then one row per node."""
        rows = [
            Row(name, "InputLayer", format_shape(t.shape, batch=True), t.dtype, 0, [])
            for name, t in graph.inputs.items()
        ]
        for node in graph.nodes:
            types = {
                node.name: node.output,
                **{f"{node.name}.{k}": t for k, t in node.extra_outputs.items()},
            }
            tensors = {name: format_shape(t.shape, batch=True) for name, t in types.items()}
            shape = tensors[node.name] if len(tensors) == 1 else f"[{', '.join(tensors.values())}]"
            dtype = node.output.dtype
            shares = node.layer_name if node.shared else None
            outputs = tensors if len(tensors) > 1 else {}
            rows.append(
                Row(node.name, node.kind, shape, dtype, node.params, node.reads, shares, outputs)
            )
        return cls(
            graph.name,
            rows,
            list(graph.outputs),
            graph.trainable_params,
            graph.non_trainable_params,
        )

    def to_dict(self) -> dict:
        """The summary as plain data, `total_params` included (`modelspec summary --json`)."""
        out = asdict(self)
        out["total_params"] = self.total_params
        return out

    def __str__(self) -> str:
        header = ("Layer (type)", "Output Shape", "Param #", "Connected to")
        body = [
            (
                f"{r.name} ({r.kind})",
                r.output_shape,
                f"{r.params:,}" if not r.shares else f"0 (shares {r.shares})",
                ", ".join(r.connected_to) or "-",
            )
            for r in self.rows
        ]
        lines = [f'Model: "{self.name}"', text_table(header, body, "<<><", boxed=True)]
        lines += [
            f" Total params: {self.total_params:,}",
            f" Trainable params: {self.trainable_params:,}",
            f" Non-trainable params: {self.non_trainable_params:,}",
            f" Outputs: {', '.join(self.outputs)}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        """The table in a notebook: preformatted, so its columns line up as on a terminal."""
        import html

        return f"<pre>{html.escape(str(self))}</pre>"
