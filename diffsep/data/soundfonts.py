"""SoundFonts to render with, and the timbre (SoundFont and preset) drawn for each stem.

``--soundfont PATH`` names a General MIDI SoundFont (``.sf2`` or ``.sf3``) or a folder of them;
its presets play the stems of their Slakh class: bank-128 drum kits below 56 (standard, room,
power, electronic, TR-808, jazz, brush, orchestra; not the SFX and CM-64 sets) play drums, and
the programs of each melodic class (:data:`diffsep.data.classes.PROGRAMS`), in any bank below
128, play that class. ``--soundfont STEM=PATH`` restricts a SoundFont to one stem and lets every
preset in it play that stem: a recorded drum kit (``drums=Black_Pearl_4_LV2.sf2``) or a piano
SoundFont. A TiMidity++ configuration (``.cfg``, e.g. Debian's ``/etc/timidity/freepats.cfg``)
stands for a SoundFont: its GUS patches play through the ``timidity`` program
(:mod:`diffsep.data.timidity`); so does a recorded drum kit in Hydrogen's format (its
``drumkit.xml``; :mod:`diffsep.data.drumkits`), which plays drums only, and a folder of recorded
notes (:mod:`diffsep.data.note_folders`), which plays the stem it is given. Every file is opened
and checked before any work starts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from diffsep.data import drumkits, note_folders, timidity
from diffsep.data.classes import PROGRAMS, STEMS
from diffsep.errors import DiffsepError, warn

SUFFIXES = (".sf2", ".sf3")
DRUM_BANK = 128
KITS = range(0, 56)
"""GS drum-kit numbers that are drum kits: 56 (SFX) and 127 (CM-64/32) are sound effects."""


@dataclass(frozen=True)
class Preset:
    """One playable sound: a SoundFont's bank and program."""

    soundfont: str
    bank: int
    program: int
    name: str

    @property
    def is_drum(self) -> bool:
        return self.bank == DRUM_BANK

    def describe(self) -> dict:
        return {"soundfont": label(self.soundfont), "bank": self.bank, "program": self.program, "name": self.name}


@dataclass(frozen=True)
class SoundFont:
    """A SoundFont file and the presets it offers each stem."""

    path: str
    stem: str | None
    presets: dict[str, tuple[Preset, ...]]

    def describe(self) -> dict:
        files = [sample.path for sample in note_folders.samples(self.path)] if Path(self.path).is_dir() else [self.path]
        return {"file": label(self.path), "stem": self.stem, "bytes": sum(Path(file).stat().st_size for file in files),
                "presets": {stem: len(found) for stem, found in self.presets.items() if found}}


def label(path: str) -> str:
    """A timbre source's name in metadata: its file name (a Hydrogen kit's folder with it), or a
    note folder's name."""
    return f"{Path(path).parent.name}/{Path(path).name}" if drumkits.is_kit(path) else Path(path).name


def default_soundfont() -> str:
    """The General MIDI SoundFont that ships inside pretty_midi (TimGM6mb.sf2)."""
    try:
        import pretty_midi
    except ImportError as error:  # pragma: no cover - a dependency of the project
        raise DiffsepError("rendering MIDI needs pretty_midi: pip install pretty_midi") from error
    path = Path(pretty_midi.__file__).with_name("TimGM6mb.sf2")
    if not path.is_file():
        raise DiffsepError(f"pretty_midi's SoundFont is missing at {path}; reinstall pretty_midi")
    return str(path)


def load_synth(path: str, sample_rate: int):
    """``(synth, sfid)``: a tinysoundfont synthesizer with ``path`` loaded, silent: one per file
    and rate in each process, its last sounds stopped and rendered out (a quick release) before
    it is handed out again, so that a render does not depend on the one before."""
    synth, sfid = _cached_synth(path, sample_rate)
    synth.sounds_off()
    synth.generate(FLUSH_SECONDS * sample_rate)
    return synth, sfid


FLUSH_SECONDS = 1


def _open(path: str, sample_rate: int):
    try:
        import tinysoundfont
    except ImportError as error:
        raise DiffsepError(
            "rendering MIDI needs tinysoundfont: pip install --no-deps tinysoundfont "
            "(its pyaudio dependency is only for live playback)"
        ) from error
    synth = tinysoundfont.Synth(samplerate=sample_rate)
    try:
        return synth, synth.sfload(path)
    except Exception as error:  # tinysoundfont raises its own types for a bad file
        raise DiffsepError(f"--soundfont {path!r} is not a SoundFont tinysoundfont can read ({error})") from error


_cached_synth = functools.lru_cache(maxsize=16)(_open)


def inspect(path: str, stem: str | None = None) -> SoundFont:
    """Open ``path`` (a SoundFont, a TiMidity configuration of GUS patches, a Hydrogen kit or a
    folder of recorded notes) and list the presets it offers each stem (all of them to ``stem``
    if given; a folder of notes needs one)."""
    if note_folders.is_instrument(path):
        if stem is None:
            raise NotGeneralMidi(f"--soundfont {path!r} is a folder of recorded notes: name the stem it plays, "
                                 f"--soundfont STEM=PATH")
        return SoundFont(path, stem, {name: (Preset(path, 0, 0, Path(path).name),) if name == stem else () for name in STEMS})
    if drumkits.is_kit(path):
        kit = drumkits.read_kit(path)
        return SoundFont(path, "drums", {name: (Preset(path, DRUM_BANK, 0, kit.name),) if name == "drums" else () for name in STEMS})
    if Path(path).suffix.lower() == timidity.SUFFIX:
        presets = [Preset(path, bank, program, name) for bank, program, name in timidity.configuration(path).programs()]
    else:
        synth, sfid = _open(path, 22050)
        found = {(bank, program): synth.sfpreset_name(sfid, bank, program) for bank in range(DRUM_BANK + 1) for program in range(128)}
        presets = [Preset(path, bank, program, name) for (bank, program), name in sorted(found.items()) if name]
    if stem is not None:
        return SoundFont(path, stem, {name: tuple(presets) if name == stem else () for name in STEMS})
    by_stem = {name: tuple(p for p in presets if _plays(p, name)) for name in STEMS}
    if sum(bool(found) for found in by_stem.values()) < 2:
        raise NotGeneralMidi(f"--soundfont {path!r} is not a General MIDI SoundFont (it plays fewer than two of "
                             f"{', '.join(STEMS)}); if it holds one instrument, name its stem: --soundfont STEM=PATH")
    return SoundFont(path, None, by_stem)


