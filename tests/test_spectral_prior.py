"""The spectral prior: MSDM's interface over masks of the stems' STFTs."""

import pytest
import torch

from diffsep.priors import learned_io
from diffsep.priors.spectral import NETWORK_SIZES, SpectralDenoiser, network_config
from diffsep.errors import DiffsepError

STEMS = ["bass", "drums", "guitar", "piano"]
STEPS = 150


def _prior(**kwargs):
    torch.manual_seed(0)
    return learned_io.from_size("spectral", "tiny", STEMS, 11025, **kwargs)


def test_the_spectrum_is_inverted_and_white_noise_has_unit_power_per_bin():
    denoiser = SpectralDenoiser(network_config("tiny", 1))
    noise = torch.randn(8, 1, 8192, generator=torch.Generator().manual_seed(0))
    spec = denoiser.spectrum(noise)
    torch.testing.assert_close(denoiser.waveform(spec, 8192), noise, atol=1e-5, rtol=0)
    inner = spec[..., 1:-1, 4:-4]  # away from DC, Nyquist and the padded edges
    assert float(inner.abs().square().mean()) == pytest.approx(1.0, rel=0.05)


def test_masks_never_exceed_one_so_silence_stays_silent():
    prior = _prior()
    x = torch.randn(2, 4, 3000)
    x[:, 2] = 0  # a silent stem: no mask can put anything there
    spec = prior.denoiser.spectrum(x)
    _, _, c_in, c_noise = prior.denoiser.preconditioning.scalings(torch.tensor([0.1, 3.0]), x)
    with torch.no_grad():
        masks = prior.denoiser.masks(spec * c_in[..., None], c_noise)
    assert float(masks.abs().max()) <= 1.0
    assert float(prior.denoise(x, torch.tensor([0.1, 3.0]))[:, 2].abs().max()) == 0.0


def test_each_stem_is_denoised_from_its_own_noisy_spectrum():
    """Another stem changes the masks (the prior is joint) but never leaks into this stem: a
    stem's estimate is its own STFT times a mask, so it stays within that stem's support."""
    prior = _prior()
    x = torch.zeros(1, 4, 4096)
    x[0, 0, :2048] = torch.randn(2048)  # bass sounds in the first half only
    x[0, 1] = torch.randn(4096)
    out = prior.denoise(x, 0.3)
    assert float(out[0, 0, 2048 + 512 :].abs().max()) < 1e-6  # beyond the last frame that overlaps the bass
    changed = x.clone()
    changed[0, 1] *= 3
    assert not torch.allclose(prior.denoise(changed, 0.3)[0, 0], out[0, 0])


def test_an_unknown_size_names_the_ones_there_are():
    with pytest.raises(DiffsepError, match="small"):
        network_config("huge", 4)
    assert {"small", "tiny"} <= set(NETWORK_SIZES)


def test_training_on_white_noise_in_one_band_learns_to_keep_that_band():
    """A property any denoiser must learn: if the clean stems only ever hold energy in one band,
    D removes the noise elsewhere. With the clean stems as loud as the noise, the best denoiser
    blind to frequency (a gain of 1/2) leaves half the noise's energy as error; after a short
    training this one leaves well under that."""
    from diffsep.priors.edm import LogNormalSigma, Preconditioning
    from diffsep.training.trainer import diffusion_loss

    torch.manual_seed(0)
    prior = learned_io.from_size("spectral", "tiny", ["a", "b"], 8000, sigma_data=0.2)
    window = torch.hann_window(65)

    def clean(count, generator):
        noise = torch.randn(count, 2, 2048, generator=generator)
        low = torch.nn.functional.conv1d(noise.reshape(-1, 1, 2048), (window / window.sum()).reshape(1, 1, -1), padding=32)
        return 0.3 * low.reshape(count, 2, 2048) / low.std()  # as loud as the noise at the level tested

    optimizer = torch.optim.Adam(prior.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(1)
    for _ in range(STEPS):
        loss = diffusion_loss(prior, clean(8, generator), LogNormalSigma(-1.0, 1.0), Preconditioning(0.2), generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    test = clean(8, torch.Generator().manual_seed(9))
    noise = 0.3 * torch.randn(test.shape, generator=torch.Generator().manual_seed(10))
    error = (prior.eval().denoise(test + noise, 0.3) - test).square().sum() / noise.square().sum()
    assert float(error) < 0.3


def test_a_steady_tone_reads_zero_phase_advance_in_its_bin():
    denoiser = SpectralDenoiser(network_config("tiny-phase", 1))
    bin_ = 12
    t = torch.arange(8192, dtype=torch.float32)
    tone = torch.cos(2 * torch.pi * bin_ * t / denoiser.n_fft)[None, None]  # at the bin's centre
    advance = denoiser.phase_advance(denoiser.spectrum(tone))  # [B, S, F, N, 2]: cos, sin
    steady = advance[0, 0, bin_, 4:-4]
    torch.testing.assert_close(steady, torch.tensor([1.0, 0.0]).expand_as(steady), atol=1e-4, rtol=0)


def test_a_network_grown_by_the_phase_pathway_starts_as_the_one_it_grew_from(tmp_path):
    small = _prior()
    learned_io.save(small, tmp_path / "tiny.safetensors", preset="tiny")
    grown = learned_io.grow(tmp_path / "tiny.safetensors", "tiny-phase")
    assert grown.networks()[0].local is not None and set(small.state_dict()) < set(grown.state_dict())
    x = 0.2 * torch.randn(2, 4, 4000, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        for sigma in (0.01, 0.3, 3.0):
            torch.testing.assert_close(grown.denoise(x, sigma), small.denoise(x, sigma), atol=1e-6, rtol=0)
    assert learned_io.grow(tmp_path / "tiny.safetensors", "tiny").state_dict().keys() == small.state_dict().keys()
