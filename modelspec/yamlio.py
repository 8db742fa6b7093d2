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
from collections.abc import Iterator
from typing import Any

import yaml

from .errors import Location, Problem, SpecError
from .files import write_atomic  # noqa: F401  (re-exported: the one atomic writer)
from .limits import size_text

# libyaml's parser when PyYAML was built with it (10x faster); the same events and marks either way
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000  # values built, counting each alias expansion again
MAX_DEPTH = 100  # levels of nesting
MAX_BYTES = 128 * 2**20  # a spec file's size
MAX_DIGITS = 4_300  # an integer's, as Python's int() reads them (sys.get_int_max_str_digits)
_MAP, _SEQ, _MERGE = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
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
    """Plain data from the parser's events, one value at a time: the limits (values built,
    nesting) are checked as each value is met, so a document over them costs what its first
    MAX_NODES values cost, however long the file. An alias is built again from the events
    recorded at its anchor (and counted again)."""

    def __init__(self, loader: Any, source: str):
        self.loader = loader
        self.source = source
        self.locations: dict[tuple, Location] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.scalars = yaml.SafeLoader("")  # only its scalar constructors are used
        self.anchors: dict[str, list[yaml.Event]] = {}
        self.recording: list[list[yaml.Event]] = []  # the events of anchored values being read
        self.plain: dict[str, Any] = {}  # plain scalar text -> its value (`Dense`, `16`, `relu`)

    def loc(self, event: yaml.Event) -> Location:
        mark = event.start_mark
        return Location(self.source, mark.line + 1, mark.column + 1)

    def fail(self, event: yaml.Event, path: tuple, message: str) -> SpecError:
        path = tuple(part for part in path if part != "<key>")  # a key: the mapping's path
        return SpecError([Problem(self.loc(event), path, message)])

    def stream(self) -> Iterator[yaml.Event]:
        """The parser's events, each also added to every anchored value being recorded."""
        while True:
            event = self.loader.get_event()
            for events in self.recording:
                events.append(event)
            yield event

    def build(self, events: Iterator[yaml.Event], path: tuple, depth: int = 0) -> Any:
        """The value whose first event comes next from `events` (the parser's or a replay)."""
        event = next(events)
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                event,
                path,
                f"document too large or too deeply nested: over {MAX_NODES:,} values, the most a "
                "spec may hold (an alias counts its value again where it is used)",
            )
        if depth > MAX_DEPTH:
            raise self.fail(
                event,
                path,
                f"document too large or too deeply nested: over {MAX_DEPTH} levels of nesting",
            )
        if isinstance(event, yaml.AliasEvent):
            recorded = self.anchors.get(event.anchor)
            if recorded is None:
                raise self.fail(
                    event, path, f"alias *{event.anchor} has no anchor &{event.anchor} before it"
                )
            self.count -= 1  # the value it stands for counts, as if written here
            return self.build(_Replay(recorded), path, depth)
        self.locations.setdefault(path, self.loc(event))
        anchor = getattr(event, "anchor", None) if events is self.events else None
        if anchor is not None:
            self.anchors.pop(anchor, None)  # an alias inside its own anchor's value: undefined
            self.recording.append([event])
        value = self.value(event, events, path, depth)
        if anchor is not None:
            self.anchors[anchor] = self.recording.pop()
        return value

    def value(
        self, event: yaml.Event, events: Iterator[yaml.Event], path: tuple, depth: int
    ) -> Any:
        if isinstance(event, yaml.MappingStartEvent):
            if event.tag not in (None, "!", _MAP):
                raise self.fail(event, path, f"tag {event.tag} is not allowed")
            out: dict[str, Any] = {}
            while True:
                key_event = self.peek(events)
                if isinstance(key_event, yaml.MappingEndEvent):
                    next(events)
                    return out
                if isinstance(key_event, yaml.ScalarEvent) and (
                    key_event.tag == _MERGE or (key_event.value == "<<" and key_event.implicit[0])
                ):
                    raise self.fail(key_event, path, "merge keys (<<) are not supported")
                key = self.build(events, path + ("<key>",), depth + 1)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise self.fail(key_event, path, f"mapping keys must be strings, got {key!r}")
                key = str(key)
                if key in out:
                    duplicate = Problem(
                        self.loc(key_event), path + (key,), f"duplicate key {key!r}"
                    )
                    self.problems.append(duplicate)
                    self.build(events, path + (key, "<duplicate>"), depth + 1)  # read, not kept
                    continue
                self.locations[("<key>", *path, key)] = self.loc(key_event)
                out[key] = self.build(events, path + (key,), depth + 1)
        if isinstance(event, yaml.SequenceStartEvent):
            if event.tag not in (None, "!", _SEQ):
                raise self.fail(event, path, f"tag {event.tag} is not allowed")
            items: list[Any] = []
            while not isinstance(self.peek(events), yaml.SequenceEndEvent):
                items.append(self.build(events, path + (len(items),), depth + 1))
            next(events)
            return items
        return self.scalar(event, path)

    def peek(self, events: Iterator[yaml.Event]) -> yaml.Event:
        """The next event of `events`, left for the next `next` (`_Replay` and `stream` both)."""
        if events is self.events:
            return self.loader.peek_event()
        assert isinstance(events, _Replay)
        return events.peek()

    def scalar(self, event: yaml.ScalarEvent, path: tuple) -> Any:
        plain = event.tag is None and event.implicit[0]
        if plain and event.value in self.plain:
            return self.plain[event.value]
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in _SCALAR_TAGS:
            raise self.fail(event, path, f"tag {tag} is not allowed (only plain YAML values)")
        if tag == _INT and len(event.value) > MAX_DIGITS:
            raise self.fail(
                event,
                path,
                f"an integer of {len(event.value):,} digits is too long to read "
                f"(at most {MAX_DIGITS:,})",
            )
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        value = self.scalars.yaml_constructors[tag](self.scalars, node)
        if plain:
            self.plain[event.value] = value
        return value

    def document(self) -> Any:
        """The value of the stream's one document (None: the stream holds none)."""
        self.events: Iterator[yaml.Event] = self.stream()
        next(self.events)  # StreamStart
        if isinstance(self.loader.peek_event(), yaml.StreamEndEvent):
            return None
        next(self.events)  # DocumentStart
        data = self.build(self.events, ())
        next(self.events)  # DocumentEnd
        extra = next(self.events)
        if not isinstance(extra, yaml.StreamEndEvent):
            raise self.fail(extra, (), "the file holds more than one YAML document (---)")
        return data


