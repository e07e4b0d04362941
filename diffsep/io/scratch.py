"""Scratch folders for streamed stems: named after their process, and cleaned after killed runs.

A run that is killed (SIGKILL, power loss) cannot remove its scratch folder, which may hold
whole-length stems of a long file. Each folder's name carries its process id; every new run
removes the folders of processes that no longer exist.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "diffsep-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale(root: str | Path | None = None) -> list[Path]:
    """Remove ``diffsep-<pid>-*`` folders under ``root`` (default: the temporary directory)
    whose process is gone; returns what was removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = folder.name[len(PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def scratch_folder() -> tempfile.TemporaryDirectory:
    """A new scratch folder of this process, after removing those of dead processes."""
    remove_stale()
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-")
