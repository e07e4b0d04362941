"""Blending a refinement with its start: per-stem weights, the mixture kept, known stems untouched."""

import json

import pytest
import soundfile
import torch
from helpers import correlated_prior
from typer.testing import CliRunner

import diffsep
from diffsep.blend import parse
from diffsep.cli import app
from diffsep.errors import DiffsepError
from diffsep.presets import FAST_BLEND, resolve
from diffsep.samplers.noise import generators

T = 512
SETTINGS = dict(steps=40, init_sigma=0.3, seed=3, sampler_options={"corrector_steps": 1})


@pytest.fixture(scope="module")
def problem():
    prior = correlated_prior()
    truth = prior.sample(2, T, generators(2, 4))
    return prior, truth.sum(1), truth


def test_one_weight_averages_the_refinement_and_its_start(problem):
    prior, mixture, truth = problem
    refined = diffsep.separate(mixture, prior, init=truth, **SETTINGS)
    assert torch.equal(diffsep.separate(mixture, prior, init=truth, blend=1.0, **SETTINGS), refined)
    assert torch.allclose(diffsep.separate(mixture, prior, init=truth, blend=0.0, **SETTINGS), truth, atol=1e-5)
    half = diffsep.separate(mixture, prior, init=truth, blend=0.4, **SETTINGS)
    assert torch.allclose(half, 0.4 * refined + 0.6 * truth, atol=1e-5)


def test_weights_per_stem_keep_the_mixture_by_power_shares(problem):
    prior, mixture, truth = problem
    refined = diffsep.separate(mixture, prior, init=truth, **SETTINGS)
    out = diffsep.separate(mixture, prior, init=truth, blend={"drums": 0.5, "piano": 0.0}, **SETTINGS)
    weight = torch.tensor([1.0, 0.5, 1.0, 0.0])[:, None]  # bass and guitar, not named, keep the refinement
    mixed = weight * refined + (1 - weight) * truth
    assert torch.allclose(out.sum(1), mixture, atol=1e-4)  # unequal weights, yet the stems add up to the mixture
    correction, missing = out - mixed, (refined - mixed).sum(1, keepdim=True)
    share = (correction * missing).sum(-1) / missing.square().sum(-1)  # [B, S]: each stem's part of what is missing
    assert torch.allclose(correction, share[..., None] * missing, atol=1e-5)
    power = mixed.square().mean(-1)
    assert torch.allclose(share, power / power.sum(1, keepdim=True), atol=1e-4)


def test_known_stems_are_never_blended(problem):
    prior, mixture, truth = problem
    known = {"drums": truth[:, 1]}
    alone = diffsep.separate(mixture, prior, known=known, init=truth, **SETTINGS)
    start_only = diffsep.separate(mixture, prior, known=known, init=truth, blend=0.0, **SETTINGS)
    assert torch.equal(start_only[:, 1], alone[:, 1])
    assert torch.allclose(start_only[:, [0, 2, 3]], truth[:, [0, 2, 3]], atol=1e-5)


@pytest.mark.parametrize("blend, message", [
    (1.5, "between 0 .* and 1"),
    ({"vocals": 0.5}, "names vocals, which the prior does not separate"),
])
def test_bad_weights_are_one_clear_error(problem, blend, message):
    prior, mixture, truth = problem
    with pytest.raises(DiffsepError, match=message):
        diffsep.separate(mixture, prior, init=truth, blend=blend, **SETTINGS)


def test_a_blend_needs_a_start(problem):
    prior, mixture, _ = problem
    with pytest.raises(DiffsepError, match="give --init"):
        diffsep.separate(mixture, prior, blend=0.5, steps=5)


def test_the_cli_reads_one_weight_or_one_per_stem():
    assert parse("0.4") == 0.4
    assert parse("bass=0.6, drums=0.75") == {"bass": 0.6, "drums": 0.75}
    with pytest.raises(DiffsepError, match="STEM=WEIGHT pairs"):
        parse("bass:0.6")


def test_the_fast_preset_blends_and_starting_from_noise_does_not():
    assert resolve("fast").blend == FAST_BLEND and set(FAST_BLEND) == {"bass", "drums", "guitar", "piano"}
    assert resolve("fast", init="none").blend is None
    assert resolve("fast", blend=1.0).blend == 1.0
    assert resolve("paper").blend is None


def _separate(tmp_path, *options):
    prior = diffsep.priors.gaussian()
    stems = prior.sample(1, 4096, generators(1, 1))[0]
    soundfile.write(tmp_path / "song.wav", stems.sum(0).numpy(), prior.sample_rate, subtype="FLOAT")
    return CliRunner().invoke(app, ["run", str(tmp_path / "song.wav"), "--prior", "gaussian", "-o", str(tmp_path / "out"),
                                    "--float32", "--steps", "4", "--num-samples", "1", "-q", *options])


def test_the_cli_writes_the_blend_it_used(tmp_path):
    result = _separate(tmp_path, "--blend", "guitar=0.5")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "song" / "config.json").read_text())["blend"] == {"guitar": 0.5}
    result = _separate(tmp_path, "--blend", "2")
    assert result.exit_code == 1 and "between 0" in result.output and "Traceback" not in result.output