class _Replay:
    """The events recorded at an anchor, read again for an alias."""

    def __init__(self, events: list[yaml.Event]):
        self.events, self.at = events, 0

    def __iter__(self) -> Iterator[yaml.Event]:
        return self

    def __next__(self) -> yaml.Event:
        self.at += 1
        return self.events[self.at - 1]

    def peek(self) -> yaml.Event:
        return self.events[self.at]


def parse(text: str, source: str = "<string>") -> Document:
    """Parse YAML text; raise `SpecError` for syntax errors, tags and bombs (a duplicate key is
    one of the document's `problems`)."""
    loader = Loader(text)
    builder = _Builder(loader, source)
    try:
        data = builder.document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(source, mark.line + 1, mark.column + 1) if mark else Location(source, 1, 1)
        raise SpecError([Problem(where, (), f"invalid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem(Location(source, 1, 1), (), f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if data is None and not builder.locations:
        raise SpecError([Problem(Location(source, 1, 1), (), "the document is empty")])
    if not isinstance(data, dict):
        kind = type(data).__name__
        where = builder.locations.get((), Location(source, 1, 1))
        raise SpecError([Problem(where, (), f"a spec must be a mapping, got {kind}")])
    return Document(data, builder.locations, source, builder.problems)


def read(path: str | os.PathLike) -> Document:
    """Read and parse a spec file; a missing or unreadable file is a `SpecError` too, and so is
    one over MAX_BYTES (read no further: `/dev/zero` is refused as soon as the limit is)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise SpecError(
                [
                    Problem(
                        Location(str(path), 0, 0),
                        (),
                        f"file too large: a spec file is at most {size_text(MAX_BYTES)}",
                    )
                ]
            )
        text = raw.decode("utf-8")
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