class NotGeneralMidi(DiffsepError):
    """A SoundFont without presets of at least two stems' classes: one instrument, or none."""


def _plays(preset: Preset, stem: str) -> bool:
    if stem == "drums":
        return preset.is_drum and preset.program in KITS
    return not preset.is_drum and preset.program in PROGRAMS[stem]


def soundfont_files(spec: str) -> tuple[str | None, list[str]]:
    """``(stem or None, files)`` of one ``[STEM=]PATH`` option; PATH a file or a folder."""
    name, equals, rest = spec.partition("=")
    stem, location = (name, rest) if equals and name in STEMS else (None, spec)
    path = Path(location).expanduser()
    if note_folders.is_instrument(path):
        return stem, [str(path.resolve())]
    if path.is_dir():
        files = sorted({str(p.resolve()) for p in path.rglob("*")
                        if ((p.suffix.lower() in SUFFIXES or drumkits.is_kit(p)) and p.is_file()) or note_folders.is_instrument(p)})
        if not files:
            raise DiffsepError(f"--soundfont {location!r}: the folder holds no .sf2, .sf3 or {drumkits.FILENAME} file "
                               f"and no folder of recorded notes")
        return stem, files
    if not path.is_file():
        raise DiffsepError(f"--soundfont {location!r}: no such file or folder")
    return stem, [str(path)]


@dataclass(frozen=True)
class Palette:
    """The SoundFonts a data set draws its timbres from."""

    soundfonts: tuple[SoundFont, ...]
    one_soundfont: float = 0.0
    """The share of songs whose stems all play one SoundFont (a band on one synthesizer); the
    others draw a SoundFont for each stem."""

    @classmethod
    def load(cls, specs: Sequence[str] | None = None, one_soundfont: float = 0.0) -> "Palette":
        """Open every ``[STEM=]PATH``; pretty_midi's TimGM6mb when none. Each stem must be playable,
        and with ``one_soundfont`` some SoundFont must play every stem."""
        if not 0.0 <= one_soundfont <= 1.0:
            raise DiffsepError(f"--one-soundfont is a share of the songs, between 0 and 1; got {one_soundfont}")
        palette = replace(_default_palette() if not specs else cls._open(specs), one_soundfont=one_soundfont)
        if one_soundfont and not palette.whole_bands():
            raise DiffsepError("--one-soundfont needs a --soundfont that plays all four stems (a General MIDI SoundFont)")
        return palette

    @classmethod
    def _open(cls, specs: Sequence[str]) -> "Palette":
        soundfonts = []
        for spec in specs:
            stem, files = soundfont_files(spec)
            for file in files:
                try:
                    soundfonts.append(inspect(file, stem))
                except (NotGeneralMidi, drumkits.NotAKit) as error:
                    if len(files) == 1:
                        raise
                    warn(f"left out of the folder {spec!r}: {error}")
        palette = cls(tuple(soundfonts))
        for stem in STEMS:
            if not palette.offering(stem):
                raise DiffsepError(f"no --soundfont plays {stem}; add a General MIDI SoundFont or {stem}=PATH")
        return palette

    def offering(self, stem: str) -> list[SoundFont]:
        return [font for font in self.soundfonts if font.presets[stem]]

    def whole_bands(self) -> list[SoundFont]:
        """The SoundFonts that play every stem."""
        return [font for font in self.soundfonts if all(font.presets[stem] for stem in STEMS)]

    def band(self, rng: np.random.Generator) -> SoundFont | None:
        """The SoundFont all of one song's stems play, drawn uniformly among :meth:`whole_bands`
        for a share ``one_soundfont`` of the songs; None: each stem draws its own. Draws nothing
        when ``one_soundfont`` is 0, so the sets made before it keep their timbres."""
        if not self.one_soundfont or rng.random() >= self.one_soundfont:
            return None
        fonts = self.whole_bands()
        return fonts[int(rng.integers(len(fonts)))]

    def draw(self, rng: np.random.Generator, stem: str, programs: Sequence[int | None],
             band: SoundFont | None = None) -> list[Preset]:
        """One SoundFont that plays ``stem`` (``band`` if given, else one drawn uniformly), and a
        preset of it for each program: that program in bank 0 where the SoundFont has it (the
        composer's or the MIDI file's choice), else one drawn uniformly among the stem's presets."""
        fonts = [band] if band is not None else self.offering(stem)
        font = fonts[int(rng.integers(len(fonts)))]
        choices = font.presets[stem]
        drawn = []
        for program in programs:
            wanted = [p for p in choices if p.bank == 0 and p.program == program]
            drawn.append(wanted[0] if wanted else choices[int(rng.integers(len(choices)))])
        return drawn

    def describe(self) -> list[dict]:
        return [font.describe() for font in self.soundfonts]


@functools.lru_cache(maxsize=1)
def _default_palette() -> Palette:
    return Palette._open([default_soundfont()])
