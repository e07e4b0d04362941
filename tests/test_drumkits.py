"""Recorded drum kits (Hydrogen's drumkit.xml): notes mapped by instrument names, layers chosen
by velocity, samples placed at each onset; a folder's kits and non-kits sorted apart."""

import numpy as np
import pretty_midi
import pytest
import soundfile

from diffsep.data import drumkits
from diffsep.data.soundfonts import Palette, Preset, default_soundfont

RATE = 8000
INSTRUMENTS = {"Kick": [("kick-soft.wav", 0.0, 0.5), ("kick-hard.wav", 0.5, 1.0)], "Snare Roll": [("roll.wav", 0.0, 1.0)],
               "Snare Rock": [("snare.wav", 0.0, 1.0)], "Closed HH": [("hat.wav", 0.0, 1.0)], "Tom Low": [("tom.wav", 0.0, 1.0)]}


def _kit(folder, instruments=INSTRUMENTS, volume=0.5):
    folder.mkdir(parents=True)
    xml = ["<drumkit_info><name>Test Kit</name><instrumentList>"]
    for n, (name, layers) in enumerate(instruments.items()):
        xml.append(f"<instrument><id>{n}</id><name>{name}</name><volume>{volume}</volume><gain>1</gain>")
        for k, (filename, low, high) in enumerate(layers):
            soundfile.write(folder / filename, np.full(100, 0.1 * (n + 1) + 0.01 * k, dtype=np.float32), RATE, subtype="FLOAT")
            xml.append(f"<layer><filename>{filename}</filename><min>{low}</min><max>{high}</max><gain>2</gain></layer>")
        xml.append("</instrument>")
    (folder / drumkits.FILENAME).write_text("".join(xml) + "</instrumentList></drumkit_info>")
    return folder / drumkits.FILENAME


def test_notes_go_to_the_instruments_their_names_say(tmp_path):
    kit = drumkits.read_kit(str(_kit(tmp_path / "kit")))
    assert kit.name == "Test Kit"
    assert {note: kit.notes[note].name for note in (36, 38, 42, 45)} == {36: "Kick", 38: "Snare Rock", 42: "Closed HH", 45: "Tom Low"}
    assert kit.notes[46].name == "Closed HH" and kit.notes[50].name == "Tom Low"  # stand-ins
    assert 49 not in kit.notes  # no crash, no ride: crashes are left out


def test_a_kit_without_a_snare_is_not_a_kit(tmp_path):
    path = _kit(tmp_path / "hands", {"Kick": [("k.wav", 0.0, 1.0)], "Clap": [("c.wav", 0.0, 1.0)], "Closed HH": [("h.wav", 0.0, 1.0)]})
    with pytest.raises(drumkits.NotAKit, match="no kick, snare and hi-hat"):
        drumkits.read_kit(str(path))


def test_a_note_plays_its_velocity_layer_at_its_onset(tmp_path):
    kit = _kit(tmp_path / "kit")
    drums = pretty_midi.Instrument(0, is_drum=True)
    drums.notes += [pretty_midi.Note(127, 36, 0.1, 0.2), pretty_midi.Note(32, 36, 0.5, 0.6), pretty_midi.Note(100, 60, 0.7, 0.8)]
    preset = Preset(str(kit), 128, 0, "Test Kit")
    out = drumkits.render([drums], [preset], RATE, RATE)
    expected = np.zeros(RATE, dtype=np.float32)
    expected[800:900] = 1.0 * 2 * 0.5 * 0.11  # the hard layer: velocity 1, layer gain 2, volume 0.5
    expected[4000:4100] = 32 / 127 * 2 * 0.5 * 0.1  # the soft layer
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)  # note 60 is no drum of the kit: silent


def test_a_folder_keeps_its_kits_and_leaves_out_the_rest(tmp_path, capsys):
    _kit(tmp_path / "kits" / "a")
    _kit(tmp_path / "kits" / "b", {"Clap": [("c.wav", 0.0, 1.0)]})
    palette = Palette.load([f"drums={tmp_path / 'kits'}", default_soundfont()])
    assert "'Test Kit' has no kick, snare and hi-hat" in capsys.readouterr().err
    assert [font.describe()["file"] for font in palette.offering("drums")] == ["a/drumkit.xml", "TimGM6mb.sf2"]
    assert [font.describe()["file"] for font in palette.offering("bass")] == ["TimGM6mb.sf2"]
