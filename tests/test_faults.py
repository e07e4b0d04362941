"""Faults a careless user can cause: each ends in one clear line, never in silent garbage."""

import pytest
import soundfile
import torch
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.errors import DiffsepError
from diffsep.likelihoods import Dirac
from diffsep.priors import checkpoints, gaussian, learned_io
from diffsep.samplers.noise import generators

runner = CliRunner()
FAST = ["--steps", "4", "--num-samples", "1", "-q"]


@pytest.fixture
def song(tmp_path):
    prior = gaussian()
    path = tmp_path / "song.wav"
    soundfile.write(path, prior.sample(1, 8192, generators(1, 0))[0].sum(0).numpy(), prior.sample_rate, subtype="FLOAT")
    return path


def test_a_checkpoint_with_nan_weights_is_refused_at_load(tmp_path, song):
    prior = learned_io.from_preset("msdm", "tiny", ["bass", "drums", "guitar", "piano"], 22050)
    good = learned_io.save(prior, tmp_path / "good.safetensors")
    tensors, metadata = checkpoints.load(good)
    name = sorted(tensors)[3]
    tensors[name] = torch.full_like(tensors[name], float("nan"))
    checkpoints.save(tmp_path / "nan.safetensors", tensors, metadata)
    result = runner.invoke(app, ["run", str(song), "--checkpoint", str(tmp_path / "nan.safetensors"), "-o", str(tmp_path / "out"), *FAST])
    assert result.exit_code == 1 and "NaN or infinite values in 1 tensors" in result.output and name in result.output
    assert not (tmp_path / "out").exists()


class NaNCorrection(Dirac):
    def correct(self, x, sigma, denoised):
        return torch.where(sigma.reshape(-1, 1, 1) < 0.5, float("nan"), super().correct(x, sigma, denoised))


def test_a_likelihood_returning_nan_is_named_with_its_noise_level():
    prior = gaussian()
    mixture = prior.sample(1, 2048, generators(1, 0)).sum(1)
    with pytest.raises(DiffsepError, match=r"NaNCorrection.correct returned NaN or infinite values at noise level sigma = 0\.4"):
        diffsep.separate(mixture, prior, NaNCorrection(mixture, 0, (0, 1, 2, 3)), steps=10)


class Broken:
    stems, sample_rate = ["a", "b"], 8000

    def denoise(self, x, sigma):
        return x / 0.0


def test_a_prior_returning_infinity_is_named():
    with pytest.raises(DiffsepError, match=r"Broken.denoise returned NaN or infinite values at noise level sigma = 1\b"):
        diffsep.separate(torch.ones(1, 256), Broken(), steps=5)


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_clamp_bounds_d_in_the_networks_units_as_documented(scale):
    prior = learned_io.from_preset("msdm", "tiny", ["bass", "drums", "guitar", "piano"], 22050, clamp=True, data_scale=scale)
    denoised = prior.denoise(10 * torch.randn(1, 4, 1024, generator=torch.Generator().manual_seed(0)), 5.0)
    assert float(denoised.abs().max()) == pytest.approx(1 / scale)
    help_text = runner.invoke(app, ["convert", "--help"], terminal_width=200).output
    assert "network's units" in help_text and "data scale" in help_text
