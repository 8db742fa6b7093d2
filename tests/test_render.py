"""Diagrams: every example spec drawn by the real `dot`, read back as SVG (XML) and checked for
its nodes, edges and labels; invalid specs drawn with their mistakes in place; files by suffix."""

import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

import modelspec
from modelspec.graph import producer
from modelspec.layers import format_shape
from modelspec.render import (RenderError, mimebundle, pipe, render_analysis, render_file,
                              render_graph, write)  # fmt: skip
from modelspec.yamlio import parse

from .conftest import ROOT, SPECS
from .kind_cases import chain_with_branches

SVG = "{http://www.w3.org/2000/svg}"


class Picture:
    """An SVG as graphviz writes it: nodes, edges and clusters by their <title>, and the text."""

    def __init__(self, digraph):
        self.source = digraph.source
        self.root = ET.fromstring(pipe(digraph, "svg"))
        self.groups = {cls: {} for cls in ("node", "edge", "cluster")}
        for g in self.root.iter(f"{SVG}g"):
            title = g.find(f"{SVG}title")
            if g.get("class") in self.groups and title is not None:
                self.groups[g.get("class")].setdefault(title.text, []).append(g)
        self.nodes, self.edges, self.clusters = (set(self.groups[c]) for c in self.groups)

    def lines(self, title: str | None = None, cls: str = "node") -> list[str]:
        """The text lines of one node (edge, cluster), or of the whole picture."""
        groups = self.groups[cls][title] if title else [self.root]
        texts = (t.text.strip() for g in groups for t in g.iter(f"{SVG}text") if t.text)
        return [t for t in texts if t]

    def text(self, title: str | None = None, cls: str = "node") -> str:
        """All of its text as one line (labels wrap at spaces, so messages read back whole)."""
        return " ".join(" ".join(self.lines(title, cls)).split())

    def strokes(self, title: str) -> set[str]:
        shapes = (e for g in self.groups["node"][title] for e in g.iter()
                  if e.tag in (f"{SVG}path", f"{SVG}polygon"))  # fmt: skip
        return {e.get("stroke") for e in shapes} - {None, "none"}

    def centre(self, title: str) -> tuple[float, float]:
        first = next(self.groups["node"][title][0].iter(f"{SVG}text"))
        return float(first.get("x")), float(first.get("y"))


def draw(text: str, **options) -> Picture:
    """The picture of a spec text (dedented), valid or not."""
    doc = parse(textwrap.dedent(text), "spec.yaml")
    return Picture(render_analysis(modelspec.analyse(doc), doc, **options))


# --- every example spec --------------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_draws_every_node_edge_and_label(path):
    graph = modelspec.load(path).graph
    pic = Picture(render_file(path))
    assert pic.nodes == set(graph.inputs) | {n.name for n in graph.nodes}
    wired = {f"{producer(t)}->{n.name}" for n in graph.nodes for t in n.reads}  # states too
    ties = {f"{n.name}->{n.layer_name}" for n in graph.nodes if n.shared}
    assert pic.edges == wired | ties
    for name, ttype in graph.inputs.items():
        assert pic.lines(name)[:2] == [name, "Input"]
        assert f"{format_shape(ttype.shape, batch=True)} {ttype.dtype}" in pic.text(name)
    for node in graph.nodes:
        lines = pic.lines(node.name)
        assert lines[:2] == [node.name, node.kind]
        out = node.output
        assert f"{format_shape(out.shape, batch=True)} {out.dtype}" in pic.text(node.name)
        if node.weights:
            assert f"{node.params:,} params" in lines
        for tensor in node.reads:  # every edge says what it carries (and which output of several)
            shape = format_shape(graph.tensor_type(tensor).shape, batch=True)
            label = pic.text(f"{producer(tensor)}->{node.name}", "edge")
            assert (shape in label) if "." in tensor else label.startswith(shape)
    for i, name in enumerate(graph.outputs):
        assert f"output {i + 1} of {len(graph.outputs)}" in pic.lines(name)
    assert pic.lines()[:2] == [graph.name, f"{graph.params:,} params"]  # the title


