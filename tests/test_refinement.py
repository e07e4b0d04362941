"""Refinement: separation that starts from an initial estimate at an intermediate noise level."""

import json

import pytest
import soundfile
import soxr
import torch
from helpers import correlated_prior, relative, white_prior
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.errors import DiffsepError
from diffsep.presets import resolve
from diffsep.priors import GaussianPrior
from diffsep.priors.spectra import welch
from diffsep.samplers.noise import generators

T = 512
SETTINGS = dict(steps=40, sampler_options={"s_churn": 20.0, "corrector_steps": 2})


@pytest.fixture(scope="module")
def problem():
    prior = correlated_prior()
    mixture = prior.sample(2, T, generators(2, 5)).sum(1)
    return prior, mixture


def test_a_zero_init_at_sigma_max_is_plain_separation(problem):
    prior, mixture = problem
    plain = diffsep.separate(mixture, prior, seed=7, sigma_max=1.0, **SETTINGS)
    refined = diffsep.separate(mixture, prior, seed=7, init=torch.zeros(2, 4, T), init_sigma=1.0, **SETTINGS)
    assert torch.equal(plain, refined)


@pytest.mark.parametrize("likelihood", ["dirac", "gaussian"])
def test_refined_stems_keep_the_mixture(problem, likelihood):
    prior, mixture = problem
    refined = diffsep.separate(mixture, prior, likelihood, seed=1, init=prior.posterior_mean, init_sigma=0.05, **SETTINGS)
    error = float((refined.sum(1) - mixture).abs().max() / mixture.abs().max())
    assert error < (1e-5 if likelihood == "dirac" else 0.05)


def test_a_small_init_sigma_keeps_a_plausible_estimate(problem):
    """Started from true stems (far from the posterior mean) at a tiny level, little changes."""
    prior, _ = problem
    truth = prior.sample(2, T, generators(2, 9))
    mixture = truth.sum(1)
    near = diffsep.separate(mixture, prior, seed=2, init=truth, init_sigma=1e-3, **SETTINGS)
    far = diffsep.separate(mixture, prior, seed=2, init=truth, init_sigma=1.0, **SETTINGS)
    assert relative(near, truth) < 0.05 < 0.5 < relative(far, truth)


def test_init_must_match_the_mixture(problem):
    prior, mixture = problem
    with pytest.raises(DiffsepError, match=r"initial stems must have shape \[2, 4, 512\]"):
        diffsep.separate(mixture, prior, init=torch.zeros(2, 4, T - 1), **SETTINGS)
    with pytest.raises(DiffsepError, match="unknown init 'demucs'"):
        diffsep.separate(mixture, prior, init="demucs", **SETTINGS)


@pytest.mark.parametrize("rate", [8000, 11025, 22050])
def test_wiener_init_uses_the_start_filter_that_covers_the_priors_band(rate):
    prior = correlated_prior()
    prior.sample_rate = rate  # any prior of the shipped stems
    mixture = prior.sample(1, 4096, generators(1, 3)).sum(1)
    by_name = diffsep.separate(mixture, prior, init="wiener", seed=0, **SETTINGS)
    start, full_band = diffsep.priors.wiener_start(), diffsep.priors.gaussian()
    assert start.sample_rate == 11025 and full_band.sample_rate == 22050
    expected, other = (start, full_band) if rate <= start.sample_rate else (full_band, start)  # start: silent above 5.5 kHz
    assert torch.equal(by_name, diffsep.separate(mixture, prior, init=expected.at_rate(rate).posterior_mean, seed=0, **SETTINGS))
    assert not torch.equal(by_name, diffsep.separate(mixture, prior, init=other.at_rate(rate).posterior_mean, seed=0, **SETTINGS))


def test_at_rate_halves_white_noise_per_sample():
    halved = white_prior(0.3).at_rate(4000)
    assert halved.sample_rate == 4000
    assert torch.allclose(halved.spectra.real, torch.full_like(halved.spectra.real, 0.15))


def test_at_rate_describes_the_resampled_audio():
    """Draws of the prior resampled with soxr have the spectra that at_rate predicts."""
    prior = correlated_prior(n_fft=512)
    draws = prior.sample(8, 22050 * 2, generators(8, 11))
    resampled = [torch.from_numpy(soxr.resample(d.T.double().numpy(), 22050, 11025).T.copy()) for d in draws]
    fitted = welch(resampled, 512)
    predicted = prior.at_rate(11025).spectra_for(512)
    band = slice(4, 230)  # away from DC and the anti-aliasing filter's roll-off near Nyquist
    power = lambda s: torch.diagonal(s[band], dim1=-2, dim2=-1).real.sum(0)  # noqa: E731
    assert torch.allclose(power(fitted), power(predicted), rtol=0.1)
    assert isinstance(prior.at_rate(22050), GaussianPrior) and prior.at_rate(22050) is prior


