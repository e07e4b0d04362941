"""``diffsep data render-midi``: any General MIDI file -> stems by Slakh class, MSDM layout.

Programs outside the four classes are left out and reported; a class with no instrument is
written as silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from diffsep.data.classes import STEMS, stem_of
from diffsep.data.layout import split_of, write_track
from diffsep.data.render import RENDER_RATE, level, render_stems, rendering
from diffsep.data.soundfonts import Palette
from diffsep.errors import DiffsepError

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
TAIL_SECONDS = 1.0


def midi_files(inputs: Iterable[Path]) -> list[Path]:
    """The MIDI files among ``inputs`` (files, or folders searched recursively), sorted."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found += [p for p in item.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES]
        elif item.is_file():
            found.append(item)
        else:
            raise DiffsepError(f"{str(item)!r} does not exist")
    if not found:
        raise DiffsepError("no MIDI files (.mid, .midi, .kar) found in the inputs")
    return sorted(found)


@dataclass
class RenderedMidi:
    """What one file gave: its track folder, and the programs that were left out."""

    folder: Path
    left_out: list[str] = field(default_factory=list)


def render_midi_file(path: Path, folder: Path, sample_rate: int, palette: Palette | None = None, seed: int = 0,
                     render_rate: int = RENDER_RATE) -> RenderedMidi:
    """Render one MIDI file's four classes into ``folder`` (see :func:`render_classes`), until
    a second after its last note."""
    import pretty_midi

    try:
        midi = pretty_midi.PrettyMIDI(str(path))
    except Exception as error:  # mido raises many types for a bad file
        raise DiffsepError(f"cannot read {str(path)!r} as MIDI: {error}") from error
    length = int(round((midi.get_end_time() + TAIL_SECONDS) * sample_rate))
    stems, metadata = render_classes(midi, sample_rate, length, palette, seed, render_rate)
    write_track(folder, stems, sample_rate, {"source": str(path), **metadata})
    return RenderedMidi(folder, metadata["left_out"])


def render_classes(midi, sample_rate: int, length: int, palette: Palette | None = None, seed: int = 0,
                   render_rate: int = RENDER_RATE) -> tuple[dict[str, np.ndarray], dict]:
    """``(stems, metadata)``: a ``PrettyMIDI``'s instruments summed by Slakh class, levelled; each
    class with one SoundFont drawn from ``palette`` (default: pretty_midi's TimGM6mb) by ``seed``,
    each instrument with its own program where that SoundFont has it. Other programs are left
    out and named in the metadata."""
    import pretty_midi

    groups: dict[str, list] = {stem: [] for stem in STEMS}
    left_out = []
    for instrument in midi.instruments:
        stem = stem_of(instrument.program, instrument.is_drum)
        if stem is None:
            left_out.append(f"program {instrument.program} ({pretty_midi.program_to_instrument_name(instrument.program)})")
        else:
            groups[stem].append(instrument)
    palette = palette or Palette.load()
    rng = np.random.default_rng(seed)
    band = palette.band(rng)
    presets = {stem: palette.draw(rng, stem, [None if i.is_drum else i.program for i in group], band) if group else []
               for stem, group in groups.items()}
    stems = render_stems({stem: (group, presets[stem]) for stem, group in groups.items()}, sample_rate, length, render_rate)
    metadata = {**rendering(sample_rate, render_rate), "left_out": left_out, "seed": seed,
                "instruments": {stem: [int(i.program) for i in group] for stem, group in groups.items()},
                "timbres": {stem: [preset.describe() for preset in found] for stem, found in presets.items()}}
    return level(stems), metadata


def track_folders(files: list[Path], out: Path, split: str | None) -> list[Path]:
    """One folder per file, named after it (made unique), split 80/10/10 unless ``split``."""
    folders, used = [], set()
    for index, path in enumerate(files):
        name = path.stem
        while name in used:
            name += "_"
        used.add(name)
        folders.append(out / (split or split_of(index, len(files))) / name)
    return folders
