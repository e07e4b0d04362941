"""Recorded instruments as folders of notes (npm's tonejs-instrument-* and Salamander piano
packages): names read as pitches, the nearest sample shifted to the note's pitch, velocity
layers chosen by rank, a folder found inside a folder, and a folder without a stem refused."""

import numpy as np
import pretty_midi
import pytest
import soundfile

from diffsep.data import note_folders
from diffsep.data.render import render_instruments
from diffsep.data.soundfonts import NotGeneralMidi, Palette, default_soundfont, inspect

RATE = 8000


def _tone(pitch: int, seconds: float = 2.0, amplitude: float = 0.4) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 440 * 2 ** ((pitch - 69) / 12) * t)).astype(np.float32)


def _folder(path, names=("A2", "C3", "Ds3"), layers=("",)):
    """Sines at each named pitch (a layer's amplitude grows with its rank)."""
    path.mkdir(parents=True)
    for name in names:
        for rank, layer in enumerate(layers):
            pitch = note_folders.note_of(name)[0]
            soundfile.write(path / f"{name}{layer}.wav", _tone(pitch, amplitude=0.1 * (rank + 1)), RATE, subtype="FLOAT")
    return path


def _peak_hz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), 1 << 16))
    return float(np.fft.rfftfreq(1 << 16, 1 / RATE)[np.argmax(spectrum)])


@pytest.mark.parametrize("name, expected", [("A4", (69, 0)), ("As1", (34, 0)), ("A#1", (34, 0)), ("Eb3", (51, 0)),
                                            ("C4v6", (60, 6)), ("C-1", (0, 0)), ("README", None), ("index", None)])
def test_file_names_read_as_pitches_and_layers(name, expected):
    assert note_folders.note_of(name) == expected


@pytest.mark.parametrize("pitch", [45, 46, 49, 52])  # a sample's own pitch, one above A2, one below C3, one above D#3
def test_a_note_sounds_at_its_own_pitch(tmp_path, pitch):
    preset = inspect(str(_folder(tmp_path / "bass-electric")), "bass").presets["bass"]
    bass = pretty_midi.Instrument(33)
    bass.notes.append(pretty_midi.Note(100, pitch, 0.0, 1.0))
    out = render_instruments([bass], RATE, 2 * RATE, preset)
    assert _peak_hz(out[: RATE]) == pytest.approx(440 * 2 ** ((pitch - 69) / 12), rel=0.01)
    release = int((1.0 + note_folders.RELEASE) * RATE)
    assert np.abs(out[RATE // 2: RATE]).max() > 0.1 and not out[release + 1:].any()  # held to its end, then released


def test_velocity_chooses_the_layer_by_rank(tmp_path):
    folder = _folder(tmp_path / "piano", layers=("v4", "v8", "v16"))
    found = note_folders.samples(folder)
    assert [found[note_folders._choose(found, 57, velocity)].layer for velocity in (1, 50, 127)] == [4, 8, 16]
    soft, loud = (pretty_midi.Instrument(0) for _ in range(2))
    soft.notes.append(pretty_midi.Note(20, 57, 0.0, 0.5))
    loud.notes.append(pretty_midi.Note(127, 57, 0.0, 0.5))
    preset = inspect(str(folder), "piano").presets["piano"]
    quiet, strong = (np.abs(render_instruments([part], RATE, RATE, preset)).max() for part in (soft, loud))
    assert strong == pytest.approx(note_folders.PEAK, rel=0.01)  # the loudest layer at full velocity
    assert quiet == pytest.approx(note_folders.PEAK / 3 * 20 / 127, rel=0.02)  # the softest layer, scaled by velocity


def test_a_folder_of_instruments_offers_each_to_its_stem(tmp_path):
    _folder(tmp_path / "guitars" / "nylon")
    _folder(tmp_path / "guitars" / "steel")
    (tmp_path / "guitars" / "notes.txt").write_text("not an instrument")
    palette = Palette.load([f"guitar={tmp_path / 'guitars'}", default_soundfont()])
    assert [font.describe()["file"] for font in palette.offering("guitar")] == ["nylon", "steel", "TimGM6mb.sf2"]
    assert [font.describe()["file"] for font in palette.offering("bass")] == ["TimGM6mb.sf2"]
    assert palette.offering("guitar")[0].describe()["bytes"] == sum(p.stat().st_size for p in (tmp_path / "guitars" / "nylon").iterdir())


def test_a_note_folder_without_a_stem_is_refused(tmp_path):
    folder = _folder(tmp_path / "bass-electric")
    with pytest.raises(NotGeneralMidi, match="name the stem it plays"):
        Palette.load([str(folder)])
