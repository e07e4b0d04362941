"""Per-stem augmentation: each stem changed on its own, reproducibly, and only as documented."""

import numpy as np
import pytest
import torch

from diffsep.data import augment as aug
from diffsep.data.datasets import RandomChunks
from diffsep.data.synth import SynthConfig, synthesize
from diffsep.errors import DiffsepError


def test_gain_scales_each_stem_by_its_own_factor_within_the_range():
    chunk = torch.randn(4, 1000)
    out = aug.gain(chunk, np.random.default_rng(1), 8000)
    ratios = (out / chunk).mean(-1)
    torch.testing.assert_close(out, chunk * ratios[:, None])
    assert ratios.log10().abs().max() * 20 <= aug.GAIN_DB and len(set(ratios.tolist())) == 4


def test_eq_is_a_tilt_about_the_pivot(monkeypatch):
    rate, n = 8000, 8000
    t = torch.arange(n) / rate
    tones = torch.stack([torch.sin(2 * torch.pi * f * t) for f in (250.0, 1000.0, 2000.0)])  # whole cycles
    monkeypatch.setattr(aug, "TILT_DB_PER_OCTAVE", 3.0)
    rng = np.random.default_rng(0)
    slopes = np.random.default_rng(0).uniform(-3.0, 3.0, size=3)
    out = aug.eq(tones, rng, rate)
    gains_db = 20 * torch.log10(out.norm(dim=-1) / tones.norm(dim=-1))
    expected = torch.tensor([slopes[0] * -2, 0.0, slopes[2] * 1], dtype=gains_db.dtype)
    torch.testing.assert_close(gains_db, expected, atol=1e-3, rtol=0)


def test_reverb_adds_a_decaying_tail_at_about_the_same_level():
    rate = 8000
    impulse = torch.zeros(4, rate)
    impulse[:, 0] = 1.0
    rng = np.random.default_rng(3)
    rng.uniform(*aug.REVERB_SECONDS, size=4)  # reverb draws the reverberation times, then the wet shares
    wet = rng.uniform(*aug.REVERB_WET, size=4)
    out = aug.reverb(impulse, np.random.default_rng(3), rate)
    tail = out[:, 1:]
    energy = tail.square().cumsum(-1)
    assert torch.all(energy[:, rate // 10] > 0.3 * energy[:, -1])  # most of the tail early: a decay
    torch.testing.assert_close(tail.square().sum(-1), torch.tensor(wet**2, dtype=out.dtype), rtol=0.05, atol=0.02)
    torch.testing.assert_close(aug.reverb(impulse, np.random.default_rng(3), rate), out)


def test_saturation_keeps_each_peak_and_compresses():
    chunk = torch.randn(4, 4000) * torch.tensor([0.1, 0.5, 1.0, 2.0])[:, None]
    out = aug.saturation(chunk, np.random.default_rng(2), 8000)
    torch.testing.assert_close(out.abs().amax(-1), chunk.abs().amax(-1))
    assert torch.equal(out.sign(), chunk.sign())
    order = chunk.argsort(-1)
    assert torch.all(out.gather(-1, order).diff(dim=-1) >= 0)  # monotonic: no fold-over
    crest = lambda x: x.abs().amax(-1) / x.square().mean(-1).sqrt()  # noqa: E731
    assert torch.all(crest(out) < crest(chunk))


def test_speed_moves_each_stems_pitch_by_its_own_factor_and_keeps_its_level_and_length():
    rate, n = 8000, 8000
    t = torch.arange(n) / rate
    tones = torch.sin(2 * torch.pi * 400.0 * t).repeat(4, 1)  # whole cycles
    factors = np.random.default_rng(3).uniform(*aug.SPEED, size=4)
    out = aug.speed(tones, np.random.default_rng(3), rate)
    assert out.shape == tones.shape and min(factors) < 0.9 and max(factors) > 1.05  # slower and faster
    for wave, factor in zip(out, factors):
        played = wave[: min(n, round(n / factor))]  # before any mirrored end
        peak_hz = torch.fft.rfft(played).abs().argmax().item() * rate / played.shape[0]
        assert abs(peak_hz - 400.0 * factor) <= rate / played.shape[0]
    torch.testing.assert_close(out.square().mean(-1), tones.square().mean(-1), rtol=0.05, atol=0)
    assert out.diff(dim=-1).abs().max() < 2 * tones.diff(dim=-1).abs().max() * aug.SPEED[1]  # no click where a stem turns


def test_detune_is_speed_within_a_few_cents():
    chunk = torch.randn(4, 4000)
    cents = np.random.default_rng(4).uniform(-aug.DETUNE_CENTS, aug.DETUNE_CENTS, size=4)
    torch.testing.assert_close(aug.detune(chunk, np.random.default_rng(4), 8000), aug.played_at(chunk, 2 ** (cents / 1200)))
    assert np.abs(cents).max() <= aug.DETUNE_CENTS and len(set(cents.tolist())) == 4


def test_out_of_tune_plays_each_song_at_its_own_drawn_tuning_by_its_place():
    rate, n = 8000, 8000
    t = torch.arange(n) / rate
    song = torch.stack([torch.sin(2 * torch.pi * f * t) for f in (200.0, 400.0)])  # whole cycles
    played, tunings = aug.out_of_tune([song] * 6, 20.0, seed=7)
    assert max(abs(c) for c in tunings) <= 20.0 and len(set(tunings)) == 6
    assert aug.out_of_tune([song] * 3, 20.0, seed=7)[1] == tunings[:3]  # a song's tuning is its place's, whatever follows
    assert aug.out_of_tune([song] * 6, 20.0, seed=8)[1] != tunings
    for wave, cents in zip(played, tunings):
        factor = 2 ** (cents / 1200)
        torch.testing.assert_close(wave, aug.played_at(song, [factor, factor]))  # both stems alike
        kept = wave[:, : min(n, round(n / factor))]  # before any mirrored end
        frequencies = np.fft.rfftfreq(kept.shape[-1] * 16, 1 / rate)  # zero-padded: finer than a cent's shift
        peaks = [frequencies[np.abs(np.fft.rfft(stem.numpy(), kept.shape[-1] * 16)).argmax()] for stem in kept]
        np.testing.assert_allclose(peaks, [200.0 * factor, 400.0 * factor], atol=rate / (kept.shape[-1] * 16))


def test_unknown_augmentation_is_a_clear_error():
    with pytest.raises(DiffsepError, match="--augment chorus: not one of gain, eq, reverb, saturation, speed, detune"):
        aug.check(["gain", "chorus"])


def test_training_windows_are_the_same_with_and_without_augmentation(tmp_path):
    synthesize(SynthConfig(tmp_path / "set", tracks=5, seconds=1.0, seed=2, sample_rate=8000))
    plain = RandomChunks(tmp_path / "set", "train", ["bass", "drums", "guitar", "piano"], 4000, 8000, seed=3)
    augmented = RandomChunks(tmp_path / "set", "train", ["bass", "drums", "guitar", "piano"], 4000, 8000, seed=3, augment=["gain", "eq"])
    for index in range(4):
        torch.testing.assert_close(augmented.window(index), plain[index])
        assert not torch.equal(augmented[index], plain[index])
        torch.testing.assert_close(augmented[index], augmented[index])  # a function of (seed, epoch, index)
