"""The catalogue of kinds: complete, loaded on demand, and open to kinds registered later."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

from modelspec.layers import CATALOGUE, REGISTRY

from .conftest import problems


def test_each_module_registers_exactly_the_kinds_the_catalogue_lists():
    for module, kinds in CATALOGUE.items():
        importlib.import_module(f"modelspec.layers.{module}")
        defined = {n for n in kinds if REGISTRY[n].__module__ == f"modelspec.layers.{module}"}
        assert defined == set(kinds), module
    registered = {name for name, cls in REGISTRY.items() if cls.__module__.startswith("modelspec.")}
    assert registered == {kind for kinds in CATALOGUE.values() for kind in kinds}


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_validation_builds_only_the_kinds_a_spec_uses():
    # A spec of Dense and LSTM: the conv, pooling, attention... modules are never imported, and
    # no other kind's validator is built (validation costs what the spec uses, not the catalogue).
    out = _run("""
        import sys
        import modelspec
        from modelspec.layers import CATALOGUE, REGISTRY
        spec = modelspec.load("specs/stock_lstm.yaml")
        assert spec.graph.nodes
        loaded = sorted(m.rsplit(".", 1)[1] for m in sys.modules
                        if m.startswith("modelspec.layers.") and m.rsplit(".", 1)[1] in CATALOGUE)
        built = sorted(name for name in REGISTRY._kinds
                       if REGISTRY._kinds[name].__pydantic_complete__)
        print(loaded, built)
    """)
    assert out.split() == ["['core',", "'recurrent']", "['Dense',", "'LSTM']"]


def test_a_kind_registered_after_import_is_usable_in_specs():
    out = _run("""
        from typing import Literal
        import modelspec
        from modelspec.layers import Layer, register

        @register
        class Scale(Layer):
            '''Multiplies by `factor`: any shape -> the same shape.'''
            type: Literal["Scale"] = "Scale"
            factor: float = 2.0
            keeps_dtype = True

            def output_shape(self, x):
                return x

        spec = modelspec.loads('''
        inputs: {x: {shape: [3]}}
        layers:
          s: {type: Scale, factor: 0.5, inputs: x}
          d: {type: Dense, units: 2, inputs: s}
        ''')
        print(spec.graph.nodes[0].layer.factor, spec.graph.nodes[1].output.shape)
        try:
            modelspec.loads("inputs: {x: {shape: [3]}}\\nlayers:\\n  s: {type: Scale, facter: 1, inputs: x}\\n")
        except modelspec.SpecError as exc:
            print(exc)
    """)
    assert out.splitlines()[0] == "0.5 (2,)"
    assert "layers.s.facter: unknown field 'facter' (did you mean 'factor'?)" in out


def test_node_entries_that_are_no_node_are_located():
    assert problems("""\
        inputs: {x: {shape: [4]}}
        layers:
          a: {units: 2, inputs: x}
          b: Dense
          c: {type: 3, inputs: x}
        """) == [
        "spec.yaml:3:6: layers.a: a node needs `type:` (a layer kind), `shares:` (a node) or "
        "`block:` (a block)",
        "spec.yaml:4:6: layers.b: expected a mapping of fields, got 'Dense'",
        "spec.yaml:5:3: layers.c: unknown layer type 3",
    ]  # fmt: skip
