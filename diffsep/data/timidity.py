"""Timbres from GUS patches (Debian's ``freepats``: sampled pianos, guitars, basses, a drum kit),
played by TiMidity++: the presets a TiMidity configuration (``.cfg``) offers, and the render of
pretty_midi instruments through the ``timidity`` program.

TiMidity reads the system's configuration (``/etc/timidity/timidity.cfg``) before the one named
with ``-c``; only programs and drum notes the named one maps are played, so that nothing comes
from another instrument set. TiMidity's reverb, chorus and delay are off: each stem is rendered
dry, as with a SoundFont.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from diffsep.errors import DiffsepError

SUFFIX = ".cfg"
DRUM_BANK = 128
INSTALL = "apt-get install --no-install-recommends timidity freepats (without recommends: no FluidR3)"
_ENTRY = re.compile(r"^\s*(\d+)\s+(\S+)")


@dataclass(frozen=True)
class Configuration:
    """What a configuration maps: melodic patches by ``(bank, program)``, and the notes of each
    drum set."""

    patches: dict[tuple[int, int], str]
    drums: dict[int, frozenset[int]]

    def programs(self) -> list[tuple[int, int, str]]:
        """``(bank, program, name)`` of every patch; a drum set is bank 128 with its number as the
        program, named ``drumset N``."""
        found = dict(self.patches) | {(DRUM_BANK, number): f"drumset {number}" for number in self.drums}
        return [(bank, program, name) for (bank, program), name in sorted(found.items())]


@functools.lru_cache(maxsize=16)
def configuration(path: str) -> Configuration:
    """Read a TiMidity configuration, following its ``source`` lines."""
    patches: dict[tuple[int, int], str] = {}
    drums: dict[int, set[int]] = {}
    _read(Path(path), patches, drums, set())
    return Configuration(patches, {number: frozenset(notes) for number, notes in drums.items()})


def _read(path: Path, patches: dict, drums: dict, seen: set[Path]) -> None:
    if path in seen:
        return
    seen.add(path)
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as error:
        raise DiffsepError(f"--soundfont {str(path)!r}: cannot read this TiMidity configuration ({error})") from error
    section: tuple[str, int] | None = None
    for line in lines:
        words = line.split("#")[0].split()
        if not words:
            continue
        if words[0] in ("bank", "drumset") and len(words) > 1 and words[1].isdigit():
            section = (words[0], int(words[1]))
        elif words[0] == "source" and len(words) > 1:
            _read((path.parent / words[1]).resolve(), patches, drums, seen)
        elif (match := _ENTRY.match(line)) and section is not None:
            kind, number = section
            if kind == "bank":
                patches[(number, int(match.group(1)))] = Path(match.group(2)).stem
            else:
                drums.setdefault(number, set()).add(int(match.group(1)))


def render(groups: Sequence[tuple[Sequence, Sequence]], sample_rate: int, length: int) -> list[np.ndarray]:
    """Mono float32 ``[length]`` of each ``(instruments, presets)`` group, rendered alone: each
    instrument on its own channel with its preset (bank select, program). All groups share one
    configuration and go through one run of TiMidity (each run ends with a second's pause)."""
    import pretty_midi
    import soundfile

    program = shutil.which("timidity")
    config = groups[0][1][0].soundfont
    if program is None:
        raise DiffsepError(f"--soundfont {config!r} is played by TiMidity++: {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="diffsep-timidity-") as folder:
        songs = [Path(folder) / f"stem{k}.mid" for k in range(len(groups))]
        for song, (instruments, presets) in zip(songs, groups):
            midi = pretty_midi.PrettyMIDI()
            for instrument, preset in zip(instruments, presets, strict=True):
                played = pretty_midi.Instrument(program=preset.program, is_drum=preset.is_drum)
                # a drum note the set does not map is left out: TiMidity would take it from the
                # system's configuration, which may be another SoundFont
                mapped = configuration(config).drums.get(preset.program) if preset.is_drum else None
                played.notes = [note for note in instrument.notes if mapped is None or note.pitch in mapped]
                if not preset.is_drum:
                    played.control_changes.append(pretty_midi.ControlChange(0, preset.bank, 0.0))
                midi.instruments.append(played)
            midi.write(str(song))
        done = subprocess.run([program, "-c", config, "-OwM", "-s", str(sample_rate), "-EFreverb=d", "-EFchorus=d",
                               "-EFdelay=d", *map(str, songs)], capture_output=True, text=True, cwd=folder)
        outputs = [song.with_suffix(".wav") for song in songs]
        if done.returncode != 0 or not all(out.is_file() for out in outputs):
            raise DiffsepError(f"TiMidity could not render with {config!r}: {done.stderr.strip()[-300:]}")
        return [_fit(soundfile.read(out, dtype="float32")[0], length) for out in outputs]


def _fit(audio: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(length, dtype=np.float32)
    out[: min(length, len(audio))] = audio[:length]
    return out
