"""The Wiener post-filter: masks that share the mixture out, known stems kept, CLI and preset."""

import json

import pytest
import soundfile
import torch
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.postfilter import wiener_postfilter
from diffsep.presets import resolve
from diffsep.samplers.noise import generators


def _tones(length=8192, rate=8000.0):
    """Four stems in bands of their own: a low tone, a click train, a mid tone, a high tone."""
    t = torch.arange(length) / rate
    clicks = (torch.arange(length) % 400 == 0).float()
    return torch.stack([torch.sin(2 * torch.pi * 110 * t), clicks, 0.5 * torch.sin(2 * torch.pi * 900 * t),
                        0.3 * torch.sin(2 * torch.pi * 2500 * t)])


def test_the_stems_add_up_to_the_mixture_and_known_stems_stay():
    stems = _tones()[None]
    mixture = stems.sum(1)
    rough = stems + 0.3 * torch.randn(stems.shape, generator=torch.Generator().manual_seed(0))
    out = wiener_postfilter(rough, mixture)
    assert torch.allclose(out.sum(1), mixture, atol=1e-4)
    kept = wiener_postfilter(rough, mixture, known=[1])
    assert torch.equal(kept[:, 1], rough[:, 1])
    assert torch.allclose(kept.sum(1), mixture, atol=1e-4)


def test_masks_from_rough_estimates_of_disjoint_stems_recover_them():
    """Where each stem has bins of its own, the masks of noisy estimates give the stems back."""
    stems = _tones()[None]
    rough = stems + 0.3 * torch.randn(stems.shape, generator=torch.Generator().manual_seed(1))
    error = lambda x: float((x - stems).square().sum() / stems.square().sum())  # noqa: E731
    assert error(wiener_postfilter(rough, stems.sum(1), n_fft=512)) < 0.1 * error(rough)


def test_silent_estimates_share_the_mixture_equally():
    mixture = torch.randn(1, 4096, generator=torch.Generator().manual_seed(2))
    out = wiener_postfilter(torch.zeros(1, 4, 4096), mixture)
    assert torch.allclose(out, mixture[:, None].expand(1, 4, 4096) / 4, atol=1e-5)


def test_the_cli_turns_it_on_and_off(tmp_path):
    assert not resolve("fast").post_filter and not resolve("paper").post_filter  # the mask network's stems lose by it
    prior = diffsep.priors.gaussian()
    stems = prior.sample(1, 4096, generators(1, 1))[0]
    soundfile.write(tmp_path / "song.wav", stems.sum(0).numpy(), prior.sample_rate, subtype="FLOAT")
    ran = {}  # config.json records what ran: at the input's rate the whole band's masks are the post-filter
    for flags in (["--post-filter"], ["--no-post-filter"], ["--post-filter", "--band", "residual"]):
        out = tmp_path / "-".join(flags)
        result = CliRunner().invoke(app, ["run", str(tmp_path / "song.wav"), "--prior", "gaussian", "-o", str(out),
                                          "--float32", "--steps", "4", "--num-samples", "1", "-q", *flags])
        assert result.exit_code == 0, result.output
        config = json.loads((out / "song" / "config.json").read_text())
        ran[" ".join(flags)] = (config["post_filter"], config["band"])
    assert ran == {"--post-filter": (False, "masks"), "--no-post-filter": (False, "residual"),
                   "--post-filter --band residual": (True, "residual")}


@pytest.mark.parametrize("explicit", [False, True])
def test_a_likelihood_whose_stems_do_not_add_up_gets_no_post_filter(tmp_path, explicit):
    prior = diffsep.priors.gaussian()
    stems = prior.sample(1, 4096, generators(1, 2))[0]
    soundfile.write(tmp_path / "song.wav", stems.sum(0).numpy(), prior.sample_rate, subtype="FLOAT")
    soundfile.write(tmp_path / "bass.wav", stems[0].numpy(), prior.sample_rate, subtype="FLOAT")
    args = ["run", str(tmp_path / "song.wav"), "--prior", "gaussian", "--likelihood", "impute", "--known",
            f"bass={tmp_path / 'bass.wav'}", "-o", str(tmp_path / "out"), "--steps", "4", "-q"]
    result = CliRunner().invoke(app, args + (["--preset", "paper", "--post-filter"] if explicit else []))  # paper: none of its own
    if explicit:
        assert result.exit_code == 1 and "leave out --post-filter" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert json.loads((tmp_path / "out" / "song" / "config.json").read_text())["post_filter"] is False


def test_the_whole_bands_masks_are_the_post_filter_so_it_does_not_run_twice(tmp_path):
    prior = diffsep.priors.gaussian()
    stems = prior.sample(1, 8192, generators(1, 3))[0]
    soundfile.write(tmp_path / "song.wav", stems.sum(0).numpy(), prior.sample_rate, subtype="FLOAT")

    def written(*options):
        out = tmp_path / "-".join(options)
        result = CliRunner().invoke(app, ["run", str(tmp_path / "song.wav"), "--prior", "gaussian", "-o", str(out), "--float32",
                                          "--steps", "4", "--num-samples", "1", "-q", *options])
        assert result.exit_code == 0, result.output
        return torch.stack([torch.from_numpy(soundfile.read(out / "song" / f"{s}.wav", dtype="float32")[0]) for s in prior.stems])

    assert torch.equal(written("--band", "masks", "--post-filter"), written("--band", "masks", "--no-post-filter"))
    filtered, raw = written("--band", "residual", "--post-filter"), written("--band", "residual", "--no-post-filter")
    assert not torch.allclose(filtered, raw, atol=1e-3)
    assert torch.allclose(filtered.sum(0), stems.sum(0), atol=1e-4)


def test_the_whole_band_follows_the_post_filter_unless_given():
    from diffsep.components import build_prior
    from diffsep.separation.settings import resolve as settings_for

    prior = build_prior("msdm")
    band = lambda **options: settings_for(prior, "fast", **options).band  # noqa: E731
    assert band() == ("masks" if resolve("fast").post_filter else "residual")
    assert band(post_filter=True) == "masks" and band(post_filter=False) == "residual"
    assert band(post_filter=False, band="masks") == "masks"
    assert band(keep_model_sr=True) == "model"  # no band beyond the prior's to share out
    assert settings_for(prior, "fast", "impute", task="impute").band == "model"  # nothing ties imputed stems to a mixture
    filtered = settings_for(prior, "fast", post_filter=True)
    assert filtered.post_filter is False  # recorded as it runs: the whole band's masks are the post-filter
    assert settings_for(prior, "fast", post_filter=True, band="residual").post_filter is True
