"""Render MIDI instruments to mono audio with tinysoundfont: by default with pretty_midi's
General MIDI SoundFont (TimGM6mb.sf2), no system library, no download; or with the presets drawn
from the SoundFonts of :mod:`diffsep.data.soundfonts`."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import torch

from diffsep.data import drumkits, note_folders, timidity
from diffsep.data.soundfonts import Preset, default_soundfont, load_synth
from diffsep.errors import DiffsepError
from diffsep.io import audio

PEAK = 0.8
"""The mixture's peak after levelling: the sum of the stems never clips."""
RENDER_RATE = 44100
"""The synthesizers play at this rate (or the written one, when higher), and soxr takes the stems
down to the written rate. A sampler playing at 11025 Hz folds every partial it shifts above 5.5 kHz
back into the band: a few percent of most stems' energy, and nearly all of some presets' (docs/data.md,
"Rendering rate"); rendered at 44.1 kHz and resampled, as a recording is, none."""


def playing_rate(sample_rate: int, render_rate: int = RENDER_RATE) -> int:
    """The rate the synthesizers play at for files written at ``sample_rate``."""
    return max(sample_rate, render_rate)


def rendering(sample_rate: int, render_rate: int = RENDER_RATE) -> dict[str, int]:
    """What a track's metadata (and its set's manifest) records of how it was rendered: the rate it
    is written at and the rate its synthesizers play at; ``--resume`` compares them."""
    return {"sample_rate": sample_rate, "render_rate": playing_rate(sample_rate, render_rate)}


def render_instruments(instruments: Sequence, sample_rate: int, length: int, presets: Sequence[Preset] | None = None) -> np.ndarray:
    """Mono float32 ``[length]``: the sum of pretty_midi instruments, rendered alone together.

    Each instrument gets its own channel of one synthesizer and plays its own ``presets`` entry
    (all from one SoundFont), or by default its General MIDI program in TimGM6mb (drums: the
    standard kit); notes sound from their start to their end, then release until the end of
    the buffer.
    """
    if not instruments:
        return np.zeros(length, dtype=np.float32)
    presets = presets or [_general_midi(instrument) for instrument in instruments]
    if len({preset.soundfont for preset in presets}) > 1:
        raise ValueError("the instruments of one render share a SoundFont")
    if _timidity(presets):
        return timidity.render([(instruments, presets)], sample_rate, length)[0]
    if drumkits.is_kit(presets[0].soundfont):
        return drumkits.render(instruments, presets, sample_rate, length)
    if note_folders.is_instrument(presets[0].soundfont):
        return note_folders.render(instruments, presets, sample_rate, length)
    synth, sfid = load_synth(presets[0].soundfont, sample_rate)
    events = []  # (sample, order, kind, channel, pitch, velocity): note-offs before note-ons
    for channel, (instrument, preset) in enumerate(zip(instruments, presets, strict=True)):
        drum_channel = 9 if instrument.is_drum else channel if channel < 9 else channel + 1
        if drum_channel > 15:
            raise DiffsepError("too many instruments of one class to render at once (16 channels)")
        synth.program_select(drum_channel, sfid, preset.bank, preset.program, preset.is_drum)
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


def render_stems(groups: Mapping[str, tuple[Sequence, Sequence[Preset]]], sample_rate: int, length: int,
                 render_rate: int = RENDER_RATE) -> dict[str, np.ndarray]:
    """Each stem's ``(instruments, presets)`` rendered alone (:func:`render_instruments`), ``length``
    samples at ``sample_rate``; the stems a TiMidity configuration plays go through one run of it.
    The synthesizers play at ``render_rate`` (at least ``sample_rate``), resampled down after."""
    rate = playing_rate(sample_rate, render_rate)
    frames = math.ceil(length * rate / sample_rate)
    rendered = {stem: render_instruments(instruments, rate, frames, presets)
                for stem, (instruments, presets) in groups.items() if not _timidity(presets)}
    played = [stem for stem in groups if stem not in rendered]
    for config in dict.fromkeys(groups[stem][1][0].soundfont for stem in played):
        stems = [stem for stem in played if groups[stem][1][0].soundfont == config]
        rendered.update(zip(stems, timidity.render([groups[stem] for stem in stems], rate, frames)))
    return {stem: _resampled(rendered[stem], rate, sample_rate, length) for stem in groups}


def _resampled(signal: np.ndarray, rate: int, target: int, length: int) -> np.ndarray:
    """``signal`` at ``target`` Hz (:func:`diffsep.io.audio.resample`), exactly ``length`` samples."""
    if rate == target:
        return signal
    out = audio.resample(torch.from_numpy(signal)[None], rate, target)[0, :length].numpy()
    return np.pad(out, (0, length - len(out)))


def _timidity(presets: Sequence[Preset] | None) -> bool:
    return bool(presets) and presets[0].soundfont.lower().endswith(timidity.SUFFIX)


def _general_midi(instrument) -> Preset:
    """What a GM player gives ``instrument`` in TimGM6mb: its program, or the standard kit."""
    bank, program = (128, 0) if instrument.is_drum else (0, instrument.program)
    return Preset(default_soundfont(), bank, program, "")


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
