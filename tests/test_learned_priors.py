"""Learned priors: presets, EDM preconditioning, checkpoints and the conversion of MSDM files."""

import pickle

import pytest
import torch
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.errors import DiffsepError
from diffsep.priors import learned_io, msdm
from diffsep.priors.edm import LogNormalSigma, Preconditioning
from diffsep.priors.sizes import NETWORK_SIZES, network_config
from helpers import lightning_checkpoint

STEMS = ["bass", "drums", "guitar", "piano"]


def test_paper_preset_has_about_405m_parameters():
    from audio_diffusion_pytorch import UNet1d

    with torch.device("meta"):
        network = UNet1d(**network_config("paper", 4))
    assert sum(p.numel() for p in network.parameters()) == pytest.approx(405e6, rel=0.01)


def test_preconditioning_matches_edm():
    sigma = torch.tensor([0.01, 0.2, 5.0])
    c_skip, c_out, c_in, c_noise = Preconditioning(0.2).scalings(sigma, torch.zeros(3, 1, 1))
    torch.testing.assert_close(c_skip.flatten(), 0.04 / (sigma**2 + 0.04))
    torch.testing.assert_close(c_out.flatten(), sigma * 0.2 / (sigma**2 + 0.04).sqrt())
    torch.testing.assert_close(c_in.flatten(), 1 / (sigma**2 + 0.04).sqrt())
    torch.testing.assert_close(c_noise, sigma.log() / 4)
    # lambda makes the loss of the trivial denoiser D = c_skip x unit at every level
    torch.testing.assert_close(Preconditioning(0.2).loss_weight(sigma) * c_out.flatten() ** 2, torch.ones(3))


def test_log_normal_sigma_statistics():
    sigma = LogNormalSigma(-3.0, 1.0).sample(20000, torch.Generator().manual_seed(0))
    assert float(sigma.log().mean()) == pytest.approx(-3.0, abs=0.03)
    assert float(sigma.log().std()) == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("kind", ["msdm", "weak", "spectral"])
def test_denoise_any_length_and_no_clamp_by_default(kind):
    torch.manual_seed(0)
    prior = learned_io.from_size(kind, "tiny", STEMS, 22050)
    x = 5 * torch.randn(2, 4, 1001)
    out = prior.denoise(x, torch.tensor([0.5, 20.0]))
    assert out.shape == x.shape and float(out.abs().max()) > 1.0  # would be 1 if clamped
    assert not torch.is_grad_enabled() or not out.requires_grad


@pytest.mark.parametrize("kind", ["msdm", "weak", "spectral"])
def test_save_load_round_trip_is_bit_exact(tmp_path, kind):
    torch.manual_seed(1)
    prior = learned_io.from_size(kind, "tiny", STEMS, 16000, sigma_data=0.3)
    path = learned_io.save(prior, tmp_path / "p.safetensors", preset="tiny", training_steps=7)
    loaded = learned_io.load(path)
    assert loaded.kind == kind and loaded.stems == STEMS and loaded.sample_rate == 16000 and loaded.sigma_data == 0.3
    for (name, a), (_, b) in zip(prior.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    x = torch.randn(1, 4, 256)
    assert torch.equal(prior.denoise(x, 0.1), loaded.denoise(x, 0.1))


def test_half_precision_storage_and_prior_factory(tmp_path):
    prior = learned_io.from_size("msdm", "tiny", STEMS, 22050)
    path = learned_io.save(prior, tmp_path / "half.safetensors", dtype=torch.float16)
    loaded = msdm(checkpoint=str(path))
    assert loaded.kind == "msdm"
    with pytest.raises(DiffsepError, match="use --prior msdm"):
        from diffsep.priors import weak

        weak(checkpoint=str(path))


def test_converted_msdm_checkpoint_equals_the_library_denoiser(tmp_path):
    source = tmp_path / "msdm.ckpt"
    model = lightning_checkpoint(source, 4)
    out = tmp_path / "msdm.safetensors"
    result = CliRunner().invoke(app, ["convert", str(source), "-o", str(out), "--stems", ",".join(STEMS)])
    assert result.exit_code == 0, result.output
    prior = learned_io.load(out, clamp=True)
    x = 0.3 * torch.randn(2, 4, 512, generator=torch.Generator().manual_seed(2))
    for sigma in (0.01, 0.3, 2.0):
        with torch.no_grad():
            expected = model.diffusion.denoise_fn(x, sigma=sigma)
        torch.testing.assert_close(prior.denoise(x, sigma), expected, atol=1e-5, rtol=1e-5)


def test_four_single_stem_checkpoints_make_one_weak_prior(tmp_path):
    sources = [tmp_path / f"{stem}.ckpt" for stem in STEMS]
    models = [lightning_checkpoint(path, 1, seed=n) for n, path in enumerate(sources)]
    out = tmp_path / "weak.safetensors"
    result = CliRunner().invoke(app, ["convert", *map(str, sources), "-o", str(out)])
    assert result.exit_code == 0, result.output
    prior = learned_io.load(out, clamp=True)
    assert prior.kind == "weak"
    x = 0.3 * torch.randn(1, 4, 256, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        expected = torch.cat([m.diffusion.denoise_fn(x[:, n : n + 1], sigma=0.5) for n, m in enumerate(models)], dim=1)
    torch.testing.assert_close(prior.denoise(x, 0.5), expected, atol=1e-5, rtol=1e-5)


class Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_malicious_pickle_is_refused(tmp_path, capsys):
    path = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "hyper_parameters": {"payload": Exploit()}}, path)
    result = CliRunner().invoke(app, ["convert", str(path), "-o", str(tmp_path / "x.safetensors")])
    assert result.exit_code == 1 and "refused to load" in result.output
    assert "this must never run" not in result.output + capsys.readouterr().out
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps({"state_dict": {}}))
    assert CliRunner().invoke(app, ["convert", str(plain), "-o", str(tmp_path / "y.safetensors")]).exit_code == 1


def test_presets_are_the_documented_ones():
    assert set(NETWORK_SIZES) == {"paper", "wide", "small", "tiny"}
    with pytest.raises(DiffsepError, match="unknown network size"):
        network_config("huge", 4)


def test_data_scale_keeps_the_denoiser_in_the_callers_units():
    # A network trained on audio x s sees (s x0 + s sigma n); denoise divides back.
    torch.manual_seed(4)
    plain = learned_io.from_size("msdm", "tiny", STEMS, 22050)
    scaled = learned_io.from_size("msdm", "tiny", STEMS, 22050, data_scale=4.0)
    scaled.load_state_dict(plain.state_dict())
    x = torch.randn(1, 4, 128)
    torch.testing.assert_close(scaled.denoise(x, 0.25), plain.denoise(4 * x, 1.0) / 4, atol=1e-6, rtol=1e-5)
