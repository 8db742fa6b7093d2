"""Resolve a validated document into the graph IR, inferring every tensor's type on the way.

Sequential lists, graph mappings, shared layers, blocks and their repeats, and `${param}`
references all end here as one flat, topologically ordered list of nodes. Every problem found is
recorded with its place in the file and the pass goes on, so one run reports them all; a node
downstream of a broken one gets no type and no further complaint.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .diagnostics import problems_from
from .document import SpecDocument
from .errors import Problem
from .graph import DraftGraph, DraftNode, Scope, TensorType, producer
from .layers import REGISTRY, Layer, ShapeError, format_shape
from .layers.base import expect_min_rank
from .limits import (
    MAX_BLOCK_DEPTH,
    MAX_GRAPH_NODES,
    Suggestions,
    copy_size,
    cycle_messages,
)
from .masks import cleared_masks
from .naming import keras_name, name_problem
from .nodes import NODE_FIELDS, BlockNode, SharedNode
from .params import UnresolvedParam, references_in, substitute
from .roles import Tensors, as_written, bind, flattened, references
from .yamlio import Document

if TYPE_CHECKING:
    from .blocks import Block
    from .optimization import Training
    from .plan import TrainingPlan


@dataclass(frozen=True)
class _Outputs:
    """What a layer node's name stands for in its section: its outputs (the first is the node's
    own tensor, `node`; each other is `node.OUTPUT`). `layer` None: its layer is invalid (already
    reported), so a reference to any of its outputs passes quietly."""

    node: str
    layer: Layer | None

    @property
    def names(self) -> tuple[str, ...] | None:
        return self.layer.output_names() if self.layer is not None else None


def param_values(spec: SpecDocument, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each param's value: a plain value, else the override, else its search space's default."""
    values = {}
    for name, param in spec.params.items():
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif hasattr(param, "default_value"):
            values[name] = param.default_value()
        else:
            values[name] = param
    return values


def resolve(
    spec: SpecDocument,
    doc: Document,
    overrides: dict[str, Any] | None = None,
    broken: dict[tuple, set] | None = None,
) -> DraftGraph:
    """The typed graph of a validated document. `broken`: nodes set aside as invalid, by section."""
    return _Resolver(spec, doc, param_values(spec, overrides), broken or {}).run()


