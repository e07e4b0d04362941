"""Timbres: each stem's SoundFont and preset are drawn per track, named in the metadata, the
same for any number of workers; a bad --soundfont stops before any rendering."""

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.data.classes import STEMS
from diffsep.data.soundfonts import Palette, default_soundfont
from diffsep.data.synth import SynthConfig, synthesize
from diffsep.errors import DiffsepError

runner = CliRunner()


@pytest.fixture
def two_fonts(tmp_path):
    """pretty_midi's SoundFont twice: as General MIDI, and as a copy that plays piano only."""
    piano = tmp_path / "fonts" / "piano-only.sf2"
    piano.parent.mkdir()
    shutil.copy(default_soundfont(), piano)
    return (default_soundfont(), f"piano={piano}")


def _timbres(root):
    return {p.parent.name: json.loads(p.read_text())["timbres"] for p in sorted(root.glob("*/Track*/metadata.json"))}


def test_the_default_palette_plays_every_stem_with_its_class():
    palette = Palette.load()
    rng = np.random.default_rng(0)
    for stem in STEMS:
        presets = [palette.draw(rng, stem, [None])[0] for _ in range(40)]
        if stem == "drums":
            assert {p.bank for p in presets} == {128} and len({p.program for p in presets}) > 1  # kits drawn
        else:
            assert {p.bank for p in presets} <= set(range(128))
    bass = palette.draw(rng, "bass", [33])[0]
    assert (bass.bank, bass.program) == (0, 33)  # the composer's program where the SoundFont has it


def test_timbre_draws_are_the_same_with_one_or_two_workers_and_named(tmp_path, two_fonts):
    one, two = tmp_path / "one", tmp_path / "two"
    synthesize(SynthConfig(one, tracks=6, seconds=1.0, seed=4, sample_rate=8000, soundfonts=two_fonts), workers=1)
    synthesize(SynthConfig(two, tracks=6, seconds=1.0, seed=4, sample_rate=8000, soundfonts=two_fonts), workers=2)
    assert _timbres(one) == _timbres(two)
    for name in ("bass.wav", "drums.wav", "piano.wav"):
        for track in (one / "train").iterdir():
            assert (track / name).read_bytes() == (two / "train" / track.name / name).read_bytes()
    pianos = {timbres["piano"]["soundfont"] for timbres in _timbres(one).values()}
    assert pianos == {"TimGM6mb.sf2", "piano-only.sf2"}  # both drawn for piano over six tracks
    assert all(t[stem]["soundfont"] == "TimGM6mb.sf2" for t in _timbres(one).values() for stem in ("bass", "drums", "guitar"))
    manifest = json.loads((one / "dataset.json").read_text())["soundfonts"]
    assert [(f["file"], f["stem"]) for f in manifest] == [("TimGM6mb.sf2", None), ("piano-only.sf2", "piano")]
    assert manifest[1]["presets"] == {"piano": 136}  # every preset of the file plays the stem it is given to


@pytest.mark.parametrize("soundfont, message", [
    ("missing.sf2", "no such file or folder"),
    ("README", "is not a SoundFont tinysoundfont can read"),
    ("drums=missing.sf2", "no such file or folder"),
])
def test_a_bad_soundfont_is_one_line_before_any_rendering(tmp_path, soundfont, message):
    (tmp_path / "README").write_text("not a SoundFont")
    out = tmp_path / "set"
    result = runner.invoke(app, ["data", "synth", "-o", str(out), "--tracks", "2", "--soundfont", str(tmp_path / soundfont)
                                 if "=" not in soundfont else soundfont.replace("=", f"={tmp_path}/")])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_palette_must_play_every_stem(two_fonts):
    with pytest.raises(DiffsepError, match="no --soundfont plays bass"):
        Palette.load([two_fonts[1]])


def test_render_midi_draws_timbres_from_the_soundfonts(tmp_path, two_fonts):
    import pretty_midi

    midi = pretty_midi.PrettyMIDI()
    for program, pitch in ((0, 60), (1, 64), (33, 40)):  # two pianos, one bass
        instrument = pretty_midi.Instrument(program=program)
        instrument.notes = [pretty_midi.Note(velocity=90, pitch=pitch, start=0.1, end=0.6)]
        midi.instruments.append(instrument)
    midi.write(str(tmp_path / "tune.mid"))
    outs = [tmp_path / f"out{seed}" for seed in range(6)]
    for seed, out in enumerate(outs):
        result = runner.invoke(app, ["data", "render-midi", str(tmp_path / "tune.mid"), "-o", str(out), "--split", "test",
                                     "--sample-rate", "8000", "--seed", str(seed), *sum((["--soundfont", f] for f in two_fonts), [])])
        assert result.exit_code == 0, result.output
    found = [json.loads((out / "test/tune/metadata.json").read_text())["timbres"] for out in outs]
    for timbres in found:
        assert len(timbres["piano"]) == 2 and len({t["soundfont"] for t in timbres["piano"]}) == 1  # one font a stem
        assert [(t["bank"], t["program"]) for t in timbres["bass"]] == [(0, 33)]
        assert timbres["drums"] == []
    assert {timbres["piano"][0]["soundfont"] for timbres in found} == {"TimGM6mb.sf2", "piano-only.sf2"}


def test_one_soundfont_gives_a_share_of_songs_one_synthesizer(tmp_path):
    other = tmp_path / "other.sf2"
    shutil.copy(default_soundfont(), other)
    fonts = (default_soundfont(), str(other))
    together, apart = tmp_path / "together", tmp_path / "apart"
    synthesize(SynthConfig(together, tracks=8, seconds=1.0, seed=3, sample_rate=8000, soundfonts=fonts, one_soundfont=1.0))
    synthesize(SynthConfig(apart, tracks=8, seconds=1.0, seed=3, sample_rate=8000, soundfonts=fonts))
    bands = [{t["soundfont"] for t in song.values()} for song in _timbres(together).values()]
    assert all(len(band) == 1 for band in bands) and set().union(*bands) == {"TimGM6mb.sf2", "other.sf2"}
    assert any(len({t["soundfont"] for t in song.values()}) > 1 for song in _timbres(apart).values())
    assert json.loads((together / "dataset.json").read_text())["one_soundfont"] == 1.0


def test_one_soundfont_needs_a_soundfont_that_plays_every_stem(tmp_path, two_fonts):
    split = [f"{stem}={default_soundfont()}" for stem in STEMS]
    with pytest.raises(DiffsepError, match="plays all four stems"):
        Palette.load(split, one_soundfont=0.5)
    result = runner.invoke(app, ["data", "synth", "-o", str(tmp_path / "set"), "--one-soundfont", "1.5"])
    assert result.exit_code != 0 and not (tmp_path / "set").exists()
