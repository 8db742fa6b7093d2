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


# Printed by a fresh process after it validated a spec: every Pydantic model of modelspec's whose
# validator is built, and which of the modules a spec may not need it imported (the training
# section's, blocks', search spaces', option mappings').
_BUILT = textwrap.dedent("""
    import sys
    from pydantic import BaseModel

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    print(sorted({c.__name__ for c in subclasses(BaseModel)
                  if c.__module__.startswith("modelspec") and c.__pydantic_complete__}))
    print(sorted(m for m in ("modelspec.optimization", "modelspec.plan", "modelspec.blocks",
                             "modelspec.spaces", "modelspec.layers.option_models")
                 if m in sys.modules))
""")


def test_validation_builds_only_the_kinds_a_spec_uses():
    # A spec of Dense and LSTM: the conv, pooling, attention... modules are never imported, and
    # no other kind's validator is built (validation costs what the spec uses, not the catalogue).
    # Its initializers are its kinds' defaults, by name: no option model is made; its training
    # section names Adam and two losses: no other optimizer's or loss's validator is built.
    out = _run(textwrap.dedent("""
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
    """) + _BUILT)
    kinds, models, modules = out.splitlines()
    assert kinds.split() == ["['core',", "'recurrent']", "['Dense',", "'LSTM']"]
    assert models == str(["Adam", "BinaryCrossentropy", "Dense", "DenseNode", "LSTM", "LSTMNode",
                          "MeanAbsolutePercentageError", "SpecDocument", "Training"])  # fmt: skip
    assert modules == str(["modelspec.optimization", "modelspec.plan"])


BARE = "inputs: {x: {shape: [4]}}\nlayers: [{type: Dense, units: 2}]\n"
WRITTEN = """\
params: {n: {choice: [2, 4]}}
inputs: {x: {shape: [4]}}
blocks:
  head:
    inputs: [h]
    layers: [{type: Dense, units: "${n}", kernel_initializer: {type: he_normal, seed: 1}}]
layers: {b: {block: head, inputs: x}}
search: {objective: loss}
"""


def test_validation_builds_the_sections_and_options_a_spec_writes_and_no_other():
    # Without `training:`, blocks, search spaces or option mappings, none of their models is
    # built nor their modules imported; each one a spec writes is, and it alone.
    bare = _run(f"import modelspec\nmodelspec.loads({BARE!r})\n" + _BUILT)
    assert bare.splitlines() == [str(["Dense", "DenseNode", "SpecDocument"]), "[]"]
    written = _run(f"import modelspec\nmodelspec.loads({WRITTEN!r})\n" + _BUILT)
    assert written.splitlines() == [
        str(["Block", "BlockNode", "Choice", "Dense", "DenseNode", "HeNormal", "Search",
             "SpecDocument"]),
        str(["modelspec.blocks", "modelspec.layers.option_models", "modelspec.spaces"]),
    ]  # fmt: skip


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


def test_validate_warns_of_a_kind_not_built_in_and_backend_checks_refuse_it(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("inputs: {x: {shape: [3]}}\nlayers:\n  s: {type: Scale, inputs: x}\n")
    out = _run(f"""
        import sys
        from typing import Literal
        from modelspec.cli import main
        from modelspec.layers import Layer, register

        @register
        class Scale(Layer):
            '''Multiplies by 2: any shape -> the same shape.'''
            type: Literal["Scale"] = "Scale"

            def output_shape(self, x):
                return x

        sys.stderr = sys.stdout
        print("exit", main(["validate", {str(spec)!r}]))
        print("exit", main(["validate", {str(spec)!r}, "--backend", "torch"]))
    """)
    lines = out.splitlines()
    assert lines[0] == (f"{spec}:3:3: layers.s: warning: layer kind Scale is not built in: `modelspec validate "
                        "--backend keras --backend torch` checks that each back end lowers it")  # fmt: skip
    assert lines[1].endswith("ok (1 node, 0 params)") and lines[2] == "exit 0"
    assert f"{spec}:3:6: layers.s: layer kind Scale has no lowering in the torch back end" in lines
    assert lines[-1] == "exit 1"
