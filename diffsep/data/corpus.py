"""``diffsep data corpus``: excerpts of real multi-part scores from music21's corpus as four-stem songs.

For each track a composer is drawn, then one of its works, a tempo and an excerpt that starts on
a bar line. The lowest voice plays the bass (moved down by octaves into the bass's range); the
other voices are shared between guitar and piano; a drum part follows the score's meter (kick on
the downbeat, snare on the weak beats, hats on every division of the beat). Everything is drawn
from the track's seed, so the set is the same whatever the number of workers.

music21's Bach works are reserved for an independent check of the project's models: they are
never drawn, and asking for them is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from diffsep.data.classes import PROGRAMS
from diffsep.data.composer import CRASH, HAT, KICK, SNARE
from diffsep.data.midi_files import render_classes
from diffsep.data.synth import TIMBRE_STREAM, SynthConfig, track_seed
from diffsep.errors import DiffsepError, warn

COMPOSERS = ("palestrina", "trecento", "mozart", "beethoven", "schumann_robert")
"""The default composers: works of two or more voices (masses, songs, string quartets...)."""
HELD_OUT = ("monteverdi", "haydn")
"""The held-out composers (since 2026-12-06): their pieces make the composers axis of
``benchmarks/separation_quality.py`` (docs/data.md) and no training set."""
RESERVED = frozenset({"bach", "cpebach"})
"""Never drawn: kept for an independent check."""
SCORES = (".krn", ".mxl", ".xml", ".musicxml", ".abc", ".mid")
"""Score files (not music21's roman-numeral analyses, ``.rntxt``)."""
BEATS_PER_MINUTE = (60.0, 126.0)
"""The range a track's tempo is drawn from, in the score's beats (a half note in 2/2)."""
BASS_CEILING = 50
"""The bass voice moves down by octaves until its mean pitch is at or below this (D3)."""
DRUM_SECTION_BARS = 2
WORK_TRIES = 50

Note = tuple[float, float, int]  # start and end in quarter notes, MIDI pitch


def _music21():
    try:
        import music21
    except ImportError as error:
        raise DiffsepError("diffsep data corpus needs music21: pip install 'diffsep[corpus]'") from error
    return music21


def works(composer: str) -> list[str]:
    """The score files of ``composer`` in music21's corpus, sorted; an error for a reserved or
    unknown composer."""
    if composer.lower() in RESERVED:
        raise DiffsepError(f"{composer!r}: music21's Bach works are reserved for an independent check of the "
                           "models and are never used to make data; choose other --composers")
    found = sorted(str(path) for path in _music21().corpus.getComposer(composer) if Path(path).suffix in SCORES)
    if not found:
        raise DiffsepError(f"music21's corpus has no scores by {composer!r}; for example: {', '.join(COMPOSERS)}")
    return found


@dataclass(frozen=True)
class Score:
    """What a track needs of a work: its voices, bar lines and meter."""

    voices: list[list[Note]]
    bars: list[float]
    """Quarter-note offsets of the bar lines."""
    beats: int
    beat: float
    """Quarter notes per beat."""
    division: int
    """Divisions of a beat: 2 in simple meters, 3 in compound ones."""
    meter: str


@lru_cache(maxsize=None)
def read_score(path: str) -> Score:
    """The voices (tied notes joined, chords as several notes) and meter of a score file."""
    music21 = _music21()
    score = music21.converter.parse(path)
    if isinstance(score, music21.stream.Opus):  # a file of several pieces: the first
        score = score.scores[0]
    voices = []
    for part in score.parts:
        notes = [(float(n.offset), float(n.offset + n.quarterLength), pitch.midi)
                 for n in part.stripTies().flatten().notes if n.quarterLength > 0 for pitch in n.pitches]
        if notes:
            voices.append(notes)
    meter = score.recurse().getElementsByClass("TimeSignature").first() or music21.meter.TimeSignature("4/4")
    bars = [float(m.offset) for m in score.parts[0].getElementsByClass("Measure")] if len(score.parts) else []
    if not bars:
        bars = list(np.arange(0.0, float(score.highestTime), float(meter.barDuration.quarterLength)))
    return Score(voices, bars, int(meter.beatCount), float(meter.beatDuration.quarterLength),
                 int(meter.beatDivisionCount), meter.ratioString)


def drum_hits(score: Score, bars: int, rng: np.random.Generator) -> list[tuple[float, int, int]]:
    """``(quarter offset from the excerpt's first bar line, pitch, velocity)`` of a beat in the
    score's meter: kick on the downbeat (and the middle of a bar of four beats or more), snare
    on the other beats, a closed hat on every division, a crash opening some sections; some
    sections rest."""
    bar_length = score.beats * score.beat
    kicks = {0} | ({score.beats // 2} if score.beats >= 4 else set())
    hits = []
    for bar in range(bars):
        if bar % DRUM_SECTION_BARS == 0:
            playing = rng.random() < 0.85
            if playing and rng.random() < 0.5:
                hits.append((bar * bar_length, CRASH, 100))
        if not playing:
            continue
        for beat in range(score.beats):
            start = bar * bar_length + beat * score.beat
            hits.append((start, KICK if beat in kicks else SNARE, 110 if beat in kicks else 100))
            hits += [(start + k * score.beat / score.division, HAT, 85 if k == 0 else 70) for k in range(score.division)]
    return hits


@dataclass(frozen=True)
class CorpusConfig(SynthConfig):
    """What ``diffsep data corpus`` makes: ``synth``'s recipe, with excerpts of the works of
    ``composers`` instead of procedural songs."""

    composers: tuple[str, ...] = COMPOSERS
    catalogue: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        held_out = sorted(set(self.composers) & set(HELD_OUT))
        if held_out:
            warn(f"{', '.join(held_out)}: held out for the composers axis of the benchmarks; train on no set of them")
        object.__setattr__(self, "catalogue", {composer: works(composer) for composer in self.composers})
        super().__post_init__()

    def song(self, seed: int) -> tuple[dict[str, np.ndarray], object, dict]:
        """``(stems, midi, metadata)`` of the track drawn from ``seed``: an excerpt of a work."""
        midi, metadata = self.excerpt(np.random.default_rng(seed))
        length = int(round(self.seconds * self.sample_rate))
        stems, rendered = render_classes(midi, self.sample_rate, length, self.palette, track_seed(seed, TIMBRE_STREAM),
                                          self.render_rate)
        return stems, midi, {**metadata, **rendered}

    def excerpt(self, rng: np.random.Generator):
        """``(PrettyMIDI, metadata)``: an excerpt of ``seconds`` of a work drawn by ``rng``."""
        import pretty_midi

        composer = self.composers[rng.integers(len(self.composers))]
        for _ in range(WORK_TRIES):  # a work of one voice cannot fill two stems: draw again
            path = self.catalogue[composer][rng.integers(len(self.catalogue[composer]))]
            score = read_score(path)
            if len(score.voices) >= 2:
                break
        else:
            raise DiffsepError(f"{WORK_TRIES} works of {composer!r} drawn in a row have one voice; leave it out of --composers")
        tempo = float(rng.uniform(*BEATS_PER_MINUTE))
        quarter = 60.0 / tempo / score.beat  # seconds
        span = self.seconds / quarter
        order = sorted(range(len(score.voices)), key=lambda v: np.mean([n[2] for n in score.voices[v]]))
        start = _start(score, order, span, rng)
        stems = _stems(score, order, start, span, rng)
        programs = {stem: int(rng.choice(list(PROGRAMS[stem]))) for stem in ("bass", "guitar", "piano")}
        shift = _bass_shift(score.voices[order[0]])
        midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
        for voice, stem in sorted(stems.items()):
            instrument = pretty_midi.Instrument(program=programs[stem], name=stem)
            for begin, end, pitch in score.voices[voice]:
                if start <= begin < start + span:
                    onset = (begin - start) * quarter
                    offset = max(min((end - start) * quarter, self.seconds), onset + 0.02)
                    velocity = int(np.clip(rng.normal(80, 10), 30, 120))
                    instrument.notes.append(pretty_midi.Note(velocity, pitch + (shift if stem == "bass" else 0), onset, offset))
            midi.instruments.append(instrument)
        drums = pretty_midi.Instrument(program=0, is_drum=True, name="drums")
        for offset, pitch, velocity in drum_hits(score, int(np.ceil(span / (score.beats * score.beat))), rng):
            if offset < span:
                drums.notes.append(pretty_midi.Note(velocity, pitch, offset * quarter, min(offset * quarter + 0.1, self.seconds)))
        midi.instruments.append(drums)
        return midi, {"source": "music21 corpus", "composer": composer, "work": _corpus_name(path),
                      "start_quarter": start, "tempo": round(tempo, 2), "meter": score.meter,
                      "voices": {str(v): stems[v] for v in sorted(stems)}, "bass_shift": shift, "seconds": self.seconds}

    def manifest(self, counts: dict[str, int]) -> dict:
        return {**super().manifest(counts), "source": "music21 corpus", "composers": list(self.composers)}


def _sounds(voice: list[Note], start: float, span: float) -> bool:
    return any(start <= begin < start + span for begin, _, _ in voice)


def _start(score: Score, order: list[int], span: float, rng: np.random.Generator, tries: int = 8) -> float:
    """A bar line to start an excerpt of ``span`` quarters at, drawn until the bass voice and two
    upper voices (or all there are) sound in it, or ``tries`` draws were made."""
    starts = [bar for bar in score.bars if bar + span <= score.bars[-1]] or score.bars[:1]
    for _ in range(tries):
        start = starts[rng.integers(len(starts))]
        upper = sum(_sounds(score.voices[v], start, span) for v in order[1:])
        if _sounds(score.voices[order[0]], start, span) and upper >= min(2, len(order) - 1):
            break
    return start


def _stems(score: Score, order: list[int], start: float, span: float, rng: np.random.Generator) -> dict[int, str]:
    """Each voice's stem: the lowest the bass; of the others, those that sound in the excerpt
    first, in a drawn order, one to guitar and one to piano, the rest to either."""
    sounding = [v for v in order[1:] if _sounds(score.voices[v], start, span)]
    upper = list(rng.permutation(sounding)) + [v for v in order[1:] if v not in sounding]
    return {order[0]: "bass"} | {voice: ("guitar", "piano")[k] if k < 2 else str(rng.choice(["guitar", "piano"]))
                                 for k, voice in enumerate(upper)}


def _bass_shift(voice: list[Note]) -> int:
    """Semitones (a multiple of -12) that bring a voice's mean pitch to the bass's range."""
    mean = float(np.mean([pitch for _, _, pitch in voice]))
    return -12 * max(0, int(np.ceil((mean - BASS_CEILING) / 12)))


def _corpus_name(path: str) -> str:
    """A work's path inside music21's corpus (``palestrina/Agnus_04.krn``)."""
    parts = Path(path).parts
    return "/".join(parts[parts.index("corpus") + 1:]) if "corpus" in parts else Path(path).name
