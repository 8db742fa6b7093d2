"""Turn Pydantic's validation errors into located, readable `Problem`s.

Pydantic reports a location as a tuple that also holds the tags of discriminated unions
(`("layers", "graph", "d", "Dense", "units")`). We walk that tuple alongside the model types,
drop the tags, and so get the path as the user wrote it (`layers.d.units`), the model that owns
a misspelled key (for "did you mean"), and the position in the file.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

from .dispatch import Dispatched
from .errors import Problem, did_you_mean
from .hints import hint
from .params import ref_name
from .yamlio import Document


def _unannotate(t: Any) -> tuple[Any, str | None]:
    """Strip `Annotated[...]`, returning the bare type and its union `Tag`, if any."""
    tag = None
    while get_origin(t) is not None and hasattr(t, "__metadata__"):
        tag = next((m.tag for m in t.__metadata__ if isinstance(m, Tag)), tag)
        t = get_args(t)[0]
    return t, tag


def _is_union(t: Any) -> bool:
    return get_origin(t) in (Union, types.UnionType)


def _fields(model: type[BaseModel]) -> dict[str, str]:
    """Field names as written in YAML (aliases where set) -> attribute names."""
    return {(f.alias or name): name for name, f in model.model_fields.items()}


def _type_tags(model: Any) -> tuple:
    """The values a model's `type: Literal[...]` field takes (none for anything else)."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return ()
    field = model.model_fields.get("type")
    return get_args(field.annotation) if field is not None else ()


def _through_unions(t: Any, seg: Any, dispatched: Callable[[Any], Any]) -> tuple[Any, bool]:
    """The type `seg` goes into from `t`, through unions: a member and True when `seg` is a
    union's tag (Pydantic's, or the value of the members' `type`); the member of `X | None`
    (itself walked through, if a union) and False; None where `seg` names a leaf's member."""
    while _is_union(t):
        members = [_unannotate(m) for m in get_args(t) if m is not type(None)]
        tagged = {tag: m for m, tag in members if tag is not None}
        if tagged:
            return tagged.get(seg), True
        by_type = {tag: m for m, _ in members for tag in _type_tags(m)}
        if seg in by_type:
            return by_type[seg], True
        if len(members) != 1:
            return None, False
        t = dispatched(members[0][0])
    return t, False


def walk(
    root: Any, loc: tuple, value_at: Callable[[tuple], Any] = lambda path: None
) -> tuple[tuple, type[BaseModel] | None]:
    """The user-facing path of a Pydantic `loc`, and the model that owns its last key.

    `value_at(path)` gives the value written at a user-facing path: a node's model depends on it.
    """
    path: list = []
    t: Any = root
    owner: type[BaseModel] | None = None

    def dispatched(t: Any) -> Any:  # the model a `Dispatched` annotation picks for the value here
        t, _ = _unannotate(t)
        if isinstance(t, type) and issubclass(t, Dispatched):
            return t.model_for(value_at(tuple(path)))
        return t

    for seg in loc:
        t, tag = _through_unions(dispatched(t), seg, dispatched)
        if t is None:  # below a leaf: Pydantic names union members ("int", "tuple[...]"); drop
            break
        if tag:
            continue  # `seg` was a union tag, not part of the user's path
        path.append(seg)
        if isinstance(t, type) and issubclass(t, BaseModel):
            owner = t
            name = _fields(t).get(seg)
            t = t.model_fields[name].annotation if name else None
        elif get_origin(t) is dict:
            owner, t = None, get_args(t)[1]
        elif get_origin(t) in (list, tuple):
            args = get_args(t)
            owner, t = None, (args[0] if args else None)
        else:
            owner, t = None, None
    return tuple(path), owner


def problems_from(
    exc: ValidationError, root: Any, doc: Document, base: tuple = (), note_refs: bool = False
) -> list[Problem]:
    """One `Problem` per distinct path; `base` prefixes paths of a sub-document.

    With `note_refs`, a value that came from a `${param}` says so (the error is about the value).
    """
    by_path: dict[tuple, list[str]] = {}
    key_problems: set[tuple] = set()
    for error in exc.errors(include_url=False):
        path, owner = walk(root, tuple(error["loc"]), lambda p: doc.get(base + p))
        hinted = hint(error, path, owner, lambda p: doc.get(base + p))
        if hinted == "":
            continue  # another error of the same mistake says it (`modelspec.hints`)
        message = hinted or _message(error, path, owner)
        full = base + path
        if error["type"] in ("extra_forbidden", "union_tag_invalid", "layer_kind_unknown"):
            key_problems.add(full)
        if note_refs:
            ref = ref_name(doc.get(full))
            if ref:
                message += f" (the value of ${{{ref}}} is {error.get('input')!r})"
        messages = by_path.setdefault(full, [])
        if message not in messages:
            messages.append(message)
    siblings: dict[tuple, list[tuple]] = {}  # a mapping's path -> its keys' problems
    for key in key_problems:
        siblings.setdefault(key[:-1], []).append(key)
    problems = []
    for path, messages in by_path.items():
        if (
            path
            and messages[0].startswith("missing required field")
            and any(
                f"(did you mean {path[-1]!r}?)" in by_path[other][0]
                for other in siblings.get(path[:-1], ())
            )
        ):
            continue  # the misspelled key reported next to it says the same, and better
        where = doc.locate_key(path) if path in key_problems else doc.locate(path)
        problems.append(Problem(where, path, "; or ".join(messages)))
    return problems


def _message(error: Any, path: tuple, owner: type[BaseModel] | None) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden" and path:
        key = path[-1]
        known = list(_fields(owner)) if owner else []
        return f"unknown field {key!r}{did_you_mean(str(key), known)}"
    if kind == "union_tag_invalid":
        tags = [t.strip(" '") for t in ctx.get("expected_tags", "").split(",")]
        tag = str(ctx.get("tag"))
        return f"unknown kind {tag!r}{did_you_mean(tag, tags)}; expected one of {', '.join(tags)}"
    if kind == "union_tag_not_found":
        return "needs a `type:`"
    if kind == "literal_error" and isinstance(error.get("input"), str):
        options = [o.strip(" '") for o in ctx.get("expected", "").replace(" or ", ", ").split(",")]
        listed = f"; expected one of {', '.join(options)}" if len(options) <= 8 else ""
        return f"unknown value {error['input']!r}{did_you_mean(error['input'], options)}{listed}"
    if kind == "missing":
        return f"missing required field {path[-1]!r}" if path else "missing required field"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]