def test_stock_lstm_shows_what_plot_model_shows():
    pic = Picture(render_file(ROOT / "specs/stock_lstm.yaml"))
    assert pic.lines("prices") == ["prices", "Input", "(None, 10, 1) float32"]
    lstm = pic.text("lstm")
    assert "units=300" in lstm and "relu" in lstm
    assert "(None, 10, 1) \u2192 (None, 300) float32" in lstm
    assert "362,400 params" in lstm
    assert "linear" in pic.text("price") and "sigmoid" in pic.text("direction")
    assert pic.text("lstm->price", "edge") == "(None, 300)"
    assert "363,002 params" in pic.lines()


def test_states_are_drawn_as_named_outputs_on_their_edges():
    pic = draw(
        """\
        inputs: {src: {shape: [null, 3]}, tgt: {shape: [5, 2]}}
        layers:
          enc: {type: LSTM, units: 4, return_state: true, inputs: src}
          dec: {type: LSTM, units: 4, inputs: {sequences: tgt, initial_state: [enc.state_h, enc.state_c]}}
        outputs: [dec, enc.state_c]
        """
    )
    assert "(None, None, 3) \u2192 [output (None, 4) float32, state_h (None, 4) float32, state_c (None, 4) float32]" in pic.text("enc")
    assert "[(None, 5, 2), (None, 4), (None, 4)] \u2192 (None, 4) float32" in pic.text("dec")
    labels = sorted(" ".join(t.text for t in g.iter(f"{SVG}text")) for g in pic.groups["edge"]["enc->dec"])
    assert labels == ["state_c (None, 4)", "state_h (None, 4)"]
    assert "output 2 of 2" in pic.lines("enc") and "output 1 of 2" in pic.lines("dec")


def test_inputs_and_outputs_are_drawn_distinctly():
    pic = Picture(render_file(ROOT / "specs/stock_lstm.yaml"))
    source = pic.source
    assert re.search(r'\bprices \[.*fillcolor="#e8f5e9"', source)  # inputs: their own colour
    assert re.search(r"\bprice \[.*peripheries=2", source)  # outputs: a double border
    assert not re.search(r"\blstm \[.*peripheries", source)
    assert "output 2 of 2" in pic.lines("direction")


def test_toy_resnet_block_is_a_cluster_with_its_repeat_count():
    pic = Picture(render_file(ROOT / "specs/toy_resnet.yaml"))
    assert pic.clusters == {"cluster_res", "cluster_res_copy1", "cluster_res_copy2"}
    assert pic.lines("cluster_res", "cluster") [0] == "res: residual \u00d72"
    assert "copy 1 of 2" in pic.text("cluster_res_copy1", "cluster")
    assert {"res_1_conv_a", "res_2_add"} <= pic.nodes
    skips = {"pool->res_1_add", "res_1_add->res_2_add"}  # the residual connections
    assert {"pool->res_1_conv_a", "res_2_add->conv3"} | skips <= pic.edges
    assert "(None, 32, 32, 3) \u2192 (None, 30, 30, 32) float32" in pic.text("conv1")
    assert "filters=32" in pic.text("conv1") and "relu" in pic.text("conv1")


def test_collapsed_blocks_draw_one_box_per_instance():
    spec = modelspec.load(ROOT / "specs/toy_resnet.yaml")
    pic = Picture(spec_graph := render_graph(spec.graph, collapse_blocks=True))
    assert not pic.clusters
    assert "res" in pic.nodes and not any(n.startswith("res_") for n in pic.nodes)
    assert {"pool->res", "res->conv3"} <= pic.edges and not any("res_" in e for e in pic.edges)
    inside = [n for n in spec.graph.nodes if n.scope]
    assert pic.lines("res")[:3] == ["res", "block residual \u00d72", f"{len(inside)} layers"]
    assert f"{sum(n.params for n in inside):,} params" in pic.lines("res")
    assert "box3d" in spec_graph.source


def test_shared_layer_is_visibly_one_layer():
    pic = Picture(render_file(ROOT / "specs/shared_embedding.yaml"))
    assert "\u21c4 shares embed" in pic.lines("embed_b")
    assert "\u21c4 shared layer" in pic.lines("embed")
    assert "128,000 params" in pic.lines("embed") and "params" not in pic.text("embed_b")
    assert pic.text("embed_b->embed", "edge") == "shares"  # the dashed tie
    assert pic.strokes("embed") & pic.strokes("embed_b") - {"black"}  # one colour for both
    assert "(None, None) int32 \u2192 (None, None, 128) float32" in pic.text("embed_b")
    assert pic.text("text_a->embed", "edge") == "(None, None) int32"