class _Resolver:
    def __init__(
        self, spec: SpecDocument, doc: Document, env: dict[str, Any], broken: dict[tuple, set]
    ):
        self.spec, self.doc, self.env, self.broken = spec, doc, env, broken
        self.problems: list[Problem] = []
        self.reported: set[Problem] = set()
        self.suggest = Suggestions()  # "did you mean", within a budget for the whole spec
        self.unusable: set[str] = set()  # params whose value is refused (reported): uses stay quiet
        self.block_sizes: dict[str, int] = {}  # block -> nodes of one copy (`limits.copy_size`)
        self.too_many = False  # the model grew past MAX_GRAPH_NODES (reported once)
        self.nodes: list[DraftNode] = []
        self.types: dict[str, TensorType | None] = {}  # tensor name -> type (None: unknown)
        self.taken: set[str] = set()
        self.shares: list[tuple[DraftNode, DraftNode | None]] = []  # (sharing node, owning node)
        self.block_stack: list[str] = []
        self.context = ""  # "in res1 (copy 2 of 3): " while expanding a block

    # --- reporting -------------------------------------------------------------------------
    def report(
        self,
        path: tuple,
        message: str,
        node: DraftNode | None = None,
        *,
        key: bool = False,
        severity: str = "error",
    ) -> None:
        if path and isinstance(path[-1], int) and isinstance(self.doc.get(path[:-1]), str):
            path = path[:-1]  # `inputs: x` was written without brackets
        where = self.doc.locate_key(path) if key else self.doc.locate(path)
        problem = Problem(where, path, self.context + message, severity)  # type: ignore[arg-type]
        if problem not in self.reported:
            self.reported.add(problem)
            self.problems.append(problem)
        if node is not None:
            node.problems.append(problem)

    # --- the whole graph ---------------------------------------------------------------------
    def run(self) -> DraftGraph:
        self.check_params()
        inputs = self.inputs()
        self.types.update(inputs)
        self.taken.update(inputs)
        bound = {name: name for name in inputs}
        local, sinks = self.expand(self.spec.layers, ("layers",), (), "", self.env, bound)
        outputs = self.outputs(local, sinks)
        self.check_shares()
        graph_nodes = self.prune(outputs, inputs)
        for node, message in cleared_masks(graph_nodes, self.types, outputs):
            self.report(node.path, message, node, key=True)
        training = self.check_training(outputs)
        return DraftGraph(self.spec.name, inputs, graph_nodes, outputs, self.problems, training)

    def check_params(self) -> None:
        for name, param in self.spec.params.items():
            found = references_in(param) or references_in(self.env.get(name))  # or its override
            if found:
                self.report(
                    ("params", name),
                    f"a param's value cannot be a reference ({found[0]}): params do not read "
                    "one another; write the value itself",
                )
                self.unusable.add(name)
                self.env.pop(name, None)
                continue
            for check in ("check_default", "bounds_problem"):
                message = getattr(param, check, lambda: None)()
                if message:
                    self.report(("params", name), message)

    def inputs(self) -> dict[str, TensorType]:
        out = {}
        for name, spec in self.spec.inputs.items():
            path = ("inputs", name)
            if problem := name_problem(name, "input"):
                self.report(path, problem, key=True)
            shape = self.substitute(spec.shape, self.env, path + ("shape",))
            if shape is None:
                continue
            bad = [d for d in shape if d is not None and (not isinstance(d, int) or d < 1)]
            if bad:
                self.report(
                    path + ("shape",), f"dimensions must be positive ints or null, got {bad[0]!r}"
                )
                continue
            out[name] = TensorType(tuple(shape), spec.dtype)
        return out

    def outputs(self, local: dict[str, Any], sinks: list[str]) -> list[str]:
        if self.spec.outputs is None:
            return sinks
        outputs: dict[str, None] = {}
        for i, ref in enumerate(self.spec.outputs):
            tensor = self.lookup(ref, local, ("outputs", i))
            if tensor in outputs:  # per-output losses and metrics are keyed by name
                self.report(("outputs", i), f"output {ref!r} is listed twice")
            elif tensor is not None:
                outputs[tensor] = None
        return list(outputs)

    def check_training(self, outputs: list[str]) -> TrainingPlan | None:
        """Check per-output keys against the outputs; return the section resolved per output
        (`plan.TrainingPlan`), or None when there is none or it has an error (reported)."""
        training = self.spec.training
        if training is None:
            return None
        before = len(self.problems)
        concrete = self.concrete_training()
        declared = [str(o) for o in self.spec.outputs or outputs]
        for field in ("loss", "loss_weights", "metrics", "class_weight", "sample_weight"):
            value = getattr(training, field)
            if not isinstance(value, dict) or "type" in value:
                continue
            if field == "class_weight" and not any(isinstance(v, dict) for v in value.values()):
                continue  # {class id: weight} of a single-output model
            for key in value:
                if key not in declared:
                    self.report(
                        ("training", field, key),
                        f"{key!r} is not an output{self.suggest(key, declared)}; "
                        f"outputs: {', '.join(declared)}",
                        key=True,
                    )
            if field == "loss":
                for missing in (o for o in declared if o not in value):
                    self.report(("training", "loss"), f"no loss for output {missing!r}")
        if concrete is None or len(self.problems) > before or len(declared) != len(outputs):
            return None
        layers = {n.name: n.layer for n in self.nodes}  # an output that is a model input has none
        activations = {
            o: layer.final_activation() if (layer := layers.get(o)) else None for o in outputs
        }
        from .callbacks import training_problems
        from .plan import plan_training  # with the training section's models, when it has one

        plan = plan_training(concrete, outputs, declared, activations)
        for path, message in training_problems(concrete, plan, declared):
            self.report(("training", *path), message)
        return None if len(self.problems) > before else plan

    def concrete_training(self) -> Training | None:
        """The training section with params substituted, validated again with the values."""
        if self.spec.training is None:
            return None
        raw = self.substitute(
            self.spec.training.model_dump(by_alias=True, exclude_unset=True),
            self.env,
            ("training",),
        )
        if raw is None:
            return None
        from .optimization import Training

        try:
            return Training.model_validate(raw)
        except ValidationError as exc:
            for problem in problems_from(
                exc, Training, self.doc, base=("training",), note_refs=True
            ):
                self.report(problem.path, problem.message)
            return None

    # --- one section (the model's layers or a block's) --------------------------------------
    def expand(
        self,
        section: Any,
        path: tuple,
        scope: tuple,
        prefix: str,
        env: dict[str, Any],
        bound: dict[str, str],
    ) -> tuple[dict[str, Any], list[str]]:
        """Place a section's nodes; return local name -> tensor(s), and the section's sinks."""
        if isinstance(section, list):
            return self.expand_sequence(section, path, scope, prefix, env, bound)
        local: dict[str, Any] = dict(bound)
        local.update((name, None) for name in self.broken.get(path, ()))  # invalid: stay quiet
        for name in [n for n in section if n in bound]:
            self.report(path + (name,), f"node {name!r} has the name of an input", key=True)
        section = {n: m for n, m in section.items() if n not in bound}
        order = self.order(section, path, bound)
        for name in order:
            node_path = path + (name,)
            model = section[name]
            refs = model.inputs
            if refs is None:
                self.report(
                    node_path, "needs `inputs:` (the tensors it takes: inputs or nodes)", key=True
                )
                continue
            looked_up = [self.lookup(r, local, node_path + at) for at, r in references(refs)]
            if any(t is None for t in looked_up):
                local[name] = None
                continue
            tensors = as_written(refs, looked_up)  # type: ignore[arg-type]
            local[name] = self.place(name, model, node_path, tensors, section, scope, prefix, env)
        used = {self.base(r) for m in section.values() for _, r in references(m.inputs)}
        sinks = [self.single(local[n]) for n in order if n not in used and local.get(n)]
        return local, [s for s in sinks if s]

    def expand_sequence(
        self,
        section: list,
        path: tuple,
        scope: tuple,
        prefix: str,
        env: dict[str, Any],
        bound: dict[str, str],
    ) -> tuple[dict[str, Any], list[str]]:
        if len(bound) != 1:
            self.report(
                path,
                f"a sequential list takes exactly one input, got {len(bound)} "
                f"({', '.join(bound)}); use the graph form (a mapping) instead",
            )
            return {}, []
        local: dict[str, Any] = dict(bound)
        current: str | None = next(iter(bound.values()))
        names = _auto_names(section)
        named = dict(zip(names, section))
        for i, (name, model) in enumerate(zip(names, section)):
            node_path = path + (i,)
            if model.inputs is not None:
                self.report(
                    node_path + ("inputs",),
                    "in a sequential list each layer takes the "
                    "previous one's output; `inputs:` belongs to the graph form",
                    key=True,
                )
            if current is None:
                break
            result = self.place(name, model, node_path, [current], named, scope, prefix, env)
            local[name] = result
            current = self.single(result, node_path)
        return local, [current] if current else []

    def order(self, section: dict, path: tuple, bound: dict[str, str]) -> list[str]:
        """Declaration order, moved only as far as dependencies require; cycles are reported."""
        names = list(section)
        index = {name: i for i, name in enumerate(names)}
        deps = {
            n: {self.base(r) for _, r in references(section[n].inputs) if self.base(r) in index}
            for n in names
        }
        waiting = {n: len(d) for n, d in deps.items()}
        readers: dict[str, list[str]] = {}
        for name, needs in deps.items():
            for need in needs:
                readers.setdefault(need, []).append(name)
        ready = [index[n] for n in names if not waiting[n]]
        heapq.heapify(ready)
        done: list[str] = []
        while ready:
            name = names[heapq.heappop(ready)]
            done.append(name)
            for reader in readers.get(name, ()):
                waiting[reader] -= 1
                if not waiting[reader]:
                    heapq.heappush(ready, index[reader])
        stuck = {n: {d for d in deps[n] if waiting[d]} for n in names if waiting[n]}
        for name, message in cycle_messages(stuck).items():  # at its members, not downstream
            self.report(path + (name, "inputs"), message)
        return done

    # --- one node ------------------------------------------------------------------------------
    def place(
        self,
        name: str,
        model: Any,
        path: tuple,
        tensors: Tensors,
        section: Any,
        scope: tuple,
        prefix: str,
        env: dict[str, Any],
    ) -> Any:
        if problem := name_problem(
            name, "block instance" if isinstance(model, BlockNode) else "node"
        ):
            self.report(path, problem, key=True)
        if isinstance(model, BlockNode):
            if isinstance(tensors, dict):
                self.report(
                    path + ("inputs",),
                    f"block {model.block!r} takes its inputs as a list, in the order of the "
                    "block's `inputs:`; a mapping of roles is for layer kinds",
                    key=True,
                )
                return None
            return self.instantiate(name, model, path, tensors, scope, prefix, env)
        if len(self.nodes) >= MAX_GRAPH_NODES:  # a `repeat: ${n}` inside a block, counted here
            if not self.too_many:
                self.report(path, f"the model expands to over {MAX_GRAPH_NODES:,} nodes, the most "
                            "a spec may have (block copies counted)", key=True)  # fmt: skip
            self.too_many = True
            return None
        full = prefix + name
        if full in self.taken:
            self.report(path, f"duplicate name {full!r}", key=True)
            return None
        self.taken.add(full)
        if isinstance(model, SharedNode):
            owner_model = section.get(model.shares) if isinstance(section, dict) else None
            if model.shares in self.broken.get(path[:-1], ()):
                return None  # the owner is invalid and already reported
            if owner_model is None or isinstance(owner_model, (SharedNode, BlockNode)):
                candidates = (  # looked at lazily: `suggest` takes what its budget leaves
                    k for k, m in section.items() if not isinstance(m, (SharedNode, BlockNode))
                )
                what = "names no layer node" if owner_model is None else "must name a layer node"
                self.report(
                    path + ("shares",),
                    f"shares {model.shares!r}: {what}{self.suggest(model.shares, candidates)}",
                )
                return None
            layer = self.concretize(owner_model, path, env, quiet=True)
            kind = type(owner_model)
            node = DraftNode(full, layer, [], path, layer_name=prefix + model.shares, scope=scope)
        else:
            layer = self.concretize(model, path, env)
            kind = type(model)
            node = DraftNode(full, layer, [], path, scope=scope)
        binding = bind(kind, tensors, path)
        for at, message, key in binding.problems:
            self.report(at, message, key=key)
        self.types[full] = None
        if not binding.problems:
            node.inputs, node.keywords = binding.inputs, binding.keywords
            self.infer(node, binding.where)
        else:  # no type, but a diagram still draws what it reads
            node.inputs = flattened(tensors)
        self.nodes.append(node)
        if node.shared:
            owner = next((n for n in self.nodes if n.name == node.layer_name), None)
            self.shares.append((node, owner))  # owner may come later; matched in check_shares
        return _Outputs(full, layer)

    def concretize(
        self, model: Any, path: tuple, env: dict[str, Any], quiet: bool = False
    ) -> Layer | None:
        """The node's layer config with params substituted, validated again with the values."""
        raw = self.substitute(
            model.model_dump(exclude=NODE_FIELDS, by_alias=True), env, path, quiet=quiet
        )
        if raw is None:
            return None
        sink: list[Problem] = []
        try:
            return REGISTRY[raw["type"]].model_validate(raw)
        except ValidationError as exc:
            sink = problems_from(exc, REGISTRY[raw["type"]], self.doc, base=path, note_refs=True)
        if not quiet:
            for problem in sink:
                self.report(problem.path, problem.message)
        return None

    def infer(self, node: DraftNode, where: dict[str, tuple]) -> None:
        """The node's output types (and weights) from its inputs' types; a problem with them is
        reported at the node, or at the input role at fault (`where`: role -> its path)."""
        types = [self.types.get(t) for t in node.inputs]
        keyword_types = [self.types.get(t) for t in node.reads[len(node.inputs) :]]
        layer = node.layer
        if layer is None or any(t is None for t in types + keyword_types):
            return
        n, low, high = len(types), layer.min_inputs, layer.max_inputs
        if n < low or (high is not None and n > high):
            want = f"{low}" if low == high else f"{low} to {high}" if high else f"at least {low}"
            self.report(
                node.path + ("inputs",), f"{layer.type} takes {want} input(s), got {n}", node
            )
            return
        shapes = [t.shape for t in types]  # type: ignore[union-attr]
        roles = layer.by_role(
            {role: [self.types[t].shape for t in ts] for role, ts in node.keywords.items()}  # type: ignore[union-attr]
        )
        try:
            expect_min_rank(layer, shapes)
            layer.check_dtypes(*(t.dtype for t in types))  # type: ignore[union-attr]
            outputs = [tuple(shape) for shape in layer.output_shapes(*shapes, **roles)]
            for shape in outputs:
                if any(d is not None and d < 1 for d in shape):
                    raise ShapeError(
                        f"{layer.type} would output {format_shape(shape)} from "
                        f"{', '.join(format_shape(s) for s in shapes)}: input too small"
                    )
            weights = layer.weights(*shapes) if not node.shared else {}
            masks = tuple(t.masked for t in types)  # type: ignore[union-attr]
            masked = layer.compute_mask(masks, *shapes, **roles)
        except ShapeError as exc:
            at = where.get(exc.role) if exc.role else None
            if at is None:
                self.report(node.path, str(exc), node, key=True)
            else:
                self.report(at + (() if exc.index is None else (exc.index,)), str(exc), node)
            return
        if any(masks) and not layer.supports_masking:  # Keras warns too
            self.report(
                node.path,
                f"{layer.type} does not support masking: the mask of its input ends here, "
                "as in Keras",
                node,
                key=True,
                severity="warning",
            )
        node.weights = weights
        dtype = layer.output_dtype(*(t.dtype for t in types))  # type: ignore[union-attr]
        names = layer.output_names()
        node.output = TensorType(outputs[0], dtype, masked)
        node.extra_outputs = {
            n: TensorType(shape, dtype) for n, shape in zip(names[1:], outputs[1:], strict=True)
        }
        self.types.update(node.tensors)

    # --- blocks --------------------------------------------------------------------------------
    def instantiate(
        self,
        name: str,
        model: BlockNode,
        path: tuple,
        tensors: list[str],
        scope: tuple,
        prefix: str,
        env: dict[str, Any],
    ) -> Any:
        block: Block | None = self.spec.blocks.get(model.block)
        if block is None:
            self.report(
                path + ("block",),
                f"unknown block {model.block!r}{self.suggest(model.block, self.spec.blocks)}",
            )
            return None
        if len(self.block_stack) >= MAX_BLOCK_DEPTH:
            self.report(
                path + ("block",),
                f"blocks nest over {MAX_BLOCK_DEPTH} deep here ({self.block_stack[0]} -> ... -> "
                f"{self.block_stack[-1]} -> {model.block})",
            )
            return None
        if model.block in self.block_stack:
            self.report(
                path + ("block",),
                f"block {model.block!r} instantiates itself "
                f"({' -> '.join([*self.block_stack, model.block])})",
            )
            return None
        repeat = self.substitute(model.repeat, env, path + ("repeat",))
        args = self.substitute(model.params, env, path + ("params",))
        defaults = self.substitute(block.params, env, ("blocks", model.block, "params"))
        if repeat is None or args is None or defaults is None:
            return None
        ok = True
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            self.report(path + ("repeat",), f"repeat must be a positive int, got {repeat!r}")
            ok = False
        for key in args:
            if key not in block.params:
                self.report(
                    path + ("params", key),
                    f"block {model.block!r} has no param {key!r}{self.suggest(key, block.params)}",
                    key=True,
                )
                ok = False
        if len(tensors) != len(block.inputs):
            self.report(
                path + ("inputs",),
                f"block {model.block!r} takes {len(block.inputs)} "
                f"input(s) ({', '.join(block.inputs)}), got {len(tensors)}",
            )
            ok = False
        n_out = len(block.outputs) if block.outputs else None
        if ok and repeat > 1 and n_out not in (None, len(block.inputs)):
            self.report(
                path + ("repeat",),
                f"repeat {repeat} chains each copy into the next, so "
                f"block {model.block!r} needs as many outputs as inputs "
                f"({n_out} outputs, {len(block.inputs)} inputs)",
            )
            ok = False
        if not ok or not self.within_limit(model.block, repeat, path):
            return None
        inner_env = {**env, **defaults, **args}
        body = ("blocks", model.block, "layers")
        current: list[str] = tensors
        outputs: dict[str, str] = {}
        outer_context = self.context
        self.block_stack.append(model.block)
        try:
            for copy in range(1, repeat + 1):
                tag = f"{prefix}{name}_" + (f"{copy}_" if repeat > 1 else "")
                level = Scope(prefix + name, model.block, copy, repeat)
                where = f"{prefix + name}" + (f" (copy {copy} of {repeat})" if repeat > 1 else "")
                self.context = f"{outer_context}in {where}: "
                if len(self.block_stack) > 3:  # nested deep: the outermost instance and this one
                    self.context = f"{outer_context.split(': ', 1)[0]}: ... in {where}: "
                bound = dict(zip(block.inputs, current))
                local, sinks = self.expand(
                    block.layers, body, scope + (level,), tag, inner_env, bound
                )
                if self.too_many:  # over the node limit inside: reported there, stop here
                    return None
                if block.outputs is None:
                    names = sinks
                    outputs = dict(zip([s[len(tag) :] for s in sinks], sinks))
                else:
                    found = [
                        self.lookup(o, local, ("blocks", model.block, "outputs", i))
                        for i, o in enumerate(block.outputs)
                    ]
                    if any(t is None for t in found):
                        return None
                    names = found  # type: ignore[assignment]
                    outputs = dict(zip(block.outputs, found))  # type: ignore[arg-type]
                if repeat > 1 and len(names) != len(block.inputs):
                    self.report(
                        path + ("repeat",), "repeat needs the block's outputs to match its inputs"
                    )
                    return None
                current = names
        finally:
            self.block_stack.pop()
            self.context = outer_context
        return outputs

    def within_limit(self, block: str, repeat: int, path: tuple) -> bool:
        """Whether `repeat` copies of `block` keep the model within MAX_GRAPH_NODES (checked
        before any copy is made; reported at the `repeat:` when they would not)."""
        size = copy_size(block, self.spec.blocks, self.block_sizes)
        if len(self.nodes) + repeat * size <= MAX_GRAPH_NODES:
            return True
        copies = f"{repeat:,} copies of block {block!r}" if repeat > 1 else f"block {block!r}"
        made = (
            f"over {MAX_GRAPH_NODES:,} nodes a copy (with the repeats inside it)"
            if size > MAX_GRAPH_NODES
            else f"{repeat * size:,} nodes ({size:,} a copy)"
        )
        before = f" after the {len(self.nodes):,} made before them" if self.nodes else ""
        self.report(
            path + ("repeat",),
            f"{copies} would make {made}{before}; a spec may have at most "
            f"{MAX_GRAPH_NODES:,} nodes",
        )
        self.too_many = True  # the copies around this one stop too
        return False

    # --- references ------------------------------------------------------------------------------
    @staticmethod
    def base(ref: str) -> str:
        return ref.split(".", 1)[0]

    def single(self, value: Any, path: tuple | None = None) -> str | None:
        """The one tensor a local name stands for: a layer node's first output; a block instance
        must have one output."""
        if isinstance(value, _Outputs):
            return value.node
        if isinstance(value, dict):
            if len(value) == 1:
                return next(iter(value.values()))
            if value and path is not None:  # empty: the block broke inside, already reported
                self.report(
                    path,
                    f"this block has {len(value)} outputs ({', '.join(value)}); "
                    f"name one, as in `{{node}}.{next(iter(value))}`",
                )
            return None
        return value

    def lookup(self, ref: str, local: dict[str, Any], path: tuple) -> str | None:
        base, _, member = ref.partition(".")
        if base not in local:
            self.report(path, f"unknown input {ref!r}{self.suggest(base, local)}")
            return None
        value = local[base]
        if value is None:
            return None  # already reported where it broke
        if isinstance(value, _Outputs):
            return self.output_of(value, base, member, path)
        if isinstance(value, dict):
            if member:
                if member not in value:
                    self.report(
                        path, f"{base!r} has no output {member!r}{self.suggest(member, value)}"
                    )
                    return None
                return value[member]
            return self.single(value, path)
        if member:
            self.report(path, f"{base!r} is a layer with one output; write {base!r}")
            return None
        return value

    def output_of(self, value: _Outputs, base: str, member: str, path: tuple) -> str | None:
        """The tensor `base.member` of a layer node (bare `base`: its first output)."""
        names = value.names
        if not member or names is None:
            return value.node if not member else None  # an invalid layer: reported already
        if member not in names:
            hint = value.layer.output_hint(member) if value.layer else ""
            if len(names) == 1:
                self.report(path, f"{base!r} is a layer with one output; write {base!r}{hint}")
            else:
                self.report(
                    path,
                    f"{base!r} has no output {member!r}{self.suggest(member, names)}; "
                    f"its outputs: {', '.join(names)}{hint}",
                )
            return None
        return value.node if member == names[0] else f"{value.node}.{member}"

    def substitute(self, value: Any, env: dict[str, Any], path: tuple, quiet: bool = False) -> Any:
        """`value` with its `${param}`s replaced; None when one names no param (reported unless
        `quiet`, or the param's own value was refused)."""
        try:
            return substitute(value, env)
        except UnresolvedParam as exc:
            if not quiet and exc.name not in self.unusable:
                self.report(
                    path + exc.path,
                    f"unresolved ${{{exc.name}}}: no param of that name"
                    f"{self.suggest(exc.name, env)}",
                )
            return None

    # --- after all nodes are placed -------------------------------------------------------------
    def check_shares(self) -> None:
        by_name = {n.name: n for n in self.nodes}
        for node, found in self.shares:
            owner = found or by_name.get(node.layer_name)
            if owner is None or owner.layer is None or not owner.weights and owner.output is None:
                continue
            if node.output is None:
                continue
            types = [self.types[t] for t in node.inputs]
            mine = node.layer.weights(*(t.shape for t in types))  # type: ignore[union-attr]
            if mine != owner.weights:
                got = ", ".join(format_shape(t.shape) for t in types)  # type: ignore[union-attr]
                built = ", ".join(format_shape(self.types[t].shape) for t in owner.inputs)  # type: ignore[union-attr]
                self.report(
                    node.path + ("shares",),
                    f"shares the layer of {owner.name!r}, built for "
                    f"input {built}, but gets {got}: its weights would not fit",
                    node,
                )

    def prune(self, outputs: list[str], inputs: dict[str, TensorType]) -> list[DraftNode]:
        """Keep the nodes outputs depend on (as Keras' Model does); warn about the rest.

        No warnings once there are errors: a broken node leaves its neighbours looking unused.
        """
        quiet = any(p.severity == "error" for p in self.problems) or any(self.broken.values())
        by_name = {n.name: n for n in self.nodes}
        needed: set[str] = set()
        stack = [producer(o) for o in outputs]
        while stack:
            name = stack.pop()
            if name in needed:
                continue
            needed.add(name)
            node = by_name.get(name)
            if node:
                stack.extend(producer(t) for t in node.reads)
                if node.shared:
                    stack.append(node.layer_name)
        for node in self.nodes:
            if node.name not in needed and not quiet:
                self.report(
                    node.path,
                    f"node {node.name!r} does not reach any output; it is left out of the model",
                    severity="warning",
                )
        for name in inputs:
            if name not in needed and not quiet:
                self.report(
                    ("inputs", name), f"input {name!r} is not used", key=True, severity="warning"
                )
        return [n for n in self.nodes if n.name in needed]


def _auto_names(section: list) -> list[str]:
    """Names for sequential items: `name:` if given, else Keras' own (`naming.keras_name`):
    `dense`, `dense_1`, `conv2d`, ..."""
    counts: dict[str, int] = {}
    names = []
    for model in section:
        if model.name:
            names.append(model.name)
            continue
        if isinstance(model, SharedNode):
            stem = f"{model.shares}_shared"
        elif isinstance(model, BlockNode):
            stem = model.block
        else:
            stem = keras_name(model.type)
        n = counts.get(stem, 0)
        counts[stem] = n + 1
        names.append(stem if n == 0 else f"{stem}_{n}")  # Keras' counter form
    return names
