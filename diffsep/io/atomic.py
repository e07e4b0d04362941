"""Atomic file writes: a temporary file beside the target, renamed over it only on success."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

from diffsep.errors import DiffsepError


def _cause(error: BaseException, path: Path) -> str:
    """What went wrong, in words: the OS's reason, or a full disk where libsndfile only says 'System error'."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    folder = next((p for p in [path, *path.parents] if p.exists()), Path("."))
    if shutil.disk_usage(folder).free < 1 << 20:
        return "no space left on device"
    return str(error) or type(error).__name__


@contextlib.contextmanager
def reported(path: str | Path) -> Iterator[None]:
    """Turn an OSError (or libsndfile's error) while writing ``path`` into one line naming the
    file and the cause."""
    from soundfile import SoundFileRuntimeError

    try:
        yield
    except (OSError, SoundFileRuntimeError) as error:
        raise DiffsepError(f"could not write {str(path)!r}: {_cause(error, Path(path))}") from None


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[str]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed.

    An interrupted run never leaves a half-written file under the final name; a failed write
    (full disk, unwritable folder) is one :class:`DiffsepError` naming the file.
    """
    path = Path(path)
    with reported(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(handle)
    try:
        with reported(path):
            yield temporary
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would hide outputs from other users
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_json(path: str | Path, value: Any, indent: int | None = 2) -> Path:
    """``value`` as JSON in ``path``, atomically (values JSON cannot hold are written as strings)."""
    with atomic_path(path) as temporary:
        Path(temporary).write_text(json.dumps(value, indent=indent, default=str))
    return Path(path)
