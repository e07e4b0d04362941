"""The MSDM data layout: ``ROOT/{train,validation,test}/TrackNNNNN/{stem}.wav`` (mono), plus
``mixture.wav`` and ``metadata.json`` for the tracks diffsep writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from diffsep.io import audio
from diffsep.io.atomic import write_json
from diffsep.errors import DiffsepError

SPLITS = ("train", "validation", "test")


def split_of(index: int, total: int, fractions: tuple[float, float] = (0.8, 0.1)) -> str:
    """The split of track ``index`` of ``total``: the first 80% train, then 10% validation."""
    train = int(round(fractions[0] * total))
    validation = int(round((fractions[0] + fractions[1]) * total))
    return "train" if index < train else "validation" if index < validation else "test"


def track_name(index: int) -> str:
    return f"Track{index + 1:05d}"


def prepare_output(root: Path, overwrite: bool) -> None:
    """Refuse to write into a non-empty folder unless ``overwrite``."""
    if root.exists() and not root.is_dir():
        raise DiffsepError(f"{str(root)!r} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not overwrite:
        raise DiffsepError(f"{str(root)!r} is not empty; choose another --out or pass --overwrite")
    root.mkdir(parents=True, exist_ok=True)


def write_track(folder: Path, stems: Mapping[str, np.ndarray], sample_rate: int, metadata: Mapping[str, Any]) -> None:
    """Write every stem, their sum as ``mixture.wav``, and ``metadata.json``, each atomically."""
    for name, stem in stems.items():
        audio.write(folder / f"{name}.wav", torch.from_numpy(stem)[None], sample_rate, subtype="FLOAT")
    mixture = np.sum(list(stems.values()), axis=0).astype(np.float32)
    audio.write(folder / "mixture.wav", torch.from_numpy(mixture)[None], sample_rate, subtype="FLOAT")
    write_json(folder / "metadata.json", dict(metadata))


MANIFEST = "dataset.json"


def write_manifest(root: Path, description: Mapping[str, Any]) -> None:
    """``ROOT/dataset.json``: how the set was made (a trained prior records it as its data)."""
    write_json(Path(root) / MANIFEST, dict(description))


def read_manifest(root: Path) -> dict[str, Any]:
    """The set's ``dataset.json``, or ``{"path": ROOT}`` for a set made elsewhere."""
    path = Path(root) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {"path": str(root)}


def tracks(root: Path, split: str) -> list[Path]:
    """The track folders of a split, sorted; an error if there is none."""
    folder = Path(root) / split
    found = sorted(path for path in folder.glob("*") if path.is_dir()) if folder.is_dir() else []
    if not found:
        raise DiffsepError(f"no tracks under {str(folder)!r}; make a data set with `diffsep data synth`")
    return found
