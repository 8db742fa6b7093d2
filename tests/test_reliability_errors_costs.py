"""Issue 17, "bad input costs what good input costs": each limit is checked before the work it
bounds and says so at a location, and reporting N mistakes does O(N) work. No test here times
anything: each counts the work done instead (bench/scale.py measures the time)."""

import contextlib
import sys
from pathlib import Path

import graphviz
import pytest
from hypothesis import given
from hypothesis import strategies as st

import modelspec
import modelspec.limits
import modelspec.resolve
import modelspec.yamlio
from modelspec.analysis import analyse
from modelspec.limits import MAX_GRAPH_NODES, SUGGESTION_BUDGET
from modelspec.render import render_analysis
from modelspec.yamlio import parse

from .bad_specs import (
    BUILDERS,
    THIRTY_THOUSAND,
    valid_chain,
    bad_specs,
    cycle,
    nested_repeat,
    repeat,
    too_many_values,
    unknown_inputs,
)
from .conftest import bad_input


def problems_of(text: str) -> list[modelspec.Problem]:
    with pytest.raises(modelspec.SpecError) as info:
        modelspec.loads(text, "bad.yaml")
    return info.value.problems


# --- limits, checked before the work they bound ------------------------------------------------


@pytest.mark.parametrize("copies", [10**9, 10**6])
def test_a_huge_repeat_is_refused_at_the_repeat_before_any_copy_is_made(copies):
    (found,) = problems_of(repeat(1, copies))
    assert str(found) == (f"bad.yaml:10:27: layers.r.repeat: {copies:,} copies of block 'blk' would make {copies:,} nodes "
                          f"(1 a copy); a spec may have at most {MAX_GRAPH_NODES:,} nodes")  # fmt: skip


def test_nested_repeats_are_counted_together():
    (found,) = problems_of(nested_repeat(2, copies=100))  # 100 * 100 * 100 nodes
    assert "layers.top.repeat: 100 copies of block 'b2' would make 1,000,000 nodes (10,000 a copy)" in str(found)


PARAM_REPEAT = """\
inputs: {x: {shape: [4]}}
blocks:
  inner:
    inputs: [x]
    layers:
      d: {type: Dense, units: 4, inputs: x}
  wrap:
    params: {n: 1}
    inputs: [x]
    layers:
      r: {block: inner, repeat: "${n}", inputs: x}
layers:
  q: {block: wrap, repeat: 1000, params: {n: 1000}, inputs: x}
"""


def test_a_repeat_given_by_a_param_is_counted_where_its_value_is_known(monkeypatch):
    monkeypatch.setattr(modelspec.resolve, "MAX_GRAPH_NODES", 20_000)  # the same rule, sooner
    (found,) = problems_of(PARAM_REPEAT)  # 1,000 * 1,000 nodes, the inner 1,000 known only inside
    assert str(found).startswith("bad.yaml:11:33: blocks.wrap.layers.r.repeat: in q (copy 21 of 1000): 1,000 copies of "
                                 "block 'inner' would make 1,000 nodes (1 a copy) after the 20,000 made before them")  # fmt: skip


def test_blocks_nest_at_most_100_deep():
    (found,) = problems_of(nested_repeat(150, copies=1))
    assert "blocks nest over 100 deep here" in found.message and found.message.count(" in ") <= 3


@pytest.mark.parametrize("form", ["flow list", "mapping"])
def test_the_value_limit_is_met_before_the_rest_of_the_file_is_parsed(form):
    if form == "flow list":
        text = too_many_values(1000)  # its broken end is never reached
    else:
        nodes = "".join(f"  n{i}: {{type: Dense, units: 4, inputs: x}}\n" for i in range(40_000))
        text = "inputs: {x: {shape: [4]}}\nlayers:\n" + nodes + "  broken: [\n"
    (found,) = problems_of(text)
    assert "document too large or too deeply nested: over 200,000 values" in found.message
    before, _, _ = text.rpartition("broken")
    broken_at = (before.count("\n") + 1, len(before) - before.rfind("\n"))
    assert (found.location.line, found.location.column) < broken_at  # where the limit is met


