"""Fitting the Gaussian prior to a data set, and the shipped default prior."""

import torch
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.data.classes import STEMS
from diffsep.data.synth import SynthConfig, synthesize
from diffsep.priors import GaussianPrior, gaussian
from diffsep.priors.spectra import welch


def test_fit_gaussian_from_a_folder_equals_welch_on_its_stems(tmp_path):
    synthesize(SynthConfig(tmp_path / "set", tracks=5, seconds=2.0, seed=4))
    out = tmp_path / "prior.safetensors"
    result = CliRunner().invoke(app, ["fit-gaussian", str(tmp_path / "set"), "-o", str(out), "--n-fft", "512"])
    assert result.exit_code == 0, result.output
    prior = GaussianPrior.load(out)
    assert prior.stems == list(STEMS) and prior.sample_rate == 22050 and prior.spectra.shape == (257, 4, 4)
    from diffsep.data.datasets import Track

    folders = sorted((tmp_path / "set" / "train").iterdir())
    tracks = [Track.open(f, STEMS, 22050) for f in folders]
    expected = welch([t.read(0, t.frames) for t in tracks], 512)
    torch.testing.assert_close(prior.spectra, expected, rtol=1e-6, atol=1e-12)


def test_the_shipped_default_prior_loads():
    prior = gaussian()
    assert prior.stems == list(STEMS) and prior.sample_rate == 22050 and not prior.weak
    diagonal = torch.diagonal(prior.spectra, dim1=-2, dim2=-1).real
    assert bool((diagonal >= 0).all()) and float(diagonal.sum()) > 0


def test_the_shipped_start_filter_loads():
    from diffsep.priors import wiener_start

    start = wiener_start()
    assert start.stems == list(STEMS) and start.sample_rate == 11025 and not start.weak
    assert not torch.equal(start.spectra, gaussian().at_rate(11025).spectra)  # fitted on other songs than --prior gaussian
    diagonal = torch.diagonal(start.spectra, dim1=-2, dim2=-1).real
    assert bool((diagonal >= 0).all()) and bool((diagonal.sum(0) > 0).all())  # every stem has power


def test_the_shipped_msdm_prior_loads_and_separates():
    import diffsep
    from diffsep.priors import msdm

    prior = msdm()
    assert prior.kind == "msdm" and prior.stems == list(STEMS) and prior.sample_rate == 11025 and prior.data_scale == 4.0
    mixture = 0.1 * torch.randn(1, 11025, generator=torch.Generator().manual_seed(0))
    stems = diffsep.separate(mixture, prior, "dirac", steps=40, seed=0, sampler_options={"corrector_steps": 1})
    assert stems.shape == (1, 4, 11025) and bool(torch.isfinite(stems).all())
    torch.testing.assert_close(stems.sum(1), mixture, atol=1e-5, rtol=1e-5)
