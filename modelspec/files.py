"""Writing files atomically, with the permissions a plain `open(path, "w")` would give.

Every artifact modelspec writes (specs, JSON, diagrams, `.keras` and `.pt` models, histories,
the best spec of a search) goes through `write_atomic`, so a reader sees the old file or all of
the new one, never a part, and every kind gets the same mode.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

Writer = Callable[[str], None]
"""Writes the file's content to the temporary path it is given (as `model.save` or `torch.save` do)."""

Content = str | bytes | Writer


def write_atomic(path: str | os.PathLike, content: Content) -> None:
    """Write `content` (text, bytes, or a `Writer` called with a temporary path that ends in the
    same suffix as `path`) beside `path`, then move it over `path` in one step.

    An existing file keeps its mode; a new one gets `0o666 & ~umask`, as `open` would give it.
    A symbolic link is followed: its target is replaced, the link stays. Whatever fails (an
    `OSError`, a `TypeError` for content of another type, the writer's own error) propagates,
    and the temporary file is removed.
    """
    path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}"
    )
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            with os.fdopen(fd, "wb" if isinstance(content, bytes) else "w") as handle:
                handle.write(content)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def umask() -> int:
    """The process's umask: from /proc on Linux; elsewhere by setting it and setting it back
    (another thread creating a file in that instant would get mode 0666)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def cannot_write_in(folder: str, make: bool = False) -> str | None:
    """Why no file can be written in `folder` (its `strerror`), or None when one can: checked by
    making a temporary file there, after making the folder itself if `make`."""
    try:
        if make:
            os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
