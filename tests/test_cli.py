"""The command line on small files, with the exact Gaussian prior."""

import json
import textwrap

import numpy as np
import pytest
import soundfile
import torch
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.priors import gaussian
from diffsep.samplers.noise import generators

FAST = ["--steps", "40", "--corrector-steps", "1", "-q"]
runner = CliRunner()


@pytest.fixture
def mixture_file(tmp_path):
    prior = gaussian()
    stems = prior.sample(1, 4096, generators(1, 0))[0]
    path = tmp_path / "song.wav"
    soundfile.write(path, stems.sum(0).numpy(), prior.sample_rate, subtype="FLOAT")
    soundfile.write(tmp_path / "drums.wav", stems[1].numpy(), prior.sample_rate, subtype="FLOAT")
    return path


def test_run_writes_stems_config_and_plot(mixture_file, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(mixture_file), "--prior", "gaussian", "--likelihood", "dirac",
                                 "--constrained", "bass", "-o", str(out), "--plot", "--float32", *FAST])
    assert result.exit_code == 0, result.output
    folder = out / "song"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["bass.wav", "config.json", "drums.wav", "guitar.wav", "overview.png", "piano.wav"]
    mixture, rate = soundfile.read(mixture_file)
    total = sum(soundfile.read(folder / f"{stem}.wav")[0] for stem in ("bass", "drums", "guitar", "piano"))
    assert rate == 22050 and np.abs(total - mixture).max() < 1e-5
    config = json.loads((folder / "config.json").read_text())
    assert config["likelihood_options"] == {"constrained": "bass"} and config["steps"] == 40


def test_separate_is_an_alias_and_hints_are_kept(mixture_file, tmp_path):
    out = tmp_path / "out"
    drums = tmp_path / "drums.wav"
    result = runner.invoke(app, ["separate", str(mixture_file), "--known", f"drums={drums}", "-o", str(out), "--float32", *FAST])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(soundfile.read(out / "song" / "drums.wav")[0], soundfile.read(drums)[0], atol=1e-6)


def test_stereo_44k_comes_back_stereo_44k(tmp_path):
    path = tmp_path / "stereo.flac"
    signal = 0.1 * np.random.default_rng(0).standard_normal((44100, 2))
    soundfile.write(path, signal, 44100)
    result = runner.invoke(app, ["run", str(path), "-o", str(tmp_path / "out"), *FAST])
    assert result.exit_code == 0, result.output
    data, rate = soundfile.read(tmp_path / "out" / "stereo" / "bass.wav")
    assert rate == 44100 and data.shape == (44100, 2)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.wav", "does not exist"),
        (lambda d: (d / "junk.wav").write_bytes(b"RIFF nonsense") and d / "junk.wav", "cannot decode"),
        (lambda d: soundfile.write(d / "short.wav", np.ones(1000), 22050) or d / "short.wav", "too short"),
        (lambda d: soundfile.write(d / "empty.wav", np.zeros(0), 22050) or d / "empty.wav", "no samples"),
    ],
)
def test_bad_inputs_fail_with_one_clear_line(tmp_path, make, message):
    path = make(tmp_path)
    result = runner.invoke(app, ["run", str(path), "-o", str(tmp_path / "out"), *FAST])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.wav"))


@pytest.mark.parametrize(
    "options, message",
    [
        (["--likelihood", "diracc"], "Did you mean 'dirac'"),
        (["--constrained", "vocals"], "unknown stem 'vocals'"),
        (["--known", "drums"], "STEM=FILE"),
        (["--known", "vocals=x.wav"], "unknown stem 'vocals'"),
        (["--gamma", "0.5"], "does not take these options"),
    ],
)
def test_bad_options_fail_clearly(mixture_file, tmp_path, options, message):
    result = runner.invoke(app, ["run", str(mixture_file), "-o", str(tmp_path / "out"), *options, *FAST])
    assert result.exit_code == 1 and message in result.output, result.output


def test_user_likelihood_from_a_plugin_file(mixture_file, tmp_path):
    plugin = tmp_path / "loud.py"
    plugin.write_text(textwrap.dedent(
        """
        from diffsep import LIKELIHOODS
        from diffsep.likelihoods import GaussianMixture

        @LIKELIHOODS.register("loose-gaussian")
        def loose(observation, gamma: float = 2.0):
            return GaussianMixture(observation.require_mixture("loose-gaussian"), gamma, tuple(range(len(observation.stems))))
        """
    ))
    listed = runner.invoke(app, ["list", "--plugin", str(plugin), "--json"])
    assert listed.exit_code == 0
    rows = {row["name"]: row for row in json.loads(listed.output)}
    assert rows["loose-gaussian"]["origin"].startswith("user")
    result = runner.invoke(app, ["run", str(mixture_file), "--plugin", str(plugin), "--likelihood", "loose-gaussian",
                                 "-o", str(tmp_path / "out"), *FAST])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "song" / "piano.wav").is_file()
