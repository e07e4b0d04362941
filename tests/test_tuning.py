"""A song's offset from the tempered grid, and the resampling onto it and back, on signals whose answer is
known; the engine separating a song played onto the grid."""

import json
import math

import pytest
import soundfile
import torch
from typer.testing import CliRunner

import diffsep
from diffsep.cli import app
from diffsep.components import build_prior
from diffsep.separation import engine as engine_module
from diffsep.separation.engine import Engine
from diffsep.separation.settings import resolve
from diffsep.separation.tuning import DEAD_ZONE, EXCERPTS, HEAD_SECONDS, grid_offset, resampled, song_offset, spans

RATE = 11025


def _chord(cents: float, seconds: float = 4.0, rate: int = RATE) -> torch.Tensor:
    """A major triad on A3 with five partials each, every pitch ``cents`` off the grid, and a little noise."""
    t = torch.arange(int(seconds * rate), dtype=torch.float64) / rate
    shift = 2 ** (cents / 1200)
    notes = [220.0 * 2 ** (semitones / 12) * shift for semitones in (0, 4, 7)]
    tones = sum(torch.sin(2 * math.pi * f * k * t + k) / k for f in notes for k in range(1, 6))
    return tones + 0.01 * torch.randn(t.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def test_an_in_tune_chord_reads_within_two_cents_of_the_grid():
    """Not zero: a harmonic series' 5th partials sit 14 cents below the tempered grid (and its 3rd
    two above), and they count."""
    assert abs(grid_offset(_chord(0.0), RATE)) < 2.0


@pytest.mark.parametrize("cents", [7.0, -18.0, 33.0, -45.0])
def test_grid_offset_reads_a_chord_moved_off_the_grid_to_a_tenth_of_a_cent(cents):
    assert grid_offset(_chord(cents), RATE) - grid_offset(_chord(0.0), RATE) == pytest.approx(cents, abs=0.1)


def test_grid_offset_is_circular_half_way_between_semitones():
    offset = grid_offset(_chord(49.0), RATE) - grid_offset(_chord(0.0), RATE)  # as near +49 as -51: the next semitone's -51
    assert min(abs(offset - 49.0), abs(offset + 51.0)) < 0.1


def test_noise_has_no_tuning_to_read():
    """Its peaks' offsets scatter round the circle; their circular mean alone would read a few cents."""
    noise = torch.randn(RATE * 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert grid_offset(noise, RATE) == 0.0


def test_a_clip_shorter_than_a_frame_is_taken_as_in_tune():
    assert grid_offset(_chord(20.0, seconds=0.3), RATE) == 0.0


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


def test_a_song_s_offset_is_read_off_its_channels_at_any_rate():
    left, right = _chord(12.0, rate=44100), 0.5 * _chord(12.0, rate=44100).roll(700)
    in_tune = grid_offset(_chord(0.0), RATE)
    assert song_offset([torch.stack([left, right]).float()], 44100) == pytest.approx(12.0 + in_tune, abs=0.2)


def test_a_long_song_is_heard_in_excerpts_spread_over_it():
    assert spans(RATE * 20, RATE) == [(0, RATE * 20)]
    heard = spans(RATE * 180, RATE)
    assert len(heard) == EXCERPTS and heard[0][0] == 0 and heard[-1][1] == RATE * 180
    assert sum(stop - start for start, stop in heard) == pytest.approx(HEAD_SECONDS * RATE, abs=EXCERPTS)
    gaps = [later[0] - earlier[0] for earlier, later in zip(heard, heard[1:])]
    assert max(gaps) - min(gaps) <= 1


def test_an_intro_without_a_tuning_does_not_decide_a_longer_song():
    """40 s of drum-like bursts of noise, then 30 s of a chord 15 cents sharp: the first 30 s alone
    have no tuning to read; the excerpts over the song find the chord's."""
    beat = torch.arange(40 * RATE) % (RATE // 2)
    intro = 0.3 * torch.randn(40 * RATE, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * torch.exp(-beat / (0.05 * RATE))
    song = torch.cat([intro, _chord(15.0, 30.0)])[None]
    assert song_offset([song[:, : round(HEAD_SECONDS * RATE)]], RATE) == 0.0
    heard = song_offset([song[:, start:stop] for start, stop in spans(song.shape[-1], RATE)], RATE)
    assert heard == pytest.approx(song_offset([_chord(15.0, 30.0)[None]], RATE), abs=0.5)


def test_tuning_is_auto_off_or_an_offset_within_half_a_semitone():
    prior = build_prior("gaussian")
    assert resolve(prior, tuning="off").tuning == 0.0
    assert resolve(prior, tuning="-12.5").tuning == -12.5
    assert resolve(prior, tuning="auto").tuning == "auto"
    for wrong in ("sharp", "60", "nan"):
        with pytest.raises(diffsep.DiffsepError, match="--tuning"):
            resolve(prior, tuning=wrong)


@pytest.mark.parametrize("tuning", ["auto", "off", "15", "-10"])
def test_the_prior_hears_the_song_played_onto_the_grid_and_its_stems_are_played_back(monkeypatch, tuning):
    """A stand-in for the sampler gives the whole mixture to the first stem and records it: it hears
    the chord ``tuning`` cents lower, and the first stem comes back as the chord at its own pitch."""
    prior = build_prior("gaussian")
    rate, song = 44100, _chord(15.0, rate=44100).float()[None] / 8
    lowered = song_offset([song], rate) if tuning == "auto" else 0.0 if tuning == "off" else float(tuning)
    heard_mixtures = []

    def first_stem_takes_all(mixture, prior, *args, **kwargs):
        heard_mixtures.append(mixture)
        return torch.cat([mixture[:, None], mixture.new_zeros(mixture.shape[0], len(prior.stems) - 1, mixture.shape[-1])], 1)

    monkeypatch.setattr(engine_module, "separate", first_stem_takes_all)
    engine = Engine(prior, resolve(prior, "paper", steps=1, band="model", segment=60.0, tuning=tuning))
    stems = engine.apply(song, rate)
    heard = grid_offset(torch.cat(heard_mixtures, -1)[0], prior.sample_rate)
    assert heard == pytest.approx(grid_offset(song[0].double(), rate) - lowered, abs=0.2)
    assert stems.shape == (1, 4, song.shape[-1])
    inner = slice(rate // 10, -rate // 10)  # the resamplers' edges aside
    assert float((stems[0, 0, inner] - song[0, inner]).norm() / song[0, inner].norm()) < 0.01
    assert stems[0, 1:].abs().max() == 0


def test_an_in_tune_song_is_left_alone_and_config_json_says_what_was_read(tmp_path):
    """The sharp file lasts 36 s, its first 20 quiet noise: the offset comes from excerpts read from
    the file as from the tensor, and the whole band still adds up."""
    rate = 22050
    noise = 0.01 * torch.randn(20 * rate, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    songs = {"sharp": torch.cat([noise, _chord(20.0, 16.0, rate)]), "in-tune": _chord(0.0, 3.0, rate)}
    for name, song in songs.items():
        soundfile.write(tmp_path / f"{name}.wav", torch.stack([song] * 2).T.numpy() / 8, rate, subtype="FLOAT")
    ran = CliRunner().invoke(app, ["run", str(tmp_path / "sharp.wav"), str(tmp_path / "in-tune.wav"), "-o", str(tmp_path / "out"),
                                   "--prior", "gaussian", "--steps", "2", "--tuning", "auto", "--float32", "-q"])
    assert ran.exit_code == 0, ran.output
    read = {name: json.loads((tmp_path / "out" / name / "config.json").read_text()) for name in songs}
    mixture = torch.from_numpy(soundfile.read(tmp_path / "sharp.wav", dtype="float32")[0].T.copy())
    sharp = song_offset([mixture[:, start:stop] for start, stop in spans(mixture.shape[-1], rate)], rate)
    assert read["sharp"]["tuning"] == "auto" and read["sharp"]["tuning_cents"] == pytest.approx(sharp, abs=0.01)
    assert sharp == pytest.approx(20.0, abs=2.0)
    assert abs(grid_offset(_chord(0.0, 3.0, rate), rate)) < DEAD_ZONE and read["in-tune"]["tuning_cents"] == 0.0
    stems = [soundfile.read(tmp_path / "out" / "sharp" / f"{stem}.wav", dtype="float32")[0] for stem in ("bass", "drums", "guitar", "piano")]
    assert sum(stems).shape == mixture.T.shape and abs(sum(stems) - mixture.T.numpy()).max() < 1e-4  # the whole band, every sample
