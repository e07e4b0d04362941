"""The measures of benchmarks/generation_quality.py on signals whose answer is known."""

import math

import pytest
import torch

from diffsep.evaluation.generation import StemClassifier, active_frames, frame_measures

RATE = 11025


def _tone(frequency, seconds=1.0, partials=3):
    t = torch.arange(int(seconds * RATE)) / RATE
    return sum(torch.sin(2 * math.pi * frequency * k * t) / k for k in range(1, partials + 1))


def _noise(seconds=1.0, seed=0):
    return torch.randn(int(seconds * RATE), generator=torch.Generator().manual_seed(seed))


def test_a_pitched_tone_is_flat_nowhere_and_clear_white_noise_is_flat_and_unclear():
    tone, noise = frame_measures(_tone(110.0), RATE), frame_measures(_noise(), RATE)
    assert float(tone["flatness"].median()) < 1e-3 and float(tone["pitch_clarity"].median()) > 0.9
    assert float(noise["flatness"].median()) > 0.5 and float(noise["pitch_clarity"].median()) < 0.3


def test_silence_has_no_active_frames_and_quiet_frames_are_left_out():
    assert active_frames(torch.zeros(RATE)).shape[0] == 0
    assert frame_measures(torch.zeros(RATE), RATE)["flatness"].numel() == 0
    signal = torch.cat([_tone(220.0, 0.5), 1e-3 * _noise(0.5)])  # 60 dB down: silence
    touching_the_tone = (RATE // 2) // 256 + 1  # frames (hop 256) that start within the tone
    assert active_frames(signal).shape[0] == touching_the_tone


def test_the_stem_classifier_tells_low_tones_high_tones_and_noise_apart():
    low = [_tone(55.0 * 2 ** (k / 12), seconds=0.5) for k in range(0, 12, 2)]
    high = [_tone(880.0 * 2 ** (k / 12), seconds=0.5) for k in range(0, 12, 2)]
    noise = [_noise(0.5, seed) for seed in range(6)]
    judge = StemClassifier(["low", "high", "noise"], RATE).fit(low + high + noise, [0] * 6 + [1] * 6 + [2] * 6)
    for label, signal in enumerate([_tone(65.0, 0.5), _tone(1000.0, 0.5), _noise(0.5, seed=99)]):
        chances = judge.probabilities(signal)
        assert int(chances.argmax()) == label and float(chances.sum()) == pytest.approx(1.0)
