"""``diffsep data prepare-slakh``: raw Slakh2100 -> the MSDM layout at a chosen rate, mono.

Raw tracks are ``RAW/<split>/TrackXXXXX/{metadata.yaml, stems/SXX.flac}``. Every stem of a
class is summed; a class with no stem becomes silence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from diffsep.io import audio
from diffsep.data.classes import SLAKH_CLASSES, STEMS, stem_of
from diffsep.data.layout import SPLITS, write_track
from diffsep.errors import DiffsepError


def raw_tracks(root: Path) -> list[tuple[str, Path]]:
    """``(split, track folder)`` of every raw track that has a ``metadata.yaml``."""
    found = [(split, path.parent) for split in SPLITS for path in sorted((root / split).glob("*/metadata.yaml"))]
    if not found:
        raise DiffsepError(f"no Slakh2100 tracks under {str(root)!r} (expected <split>/TrackXXXXX/metadata.yaml)")
    return found


def stem_classes(metadata: dict) -> dict[str, str]:
    """Raw stem id (``S00``) -> our class, for the stems of the four classes."""
    classes = {}
    for stem_id, info in (metadata.get("stems") or {}).items():
        stem = SLAKH_CLASSES.get(info.get("inst_class")) or stem_of(int(info.get("program_num", -1)), bool(info.get("is_drum")))
        if stem is not None:
            classes[stem_id] = stem
    return classes


def prepare_track(raw: Path, folder: Path, sample_rate: int) -> dict[str, int]:
    """Write one track; returns how many raw stems went into each class."""
    import yaml

    try:
        metadata = yaml.safe_load((raw / "metadata.yaml").read_text()) or {}
    except yaml.YAMLError as error:
        raise DiffsepError(f"cannot parse {str(raw / 'metadata.yaml')!r}: {error}") from error
    sums: dict[str, np.ndarray] = {}
    counts = {stem: 0 for stem in STEMS}
    for stem_id, stem in stem_classes(metadata).items():
        path = raw / "stems" / f"{stem_id}.flac"
        if not path.is_file():
            continue  # Slakh lists stems it did not render (audio_rendered: false)
        signal, _ = audio.read(path, sample_rate)
        mono = signal.mean(0).numpy()
        previous = sums.get(stem)
        sums[stem] = mono if previous is None else _add(previous, mono)
        counts[stem] += 1
    length = max((len(s) for s in sums.values()), default=0)
    if length == 0:
        raise DiffsepError(f"{str(raw)!r} has no rendered stem of the classes {', '.join(STEMS)}")
    silence = np.zeros(length, np.float32)
    stems = {stem: _add(sums.get(stem, silence), silence).astype(np.float32) for stem in STEMS}
    write_track(folder, stems, sample_rate, {"source": str(raw), "sample_rate": sample_rate, "stems_per_class": counts})
    return counts


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    length = max(len(a), len(b))
    return np.pad(a, (0, length - len(a))) + np.pad(b, (0, length - len(b)))
