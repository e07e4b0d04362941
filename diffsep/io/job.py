"""A separation over files: each file read in blocks through the engine into stem files.

The engine (:mod:`diffsep.separation.engine`) does the separation; this module finds each
track's files (the mixture, stems already known, a folder of initial stems), checks that they
agree, streams them in, writes the stems atomically and records the settings beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import torch
from torch import Tensor

from diffsep.errors import DiffsepError, warn
from diffsep.initial import STARTS_TEXT, named
from diffsep.io import audio
from diffsep.io.atomic import write_json
from diffsep.io.outputs import OutputFormat, StemWriter, TrackName, track_names
from diffsep.io.report import Report
from diffsep.io.scratch import scratch_folder
from diffsep.separation.engine import Engine, Progress
from diffsep.tensors import fitted
from diffsep.types import stem_index


@dataclass
class Job:
    """Separate files with ``engine``; ``known``: stem -> a file of it, given with every track;
    ``about``: what ``config.json`` says of the prior beside the settings (its name, its file)."""

    engine: Engine
    known: Mapping[str, Path] = field(default_factory=dict)
    about: Mapping[str, Any] = field(default_factory=dict)

    def run(self, inputs: list[Path], out: Path, fmt: OutputFormat = OutputFormat(), skip_existing: bool = False,
            plot: bool = False, quiet: bool = False) -> Report:
        """Separate every input file. A track that fails is named with its reason in the report
        and the others go on (an album overnight: every good track done, every bad one named)."""
        from rich.progress import Progress as Bars

        report, labels, names = Report(), self.engine.labels, track_names(inputs)
        for stem in self.known:
            stem_index(self.engine.prior.stems, stem)
        fmt.check_apart(out, names, labels[0])
        with Bars(disable=quiet, transient=True) as bars:
            files = bars.add_task("tracks", total=len(inputs))
            for path in inputs:
                if skip_existing and all(fmt.path(out, names[path], label).is_file() for label in labels):
                    bars.advance(files)
                    continue
                try:
                    report.written += self._track(path, names[path], out, fmt, bars)
                    if plot:
                        self._plot(path, names[path], out, fmt)
                except DiffsepError as error:
                    report.failed[str(path)] = _naming(path, error)
                bars.advance(files)
        return report

    def _track(self, path: Path, name: TrackName, out: Path, fmt: OutputFormat, bars) -> list[Path]:
        engine = self.engine
        frames, rate, channels, peak = audio.inspect_file(path)
        known = checked_stems(list(self.known.values()), channels, rate)
        starts = checked_stems(initial_files(engine.settings.init, path, engine.prior.stems), channels, rate)
        out_rate = engine.output_rate(rate)
        if peak == 0:
            warn(f"{str(path)!r} is silent: writing silent stems")
        scratch = scratch_folder()
        writers = [StemWriter(fmt.path(out, name, label), out_rate, channels, round(frames * out_rate / rate), Path(scratch.name))
                   for label in engine.labels]
        progress = _Bars(bars, path.name, round(frames / rate, 1))
        cents = engine.offset(lambda start, stop: audio.read(path, span=(start, stop))[0], frames, rate)
        try:
            stems = engine.stream(joined_blocks([path, *known, *starts], channels), rate, channels, frames, list(self.known),
                                  bool(starts), peak == 0, progress, cents)
            for block in stems:
                for writer, stem in zip(writers, block.unbind(1)):
                    writer.write(stem)
            paths = [writer.finish(fmt) for writer in writers]
        finally:
            for writer in writers:
                writer.discard()
            scratch.cleanup()
            progress.close()
        self._write_config(fmt.path(out, name, "config", "json"), path, rate, out_rate, cents)
        return paths

    def _write_config(self, path: Path, source: Path, rate: int, out_rate: int, cents: float) -> None:
        prior = self.engine.prior
        config = {**self.about, **self.engine.settings.record(), "known": {k: str(v) for k, v in self.known.items()},
                  "input": str(source), "input_sample_rate": rate, "output_sample_rate": out_rate, "stems": prior.stems,
                  "model_sample_rate": prior.sample_rate, "tuning_cents": round(cents, 2)}
        write_json(path, config)

    def _plot(self, path: Path, name: TrackName, out: Path, fmt: OutputFormat, seconds: float = 120.0) -> None:
        from diffsep.io.plot import spectrograms

        stems = self.engine.prior.stems
        separated = [audio.read(fmt.path(out, name, s), seconds=seconds)[0][0] for s in stems]
        mixture, rate = audio.read(path, seconds=seconds)
        spectrograms(fmt.path(out, name, "overview", "png"), mixture[0], torch.stack(separated), stems, rate)


class _Bars(Progress):
    """The engine's progress as two rich bars: seconds of the track, and diffusion steps per call."""

    def __init__(self, bars, name: str, seconds: float) -> None:
        self.bars = bars
        self.track = bars.add_task(f"{name} (seconds of audio)", total=seconds)
        self.steps = bars.add_task("diffusion steps", total=None)

    def call(self) -> None:
        self.bars.reset(self.steps)

    def step(self) -> None:
        self.bars.advance(self.steps)

    def seconds(self, seconds: float) -> None:
        self.bars.advance(self.track, seconds)

    def close(self) -> None:
        self.bars.remove_task(self.track)
        self.bars.remove_task(self.steps)


def initial_files(init: str | None, path: Path, stems: list[str]) -> list[Path]:
    """Initial stems for refinement from ``--init FOLDER``: FOLDER/<track>/<stem>.* or FOLDER/<stem>.*
    (``<track>``: the file's name, or its folder's for data sets of ``<track>/mixture.wav``); none
    for a named start."""
    if init is None or named(init):
        return []
    folder = Path(init)
    if not folder.is_dir():
        raise DiffsepError(f"--init is {STARTS_TEXT} or a folder of stems; {init!r} is neither")
    for where in (folder / path.stem, folder / path.parent.name, folder):
        found = {f.stem.lower(): f for f in sorted(where.glob("*.*")) if f.suffix.lower() in audio.AUDIO_SUFFIXES}
        if all(stem.lower() in found for stem in stems):
            return [found[stem.lower()] for stem in stems]
    raise DiffsepError(f"no initial stems for {path.name!r}: --init {init} needs {', '.join(stems)} "
                       f"as audio files in {str(folder / path.stem)!r} or in {str(folder)!r}")


def checked_stems(files: list[Path], channels: int, rate: int) -> list[Path]:
    """Stems read beside the mixture must have its channels and rate."""
    for file in files:
        _, file_rate, file_channels, _ = audio.inspect_file(file)
        if file_channels != channels or file_rate != rate:
            raise DiffsepError(f"the stem {str(file)!r} is {file_channels} ch at {file_rate} Hz; the mixture is "
                               f"{channels} ch at {rate} Hz: give it the mixture's channels and rate")
    return files


def joined_blocks(files: list[Path], channels: int) -> Iterator[Tensor]:
    """The first file's channels, then each other file's, as one ``[C x files, n]`` stream cut as
    the first file's blocks (the others padded with silence or cut to it)."""
    streams = [audio.blocks(file) for file in files]
    while True:
        parts = [next(stream, None) for stream in streams]
        if parts[0] is None:
            return
        size = parts[0].shape[-1]
        yield torch.cat([fitted(p, size) if p is not None
                         else torch.zeros(channels, size) for p in parts], dim=0)


def _naming(path: Path, error: DiffsepError) -> str:
    """Why ``path`` failed, naming it once: reading errors name their file already."""
    reason = str(error)
    return reason if str(path) in reason else f"{str(path)!r}: {reason}"
