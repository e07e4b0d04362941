"""Render MIDI instruments to mono audio with tinysoundfont and pretty_midi's General MIDI
SoundFont (TimGM6mb.sf2): no system library, no download."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable

import numpy as np

from diffsep.errors import DiffsepError

PEAK = 0.8
"""The mixture's peak after levelling: the sum of the stems never clips."""


@functools.lru_cache(maxsize=1)
def soundfont_path() -> str:
    """Path of the GM SoundFont that ships inside pretty_midi."""
    try:
        import pretty_midi
    except ImportError as error:  # pragma: no cover - a dependency of the project
        raise DiffsepError("rendering MIDI needs pretty_midi: pip install pretty_midi") from error
    path = Path(pretty_midi.__file__).with_name("TimGM6mb.sf2")
    if not path.is_file():
        raise DiffsepError(f"pretty_midi's SoundFont is missing at {path}; reinstall pretty_midi")
    return str(path)


def _synth(sample_rate: int):
    try:
        import tinysoundfont
    except ImportError as error:
        raise DiffsepError(
            "rendering MIDI needs tinysoundfont: pip install --no-deps tinysoundfont "
            "(its pyaudio dependency is only for live playback)"
        ) from error
    synth = tinysoundfont.Synth(samplerate=sample_rate)
    return synth, synth.sfload(soundfont_path())


def render_instruments(instruments: Iterable, sample_rate: int, length: int) -> np.ndarray:
    """Mono float32 ``[length]``: the sum of pretty_midi instruments, rendered alone together.

    Each instrument gets its own channel of one synthesizer; notes sound from their start to
    their end, then release until the end of the buffer.
    """
    synth, sfid = _synth(sample_rate)
    events = []  # (sample, order, kind, channel, pitch, velocity): note-offs before note-ons
    for channel, instrument in enumerate(instruments):
        drum_channel = 9 if instrument.is_drum else channel if channel < 9 else channel + 1
        if drum_channel > 15:
            raise DiffsepError("too many instruments of one class to render at once (16 channels)")
        synth.program_select(drum_channel, sfid, 128 if instrument.is_drum else 0, 0 if instrument.is_drum else instrument.program, instrument.is_drum)
        for note in instrument.notes:
            events.append((int(round(note.start * sample_rate)), 1, "on", drum_channel, note.pitch, note.velocity))
            events.append((int(round(note.end * sample_rate)), 0, "off", drum_channel, note.pitch, 0))
    events.sort(key=lambda event: event[:2])
    out = np.zeros(length, dtype=np.float32)
    position = 0
    for sample, _, kind, channel, pitch, velocity in events:
        sample = min(sample, length)
        position = _generate(synth, out, position, sample)
        if sample >= length:
            break
        if kind == "on":
            synth.noteon(channel, pitch, velocity)
        else:
            synth.noteoff(channel, pitch)
    _generate(synth, out, position, length)
    return out


def _generate(synth, out: np.ndarray, start: int, stop: int) -> int:
    """Fill ``out[start:stop]`` with the synthesizer's output folded to mono."""
    if stop > start:
        stereo = np.frombuffer(synth.generate(stop - start), dtype=np.float32).reshape(-1, 2)
        out[start:stop] = stereo.mean(axis=1)
    return max(start, stop)


def level(stems: dict[str, np.ndarray], peak: float = PEAK) -> dict[str, np.ndarray]:
    """All stems scaled by one gain so that their sum peaks at ``peak`` (relative levels kept)."""
    mixture = sum(stems.values())
    loudest = float(np.abs(mixture).max()) if len(stems) else 0.0
    gain = peak / loudest if loudest > 0 else 1.0
    return {name: (stem * gain).astype(np.float32) for name, stem in stems.items()}
