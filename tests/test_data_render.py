"""mini-Slakh: rendering follows the MIDI, songs are deterministic and their stems dependent."""

import json

import numpy as np
import pytest
import soundfile
from data_helpers import onset_strength, onsets

from diffsep.data.render import render_instruments
from diffsep.data.synth import SynthConfig, render_song, synthesize
from diffsep.errors import DiffsepError

RATE = 22050


def _instrument(program, is_drum, starts, pitch=45, length=0.3):
    import pretty_midi

    instrument = pretty_midi.Instrument(program=program, is_drum=is_drum)
    instrument.notes = [pretty_midi.Note(velocity=100, pitch=pitch, start=s, end=s + length) for s in starts]
    return instrument


@pytest.mark.parametrize("program, is_drum, pitch", [(33, False, 40), (0, False, 60), (25, False, 52), (0, True, 38)])
def test_rendered_onsets_match_the_midi_within_20_ms(program, is_drum, pitch):
    starts = [0.25, 1.0, 1.8, 2.55, 3.3]
    audio = render_instruments([_instrument(program, is_drum, starts, pitch)], RATE, 4 * RATE)
    found = onsets(audio, RATE)
    assert len(found) == len(starts)
    assert np.abs(found - np.array(starts)).max() < 0.02


def test_a_part_is_silent_where_it_has_no_notes():
    audio = render_instruments([_instrument(33, False, [0.5], 40, length=0.5)], RATE, 5 * RATE)
    assert np.abs(audio[: int(0.45 * RATE)]).max() == 0  # before the note
    assert np.abs(audio[int(0.5 * RATE) : int(1.0 * RATE)]).max() > 0.01
    assert np.abs(audio[int(3.5 * RATE) :]).max() < 1e-4  # well after its release


def test_composed_song_onsets_line_up_with_its_midi():
    stems, midi, _ = render_song(3, 8.0, RATE)
    for instrument in midi.instruments:
        if instrument.name not in ("bass", "drums"):
            continue
        found = onsets(stems[instrument.name], RATE)
        starts = np.array(sorted({n.start for n in instrument.notes}))
        assert len(found) >= 3
        assert np.abs(found[:, None] - starts[None, :]).min(1).max() < 0.02


def test_mixture_is_the_sum_and_never_clips(tmp_path):
    synthesize(SynthConfig(tmp_path / "set", tracks=3, seconds=3.0, seed=1))
    for folder in sorted((tmp_path / "set").glob("*/Track*")):
        mixture, rate = soundfile.read(folder / "mixture.wav", dtype="float32")
        stems = [soundfile.read(folder / f"{s}.wav", dtype="float32")[0] for s in ("bass", "drums", "guitar", "piano")]
        assert rate == RATE and len(mixture) == 3 * RATE
        np.testing.assert_allclose(mixture, np.sum(stems, axis=0), atol=1e-6)
        assert np.abs(mixture).max() <= 0.8 + 1e-6
        assert (folder / "song.mid").is_file() and (folder / "metadata.json").is_file()


def test_same_seed_same_bytes_with_one_or_two_workers(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    synthesize(SynthConfig(one, tracks=4, seconds=2.0, seed=9), workers=1)
    synthesize(SynthConfig(two, tracks=4, seconds=2.0, seed=9), workers=2)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert len(files) == 4 * 7 + 1  # the tracks and the set's dataset.json
    assert json.loads((one / "dataset.json").read_text())["seed"] == 9
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    synthesize(SynthConfig(tmp_path / "other", tracks=1, seconds=2.0, seed=10))
    assert (tmp_path / "other/train/Track00001/bass.wav").read_bytes() != (one / "train/Track00001/bass.wav").read_bytes()


def test_stems_of_one_song_are_dependent():
    # Onset functions of bass and drums of the same song correlate (shared groove) far above
    # those of bass and drums taken from two different songs.
    songs = [render_song(seed, 8.0, RATE)[0] for seed in range(12)]
    songs = [s for s in songs if np.abs(s["bass"]).max() > 0 and np.abs(s["drums"]).max() > 0]
    assert len(songs) >= 6

    def correlation(a, b):
        return float(np.corrcoef(onset_strength(a, RATE), onset_strength(b, RATE))[0, 1])

    same = np.mean([correlation(s["bass"], s["drums"]) for s in songs])
    different = np.mean([correlation(a["bass"], b["drums"]) for a, b in zip(songs, songs[1:] + songs[:1])])
    assert same > 0.15 and same > 3 * abs(different), (same, different)


def test_an_interrupted_render_resumes_to_the_same_set(tmp_path):
    whole = SynthConfig(tmp_path / "whole", tracks=10, seconds=1.0, seed=4, sample_rate=8000)
    synthesize(whole)
    partial = SynthConfig(tmp_path / "partial", tracks=20, seconds=1.0, seed=4, sample_rate=8000)
    synthesize(partial)  # another --tracks: tracks 8-9 are train here, validation and test in `whole`
    (tmp_path / "partial" / "train" / "Track00003" / "song.mid").unlink()  # a track cut short
    rendered = []
    counts = synthesize(SynthConfig(tmp_path / "partial", tracks=10, seconds=1.0, seed=4, sample_rate=8000), resume=True,
                        progress=rendered.append)
    assert counts == {"train": 8, "validation": 1, "test": 1} and len(rendered) == 10
    files = sorted(p.relative_to(tmp_path / "whole") for p in (tmp_path / "whole").rglob("*.*"))
    assert files == sorted(p.relative_to(tmp_path / "partial") for p in (tmp_path / "partial").rglob("*.*"))
    for path in files:
        if path.suffix == ".wav":
            assert (tmp_path / "whole" / path).read_bytes() == (tmp_path / "partial" / path).read_bytes(), path


def test_a_render_resumed_at_other_rates_is_refused_and_keeps_its_tracks(tmp_path):
    """A set begun at one rendering rate cannot be continued at another: it would mix two renderings."""
    begun = SynthConfig(tmp_path / "set", tracks=3, seconds=0.5, seed=4, sample_rate=8000, render_rate=8000)
    synthesize(begun)
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "set").rglob("*.*"))
    with pytest.raises(DiffsepError, match="--sample-rate 8000 --render-rate 8000"):
        synthesize(SynthConfig(tmp_path / "set", tracks=3, seconds=0.5, seed=4, sample_rate=8000), resume=True)
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "set").rglob("*.*")) == before
    assert synthesize(begun, resume=True) == {"train": 2, "validation": 1}


def test_songs_rendered_above_their_rate_keep_partials_above_nyquist_out():
    """Played at the written rate, a sampler folds the partials above Nyquist back into the band;
    rendered at 44.1 kHz and resampled, the top of the band holds only what soxr's roll-off lets through."""
    def top_share(render_rate):
        stems, _, metadata = render_song(3, 3.0, 8000, render_rate=render_rate)
        mixture = sum(stems.values())
        assert len(mixture) == 3 * 8000 and metadata["render_rate"] == max(8000, render_rate)
        power = np.abs(np.fft.rfft(mixture)) ** 2
        return power[int(0.95 * len(power)):].sum() / power.sum()

    folded, resampled = top_share(8000), top_share(44100)
    assert resampled < folded / 10
    assert resampled < 5e-4
