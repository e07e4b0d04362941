"""Other sources of data: raw Slakh2100 trees and arbitrary MIDI files, through the CLI."""

import json

import numpy as np
import pytest
import soundfile
import yaml
from typer.testing import CliRunner

from diffsep.cli import app

runner = CliRunner()


def _tone(frequency, seconds, rate, amplitude=0.1):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


@pytest.fixture
def raw_slakh(tmp_path):
    """A tiny raw Slakh2100 tree: two bass instruments, one drum kit, one strings part (left
    out), and a piano listed in the metadata but not rendered; 44.1 kHz stereo flac."""
    rate = 44100
    track = tmp_path / "raw" / "test" / "Track01234"
    (track / "stems").mkdir(parents=True)
    stems = {
        "S00": ({"inst_class": "Bass", "program_num": 33, "is_drum": False}, _tone(55, 2.0, rate)),
        "S01": ({"inst_class": "Bass", "program_num": 34, "is_drum": False}, _tone(110, 1.5, rate)),
        "S02": ({"inst_class": "Drums", "program_num": 0, "is_drum": True}, _tone(200, 2.0, rate)),
        "S03": ({"inst_class": "Strings", "program_num": 48, "is_drum": False}, _tone(440, 2.0, rate)),
        "S04": ({"inst_class": "Piano", "program_num": 0, "is_drum": False, "audio_rendered": False}, None),
    }
    for stem_id, (info, signal) in stems.items():
        if signal is not None:
            soundfile.write(track / "stems" / f"{stem_id}.flac", np.stack([signal, signal], 1), rate, subtype="PCM_24")
    (track / "metadata.yaml").write_text(yaml.safe_dump({"UUID": "x", "stems": {k: v[0] for k, v in stems.items()}}))
    return tmp_path / "raw", stems


def test_prepare_slakh_sums_each_class_and_resamples(raw_slakh, tmp_path):
    raw, stems = raw_slakh
    out = tmp_path / "prepared"
    result = runner.invoke(app, ["data", "prepare-slakh", str(raw), "--out", str(out), "--sample-rate", "22050"])
    assert result.exit_code == 0, result.output
    folder = out / "test" / "Track01234"
    read = {name: soundfile.read(folder / f"{name}.wav", dtype="float32") for name in ("bass", "drums", "guitar", "piano")}
    assert all(rate == 22050 and data.ndim == 1 and len(data) == 44100 for data, rate in read.values())
    expected_bass = _tone(55, 2.0, 22050) + np.pad(_tone(110, 1.5, 22050), (0, 11025))
    interior = slice(500, -500)  # away from the resampler's edges
    np.testing.assert_allclose(read["bass"][0][interior], expected_bass[interior], atol=2e-3)
    np.testing.assert_allclose(read["drums"][0][interior], _tone(200, 2.0, 22050)[interior], atol=2e-3)
    assert np.abs(read["guitar"][0]).max() == 0 and np.abs(read["piano"][0]).max() == 0
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["stems_per_class"] == {"bass": 2, "drums": 1, "guitar": 0, "piano": 0}


def test_prepare_slakh_without_tracks_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["data", "prepare-slakh", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "no Slakh2100 tracks" in result.output


def test_render_midi_writes_four_stems_and_lists_what_it_left_out(tmp_path):
    import pretty_midi

    midi = pretty_midi.PrettyMIDI()
    for program, is_drum, pitch in ((33, False, 40), (48, False, 60), (0, True, 38)):
        instrument = pretty_midi.Instrument(program=program, is_drum=is_drum)
        instrument.notes = [pretty_midi.Note(velocity=100, pitch=pitch, start=0.2, end=0.8)]
        midi.instruments.append(instrument)
    midi.write(str(tmp_path / "tune.mid"))
    (tmp_path / "notes.txt").write_text("not midi")
    out = tmp_path / "out"
    result = runner.invoke(app, ["data", "render-midi", str(tmp_path / "tune.mid"), "--out", str(out), "--split", "test"])
    assert result.exit_code == 0, result.output
    assert "left out program 48 (String Ensemble 1)" in result.output
    folder = out / "test" / "tune"
    signals = {name: soundfile.read(folder / f"{name}.wav")[0] for name in ("bass", "drums", "guitar", "piano")}
    assert np.abs(signals["bass"]).max() > 0.01 and np.abs(signals["drums"]).max() > 0.01
    assert np.abs(signals["guitar"]).max() == 0 and np.abs(signals["piano"]).max() == 0
    bad = runner.invoke(app, ["data", "render-midi", str(tmp_path / "notes.txt"), "--out", str(tmp_path / "o2")])
    assert bad.exit_code == 1 and "cannot read" in bad.output


def test_synth_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    result = runner.invoke(app, ["data", "synth", "--out", str(tmp_path), "--tracks", "1", "--seconds", "1"])
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert (tmp_path / "keep.txt").read_text() == "precious"
