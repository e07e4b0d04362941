"""What a listener hears in a generated stem, measured: is it noise, is it pitched, what is it.

- **Spectral flatness** (Gray and Markel, 1974): the geometric over the arithmetic mean of a
  frame's power spectrum; 1 for white noise, near 0 for a few partials.
- **Pitch clarity**: the normalised autocorrelation's highest peak at lags of 1 ms to 20 ms
  (pitches of 50 Hz to 1 kHz), as a pitch tracker's voicing measure (YIN, McLeod's MPM): near 1
  for a periodic frame, near 0 for noise.
- **Stem class**: a classifier of a stem's long-term spectrum (:class:`StemClassifier`), trained on
  rendered training stems; a generated bass a listener would call a bass is classified as one.

Each measure is the median over a stem's active frames (within ``ACTIVE_DB`` of its loudest).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

FRAME = 1024
HOP = 256
ACTIVE_DB = 30.0
"""Frames more than this below a stem's loudest frame are silence and are not measured."""
PITCH_RANGE_HZ = (50.0, 1000.0)


def frames(signal: Tensor) -> Tensor:
    """Frames ``[N, FRAME]`` of a mono ``[T]`` signal (hop ``HOP``)."""
    padded = torch.nn.functional.pad(signal, (0, max(0, FRAME - signal.shape[-1])))
    return padded.unfold(-1, FRAME, HOP)


def active(framed: Tensor) -> Tensor:
    """Which frames ``[N]`` are within ``ACTIVE_DB`` of the loudest (none of a silent stem)."""
    energy = framed.square().mean(-1)
    if float(energy.max()) <= 0:
        return torch.zeros_like(energy, dtype=torch.bool)
    return energy > energy.max() * 10 ** (-ACTIVE_DB / 10)


def power_spectra(framed: Tensor) -> Tensor:
    """Hann-windowed power spectra ``[N, FRAME // 2 + 1]`` of frames ``[N, FRAME]``."""
    return torch.fft.rfft(framed * torch.hann_window(FRAME, dtype=framed.dtype), dim=-1).abs().square()


def flatness(framed: Tensor) -> Tensor:
    """Spectral flatness ``[N]`` of frames ``[N, FRAME]`` (0: pure partials, 1: white noise)."""
    power = power_spectra(framed.double()) + 1e-20
    return (power.log().mean(-1).exp() / power.mean(-1)).float()


def pitch_clarity(framed: Tensor, sample_rate: int) -> Tensor:
    """The normalised autocorrelation's peak ``[N]`` at lags of pitches within ``PITCH_RANGE_HZ``."""
    centred = framed.double() - framed.double().mean(-1, keepdim=True)
    spectrum = torch.fft.rfft(centred, n=2 * FRAME, dim=-1)
    correlation = torch.fft.irfft(spectrum.abs().square(), dim=-1)[:, :FRAME]
    lags = torch.arange(FRAME, dtype=torch.float64)
    correlation = correlation / (FRAME - lags)  # unbiased: every lag weighs alike
    shortest, longest = int(sample_rate / PITCH_RANGE_HZ[1]), int(sample_rate / PITCH_RANGE_HZ[0])
    peak = correlation[:, shortest : longest + 1].amax(-1)
    return (peak / correlation[:, 0].clamp_min(1e-20)).clamp(0, 1).float()


def active_frames(stem: Tensor) -> Tensor:
    """The frames ``[N, FRAME]`` of a mono stem ``[T]`` that are not silence (``N`` is 0 for a silent stem)."""
    framed = frames(stem.float())
    return framed[active(framed)]


def frame_measures(stem: Tensor, sample_rate: int) -> dict[str, Tensor]:
    """``{"flatness", "pitch_clarity"}``: each ``[N]``, one value per active frame of a mono stem ``[T]``."""
    chosen = active_frames(stem)
    if chosen.shape[0] == 0:
        return {"flatness": torch.empty(0), "pitch_clarity": torch.empty(0)}
    return {"flatness": flatness(chosen), "pitch_clarity": pitch_clarity(chosen, sample_rate)}


BANDS = 48


def long_term_spectrum(stem: Tensor, sample_rate: int) -> Tensor:
    """A stem's timbre in ``2 * BANDS + 2`` numbers: the mean and spread over active frames of its
    log power in ``BANDS`` equal bands (its shape, not its level), its median flatness (log10) and
    its median pitch clarity."""
    chosen = active_frames(stem)
    chosen = chosen if chosen.shape[0] else frames(stem.float())
    power = power_spectra(chosen)[:, 1:]
    banded = power[:, : (power.shape[1] // BANDS) * BANDS].reshape(power.shape[0], BANDS, -1).mean(-1)
    logs = (banded + 1e-10).log10()
    logs = logs - logs.mean()
    return torch.cat([logs.mean(0), logs.std(0, unbiased=False), flatness(chosen).median().log10()[None],
                      pitch_clarity(chosen, sample_rate).median()[None]])


class StemClassifier:
    """Multinomial logistic regression from :func:`long_term_spectrum` to a stem's name.

    Args:
        stems: the class names, in order.
        sample_rate: the rate of the stems it classifies.
    """

    def __init__(self, stems: Sequence[str], sample_rate: int) -> None:
        self.stems, self.sample_rate = list(stems), sample_rate
        self.mean = self.std = self.weights = None

    def fit(self, examples: Sequence[Tensor], labels: Sequence[int], steps: int = 500, seed: int = 0) -> "StemClassifier":
        features = torch.stack([long_term_spectrum(x, self.sample_rate) for x in examples])
        self.mean, self.std = features.mean(0), features.std(0).clamp_min(1e-6)
        inputs, targets = (features - self.mean) / self.std, torch.tensor(list(labels))
        torch.manual_seed(seed)
        layer = torch.nn.Linear(inputs.shape[1], len(self.stems))
        optimizer = torch.optim.LBFGS(layer.parameters(), max_iter=steps, line_search_fn="strong_wolfe")

        def closure() -> Tensor:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(layer(inputs), targets) + 1e-3 * layer.weight.square().sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        self.weights = layer.requires_grad_(False)
        return self

    def probabilities(self, stem: Tensor) -> Tensor:
        """``[classes]``: how likely ``stem`` (mono, at the classifier's rate) is each stem."""
        if self.weights is None:
            raise RuntimeError("fit the classifier first")
        return self.weights((long_term_spectrum(stem, self.sample_rate) - self.mean) / self.std).softmax(-1)
