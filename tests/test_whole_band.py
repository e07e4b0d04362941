"""What a user with a real song gets: stems at the input's rate and channels, carrying its whole
band, that add up to it; the same from Python as from `diffsep run`."""

import numpy as np
import pytest
import soundfile
import torch
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.separation.fullband import WholeBand
from diffsep.likelihoods import mark_sums_to_mixture
from diffsep.likelihoods.dirac import dirac

STEMS = ("bass", "drums", "guitar", "piano")
FAST = {"prior": "gaussian", "steps": 4}
runner = CliRunner()


def _song(rate: int, channels: int, seconds: float = 1.5, seed: int = 0) -> torch.Tensor:
    """A tone and noise with energy up to the input's Nyquist frequency, ``[C, T]``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    rows = [0.2 * np.sin(2 * np.pi * 220 * (c + 1) * t) + 0.05 * rng.standard_normal(len(t)) for c in range(channels)]
    return torch.from_numpy(np.stack(rows).astype(np.float32))


def _power(x: torch.Tensor, rate: int, low: float = 0.0) -> float:
    """Energy of ``x`` at and above ``low`` Hz."""
    return float(torch.fft.rfft(x)[..., int(low / rate * x.shape[-1]):].abs().square().sum())


def _relative(error: torch.Tensor, reference: torch.Tensor) -> float:
    return float(error.square().mean().sqrt() / reference.square().mean().sqrt())


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("with_known", [False, True])
def test_stems_sum_to_the_input_at_its_rate_and_channels(rate, channels, with_known):
    song = _song(rate, channels)
    known = {"drums": 0.3 * song} if with_known else None
    mixture, stems, _ = diffsep.Separator(**FAST).separate_tensor(song, rate, known=known)
    assert list(stems) == list(STEMS) and all(stem.shape == song.shape for stem in stems.values())
    assert _relative(sum(stems.values()) - song, song) < 1e-4
    if with_known:
        torch.testing.assert_close(stems["drums"], known["drums"])  # given back as it was


def test_the_stems_carry_the_band_above_the_priors():
    rate = 44100
    song = _song(rate, 1, seconds=2.0)
    separator = diffsep.Separator(**FAST)
    _, stems, _ = separator.separate_tensor(song, rate)
    assert _power(song, rate, 6000) > 0.05 * _power(song, rate)  # the noise puts real energy high in the band
    assert sum(_power(stem, rate, 6000) for stem in stems.values()) > 0.5 * _power(song, rate, 6000)  # and the stems carry it
    top = 0.55 * separator.samplerate  # above the prior's Nyquist frequency (this Gaussian prior: 11 kHz)
    assert sum(_power(stem, rate, top) for stem in stems.values()) > 0.5 * _power(song, rate, top)  # even where it hears nothing


@pytest.mark.parametrize("marked", [True, False])
def test_a_plugin_likelihood_gets_the_whole_band_only_if_marked(marked):
    """A user's likelihood says with ``@mark_sums_to_mixture`` that its stems add up to the mixture;
    only then are they carried above the prior's band (an unmarked one may not sum, e.g. gains)."""
    def mine(observation, constrained=0):
        return dirac(observation, constrained)

    diffsep.LIKELIHOODS.register("my-dirac")(mark_sums_to_mixture(mine) if marked else mine)
    rate = 44100
    song = _song(rate, 1, seconds=2.0)
    separator = diffsep.Separator(likelihood="my-dirac", **FAST)
    _, stems, _ = separator.separate_tensor(song, rate)
    top = 0.55 * separator.samplerate  # above the prior's Nyquist frequency
    above = sum(_power(stem, rate, top) for stem in stems.values())
    if marked:  # the song's band above the prior's is in the stems
        assert above > 0.5 * _power(song, rate, top)
    else:  # the stems are the prior's band, resampled: nothing above it but the resampler's leakage
        assert above < 1e-4 * sum(_power(stem, rate, 0) for stem in stems.values())


def test_separator_gives_what_diffsep_run_writes(tmp_path):
    rate = 44100
    soundfile.write(tmp_path / "song.wav", _song(rate, 2).T.numpy(), rate, subtype="FLOAT")
    result = runner.invoke(app, ["run", str(tmp_path / "song.wav"), "-o", str(tmp_path / "out"), "--float32", "--clip-mode", "none",
                                 "--prior", "gaussian", "--steps", "4", "-q"])
    assert result.exit_code == 0, result.output
    _, stems, _ = diffsep.Separator(**FAST).separate_audio_file(tmp_path / "song.wav")
    for name in STEMS:
        written = torch.from_numpy(soundfile.read(tmp_path / "out" / "song" / f"{name}.wav", dtype="float32")[0].T.copy())
        torch.testing.assert_close(stems[name], written, rtol=0, atol=0)


def test_stereo_modes_and_a_mono_input():
    rate = 22050
    stereo = _song(rate, 2)
    for mode in ({"stereo": "mid"}, {"stereo": "channels"}, {"stereo": "channels", "band": "residual"}, {"band": "masks"}):
        _, stems, _ = diffsep.Separator(**FAST, **mode).separate_tensor(stereo, rate)
        assert all(stem.shape == stereo.shape for stem in stems.values())
        assert _relative(sum(stems.values()) - stereo, stereo) < 1e-4
    mono = _song(rate, 1)
    _, mid, _ = diffsep.Separator(**FAST).separate_tensor(mono, rate)
    _, channels, _ = diffsep.Separator(**FAST, stereo="channels").separate_tensor(mono, rate)
    for name in STEMS:  # one channel: --stereo changes nothing (documented)
        torch.testing.assert_close(mid[name], channels[name], rtol=0, atol=0)
    with pytest.raises(diffsep.DiffsepError, match="--band is masks, residual or model"):
        diffsep.Separator(**FAST, band="wide")


@pytest.mark.parametrize("method, separated", [("masks", 1), ("masks", 2), ("residual", 1), ("residual", 2)])
def test_restore_as_a_stream_equals_one_window_and_sums_exactly(method, separated):
    generator = torch.Generator().manual_seed(0)
    mixture = torch.randn(2, 70001, generator=generator)
    estimates = 0.3 * torch.randn(separated, 8, 70001, generator=generator)  # two groups of four stems
    restore = WholeBand(44100, 11025, 4, method, window=1 << 14)
    blocks = lambda x, n: (x[..., i : i + n] for i in range(0, x.shape[-1], n))  # noqa: E731
    streamed = torch.cat(list(restore.stream(blocks(mixture, 7000), blocks(estimates, 9001))), -1)
    pad = lambda x: torch.nn.functional.pad(x, (2048, 2048))  # noqa: E731
    whole = restore.apply(pad(mixture), pad(estimates))[..., 2048:-2048]
    torch.testing.assert_close(streamed, whole, rtol=0, atol=1e-5)
    for group in (streamed[:, :4], streamed[:, 4:]):
        torch.testing.assert_close(group.sum(1), mixture, rtol=0, atol=1e-5)


def test_save_audio_writes_what_it_is_given(tmp_path):
    wav = _song(22050, 2)
    diffsep.save_audio(wav, tmp_path / "a.wav", 22050, as_float=True, clip="none")
    read, rate = soundfile.read(tmp_path / "a.wav", dtype="float32")
    assert rate == 22050 and np.array_equal(read.T, wav.numpy())
    with pytest.raises(diffsep.DiffsepError, match="channels"):
        diffsep.save_audio(wav.T, tmp_path / "b.wav", 22050)
