"""A song's offset from the tempered grid, and the resampling onto it and back, on signals whose answer is known."""

import math

import pytest
import torch

from diffsep.separation.tuning import grid_offset, resampled

RATE = 11025


def _chord(cents: float, seconds: float = 4.0) -> torch.Tensor:
    """A major triad on A3 with five partials each, every pitch ``cents`` off the grid, and a little noise."""
    t = torch.arange(int(seconds * RATE), dtype=torch.float64) / RATE
    shift = 2 ** (cents / 1200)
    notes = [220.0 * 2 ** (semitones / 12) * shift for semitones in (0, 4, 7)]
    tones = sum(torch.sin(2 * math.pi * f * k * t + k) / k for f in notes for k in range(1, 6))
    return tones + 0.01 * torch.randn(t.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


@pytest.mark.parametrize("cents", [0.0, 7.0, -18.0, 33.0, -45.0])
def test_grid_offset_reads_a_chord_s_tuning_to_within_a_cent(cents):
    assert grid_offset(_chord(cents), RATE) == pytest.approx(cents, abs=1.0)


def test_grid_offset_is_circular_half_way_between_semitones():
    offset = grid_offset(_chord(49.0), RATE)  # as near +49 as -51: the next semitone's -51
    assert min(abs(offset - 49.0), abs(offset + 51.0)) < 1.0


def test_resampling_moves_a_tone_by_the_lengths_ratio_and_back_exactly():
    length = RATE * 2
    t = torch.arange(length, dtype=torch.float64) / RATE
    tone = torch.sin(2 * math.pi * 440.0 * t)
    size = round(length * 2 ** (15 / 1200))  # 15 cents lower, played at the same rate
    lower = resampled(tone, size)
    assert lower.shape[-1] == size
    assert grid_offset(lower, RATE) == pytest.approx(-15.0, abs=1.0)
    torch.testing.assert_close(resampled(lower, length), tone, atol=1e-9, rtol=0)


def test_resampling_keeps_the_leading_dimensions():
    stems = torch.randn(2, 4, 1000, dtype=torch.float64)
    assert resampled(stems, 1011).shape == (2, 4, 1011)
