"""The four parts of a procedural song, and ``compose``: seed -> MIDI with a bass, drums,
guitar and piano track on one shared context (see :mod:`diffsep.data.composer`)."""

from __future__ import annotations

import numpy as np

from diffsep.data.classes import PROGRAMS
from diffsep.data.composer import CRASH, HAT, KICK, OPEN_HAT, SECTION_BARS, SNARE, TOMS, Composer, Song

Note = tuple[float, float, int, int]  # start s, end s, pitch, velocity


def bass(c: Composer) -> list[Note]:
    """Chord roots in octave 2 on the kick's groove, sometimes a fifth or octave."""
    notes = []
    for bar in range(c.bars):
        if not c.active("bass", bar):
            continue
        root = 36 + c.chord(bar)[0]
        hits = c.groove + [float(c.beats_per_bar)]
        for start, end in zip(hits[:-1], hits[1:]):
            pitch = root + int(c.rng.choice([0, 0, 0, 7, 12]))
            notes.append((c.time(bar, start), c.time(bar, end) - 0.03, pitch, c.velocity(96)))
    return notes


def drums(c: Composer) -> list[Note]:
    """Kick on the groove, snare on the back beats, eighth hats, a fill ending each section."""
    notes = []
    backbeats = [1.0, 3.0] if c.beats_per_bar == 4 else [1.0, 2.0]
    for bar in range(c.bars):
        if not c.active("drums", bar):
            continue
        last_of_section = bar % SECTION_BARS == SECTION_BARS - 1
        if bar % SECTION_BARS == 0:
            notes.append(_hit(c, bar, 0.0, CRASH, 100))
        for beat in c.groove:
            notes.append(_hit(c, bar, beat, KICK, 110))
        if last_of_section and c.rng.random() < 0.7:
            start = c.beats_per_bar - 1.0
            for step in range(4):
                notes.append(_hit(c, bar, start + step / 4, int(c.rng.choice((SNARE,) + TOMS)), 90 + 5 * step))
            continue
        for beat in backbeats:
            notes.append(_hit(c, bar, beat, SNARE, 105))
        hat = OPEN_HAT if c.rng.random() < 0.15 else HAT
        for eighth in range(2 * c.beats_per_bar):
            notes.append(_hit(c, bar, eighth / 2, hat, 70 if eighth % 2 else 85))
    return notes


def _hit(c: Composer, bar: int, beat: float, pitch: int, velocity: int) -> Note:
    start = c.time(bar, beat)
    return (start, start + 0.1, pitch, c.velocity(velocity))


def piano(c: Composer) -> list[Note]:
    """Chord voicings around middle C: held bars, beats, or an off-beat comp."""
    style = c.rng.integers(3)
    notes = []
    for bar in range(c.bars):
        if not c.active("piano", bar):
            continue
        voicing = _voicing(c.chord(bar), 57)
        beats = [0.0] if style == 0 else [float(b) for b in range(c.beats_per_bar)]
        if style == 2:
            beats = [b + 0.5 for b in beats]
        length = c.beats_per_bar if style == 0 else 0.45
        for beat in beats:
            start = c.time(bar, beat)
            velocity = c.velocity(72)
            notes += [(start, start + length * c.beat, pitch, velocity) for pitch in voicing]
    return notes


def guitar(c: Composer) -> list[Note]:
    """Strums (chord tones a few ms apart) on the beat, or eighth-note arpeggios."""
    strum = c.rng.random() < 0.5
    notes = []
    for bar in range(c.bars):
        if not c.active("guitar", bar):
            continue
        voicing = _voicing(c.chord(bar), 52) + [_voicing(c.chord(bar), 52)[0] + 12]
        if strum:
            for beat in range(c.beats_per_bar):
                start, velocity = c.time(bar, float(beat)), c.velocity(80)
                notes += [(start + 0.012 * k, start + 0.9 * c.beat, p, velocity) for k, p in enumerate(voicing)]
        else:
            for eighth in range(2 * c.beats_per_bar):
                start = c.time(bar, eighth / 2)
                notes.append((start, start + 0.5 * c.beat, voicing[eighth % len(voicing)], c.velocity(78)))
    return notes


def _voicing(pitch_classes: list[int], low: int) -> list[int]:
    """The chord's pitch classes stacked upward from the first one at or above ``low``."""
    pitches, floor = [], low
    for pitch_class in pitch_classes:
        pitch = floor + (pitch_class - floor) % 12
        pitches.append(pitch)
        floor = pitch + 1
    return pitches


PARTS = {"bass": bass, "drums": drums, "guitar": guitar, "piano": piano}


def compose(seed: int, seconds: float):
    """``(PrettyMIDI, Song)``: a song of ``seconds`` fully determined by ``seed``."""
    import pretty_midi

    rng = np.random.default_rng(seed)
    composer = Composer(rng, seconds)
    programs = {stem: int(rng.choice(list(PROGRAMS[stem]))) for stem in ("bass", "guitar", "piano")}
    midi = pretty_midi.PrettyMIDI(initial_tempo=composer.tempo)
    for name, part in PARTS.items():
        instrument = pretty_midi.Instrument(program=programs.get(name, 0), is_drum=name == "drums", name=name)
        for start, end, pitch, velocity in part(composer):
            if start < seconds:
                end = max(min(end, seconds), start + 0.02)
                instrument.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=start, end=end))
        midi.instruments.append(instrument)
    return midi, composer.song(seed, programs)
