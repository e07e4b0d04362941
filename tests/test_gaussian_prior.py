"""The exact Gaussian prior: its denoiser, sampler, Welch fit and checkpoints."""

import json

import pytest
import torch
from helpers import correlated_prior, total_variance, white_prior

from diffsep.errors import DiffsepError
from diffsep.priors import GaussianPrior, gaussian
from diffsep.samplers.noise import generators


def test_white_prior_denoiser_is_the_scalar_wiener_gain():
    prior = white_prior(0.25, stems=2)
    x = torch.randn(3, 2, 64)
    sigma = torch.tensor([0.1, 0.5, 2.0])
    expected = x * (0.25 / (0.25 + sigma**2)).reshape(3, 1, 1)
    torch.testing.assert_close(prior.denoise(x, sigma), expected, atol=1e-6, rtol=1e-5)


def test_denoiser_is_the_mmse_estimator():
    # Orthogonality principle: the error of E[x0 | x] is uncorrelated with the estimate, and
    # its energy is the closed form tr(Sigma - Sigma (Sigma + s^2 I)^-1 Sigma).
    prior, length, sigma = correlated_prior(), 1024, 0.1
    clean = prior.sample(64, length, generators(64, 0))
    noisy = clean + sigma * torch.randn(clean.shape, generator=torch.Generator().manual_seed(1))
    error = prior.denoise(noisy, sigma) - clean
    spectra = prior.spectra_for(length)
    eye = torch.eye(4, dtype=spectra.dtype)
    expected = total_variance(spectra - spectra @ torch.linalg.inv(spectra + sigma**2 * eye) @ spectra)
    assert float(error.square().sum(dim=(1, 2)).mean()) == pytest.approx(expected, rel=0.05)
    inner = float((error * prior.denoise(noisy, sigma)).sum(dim=(1, 2)).mean())
    assert abs(inner) < 0.05 * expected


def test_samples_have_the_spectra_covariance():
    prior, length = correlated_prior(), 512
    draws = prior.sample(256, length, generators(256, 0))
    empirical = torch.einsum("bst,but->su", draws.double(), draws.double()) / (256 * length)
    spectra = prior.spectra_for(length)
    weights = torch.full((spectra.shape[0], 1, 1), 2.0, dtype=torch.float64)
    weights[0] = weights[-1] = 1.0
    expected = (spectra * weights).sum(0).real / length  # zero-lag covariance (Parseval)
    torch.testing.assert_close(empirical, expected, atol=0.1 * float(expected.diagonal().max()), rtol=0)


def test_welch_fit_recovers_the_spectra():
    prior = correlated_prior(correlation=0.8, n_fft=256)
    tracks = list(prior.sample(16, 8192, generators(16, 5)))
    fitted = GaussianPrior.fit(tracks, prior.stems, prior.sample_rate, n_fft=256)
    truth = prior.spectra
    error = float((fitted.spectra - truth).abs().sum() / truth.abs().sum())
    assert error < 0.15


def test_weak_keeps_only_the_diagonal():
    prior = correlated_prior()
    weak = prior.weakened()
    off = weak.spectra - torch.diag_embed(torch.diagonal(weak.spectra, dim1=-2, dim2=-1))
    assert float(off.abs().max()) == 0
    torch.testing.assert_close(torch.diagonal(weak.spectra, dim1=-2, dim2=-1), torch.diagonal(prior.spectra, dim1=-2, dim2=-1))


def test_save_load_round_trips_bit_exact(tmp_path):
    prior = correlated_prior()
    path = prior.save(tmp_path / "prior.safetensors")
    loaded = gaussian(checkpoint=str(path))
    assert torch.equal(loaded.spectra, prior.spectra)
    assert loaded.stems == prior.stems and loaded.sample_rate == prior.sample_rate and not loaded.weak
    x = torch.randn(2, 4, 300)
    assert torch.equal(loaded.denoise(x, 0.2), prior.denoise(x, 0.2))
    assert gaussian(checkpoint=str(path), weak=True).weak
    from safetensors import safe_open

    with safe_open(str(path), "pt") as handle:
        metadata = json.loads(handle.metadata()["diffsep"])
    assert metadata == {"kind": "gaussian", "stems": prior.stems, "sample_rate": 22050, "weak": False}
    assert not list(tmp_path.glob(".*")), "a temporary file was left behind"


def test_bad_checkpoints_are_user_errors(tmp_path):
    with pytest.raises(DiffsepError, match="does not exist"):
        GaussianPrior.load(tmp_path / "missing.safetensors")
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(DiffsepError, match="not a readable"):
        GaussianPrior.load(garbage)


def test_wrong_number_of_stems_is_a_user_error():
    with pytest.raises(DiffsepError, match=r"\[B, 4, T\]"):
        correlated_prior().denoise(torch.zeros(1, 3, 64), 0.1)
