"""Safe YAML in, with a line and column for every key and value; atomic YAML out.

PyYAML composes the document into nodes (which carry marks); we build plain dicts, lists and
scalars from those nodes ourselves, so that:
- only the standard YAML tags are accepted (no `!!python/...`, no custom tags);
- alias expansion is bounded (a "billion laughs" document fails fast instead of eating memory);
- a key written twice in one mapping is an error, not a silent overwrite (the first one is kept, so
  every other problem of the file is still found: `Document.problems`);
- each value's position is recorded under its path, e.g. ("layers", "lstm", "units").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem, SpecError
from .files import write_atomic  # noqa: F401  (re-exported: the one atomic writer)

# libyaml's parser when PyYAML was built with it (10x faster); the same events and marks either way
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000  # values built, counting each alias expansion again
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class Document:
    """A loaded YAML document: its data and where each part of it was written."""

    def __init__(
        self,
        data: Any,
        locations: dict[tuple, Location],
        source: str,
        problems: list[Problem] | None = None,
    ):
        self.data = data
        self.locations = locations
        self.source = source
        self.problems = problems or []  # found while reading it (a duplicate key), not fatal

    def locate(self, path: tuple) -> Location:
        """The position of `path`, or of its nearest ancestor that was written in the file."""
        path = tuple(path)
        while path and path not in self.locations:
            path = path[:-1]
        return self.locations.get(path, Location(self.source, 1, 1))

    def locate_key(self, path: tuple) -> Location:
        """The position of the key that introduces `path` (for unknown and misspelled keys)."""
        return self.locations.get(("<key>", *path)) or self.locate(path)

    def get(self, path: tuple, default: Any = None) -> Any:
        """The value at `path` in the data, or `default` when the path is not there."""
        node = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node


class _Builder:
    def __init__(self, source: str):
        self.source = source
        self.locations: dict[tuple, Location] = {}
        self.count = 0
        self.problems: list[Problem] = []
        self.scalars = yaml.SafeLoader("")  # only its scalar constructors are used

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.source, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: yaml.Node, path: tuple, message: str) -> SpecError:
        return SpecError([Problem(self.loc(node), path, message)])

    def build(self, node: yaml.Node, path: tuple, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > 100:
            raise self.fail(node, path, "document too large or too deeply nested (alias bomb?)")
        self.locations.setdefault(path, self.loc(node))
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise self.fail(node, path, f"tag {node.tag} is not allowed")
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, path, "merge keys (<<) are not supported")
                key = self.build(key_node, path + ("<key>",), depth + 1)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise self.fail(key_node, path, f"mapping keys must be strings, got {key!r}")
                key = str(key)
                if key in out:
                    duplicate = Problem(self.loc(key_node), path + (key,), f"duplicate key {key!r}")
                    self.problems.append(duplicate)
                    continue
                self.locations[("<key>", *path, key)] = self.loc(key_node)
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self.fail(node, path, f"tag {node.tag} is not allowed")
            return [self.build(v, path + (i,), depth + 1) for i, v in enumerate(node.value)]
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, path, f"tag {node.tag} is not allowed (only plain YAML values)")
        return self.scalars.construct_object(node)


def parse(text: str, source: str = "<string>") -> Document:
    """Parse YAML text; raise `SpecError` for syntax errors, tags and bombs (a duplicate key is
    one of the document's `problems`)."""
    try:
        loader = Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(source, mark.line + 1, mark.column + 1) if mark else Location(source, 1, 1)
        raise SpecError([Problem(where, (), f"invalid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem(Location(source, 1, 1), (), f"invalid YAML: {exc}")]) from None
    if root is None:
        raise SpecError([Problem(Location(source, 1, 1), (), "the document is empty")])
    builder = _Builder(source)
    data = builder.build(root, ())
    builder.scalars.constructed_objects.clear()  # else the YAML nodes linger in reference cycles
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise SpecError([Problem(builder.loc(root), (), f"a spec must be a mapping, got {kind}")])
    return Document(data, builder.locations, source, builder.problems)


def read(path: str | os.PathLike) -> Document:
    """Read and parse a spec file; a missing or unreadable file is a `SpecError` too."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SpecError(
            [Problem(Location(str(path), 0, 0), (), f"cannot read file: {reason}")]
        ) from None
    return parse(text, str(path))


def dump(data: Any) -> str:
    """YAML text for plain data, keys in the order given."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, allow_unicode=True)


class Flow(dict):
    """A mapping `dump` writes on one line (`{type: Dense, units: 8, inputs: x}`), as specs are
    written by hand: one node per line."""


class _SpecDumper(yaml.SafeDumper):
    pass


_SpecDumper.add_representer(
    Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, True)
)


def dump_spec(data: Any) -> str:
    """YAML text of spec data, keys in the order given, each `Flow` mapping on one line (and
    lists of numbers in flow style)."""
    return yaml.dump(
        data,
        Dumper=_SpecDumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=1_000_000,
    )
