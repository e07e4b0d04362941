"""GUS patches through TiMidity++: a configuration's programs and drum sets become presets by
class; its renders are the same for any number of workers and play only what it maps."""

import json
import shutil
from pathlib import Path

import numpy as np
import pretty_midi
import pytest

from diffsep.data import timidity
from diffsep.data.soundfonts import Preset, inspect
from diffsep.data.synth import SynthConfig, synthesize
from diffsep.errors import DiffsepError

FREEPATS = Path("/etc/timidity/freepats.cfg")
needs_timidity = pytest.mark.skipif(shutil.which("timidity") is None or not FREEPATS.is_file(),
                                    reason="renders need TiMidity++ and freepats: " + timidity.INSTALL)


def _configuration(folder: Path) -> Path:
    (folder / "more.cfg").write_text("bank 8\n 33 Tone_008/033_Finger_Bass_Bright.pat amp=90\n")
    main = folder / "patches.cfg"
    main.write_text("dir /nowhere\n# a comment\ndrumset 0\n 35 Drum_000/035_Kick.pat\n 38\tDrum_000/038_Snare.pat # snare\n"
                    "bank 0\n 0 Tone_000/000_Grand.pat\n 25 Tone_000/025_Steel.pat\n 33 Tone_000/033_Finger_Bass.pat\n"
                    " 40 Tone_000/040_Violin.pat\nsource more.cfg\n")
    return main


def test_a_configuration_lists_its_patches_and_drum_sets_by_class(tmp_path):
    path = _configuration(tmp_path)
    read = timidity.configuration(str(path))
    assert read.drums == {0: frozenset({35, 38})}
    assert read.programs() == [(0, 0, "000_Grand"), (0, 25, "025_Steel"), (0, 33, "033_Finger_Bass"),
                               (0, 40, "040_Violin"), (8, 33, "033_Finger_Bass_Bright"), (128, 0, "drumset 0")]
    font = inspect(str(path))
    assert {stem: [(p.bank, p.program) for p in found] for stem, found in font.presets.items()} == {
        "bass": [(0, 33), (8, 33)], "drums": [(128, 0)], "guitar": [(0, 25)], "piano": [(0, 0)]}  # no violin


def test_without_timidity_a_render_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(timidity.shutil, "which", lambda name: None)
    preset = Preset(str(_configuration(tmp_path)), 0, 0, "000_Grand")
    with pytest.raises(DiffsepError, match="apt-get install --no-install-recommends timidity"):
        timidity.render([([pretty_midi.Instrument(0)], [preset])], 8000, 800)


@needs_timidity
def test_freepats_sets_are_the_same_for_one_and_two_workers(tmp_path):
    config = {"tracks": 3, "seconds": 1.0, "seed": 2, "sample_rate": 8000, "soundfonts": (str(FREEPATS),)}
    synthesize(SynthConfig(tmp_path / "one", **config), workers=1)
    synthesize(SynthConfig(tmp_path / "two", **config), workers=2)
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    for path in files:
        assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes(), path
    for metadata in (tmp_path / "one").glob("*/Track*/metadata.json"):
        assert {t["soundfont"] for t in json.loads(metadata.read_text())["timbres"].values()} == {"freepats.cfg"}


@needs_timidity
def test_only_mapped_drum_notes_sound(monkeypatch):
    kit = Preset(str(FREEPATS), 128, 0, "drumset 0")
    drums = pretty_midi.Instrument(0, is_drum=True)
    drums.notes.append(pretty_midi.Note(100, 36, 0.1, 0.3))
    kick = timidity.render([([drums], [kit])], 8000, 8000)[0]
    read = timidity.configuration(str(FREEPATS))
    monkeypatch.setattr(timidity, "configuration", lambda path: timidity.Configuration(read.patches, {0: read.drums[0] - {36}}))
    unmapped = timidity.render([([drums], [kit])], 8000, 8000)[0]
    assert kick.shape == unmapped.shape == (8000,)
    assert np.abs(kick).max() > 0.01 and np.abs(unmapped).max() < 1e-3  # TiMidity's output: a few LSB at most