def test_a_spec_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(modelspec.yamlio, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("inputs: {x: {shape: [4]}}\n" + "# padding\n" * 200)
    with pytest.raises(modelspec.SpecError, match="big.yaml: <document>: file too large: a spec file is at most 1 kB"):
        modelspec.load(path)
    with pytest.raises(modelspec.SpecError, match="/dev/zero: <document>: file too large"):
        modelspec.load("/dev/zero")


def test_an_alias_refers_only_to_an_anchor_before_it():
    with pytest.raises(modelspec.SpecError, match=r"1:4: a: alias \*q has no anchor &q before it"):
        parse("a: *q\n")
    assert parse("a: &q [1, {b: 2}]\nc: *q\n").data["c"] == [1, {"b": 2}]


# --- reporting N mistakes is O(N) work ----------------------------------------------------------


def test_5000_unknown_inputs_are_5000_errors_within_the_suggestion_budget(monkeypatch):
    looked_at = []
    real = modelspec.limits.did_you_mean
    monkeypatch.setattr(modelspec.limits, "did_you_mean", lambda word, pool: looked_at.append(len(pool)) or real(word, pool))
    found = problems_of(unknown_inputs(5000))
    assert len(found) == 5000 and all("unknown input 'nowhere" in p.message for p in found)
    assert sum(looked_at) <= SUGGESTION_BUDGET
    assert found[0].message == "unknown input 'nowhere0'" and found[0].location.line == 5


def test_an_8000_node_cycle_is_reported_at_each_member_in_a_line_of_its_own_size():
    found = problems_of(cycle(8000, tail=2))
    assert len(found) == 8000 and max(len(p.message) for p in found) < 120  # not 8,000 names each
    assert found[0].message == "cycle of 8,000 nodes: d0 -> d1 -> d2 -> d3 -> ... -> d7996 -> d7997 -> d7998 -> d7999 -> d0"
    assert found[1].message.startswith("cycle of 8,000 nodes: d1 -> d2 -> ")


def test_short_cycles_are_still_written_out():
    messages = [p.message for p in problems_of(cycle(3))]
    assert messages == ["cycle: d0 -> d1 -> d2 -> d0", "cycle: d1 -> d2 -> d0 -> d1", "cycle: d2 -> d0 -> d1 -> d2"]


def test_one_problem_reported_twice_is_kept_once_without_a_scan():
    text = BUILDERS["duplicate outputs"](300)
    found = problems_of(text)
    assert len(found) == len(set(found)) == 300


# --- 30,000 nodes -------------------------------------------------------------------------------



def test_summary_and_render_of_30000_nodes_make_each_row_and_box_once(monkeypatch):
    big = modelspec.loads(THIRTY_THOUSAND)
    assert len(big.summary().rows) == 30_001
    # graphviz's `subgraph(name=...)` copies the whole body so far: 15,000 clusters made it quadratic
    monkeypatch.setattr(graphviz.Digraph, "_copy_kwargs", lambda *a, **k: pytest.fail("a graph was copied"))
    source = big.render().source
    assert source.count("cluster_r_copy") == 15_000 and source.count("label=<<TABLE") >= 30_000


# --- generated bad specs of many sizes ----------------------------------------------------------


@bad_input
@given(bad_specs(most=400))
def test_every_bad_spec_is_located_problems_and_draws(case):
    how, text = case
    found = problems_of(text)
    assert found and all(p.location.file == "bad.yaml" and p.location.line >= 1 for p in found), how
    if how not in ("huge integers", "too deep"):  # those are not YAML the renderer can read
        doc = parse(text, "bad.yaml")
        assert render_analysis(analyse(doc), doc).source


@given(st.sampled_from(sorted(BUILDERS)))
def test_a_large_bad_spec_is_rejected_at_its_limits_location(how):
    text = BUILDERS[how](5000 if how not in ("nested repeat", "bad seed") else 50)
    found = problems_of(text)
    assert found[0].location.line >= 1 and found[0].location.file == "bad.yaml"


# --- the work grows linearly with the spec ------------------------------------------------------


def lines_run(work) -> int:
    """How many lines of modelspec's own code `work()` runs (a count of work, not a time: what
    a quadratic walk would multiply by 64 when the spec grows 8 times)."""
    root, count = str(Path(modelspec.__file__).parent), 0

    def local(frame, event, arg):
        nonlocal count
        count += event == "line"
        return local

    sys.settrace(lambda frame, event, arg: local if frame.f_code.co_filename.startswith(root) else None)
    try:
        work()
    finally:
        sys.settrace(None)
    return count


def _loads(text: str) -> None:
    with contextlib.suppress(modelspec.SpecError):
        modelspec.loads(text, "bad.yaml")


SMALL = {"nested repeat": 5, "bad seed": 5}  # sizes that multiply copies, or a chain's seed
GROWING = {how: build for how, build in BUILDERS.items() if how not in ("too deep", "too many values")}


@pytest.mark.parametrize("how", sorted(GROWING))
def test_the_work_of_a_bad_spec_grows_linearly_with_it(how, monkeypatch):
    """8 times the mistakes, or a spec 8 times larger, is at most ~8 times the work (too deep and
    too many values stop at their limit: their work does not grow at all). "Did you mean" may
    look at n names for each of n unknown ones until its budget is spent: a budget these sizes
    spend shows the linear growth past it."""
    monkeypatch.setattr(modelspec.limits, "SUGGESTION_BUDGET", 1000)
    n = SMALL.get(how, 60)
    small, large = (lines_run(lambda k=k: _loads(GROWING[how](k))) for k in (n, 8 * n))
    assert large <= 8.5 * small, f"{how}: {small:,} lines at {n}, {large:,} at {8 * n}"


@pytest.mark.parametrize("what", ["loads", "summary", "render"])
def test_the_work_of_a_valid_spec_grows_linearly_with_it(what):
    def work(n):
        text = valid_chain(n)
        if what == "loads":
            return lambda: modelspec.loads(text)
        spec = modelspec.loads(text)
        return (lambda: str(spec.summary())) if what == "summary" else (lambda: spec.render().source)

    small, large = lines_run(work(60)), lines_run(work(480))
    assert large <= 8.5 * small, f"{what}: {small:,} lines at 60 nodes, {large:,} at 480"
