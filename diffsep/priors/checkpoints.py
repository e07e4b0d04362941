"""Checkpoints: safetensors files with JSON metadata; loading never executes code."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.io.atomic import atomic_path

METADATA_KEY = "diffsep"


def save(path: str | Path, tensors: dict[str, Tensor], metadata: dict[str, Any]) -> Path:
    """Write ``tensors`` and ``metadata`` atomically (temporary file, then rename)."""
    from safetensors.torch import save_file

    tensors = {name: tensor.detach().contiguous().cpu() for name, tensor in tensors.items()}
    with atomic_path(path) as temporary:
        save_file(tensors, temporary, metadata={METADATA_KEY: json.dumps(metadata)})
    return Path(path)


def load(path: str | Path, device: str = "cpu") -> tuple[dict[str, Tensor], dict[str, Any]]:
    """``(tensors, metadata)`` of a diffsep checkpoint, with a clear error for anything else."""
    with _opened(path, device) as (handle, metadata):
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    broken = [name for name, tensor in tensors.items() if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())]
    if broken:
        raise DiffsepError(f"{str(path)!r} holds NaN or infinite values in {len(broken)} tensors (first: {broken[0]}): "
                           "it is corrupt or comes from a diverged run; use an earlier checkpoint")
    return tensors, metadata


def metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of a diffsep checkpoint (its kind, shape, lineage), read from its header alone."""
    with _opened(path, "cpu") as (_, described):
        return described


@contextmanager
def _opened(path: str | Path, device: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The open safetensors file and its diffsep metadata; one clear error for a missing, unreadable
    or foreign file."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise DiffsepError(f"checkpoint {str(path)!r} does not exist")
    try:
        with safe_open(str(path), framework="pt", device=device) as handle:
            raw = (handle.metadata() or {}).get(METADATA_KEY)
            if raw is None:
                raise DiffsepError(f"{str(path)!r} has no diffsep metadata; convert it with `diffsep convert`")
            yield handle, json.loads(raw)
    except (SafetensorError, OSError, ValueError) as error:
        raise DiffsepError(f"{str(path)!r} is not a readable safetensors checkpoint: {error}") from error


def restore(module: torch.nn.Module, tensors: dict[str, Tensor], path: str | Path) -> torch.nn.Module:
    """``module`` with the weights ``tensors`` read from ``path`` (named in the error when they are
    not the module's own), in float32 and eval mode."""
    differ = set(module.state_dict()) ^ set(tensors)
    if differ:
        raise DiffsepError(f"{str(path)!r} does not match its own network description ({len(differ)} tensors differ)")
    module.load_state_dict({name: value.float() for name, value in tensors.items()})
    return module.eval()
