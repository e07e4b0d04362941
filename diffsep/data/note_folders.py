"""Recorded instruments as folders of notes: one audio file per sampled pitch, named by it
(``A2.mp3``, ``As1.mp3`` or ``A#1.mp3`` for A sharp, ``Eb3.wav``, ``C4v6.ogg`` for velocity
layer 6), as npm's ``tonejs-instrument-*`` packages (recorded basses, guitars, cellos) and
``@audio-samples/piano-*`` (the Salamander Grand Piano) hold them.

A folder plays one stem (``--soundfont bass=FOLDER``). Each note sounds the nearest sampled
pitch, shifted by resampling (at most a few semitones with these packages), in the velocity
layer whose rank matches the note's velocity, scaled by the velocity; it is cut at the note's
end with a short release, or where the recording ends.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from diffsep.data.recordings import read_mono

SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
MINIMUM = 3
"""Note files a folder needs to be an instrument."""
RELEASE = 0.15
"""Seconds over which a note fades out after its end."""
PEAK = 0.5
"""An instrument's loudest sample peaks here: recordings come at any level."""
_NAME = re.compile(r"^([A-Ga-g])(s|#|b)?(-?\d)(?:v(\d+))?$")
_PITCH_CLASS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}


@dataclass(frozen=True)
class Sample:
    pitch: int
    layer: int
    path: str


def note_of(stem: str) -> tuple[int, int] | None:
    """``(MIDI pitch, velocity layer)`` of a file name's stem (``As1`` -> (34, 0)), or None."""
    found = _NAME.match(stem)
    if found is None:
        return None
    letter, accidental, octave, layer = found.groups()
    shift = {"s": 1, "#": 1, "b": -1}.get(accidental or "", 0)
    return 12 * (int(octave) + 1) + _PITCH_CLASS[letter.lower()] + shift, int(layer or 0)


def samples(folder: str | Path) -> tuple[Sample, ...]:
    """The note files directly in ``folder``, by pitch and layer."""
    found = []
    for path in sorted(Path(folder).iterdir()):
        note = note_of(path.stem) if path.suffix.lower() in SUFFIXES and path.is_file() else None
        if note is not None:
            found.append(Sample(note[0], note[1], str(path)))
    return tuple(found)


def is_instrument(path: str | Path) -> bool:
    """Whether ``path`` is a folder of at least :data:`MINIMUM` note files."""
    return Path(path).is_dir() and len(samples(path)) >= MINIMUM


@functools.lru_cache(maxsize=32)
def _instrument(folder: str, sample_rate: int) -> tuple[tuple[Sample, ...], tuple[np.ndarray, ...]]:
    """The folder's samples and their audio: mono, at ``sample_rate``, leading silence trimmed,
    the loudest at :data:`PEAK`."""
    found = samples(folder)
    sounds = []
    for sample in found:
        mono = read_mono(sample.path, sample_rate)
        loud = np.flatnonzero(np.abs(mono) > 1e-3 * max(float(np.abs(mono).max()), 1e-12))
        sounds.append(mono[loud[0]:] if len(loud) else mono)
    peak = max(float(np.abs(sound).max()) for sound in sounds) or 1.0
    return found, tuple((sound * (PEAK / peak)).astype(np.float32) for sound in sounds)


def _choose(found: Sequence[Sample], pitch: int, velocity: int) -> int:
    """Index of the sample nearest ``pitch`` (the lower on a tie), in the layer whose rank among
    that pitch's layers matches ``velocity``."""
    nearest = min(abs(sample.pitch - pitch) for sample in found)
    closest = min(sample.pitch for sample in found if abs(sample.pitch - pitch) == nearest)
    layers = sorted((sample.layer, index) for index, sample in enumerate(found) if sample.pitch == closest)
    return layers[min(velocity * len(layers) // 128, len(layers) - 1)][1]


def play(sound: np.ndarray, shift: int, seconds: float, sample_rate: int) -> np.ndarray:
    """``sound`` shifted by ``shift`` semitones, held ``seconds`` and released over :data:`RELEASE`."""
    import soxr

    ratio = 2.0 ** (shift / 12)
    wanted = int(round((seconds + RELEASE) * sample_rate))
    source = sound[: int(np.ceil(wanted * ratio)) + 16]
    out = source if shift == 0 else soxr.resample(source, sample_rate * ratio, sample_rate).astype(np.float32)
    out = out[:wanted].copy()
    held = int(round(seconds * sample_rate))
    if len(out) > held:
        out[held:] *= np.linspace(1.0, 0.0, len(out) - held, dtype=np.float32)
    return out


def render(instruments: Sequence, presets: Sequence, sample_rate: int, length: int) -> np.ndarray:
    """Mono float32 ``[length]``: pretty_midi instruments played by the presets' note folder."""
    found, sounds = _instrument(presets[0].soundfont, sample_rate)
    out = np.zeros(length, dtype=np.float32)
    for instrument in instruments:
        for note in instrument.notes:
            start = int(round(note.start * sample_rate))
            if start >= length:
                continue
            index = _choose(found, note.pitch, note.velocity)
            sound = play(sounds[index], note.pitch - found[index].pitch, note.end - note.start, sample_rate)[: length - start]
            out[start:start + len(sound)] += (note.velocity / 127) * sound
    return out