@pytest.fixture
def song(tmp_path):
    """A mixture file and its true stems written as an initial separation, init/song/<stem>.wav."""
    prior = diffsep.priors.gaussian()
    stems = prior.sample(1, 4096, generators(1, 0))[0]
    soundfile.write(tmp_path / "song.wav", stems.sum(0).numpy(), prior.sample_rate, subtype="FLOAT")
    (tmp_path / "init" / "song").mkdir(parents=True)
    for name, stem in zip(prior.stems, stems):
        soundfile.write(tmp_path / "init" / "song" / f"{name}.wav", stem.numpy(), prior.sample_rate, subtype="FLOAT")
    return tmp_path, stems


def _run(folder, *options):
    # --band residual: the prior's own waveforms come back (the song is at the prior's rate, so
    # there is nothing above its band to share), to be compared with the API's
    args = ["run", str(folder / "song.wav"), "--prior", "gaussian", "-o", str(folder / "out"), "--float32",
            "--steps", "40", "--band", "residual", "-q", *options]
    return CliRunner().invoke(app, args)


def _written(folder):
    return torch.stack([torch.from_numpy(soundfile.read(folder / "out" / "song" / f"{s}.wav", dtype="float32")[0])
                        for s in ("bass", "drums", "guitar", "piano")])


def test_cli_refines_the_stems_of_a_folder(song):
    folder, stems = song
    assert _run(folder).exit_code == 0
    plain = relative(_written(folder), stems)
    # the post-filter's masks would cap these near-perfect stems at what masks can do on overlapping noise
    result = _run(folder, "--init", str(folder / "init"), "--init-sigma", "0.001", "--sigma-min", "1e-4", "--no-post-filter")
    assert result.exit_code == 0, result.output
    assert relative(_written(folder), stems) < 0.1 < 0.3 < plain
    assert json.loads((folder / "out" / "song" / "config.json").read_text())["init_sigma"] == 0.001
    below = _run(folder, "--init", str(folder / "init"), "--init-sigma", "0.001")  # fast's last level is 0.003
    assert below.exit_code == 1 and "raise --init-sigma or lower --sigma-min" in below.output


def test_cli_wiener_init_is_the_apis(song):
    folder, stems = song
    assert _run(folder, "--preset", "paper", "--init", "wiener").exit_code == 0
    expected = diffsep.separate(stems.sum(0), diffsep.priors.gaussian(), init="wiener", init_sigma=0.3, steps=40, seed=0)[0]
    assert torch.allclose(_written(folder), expected, atol=1e-5)


def test_cli_names_missing_initial_stems(song):
    folder, _ = song
    (folder / "init" / "song" / "piano.wav").unlink()
    result = _run(folder, "--init", str(folder / "init"))
    assert result.exit_code == 1 and "no initial stems for 'song.wav'" in result.output
    assert "is neither" in _run(folder, "--init", str(folder / "nowhere")).output


def test_presets_fill_what_is_not_given(song):
    folder, _ = song
    fast, paper = resolve("fast"), resolve("paper", steps=5, init="none")
    assert (fast.init, fast.num_samples, fast.steps * fast.corrector_steps * fast.num_samples) == ("masknet", 4, 80)
    assert (paper.init, paper.steps, paper.corrector_steps, paper.s_churn, paper.sigma_max) == (None, 5, 2, 20.0, 1.0)
    assert _run(folder, "--preset", "paper", "--steps", "5").exit_code == 0
    config = json.loads((folder / "out" / "song" / "config.json").read_text())
    assert (config["preset"], config["init"], config["num_samples"], config["steps"]) == ("paper", None, 1, 5)
    with pytest.raises(DiffsepError, match="unknown preset 'quick'; choose one of fast, paper"):
        resolve("quick")


def test_a_deterministic_sampler_gets_no_churn_options(song):
    folder, _ = song
    assert resolve("paper", sampler="dpmpp-2m").sampler_options() == {}
    assert _run(folder, "--sampler", "dpmpp-2m").exit_code == 0
    with pytest.raises(DiffsepError, match="the sampler 'dpmpp-2m' takes no --s-churn"):
        resolve("fast", sampler="dpmpp-2m", s_churn=10.0)
