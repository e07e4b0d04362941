"""SI-SDR, SI-SDRi and the MSDM windowed protocol."""

import math

import pytest
import torch

from diffsep.evaluation.metrics import Protocol, si_sdr, si_sdri


def test_si_sdr_of_known_error_energy():
    reference = torch.randn(4096, generator=torch.Generator().manual_seed(0))
    error = torch.randn(4096, generator=torch.Generator().manual_seed(1))
    error = error - (error @ reference) / (reference @ reference) * reference  # orthogonal
    error = error * (reference.norm() / error.norm()) * 0.1  # 20 dB below
    assert float(si_sdr(reference + error, reference)) == pytest.approx(20.0, abs=1e-3)


def test_si_sdr_is_scale_invariant():
    reference, estimate = torch.randn(2, 1000, generator=torch.Generator().manual_seed(2))
    assert float(si_sdr(3.7 * estimate, reference)) == pytest.approx(float(si_sdr(estimate, reference)), abs=1e-4)


def test_si_sdri_of_the_mixture_itself_is_zero_and_of_the_truth_is_large():
    stems = torch.randn(1, 3, 2000, generator=torch.Generator().manual_seed(3))
    mixture = stems.sum(1, keepdim=True)
    assert torch.allclose(si_sdri(mixture.expand_as(stems), stems, mixture), torch.zeros(1, 3), atol=1e-4)
    assert bool((si_sdri(stems, stems, mixture) > 50).all())


def test_protocol_windows_and_silence_rule():
    rate = 100
    stems = torch.randn(2, 1000, generator=torch.Generator().manual_seed(4))  # 10 s
    stems[1, :500] = 0  # second stem silent for 5 s: windows inside it have one source
    protocol = Protocol()
    scores = protocol.windows(stems, stems, rate)
    # windows start at 0, 2, 4, 6 s (4 s long); those starting at 0 s lie in the silent part
    assert scores.shape == (3, 2)
    assert bool((scores > 50).all())
    assert protocol.summary([scores, scores]).shape == (2,)


def test_a_silent_stem_in_a_kept_window_counts_in_msdm_mean_and_not_among_the_playing():
    rate = 100
    stems = torch.randn(3, 1000, generator=torch.Generator().manual_seed(5))
    stems[2, 600:] = 0  # the third stem stops at 6 s: the window at 6 s still has two sources
    estimate = stems + 0.1 * torch.randn(3, 1000, generator=torch.Generator().manual_seed(6))
    estimate[2, 600:] = 1e-4  # almost no leak into the silence: a huge SI-SDRi there
    protocol = Protocol()
    scores, playing = protocol.windows(estimate, stems, rate), protocol.playing(stems, rate)
    assert playing.shape == scores.shape == (4, 3)
    assert playing[:3].all() and playing[3].tolist() == [True, True, False]
    assert float(scores[3, 2]) > 60
    msdm, heard = protocol.summary([scores]), protocol.summary_playing([scores], [playing])
    assert torch.allclose(heard[:2], msdm[:2])  # stems playing everywhere: the two means agree
    assert torch.isclose(heard[2], scores[:3, 2].mean()) and float(msdm[2]) > float(heard[2]) + 5


def test_protocol_skips_tracks_shorter_than_a_window():
    assert Protocol().windows(torch.ones(2, 50), torch.ones(2, 50), 100).shape == (0, 2)


def test_eps_is_a_parameter():
    silent = torch.zeros(100)
    assert math.isfinite(float(si_sdr(silent, silent, eps=1e-5)))