def test_rankdir_lr_lays_out_left_to_right():
    tb = Picture(render_file(ROOT / "specs/stock_lstm.yaml"))
    lr = Picture(render_file(ROOT / "specs/stock_lstm.yaml", rankdir="LR"))
    assert tb.centre("lstm")[1] > tb.centre("prices")[1]  # svg y grows downwards
    assert lr.centre("lstm")[0] > lr.centre("prices")[0]
    assert "rankdir=LR" in lr.source
    with pytest.raises(ValueError, match="rankdir"):
        render_file(ROOT / "specs/stock_lstm.yaml", rankdir="sideways")


def test_shapes_and_dtypes_can_be_left_out():
    path = ROOT / "specs/stock_lstm.yaml"
    plain = Picture(render_file(path, show_shapes=False))
    assert "(None" not in plain.text() and "lstm->price" in plain.edges
    assert "362,400 params" in plain.lines("lstm")
    no_dtypes = Picture(render_file(path, show_dtypes=False))
    assert "float32" not in no_dtypes.text() and "(None, 300)" in no_dtypes.text("lstm")


# --- invalid specs -------------------------------------------------------------------------------

INVALID = """\
    modelspec: 1
    name: broken
    inputs:
      a: {shape: [32]}
      b: {shape: [64]}
    layers:
      total: {type: Add, inputs: [a, b]}
      head:  {type: Dense, units: 4, inputs: total}
      tail:  {type: Dense, units: -4, inputs: head}
      side:  {type: Dense, units: 3, inputs: a}
    outputs: [head, side, tail]
    training:
      optimizer: {type: adam}
      loss: {head: mse, side: mse, tail: mse, nowhere: mse}
"""


def test_invalid_spec_draws_as_far_as_it_resolves_with_the_mistakes_marked():
    analysis = modelspec.analyse(parse(textwrap.dedent(INVALID), "spec.yaml"))
    add_problem = next(p for p in analysis.problems if p.path[:2] == ("layers", "total"))
    pic = draw(INVALID)
    assert {"a", "b", "total", "head", "side", "tail"} <= pic.nodes
    assert {"a->total", "b->total", "total->head", "head->tail", "a->side"} <= pic.edges
    # the node where the shapes clash: red, with the message on it
    assert "#c62828" in pic.strokes("total")
    assert add_problem.message in pic.text("total")
    assert f"line {add_problem.location.line}:" in pic.text("total")
    # downstream of it: drawn, its output unknown
    assert "? \u2192 ?" in pic.text("head")
    assert "#c62828" not in pic.strokes("head")
    # an invalid config: drawn in its place, with the argument named
    assert "units: Input should be greater than 0" in pic.text("tail")
    assert "#c62828" in pic.strokes("tail")
    # the rest is fine
    assert "#c62828" not in pic.strokes("side") and "99 params" in pic.lines("side")
    # a problem with no node to draw it on: under the title
    assert "'nowhere' is not an output" in pic.text()


def test_nodes_behind_an_unknown_kind_are_drawn_unresolved():
    pic = draw("""
        modelspec: 1
        name: typo
        inputs: {x: {shape: [8]}}
        layers:
          - {type: Dense, units: 8}
          - {type: Dence, units: 8}
          - {type: Dense, units: 2, name: out}
    """)
    assert {"dense", "layers[1]", "out"} <= pic.nodes
    assert {"x->dense", "dense->layers[1]", "layers[1]->out"} <= pic.edges
    assert "Dense" in pic.text("layers[1]") and "#c62828" in pic.strokes("layers[1]")
    assert "not resolved" in pic.text("out")


