"""Diagrams of a spec: the graph IR drawn with graphviz, with no framework imported.

`render_graph` turns a graph, valid or not, into a `graphviz.Digraph`: one box per node with its
name, kind, arguments, shapes, dtype and parameter count (what Keras' `plot_model` shows),
inputs and outputs marked, shared layers tied together, blocks as clusters with their repeat
count (or collapsed to one box per instance), and each edge labelled with the shape it carries.
Problems are drawn where they are: their nodes in red with the message, the rest under the
title. `write` saves a diagram as svg, png, pdf (these need Graphviz's `dot`) or dot source.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz

from .analysis import analyse
from .errors import Problem, RenderError
from .files import write_atomic
from .graph import DraftGraph, DraftNode, Graph, Scope, TensorType, producer
from .layers.base import format_shape
from .limits import no_gc_pauses
from .yamlio import Document

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
INSTALL_HINT = (
    "writing {fmt} needs Graphviz's `dot` program, which is not on PATH. Install the `graphviz` "
    "package (Debian/Ubuntu: `sudo apt-get install graphviz`; Homebrew: `brew install graphviz`; "
    "conda: `conda install graphviz`), or write the diagram as .dot, which needs no dot."
)
LARGE = 200  # nodes; above this dot's x-placement is bounded: ~1 s instead of ~30 s at 1,000
FONT = "Helvetica,Arial,sans-serif"
SHARED = "\u21c4"  # ⇄ marks every node of a shared layer
RED, ORANGE, GREY = "#c62828", "#e65100", "#607d8b"
FAMILIES = [  # (pattern on the kind, fill, border): the first match colours a node
    (r"Input", "#e8f5e9", "#2e7d32"),
    (r"LSTM|GRU|RNN|Bidirectional|TimeDistributed", "#f3e5f5", "#7b1fa2"),
    (r"Conv|Pool|UpSampling|ZeroPadding|Cropping", "#fff3e0", "#ef6c00"),
    (r"Embedding", "#e0f2f1", "#00695c"),
    (r"Attention", "#fce4ec", "#ad1457"),
    (r"Norm|Dropout|Noise|Regulari", "#eceff1", "#546e7a"),
    (r"^(Add|Subtract|Multiply|Average|Maximum|Minimum|Concatenate|Dot)$", "#fffde7", "#f9a825"),
    (r"Flatten|Reshape|Permute|Repeat|Squeeze|Cast", "#efebe9", "#6d4c41"),
    (r"Dense|Activation|ReLU|Softmax", "#e3f2fd", "#1565c0"),
]
PLAIN, BLOCK, ERROR = ("#fafafa", "#424242"), ("#ede7f6", "#4527a0"), ("#ffebee", RED)
SHARE_PALETTE = ["#d81b60", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41"]
_FAMILIES = [(re.compile(p), fill, line) for p, fill, line in FAMILIES]


def render_graph(
    graph: Graph | DraftGraph,
    problems: Iterable[Problem] | None = None,
    *,
    rankdir: str = "TB",
    collapse_blocks: bool = False,
    show_shapes: bool = True,
    show_dtypes: bool = True,
) -> graphviz.Digraph:
    """The diagram of `graph`: a spec's complete graph (`spec.graph`) or the draft of a broken
    one (`modelspec.analyse(doc).graph`), drawn as far as it resolved.

    `problems` (default: a draft's own) are drawn at the nodes they concern, the others under
    the title. `rankdir`: "TB" (top to bottom) or "LR" (or "BT", "RL"). `collapse_blocks` draws
    each block instance as one box instead of a cluster of its layers.
    """
    if problems is None:
        problems = graph.problems if isinstance(graph, DraftGraph) else []
    drawing = _Drawing(graph, problems, rankdir, collapse_blocks, show_shapes, show_dtypes)
    with no_gc_pauses():
        return drawing.draw()


class _Drawing:
    def __init__(
        self,
        graph: Graph | DraftGraph,
        problems: Iterable[Problem],
        rankdir: str,
        collapse: bool,
        shapes: bool,
        dtypes: bool,
        written: Any = None,
    ):
        if rankdir not in ("TB", "LR", "BT", "RL"):
            raise ValueError(f"rankdir must be 'TB' or 'LR' (or 'BT', 'RL'), got {rankdir!r}")
        self.graph, self.rankdir, self.collapse = graph, rankdir, collapse
        self.shapes, self.dtypes = shapes, dtypes
        # node -> its first place among the outputs (a node may give several: `enc.state_h`)
        self.outputs = {producer(t): i for i, t in reversed(list(enumerate(graph.outputs)))}
        self.consumers = graph.consumers()
        shared = sorted({n.layer_name for n in graph.nodes if n.shared})
        self.share_colour = {name: SHARE_PALETTE[i % 7] for i, name in enumerate(shared)}
        self.by_path: dict[tuple, list[str]] = {}
        for node in graph.nodes:
            self.by_path.setdefault(tuple(node.path), []).append(node.name)
        self.at_node = {
            n.name: list(n.problems) if isinstance(n, DraftNode) else [] for n in graph.nodes
        }
        self.at_block: dict[str, list[Problem]] = {}
        self.loose: list[Problem] = []  # problems no node or block is drawn for
        # "ghosts": nodes as written that are not in the graph (invalid, or behind an invalid one)
        self.ghosts: dict[tuple, list[Problem]] = {}  # path -> its problems
        self.ghost_info: dict[tuple, tuple[str, str, list[str]]] = {}  # path -> (id, kind, reads)
        self.place(problems)
        self.add_unresolved(written)

    def place(self, problems: Iterable[Problem]) -> None:
        """Each problem goes to the nodes written at its path, else its block instance, else a
        ghost node in its place, else under the title."""
        instances = {n.scope[0].instance for n in self.graph.nodes if n.scope}
        placed = {p for ps in self.at_node.values() for p in ps}
        for problem in problems:
            path = tuple(problem.path)
            heads = (path[:k] for k in range(len(path), 0, -1))
            owners = next((self.by_path[head] for head in heads if head in self.by_path), [])
            if problem in placed:
                pass
            elif owners:
                for name in owners:
                    self.at_node[name].append(problem)
            elif path[:1] == ("inputs",) and path[1:2] and path[1] in self.graph.inputs:
                self.at_node.setdefault(path[1], []).append(problem)
            elif path[:1] == ("layers",) and path[1:2] and path[1] in instances:
                self.at_block.setdefault(path[1], []).append(problem)
            elif path[:1] in (("layers",), ("inputs",)) and path[1:2]:
                self.ghosts.setdefault(path[:2], []).append(problem)
            elif path[:1] == ("blocks",) and path[2:3] == ("layers",) and path[3:4]:
                self.ghosts.setdefault(path[:4], []).append(problem)
            else:
                self.loose.append(problem)

    def add_unresolved(self, written: Any) -> None:
        """Ghosts for the top-level nodes as written (`layers:`) that are not in the graph, wired
        to what they read, so a broken spec's picture still shows the whole model."""
        if isinstance(written, dict):
            instances = {("layers", n.scope[0].instance) for n in self.graph if n.scope}
            drawn = set(self.by_path) | instances
            for name, item in written.items():
                if ("layers", name) not in drawn and isinstance(item, dict):
                    refs = item.get("inputs")
                    if isinstance(refs, dict):  # by role: each role's tensor or tensors
                        refs = [
                            r for v in refs.values() for r in (v if isinstance(v, list) else [v])
                        ]
                    refs = [refs] if isinstance(refs, str) else refs
                    refs = refs if isinstance(refs, list) else []
                    self.add_ghost(("layers", name), item, [str(r).split(".", 1)[0] for r in refs])
        elif isinstance(written, list):  # resolution stops at the first invalid item
            broken = [p[1] for p in self.ghosts if p[0] == "layers" and isinstance(p[1], int)]
            nodes, inputs = self.graph.nodes, list(self.graph.inputs)
            previous = nodes[-1].name if nodes else inputs[0] if inputs else None
            for i in range(min(broken), len(written)) if broken else ():
                item = written[i] if isinstance(written[i], dict) else {}
                previous = self.add_ghost(("layers", i), item, [previous] if previous else [])

    def add_ghost(self, path: tuple, item: dict, reads: list[str]) -> str:
        kinds = (("type", ""), ("block", "block "), ("shares", "shares "))
        kind = next((f"{how}{item[key]}" for key, how in kinds if key in item), "")
        self.ghosts.setdefault(path, [])
        name = item.get("name") if isinstance(path[1], int) else None  # a sequential item's
        self.ghost_info[path] = (self.ghost_id(path, name), kind, reads)
        return self.ghost_info[path][0]

    def ghost_id(self, path: tuple, name: Any = None) -> str:
        if path in self.ghost_info:
            return self.ghost_info[path][0]
        if not isinstance(name, str):
            name = f"{path[1]}.{path[3]}" if path[0] == "blocks" else str(path[1])
            name = f"layers[{name}]" if isinstance(path[1], int) else name
        return f"invalid {name}" if name in self.graph.inputs or name in self.at_node else name

    # --- the picture ---------------------------------------------------------------------------
    def draw(self) -> graphviz.Digraph:
        g = graphviz.Digraph(self.graph.name, encoding="utf-8")
        g.attr(
            "graph",
            rankdir=self.rankdir,
            fontname=FONT,
            fontsize="12",
            labelloc="t",
            labeljust="l",
            nodesep="0.25",
            ranksep="0.35",
            bgcolor="white",
            label=f"<{self.title()}>",
            tooltip=self.graph.name,
        )
        if len(self.graph.nodes) > LARGE:  # network simplex would place long skip edges for ages
            g.attr("graph", nslimit="1")
        g.attr(
            "node",
            shape="box",
            style="rounded,filled",
            fontname=FONT,
            fontsize="10",
            margin="0.08,0.04",
        )
        g.attr(
            "edge", fontname=FONT, fontsize="8", fontcolor=GREY, color="#78909c", arrowsize="0.7"
        )
        for name, ttype in self.graph.inputs.items():
            rows = [f"<B>{_esc(name)}</B>", "Input"]
            rows += [self.shape_text(ttype, True)] if self.shapes else []
            problems = self.at_node.get(name, [])
            g.node(name, **self.box(rows, _colours("Input"), problems, self.outputs.get(name)))
        # the clusters: ("block" | "copy", instance, copy) -> (subtree, [], scope); None -> nodes
        tree: dict = {}
        for node in self.graph.nodes:
            here = tree
            for level in node.scope[:1] if self.collapse else node.scope:
                here = here.setdefault(("block", level.instance, 0), ({}, [], level))[0]
                if level.copies > 1 and not self.collapse:
                    here = here.setdefault(("copy", level.instance, level.copy), ({}, [], level))[0]
            here.setdefault(None, ({}, [], None))[1].append(node)
        self.emit(g, tree, depth=0)
        for path, problems in self.ghosts.items():
            g.node(self.ghost_id(path), **self.ghost_attrs(path, problems))
        self.edges(g)
        return g

    def emit(self, g: graphviz.Digraph, tree: dict, depth: int) -> None:
        for key, (children, nodes, level) in tree.items():
            if key is None:
                for node in nodes:
                    g.node(node.name, **self.node_attrs(node))
            elif self.collapse:
                g.node(level.instance, **self.block_attrs(level, _flatten(children)))
            else:
                what, instance, copy = key
                # made apart and then added: `g.subgraph(name=...)` copies g's whole body each
                # time, so 15,000 block copies took seconds
                c = graphviz.Digraph(f"cluster_{instance}" + (f"_copy{copy}" if copy else ""))
                c.attr(**self.cluster_attrs(level, what == "copy", depth))
                self.emit(c, children, depth + 1)
                g.subgraph(c)

    def edges(self, g: graphviz.Digraph) -> None:
        box = {
            n.name: n.scope[0].instance if self.collapse and n.scope else n.name for n in self.graph
        }
        seen = set()
        for node in self.graph.nodes:
            head = box[node.name]
            for tensor in node.reads:
                tail = box.get(producer(tensor), producer(tensor))
                if tail == head or (self.collapse and (tail, head) in seen):
                    continue  # inside one collapsed block, or drawn already
                seen.add((tail, head))
                label = self.shape_text(self.graph.tensor_type(tensor)) if self.shapes else None
                if "." in tensor:  # one output of several: say which
                    label = " ".join(filter(None, [tensor.partition(".")[2], label]))
                g.edge(tail, head, label=label)
            owner = box.get(node.layer_name)
            if node.shared and owner and owner != head:
                colour = self.share_colour[node.layer_name]
                g.edge(
                    head,
                    owner,
                    label="shares",
                    style="dashed",
                    color=colour,
                    fontcolor=colour,
                    arrowhead="none",
                    constraint="false",
                )
        ghosts = {path[1]: self.ghost_id(path) for path in self.ghosts if path[0] == "layers"}
        known = set(self.graph.inputs) | set(box.values()) | set(ghosts.values())
        for name, _, reads in self.ghost_info.values():
            for tail in (ghosts.get(ref, ref) for ref in reads):
                if tail in known:
                    g.edge(tail, name, style="dashed", color=GREY)

    # --- labels ----------------------------------------------------------------------------------
    def title(self) -> str:
        g = self.graph
        extra = f" ({g.non_trainable_params:,} non-trainable)" if g.non_trainable_params else ""
        rows = [f"<B>{_esc(g.name)}</B>", f'<FONT COLOR="{GREY}">{g.params:,} params{extra}</FONT>']
        for p in sorted(self.loose, key=lambda p: p.severity != "error"):
            colour = RED if p.severity == "error" else ORANGE
            text = f"{p.severity}: line {p.location.line}: {p.dotted_path}: {p.message}"
            rows.append(f'<FONT COLOR="{colour}">{_wrap(text, 100)}</FONT>')
        cells = "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows)
        return f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>'

    def node_attrs(self, node: DraftNode) -> dict:
        rows = [f"<B>{_esc(node.name)}</B>", _esc(node.kind)]
        args = self.arguments(node)
        if args:
            rows.append(f'<FONT POINT-SIZE="9">{_wrap(args, 44)}</FONT>')
        colour = self.share_colour.get(node.layer_name)
        if colour:
            what = f"shares {_esc(node.layer_name)}" if node.shared else "shared layer"
            rows.append(f'<FONT COLOR="{colour}">{SHARED} {what}</FONT>')
        if self.shapes:
            ins = _listed([self.shape_text(self.graph.tensor_type(t)) for t in node.reads])
            outs = self.shape_text(node.output, True)
            if node.extra_outputs and node.layer is not None:
                types = [node.output, *node.extra_outputs.values()]
                named = zip(node.layer.output_names(), types)
                outs = _listed([f"{name} {self.shape_text(t, True)}" for name, t in named])
            rows.append(_wrap(f"{ins} \u2192 {outs}", 60))
        if node.weights:
            frozen = node.non_trainable_params
            frozen_note = f" ({frozen:,} non-trainable)" if frozen else ""
            rows.append(f"{node.params:,} params{frozen_note}")
        problems = self.at_node.get(node.name, [])
        attrs = self.box(
            rows, _colours(node.kind), problems, self.outputs.get(node.name), node.output is None
        )
        if colour and not problems:
            attrs.update(color=colour, penwidth="2")
        return attrs

    def block_attrs(self, level: Scope, members: list[DraftNode]) -> dict:
        times = f" \u00d7{level.copies}" if level.copies > 1 else ""
        rows = [
            f"<B>{_esc(level.instance)}</B>",
            f"block {_esc(level.block)}{times}",
            f"{len(members)} layers",
        ]
        inside = {n.name for n in members}
        if self.shapes:
            reads = dict.fromkeys(t for n in members for t in n.reads if producer(t) not in inside)
            ins = _listed([self.shape_text(self.graph.tensor_type(t)) for t in reads])
            leaving = [
                n
                for n in members
                if n.name in self.outputs
                or any(c not in inside for t in n.tensors for c in self.consumers.get(t, ()))
            ]
            outs = _listed([self.shape_text(n.output, True) for n in leaving])
            rows.append(_wrap(f"{ins} \u2192 {outs}", 60))
        params = sum(n.params for n in members)
        if params:
            rows.append(f"{params:,} params")
        problems = [p for n in members for p in self.at_node[n.name]]
        problems += self.at_block.get(level.instance, [])
        indices = [self.outputs[n.name] for n in members if n.name in self.outputs]
        output = min(indices) if indices else None
        attrs = self.box(
            rows,
            BLOCK,
            list(dict.fromkeys(problems)),
            output,
            any(n.output is None for n in members),
        )
        return attrs | {"shape": "box3d", "style": "filled"}

    def cluster_attrs(self, level: Scope, copy: bool, depth: int) -> dict:
        if copy:
            label, problems = f"copy {level.copy} of {level.copies}", []
        else:
            times = f" \u00d7{level.copies}" if level.copies > 1 else ""
            label = f"{_esc(level.instance)}: {_esc(level.block)}{times}"
            problems = self.at_block.get(level.instance, [])
        notes = "".join(f'<BR/><FONT COLOR="{RED}">{_wrap(_brief(p), 60)}</FONT>' for p in problems)
        return {
            "label": f"<{label}{notes}>",
            "style": "rounded,dashed" if copy else "rounded",
            "color": RED if problems else BLOCK[1],
            "fontcolor": BLOCK[1],
            "fontsize": "10",
            "labeljust": "l",
            "bgcolor": "#f7f4fc" if depth % 2 == 0 else "#ffffff",
        }

    def ghost_attrs(self, path: tuple, problems: list[Problem]) -> dict:
        errors = any(p.severity == "error" for p in problems)
        what = "invalid" if errors else "left out" if problems else "not resolved"
        kind = self.ghost_info.get(path, ("", "", []))[1]
        rows = [
            f"<B>{_esc(self.ghost_id(path))}</B>",
            *([_esc(kind)] if kind else []),
            f"<I>{what}</I>",
        ]
        attrs = self.box(rows, ERROR if errors else PLAIN, problems)
        return attrs | {"style": "rounded,dashed,filled"}

    def box(
        self,
        rows: list[str],
        colours: tuple[str, str],
        problems: list[Problem],
        output: int | None = None,
        unresolved: bool = False,
    ) -> dict:
        """A node's attributes: its label rows as a table, with problems and output marker."""
        attrs = {"fillcolor": colours[0], "color": colours[1]}
        for p in problems:
            colour = RED if p.severity == "error" else ORANGE
            rows.append(f'<FONT COLOR="{colour}" POINT-SIZE="9">{_wrap(_brief(p), 50)}</FONT>')
        if output is not None:
            which = f"output {output + 1} of {len(self.graph.outputs)}"
            rows.append(f'<FONT COLOR="{GREY}" POINT-SIZE="9">{which}</FONT>')
            attrs["peripheries"] = "2"
        if problems:
            attrs["tooltip"] = "\n".join(str(p) for p in problems).replace("\\", "\\\\")
            if any(p.severity == "error" for p in problems):
                attrs.update(color=RED, fillcolor=ERROR[0], penwidth="2.5")
            else:
                attrs.update(color=ORANGE, penwidth="2")
        elif unresolved:
            attrs["style"] = "rounded,dashed,filled"
        cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
        table = f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>'
        return attrs | {"label": f"<{table}>"}

    def arguments(self, node: DraftNode) -> str:
        """`layer.describe()`, with the activation even when it is the default (as plot_model)."""
        if node.layer is None:
            return ""
        text = node.layer.describe()
        field = type(node.layer).model_fields.get("activation")
        if field is not None and getattr(node.layer, "activation", None) == field.default:
            text = ", ".join(filter(None, [text, str(field.default)]))
        return text

    def shape_text(self, ttype: TensorType | None, dtype: bool = False) -> str:
        """`(None, 300)`, with the dtype when asked for or not float32 (when dtypes are shown)."""
        if ttype is None:
            return "?"
        shape = format_shape(ttype.shape, batch=True)
        shown = self.dtypes and (dtype or ttype.dtype != "float32")
        return f"{shape} {ttype.dtype}" if shown else shape


def _colours(kind: str) -> tuple[str, str]:
    return next(((fill, line) for pattern, fill, line in _FAMILIES if pattern.search(kind)), PLAIN)


def _listed(shapes: list[str]) -> str:
    """One shape as is; several as `[a, b]`; many equal ones as `499 × (None, 16)`."""
    if len(shapes) == 1:
        return shapes[0]
    if len(shapes) > 3 and len(set(shapes)) == 1:
        return f"{len(shapes)} \u00d7 {shapes[0]}"
    shown = shapes[:4] + [f"\u2026 {len(shapes) - 4} more"] if len(shapes) > 5 else shapes
    return "[" + ", ".join(shown) + "]" if shapes else "?"


def _flatten(tree: dict) -> list[DraftNode]:
    return [n for children, nodes, _ in tree.values() for n in nodes + _flatten(children)]


def _brief(p: Problem) -> str:
    """`line 9: units: must be > 0`: a problem as a note on its node (the path below the node)."""
    path = tuple(p.path)
    below = ".".join(str(k) for k in (path[4:] if path[:1] == ("blocks",) else path[2:]))
    text = f"{below}: {p.message}" if below else p.message
    return f"line {p.location.line}: {text}" if p.location.line else text


def _esc(text: str) -> str:
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(char, entity)
    return text


def _wrap(text: str, width: int) -> str:
    lines = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    return "<BR/>".join(_esc(line) for line in lines)


# --- specs, files and notebooks ----------------------------------------------------------------


def render_analysis(
    analysis: Any,
    doc: Document | None = None,
    *,
    rankdir: str = "TB",
    collapse_blocks: bool = False,
    show_shapes: bool = True,
    show_dtypes: bool = True,
) -> graphviz.Digraph:
    """The diagram of an `Analysis` (`modelspec.analyse(doc)`), valid or not, problems in place.

    With `doc`, the document analysed, the nodes that did not resolve are drawn too (dashed).
    """
    data = doc.data if doc is not None else {}
    graph = analysis.graph
    if graph is None:  # too broken to resolve: a title and the list of problems
        name = analysis.document.name if analysis.document else str(data.get("name", "spec"))
        graph = DraftGraph(name, {}, [], [])
    drawing = _Drawing(
        graph,
        analysis.problems,
        rankdir,
        collapse_blocks,
        show_shapes,
        show_dtypes,
        data.get("layers"),
    )
    with no_gc_pauses():
        return drawing.draw()


def render_file(path: str | os.PathLike, **options: Any) -> graphviz.Digraph:
    """The diagram of the spec file at `path`, drawn as far as it resolves even when invalid.

    Options as for `render_graph`. Raises `SpecError` only when the file cannot be read or
    is not YAML at all.
    """
    from .yamlio import read

    with no_gc_pauses():
        doc = read(path)
        return render_analysis(analyse(doc), doc, **options)


def write(digraph: graphviz.Digraph, path: str | os.PathLike) -> None:
    """Write `digraph` to `path` atomically: svg, png, pdf, or dot source (.dot, .gv) by suffix."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RenderError(f"cannot tell the format of {str(path)!r}: use {', '.join(FORMATS)}")
    write_atomic(path, digraph.source.encode("utf-8") if fmt == "dot" else pipe(digraph, fmt))


def pipe(digraph: graphviz.Digraph, fmt: str) -> bytes:
    """`digraph` laid out by `dot` as `fmt` (svg, png, pdf); `RenderError` when dot is missing."""
    try:
        return digraph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RenderError(INSTALL_HINT.format(fmt=fmt)) from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip()
        raise RenderError(f"dot failed to write {fmt}: {detail or exc}") from None


def mimebundle(digraph: graphviz.Digraph, text: str = "") -> dict[str, str]:
    """A Jupyter display bundle: the svg and `text`; without dot, `text` and how to get it."""
    try:
        return {"image/svg+xml": pipe(digraph, "svg").decode("utf-8"), "text/plain": text}
    except RenderError as exc:
        return {"text/plain": f"{text}\n({exc})" if text else str(exc)}
