"""Recorded drum kits in Hydrogen's format (``drumkit.xml`` beside its samples; Debian's
``hydrogen-drumkits``): General MIDI drum notes mapped to the kit's instruments by their names,
and a sample player that renders pretty_midi drum parts with them.

A kit plays a note with the first of its instruments whose name says what the note is (kick,
snare, closed hat, ...), or with a stand-in (an open hat with the closed one, toms with each
other, a crash with the ride); a note it cannot play is left out. The layer whose velocity range
holds the note's velocity sounds, scaled by the velocity, the layer's gain and the instrument's
volume. A kit without a kick, a snare and a hi-hat is not a kit for this purpose.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from diffsep.data.recordings import read_mono
from diffsep.errors import DiffsepError

FILENAME = "drumkit.xml"
NOTES = {  # General MIDI drum note -> words an instrument's name must hold (any group, all words of it)
    35: [("kick",), ("bassdrum",), ("bass", "drum"), ("bd",)], 36: [("kick",), ("bassdrum",), ("bass", "drum"), ("bd",)],
    37: [("stick",), ("rim",)], 38: [("snare",), ("sd",)], 40: [("snare",), ("sd",)], 39: [("clap",)],
    42: [("closed",), ("hh",), ("hat",)], 44: [("pedal",), ("ped",)], 46: [("open",)],
    41: [("floor",), ("tom", "low")], 43: [("floor",), ("tom", "low")], 45: [("tom", "low"), ("tom",)],
    47: [("tom", "mid"), ("tom",)], 48: [("tom", "mid"), ("tom",)], 50: [("tom", "hi"), ("tom",)],
    49: [("crash",)], 57: [("crash",)], 51: [("ride",)], 59: [("ride",)], 53: [("ride", "bell"), ("bell",)],
    52: [("china",)], 55: [("splash",)], 54: [("tambourine",)], 56: [("cowbell",)],
}
HATS = (42, 44, 46)
"""Notes that need "hat" or "hh" in the name as well."""
STAND_INS = {46: 42, 44: 42, 49: 51, 57: 49, 51: 49, 59: 51, 41: 45, 43: 45, 45: 47, 47: 48, 48: 50, 50: 48, 40: 38, 35: 36, 36: 35}
REQUIRED = (36, 38, 42)


@dataclass(frozen=True)
class Layer:
    low: float
    high: float
    gain: float
    sample: str


@dataclass(frozen=True)
class Instrument:
    name: str
    volume: float
    layers: tuple[Layer, ...]


@dataclass(frozen=True)
class Kit:
    """A parsed kit: its name, and the instrument that plays each General MIDI note."""

    path: str
    name: str
    notes: dict[int, Instrument]


def is_kit(path: str | Path) -> bool:
    return Path(path).name == FILENAME


@functools.lru_cache(maxsize=64)
def read_kit(path: str) -> Kit:
    """Parse ``drumkit.xml`` and map the General MIDI drum notes; an error if it is not a kit."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise NotAKit(f"--soundfont {path!r}: cannot read this Hydrogen drum kit ({error})") from error
    namespace = re.match(r"\{.*\}", root.tag)
    prefix = namespace.group(0) if namespace else ""
    name = root.findtext(f"{prefix}name", default=Path(path).parent.name)
    instruments = [_instrument(element, prefix, Path(path).parent) for element in root.iter(f"{prefix}instrument")]
    instruments = [i for i in instruments if i.layers]
    notes = {note: found for note in NOTES if (found := _match(note, instruments)) is not None}
    for note, stand_in in STAND_INS.items():
        if note not in notes and stand_in in notes:
            notes[note] = notes[stand_in]
    if not all(note in notes for note in REQUIRED):
        raise NotAKit(f"--soundfont {path!r}: {name!r} has no kick, snare and hi-hat that diffsep can name")
    return Kit(path, name, notes)


class NotAKit(DiffsepError):
    """A Hydrogen kit without the instruments of a drum kit (hand percussion, effects)."""


def _instrument(element, prefix: str, folder: Path) -> Instrument:
    volume = float(element.findtext(f"{prefix}volume", "1")) * float(element.findtext(f"{prefix}gain", "1"))
    layers = []
    for layer in element.iter(f"{prefix}layer"):
        sample = folder / layer.findtext(f"{prefix}filename", "")
        if sample.is_file():
            layers.append(Layer(float(layer.findtext(f"{prefix}min", "0")), float(layer.findtext(f"{prefix}max", "1")),
                                float(layer.findtext(f"{prefix}gain", "1")), str(sample)))
    if not layers and (sample := folder / element.findtext(f"{prefix}filename", "")).is_file():  # older kits
        layers.append(Layer(0.0, 1.0, 1.0, str(sample)))
    return Instrument(element.findtext(f"{prefix}name", ""), volume, tuple(layers))


def _match(note: int, instruments: list[Instrument]) -> Instrument | None:
    for words in NOTES[note]:
        for instrument in instruments:
            name = set(re.findall(r"[a-z]+", instrument.name.lower()))
            name |= {"hat"} if "hihat" in name else set()
            if "roll" in name:  # a snare roll is not a snare hit
                continue
            if all(any(part.startswith(word) for part in name) for word in words):
                if note in HATS and not name & {"hat", "hh", "hihat"}:
                    continue
                if note not in HATS and name & {"hat", "hh", "hihat"}:
                    continue
                return instrument
    return None


_sample = functools.lru_cache(maxsize=512)(read_mono)


def render(instruments: Sequence, presets: Sequence, sample_rate: int, length: int) -> np.ndarray:
    """Mono float32 ``[length]``: pretty_midi drum parts played by the presets' kit."""
    kit = read_kit(presets[0].soundfont)
    out = np.zeros(length, dtype=np.float32)
    for instrument in instruments:
        for note in instrument.notes:
            player = kit.notes.get(note.pitch)
            start = int(round(note.start * sample_rate))
            if player is None or start >= length:
                continue
            strength = note.velocity / 127
            layer = next((l for l in player.layers if l.low <= strength <= l.high), player.layers[-1])
            sound = _sample(layer.sample, sample_rate)[: length - start]
            out[start:start + len(sound)] += strength * layer.gain * player.volume * sound
    return out