def test_a_block_instance_that_cannot_expand_is_drawn_in_its_place():
    text = (ROOT / "specs/toy_resnet.yaml").read_text()
    text = text.replace('params: {filters: "${filters}"}', 'params: {filter: "${filters}"}')
    pic = draw(text)
    assert {"pool->res", "res->conv3"} <= pic.edges and not pic.clusters
    assert pic.lines("res")[:3] == ["res", "block residual", "invalid"]
    assert "params.filter: block 'residual' has no param 'filter'" in pic.text("res")
    assert "not resolved" in pic.text("logits") and "#c62828" not in pic.strokes("logits")


def test_warnings_are_drawn_in_orange():
    spec = modelspec.loads(textwrap.dedent("""
        modelspec: 1
        name: unused
        inputs: {x: {shape: [4]}, y: {shape: [3]}}
        layers:
          a: {type: Dense, units: 2, inputs: x}
          b: {type: Dense, units: 2, inputs: x}
        outputs: [a]
    """))
    pic = Picture(render_graph(spec.draft))  # the problems default to the draft's: warnings here
    assert "input 'y' is not used" in pic.text("y") and "#e65100" in pic.strokes("y")
    assert "left out" in pic.lines("b") and "does not reach any output" in pic.text("b")
    assert not pic.strokes("a") & {"#e65100", "#c62828"}


def test_a_spec_too_broken_to_resolve_still_draws_its_problems():
    pic = draw("modelspec: 1\nname: nothing\ninputs: 5\nlayers: []\n")
    assert pic.lines()[0] == "nothing" and "inputs" in pic.text()


# --- files, formats and notebooks ---------------------------------------------------------------


def test_write_picks_the_format_by_suffix(tmp_path):
    digraph = render_file(ROOT / "specs/stock_lstm.yaml")
    magic = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF", "dot": b"digraph",
             "gv": b"digraph"}  # fmt: skip
    for suffix, start in magic.items():
        write(digraph, tmp_path / f"model.{suffix}")
        assert (tmp_path / f"model.{suffix}").read_bytes().startswith(start)
    with pytest.raises(RenderError, match=r"\.svg"):
        write(digraph, tmp_path / "model.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"model.{s}" for s in magic)


def test_without_dot_only_dot_source_can_be_written(tmp_path, monkeypatch):
    digraph = render_file(ROOT / "specs/stock_lstm.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    write(digraph, tmp_path / "model.dot")
    assert (tmp_path / "model.dot").read_text(encoding="utf-8") == digraph.source
    for suffix in ("svg", "png", "pdf"):
        with pytest.raises(RenderError) as info:
            write(digraph, tmp_path / f"model.{suffix}")
        message = str(info.value)
        assert "graphviz" in message and "apt-get install graphviz" in message
        assert "brew install graphviz" in message and ".dot" in message
        assert not (tmp_path / f"model.{suffix}").exists()
    assert mimebundle(digraph, "<Spec>")["text/plain"].startswith("<Spec>")
    assert "image/svg+xml" not in mimebundle(digraph)


def test_notebooks_get_the_svg():
    bundle = mimebundle(render_file(ROOT / "specs/stock_lstm.yaml"), "<Spec 'stock_lstm'>")
    assert bundle["text/plain"] == "<Spec 'stock_lstm'>"
    assert ET.fromstring(bundle["image/svg+xml"]).tag == f"{SVG}svg"


def test_rendering_imports_no_framework(tmp_path):
    code = (
        "import sys\n"
        "from modelspec.render import render_file, write\n"
        f"spec = {str(ROOT / 'specs/toy_resnet.yaml')!r}\n"
        f"write(render_file(spec), {str(tmp_path / 'm.svg')!r})\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- large graphs --------------------------------------------------------------------------------


def test_a_thousand_node_spec_renders_to_svg():
    spec = modelspec.loads(chain_with_branches(1000))
    assert len(spec.graph.nodes) == 999
    pic = Picture(render_graph(spec.graph))  # bench/ times this; here it only has to work
    assert len(pic.nodes) == 1000
    assert pic.edges == {f"{t}->{n.name}" for n in spec.graph for t in n.inputs}
    edges = sum(map(len, pic.groups["edge"].values()))  # m0 reads x twice: two edges, one title
    assert edges == sum(len(n.inputs) for n in spec.graph)
    assert "[(None, 16), (None, 16), (None, 16)] \u2192 (None, 16) float32" in pic.text("m332")
