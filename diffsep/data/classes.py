"""Slakh2100's instrument classes by General MIDI program (docs/data.md, "Parts")."""

from __future__ import annotations

STEMS = ("bass", "drums", "guitar", "piano")
"""MSDM's four stems, in its order (alphabetical)."""

PROGRAMS = {"piano": range(0, 8), "guitar": range(24, 32), "bass": range(32, 40)}


def stem_of(program: int, is_drum: bool) -> str | None:
    """The class of a GM program (drums: the percussion channel); None outside the four."""
    if is_drum:
        return "drums"
    for stem, programs in PROGRAMS.items():
        if program in programs:
            return stem
    return None


SLAKH_CLASSES = {"Bass": "bass", "Drums": "drums", "Guitar": "guitar", "Piano": "piano"}
"""Slakh2100 ``metadata.yaml`` ``inst_class`` values of the four stems."""
