"""Real scores as training songs: excerpts of music21's corpus, the same for any number of
workers, the lowest voice on the bass, drums in the score's meter, Bach never drawn."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from diffsep.cli import app
from diffsep.data.composer import CRASH, HAT, KICK, SNARE
from diffsep.data.corpus import BASS_CEILING, COMPOSERS, HELD_OUT, CorpusConfig, Score, drum_hits, read_score, works
from diffsep.data.synth import synthesize
from diffsep.errors import DiffsepError

pytest.importorskip("music21")  # a test dependency (pyproject's test extra); skipped only outside it
runner = CliRunner()


def _metadata(root):
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(root.glob("*/Track*/metadata.json"))}


def test_bach_is_refused_before_any_work(tmp_path):
    for composers in ("bach", "palestrina,bach", "cpebach"):
        result = runner.invoke(app, ["data", "corpus", "-o", str(tmp_path / "out"), "--composers", composers])
        assert result.exit_code == 1 and "reserved" in result.output, result.output
        assert not (tmp_path / "out").exists()
    assert not {"bach", "cpebach"} & set(COMPOSERS)
    assert not any("/bach/" in work for composer in COMPOSERS for work in works(composer))


def test_the_held_out_composers_are_not_drawn_by_default_and_warn_when_asked_for(tmp_path, capsys):
    assert not set(HELD_OUT) & set(COMPOSERS)
    CorpusConfig(tmp_path / "set", tracks=1, seconds=2.0, seed=0, sample_rate=8000, composers=("haydn",))
    assert "held out" in capsys.readouterr().err


def test_an_unknown_composer_is_one_clear_error():
    with pytest.raises(DiffsepError, match="no scores by 'nobody'"):
        works("nobody")


def test_excerpts_are_the_same_for_one_and_two_workers_and_name_their_work(tmp_path):
    config = {"tracks": 4, "seconds": 2.0, "seed": 5, "sample_rate": 8000, "composers": ("trecento", "palestrina")}
    synthesize(CorpusConfig(tmp_path / "one", **config), workers=1)
    synthesize(CorpusConfig(tmp_path / "two", **config), workers=2)
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    assert len(files) == 4 * 7 + 1  # four stems, the mixture, metadata and MIDI per track; the manifest
    for path in files:
        assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes(), path
    manifest = json.loads((tmp_path / "one" / "dataset.json").read_text())
    assert manifest["composers"] == ["trecento", "palestrina"] and manifest["source"] == "music21 corpus"
    for metadata in _metadata(tmp_path / "one").values():
        assert metadata["work"].split("/")[0] == metadata["composer"] in config["composers"]
        assert set(metadata["timbres"]) == {"bass", "drums", "guitar", "piano"}


def test_the_lowest_voice_plays_the_bass_in_the_bass_range(tmp_path):
    config = CorpusConfig(tmp_path / "set", tracks=3, seconds=3.0, seed=8, sample_rate=8000, composers=("palestrina",))
    for index in range(config.tracks):
        midi, metadata = config.excerpt(np.random.default_rng(index))
        score = read_score(next(w for w in config.catalogue["palestrina"] if w.endswith(metadata["work"])))
        means = [np.mean([pitch for _, _, pitch in voice]) for voice in score.voices]
        bass_voice = int(next(v for v, stem in metadata["voices"].items() if stem == "bass"))
        assert means[bass_voice] == min(means)
        assert means[bass_voice] + metadata["bass_shift"] <= BASS_CEILING and metadata["bass_shift"] % 12 == 0
        played = [note.pitch for i in midi.instruments if i.name == "bass" for note in i.notes]
        assert played and max(played) <= max(p for _, _, p in score.voices[bass_voice]) + metadata["bass_shift"]


@pytest.mark.parametrize("beats, beat, division", [(3, 1.0, 2), (2, 1.5, 3), (4, 2.0, 2), (4, 1.0, 2)])
def test_drums_follow_the_meter(beats, beat, division):
    score = Score(voices=[], bars=[], beats=beats, beat=beat, division=division, meter="")
    bar = beats * beat
    hits = drum_hits(score, 16, np.random.default_rng(0))
    assert hits and all(offset < 16 * bar for offset, _, _ in hits)
    for offset, pitch, _ in hits:
        position = offset % bar
        assert np.isclose((position / (beat / division)) % 1, 0) or np.isclose((position / (beat / division)) % 1, 1)
        if pitch == KICK:
            assert np.isclose(position, 0) or (beats >= 4 and np.isclose(position, beats // 2 * beat))
        if pitch == SNARE:
            assert np.isclose((position / beat) % 1, 0) and not np.isclose(position, 0)
        if pitch == CRASH:
            assert np.isclose(position, 0)
    playing_bars = {int(offset // bar) for offset, pitch, _ in hits if pitch == HAT}
    assert playing_bars
    for index in playing_bars:  # every beat of a playing bar has a kick or snare, every division a hat
        in_bar = [(offset - index * bar, pitch) for offset, pitch, _ in hits if int(offset // bar) == index]
        assert sum(pitch in (KICK, SNARE) for _, pitch in in_bar) == beats
        assert sum(pitch == HAT for _, pitch in in_bar) == beats * division
