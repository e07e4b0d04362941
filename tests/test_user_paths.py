"""What a new user tried and found wrong: each case fails on the code before its fix."""

import dataclasses

import numpy as np
import pytest
import soundfile
import torch
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.components import build_likelihood, build_prior
from diffsep.errors import DiffsepError
from diffsep.likelihoods import Observation
from diffsep.presets import PRESETS
from diffsep.registry import SAMPLERS
from diffsep.separation.settings import resolve

runner = CliRunner()


def test_settings_from_a_preset_run_the_preset_with_the_options_given_over_it():
    fast, prior = PRESETS["fast"], build_prior("gaussian")
    settings = resolve(prior, "fast")
    assert (settings.sampler, settings.num_samples, settings.init, settings.init_sigma) == (fast.sampler, fast.num_samples, "masknet", fast.init_sigma)
    assert settings.schedule() == fast.schedule() and settings.sampler_options == fast.sampler_options()
    given = resolve(prior, "fast", steps=7, s_churn=0.0, init="none", num_samples=2)
    assert (given.steps, given.rho, given.sampler_options["s_churn"]) == (7, fast.rho, 0.0)
    assert (given.init, given.num_samples, given.blend) == (None, 2, None)  # "none": from noise, as --init none
    plain = resolve(prior, "paper", sampler="heun")
    assert (plain.sampler, plain.num_samples, plain.init, plain.steps) == ("heun", 1, None, 150)  # MSDM's defaults
    with pytest.raises(dataclasses.FrozenInstanceError):
        plain.steps = 3  # held whole: what ran is what was resolved
    with pytest.raises(DiffsepError, match="unknown preset"):
        resolve(prior, "fastest")


def test_a_likelihood_object_on_the_raw_mixture_gives_stems_that_sum_to_it(capsys):
    prior = build_prior("msdm")  # the shipped prior: it has a training level
    mixture = 0.02 * torch.randn(1, 4096, generator=torch.Generator().manual_seed(0))  # far from that level
    likelihood = build_likelihood("dirac", Observation(prior.stems, mixture))
    stems = diffsep.separate(mixture, prior, likelihood, steps=3, seed=0)
    assert (stems.sum(1) - mixture).abs().max() < 1e-4  # float rounding of stems far larger than the mixture
    assert "copy of the mixture" in capsys.readouterr().err
    with pytest.raises(DiffsepError, match="needs the likelihood by name"):
        diffsep.separate(mixture, prior, likelihood, steps=3, normalize=True)


def test_tracks_of_one_name_in_two_folders_are_refused_or_kept_apart(tmp_path):
    rate = 22050
    for album in ("a", "b"):
        (tmp_path / "albums" / album).mkdir(parents=True)
        soundfile.write(tmp_path / "albums" / album / "song.wav", 0.1 * np.random.default_rng(1).standard_normal(rate), rate)
    pattern = str(tmp_path / "albums" / "**" / "*.wav")
    options = ["--prior", "gaussian", "--steps", "2", "-q", "-o", str(tmp_path / "out")]
    refused = runner.invoke(app, ["run", pattern, *options])
    assert refused.exit_code == 1 and "--filename '{path}/{stem}.{ext}'" in refused.output
    assert not (tmp_path / "out").exists()  # refused before any work
    kept = runner.invoke(app, ["run", pattern, *options, "--filename", "{path}/{stem}.{ext}"])
    assert kept.exit_code == 0, kept.output
    assert (tmp_path / "out" / "a" / "song" / "bass.wav").is_file() and (tmp_path / "out" / "b" / "song" / "bass.wav").is_file()


def test_run_help_names_every_built_in_sampler():
    text = runner.invoke(app, ["run", "--help"], terminal_width=400).output
    built_in = [e.name for e in SAMPLERS.entries() if e.origin == "built-in"]
    assert built_in and all(name in text for name in built_in), built_in


@pytest.mark.parametrize("command", [["generate", "--prior", "gaussian", "--seconds", "0.1", "--steps", "2"],
                                     ["impute", "--known", "drums=x.wav"], ["evaluate", "missing-data"],
                                     ["train", "--data", "missing-data", "-o", "run"]])
def test_every_command_that_builds_components_takes_plugins(tmp_path, command):
    plugin = tmp_path / "my_plugin.py"
    plugin.write_text(f"(__import__('pathlib').Path({str(tmp_path / 'loaded')!r})).write_text('yes')\n")
    result = runner.invoke(app, [*command, "--plugin", str(plugin), "-o", str(tmp_path / "o")] if command[0] != "train"
                           else [*command, "--plugin", str(plugin)])
    assert "No such option" not in result.output, result.output
    assert (tmp_path / "loaded").read_text() == "yes"


def test_train_preset_is_now_network_and_the_old_spelling_warns(tmp_path):
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "none"), "-o", str(tmp_path / "run"), "--preset", "tiny"])
    assert "--preset` is now --network" in result.output
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "none"), "-o", str(tmp_path / "run"), "--network", "huge"])
    assert result.exit_code == 1 and "unknown network size 'huge'" in result.output
