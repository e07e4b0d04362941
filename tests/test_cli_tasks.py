"""generate, impute and evaluate from the command line."""

import csv
import json

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.data.synth import SynthConfig, synthesize

runner = CliRunner()
STEMS = ("bass", "drums", "guitar", "piano")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval") / "set"
    synthesize(SynthConfig(root, tracks=10, seconds=5.0, seed=3))
    return root


def test_generate_writes_songs_whose_mixture_is_the_sum(tmp_path):
    result = runner.invoke(app, ["generate", "-o", str(tmp_path), "--tracks", "2", "--seconds", "0.5", "--steps", "16",
                                 "--prior", "gaussian"])
    assert result.exit_code == 0, result.output
    for folder in ("generated001", "generated002"):
        stems = [soundfile.read(tmp_path / folder / f"{s}.wav")[0] for s in STEMS]
        mixture, rate = soundfile.read(tmp_path / folder / "mixture.wav")
        assert rate == 22050 and len(mixture) == 11025
        np.testing.assert_allclose(mixture, np.sum(stems, 0), atol=1e-6)
        assert all(np.abs(s).max() > 0 for s in stems)


def test_impute_keeps_the_given_stem_exactly(data, tmp_path):
    drums = data / "train" / "Track00001" / "drums.wav"
    result = runner.invoke(app, ["impute", "--known", f"drums={drums}", "-o", str(tmp_path), "--steps", "16", "-q"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "Track00001"  # named after the song's folder, not after the given stem's file
    np.testing.assert_array_equal(soundfile.read(out / "drums.wav")[0], soundfile.read(drums)[0])
    assert np.abs(soundfile.read(out / "piano.wav")[0]).max() > 0


def test_impute_names_its_folder_after_the_song_or_as_told(data, tmp_path):
    song = data / "train" / "Track00002"
    given = ["--known", f"drums={song / 'drums.wav'}", "--known", f"bass={song / 'bass.wav'}"]
    quick = ["--prior", "gaussian", "--steps", "4", "-q"]
    assert runner.invoke(app, ["impute", *given, "-o", str(tmp_path / "a"), *quick]).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["Track00002"]
    assert runner.invoke(app, ["impute", *given, "--name", "my song", "-o", str(tmp_path / "b"), *quick]).exit_code == 0
    assert (tmp_path / "b" / "my song" / "guitar.wav").is_file()
    apart = ["--known", f"drums={song / 'drums.wav'}", "--known", f"bass={data / 'train' / 'Track00003' / 'bass.wav'}"]
    assert runner.invoke(app, ["impute", *apart, "-o", str(tmp_path / "c"), *quick]).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["drums"]  # no common folder: the first file's name


def test_generate_and_impute_take_a_preset_and_record_what_ran(tmp_path):
    result = runner.invoke(app, ["generate", "-o", str(tmp_path), "--seconds", "0.2", "--prior", "gaussian",
                                 "--preset", "paper", "--steps", "6", "-q"])
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "generated001" / "config.json").read_text())
    assert (config["preset"], config["sampler"], config["sigma_max"], config["steps"]) == ("paper", "heun", 20.0, 6)
    refused = runner.invoke(app, ["generate", "-o", str(tmp_path), "--prior", "gaussian", "--preset", "slow"])
    assert refused.exit_code == 1 and "choose one of fast, paper" in refused.output
    refused = runner.invoke(app, ["impute", "--known", "drums=x.wav", "--preset", "slow"])
    assert refused.exit_code == 1 and "choose one of fast, paper" in refused.output


def test_evaluate_reads_estimates_and_scores_them(data, tmp_path):
    perfect = runner.invoke(app, ["evaluate", str(data), "--estimates", str(data / "test"), "-o", str(tmp_path / "a")])
    assert perfect.exit_code == 0, perfect.output
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["windows"] > 0 and all(v > 60 for v in summary["si_sdri_db"].values())
    rows = list(csv.DictReader(open(tmp_path / "a" / "windows.csv")))
    assert len(rows) == 4 * summary["windows"] and set(r["stem"] for r in rows) == set(STEMS)


def test_evaluate_separates_when_no_estimates_are_given(data, tmp_path):
    result = runner.invoke(app, ["evaluate", str(data), "-o", str(tmp_path), "--steps", "30", "--corrector-steps", "1", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["windows"] > 0 and all(np.isfinite(v) for v in summary["si_sdri_db"].values())
    assert (tmp_path / "estimates" / "Track00010" / "bass.wav").is_file()
