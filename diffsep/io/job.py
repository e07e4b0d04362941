"""One separation run over files: stream each file through overlapping segments into stems.

Audio stays at the file's sample rate outside (unless ``keep_model_sr``); it is resampled to the
prior's rate as a stream. Channels (and posterior samples) are batch items (the model is mono).
The resolved configuration is written next to the stems.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import torch
from torch import Tensor

from diffsep.api import separate
from diffsep.blend import Blend
from diffsep.components import build_prior
from diffsep.errors import DiffsepError, warn
from diffsep.initial import INIT_SIGMA, STARTS, named
from diffsep.likelihoods import stems_share_mixture
from diffsep.io import audio
from diffsep.io.allocator import keep_freed_memory
from diffsep.io.atomic import atomic_path
from diffsep.io.fullband import METHODS, Restore
from diffsep.io.outputs import OutputFormat, StemWriter, TrackName, track_names
from diffsep.io.precision import autocast, checked, resolve
from diffsep.io.report import Report
from diffsep.io.scratch import scratch_folder
from diffsep.io.streaming import Segments, stream_separation
from diffsep.postfilter import wiener_postfilter
from diffsep.presets import PRESETS, resolve_fields
from diffsep.registry import LIKELIHOODS
from diffsep.types import Prior, Step, stem_index

STEREO = ("mid", "channels")
"""``mid``: separate the channels' mean once, then share each channel among the stems by the
masks of that separation; ``channels``: separate each channel on its own (docs/results.md)."""
MIN_SECONDS = 0.1
SEGMENT_SECONDS = 12.0
"""Segments for a prior that does not say how long its training chunks were (MSDM: 262144 samples)."""
SEGMENT_CHUNKS = 2
"""Segments for a prior that does: this many of its training chunks. The shipped prior (1.49-s
chunks) on 30-s songs: 2.97-s segments +0.73 dB over 12-s ones, 1.49-s +0.76; on a 6-s clip 1.49-s
segments lose 1 dB where 2.97-s lose 0.3 (docs/results.md)."""
OVERLAP = 0.25
"""Overlap of neighbouring segments, a fraction of a segment (``--overlap``)."""
CALL_SECONDS = 12.0
"""Audio per network call when ``batch_size`` is 0: short segments go several to a call, a 12-s one
alone (the shipped prior's 1.49-s segments: 0.55x real time eight to a call, 0.61x four, 1.0x one)."""


def default_segment_length(model: Prior) -> int:
    """``SEGMENT_CHUNKS`` of the prior's training chunks (near the context it knows), else ``SEGMENT_SECONDS``."""
    chunk = getattr(model, "chunk", None)
    return SEGMENT_CHUNKS * chunk if chunk else int(SEGMENT_SECONDS * model.sample_rate)


def track_segments(length: int, overlap: float, frames: int) -> Segments:
    """How a track of ``frames`` is cut: segments of ``length`` overlapping by the fraction
    ``overlap``, or one segment as long as a shorter track."""
    return Segments(frames, 0) if frames <= length else Segments(length, int(overlap * length))


def default_segments_per_call(segments: Segments, sample_rate: int) -> int:
    """About ``CALL_SECONDS`` of audio per network call, at least one segment."""
    return max(1, round(CALL_SECONDS * sample_rate / segments.length))


def segment_seeds(seed: int, first: int, count: int, items: int) -> list[int]:
    """Seeds of ``items`` batch items for each of segments ``first .. first + count - 1``: they
    depend on the segment's index alone, so results do not depend on how segments are batched."""
    return [seed + 1_000_003 * (first + n) + j for n in range(count) for j in range(items)]


@dataclass
class Job:
    """What to run; every field ends up in ``config.json``.

    With a ``preset`` (a name of :data:`diffsep.presets.PRESETS`) every sampling field left at
    None (sampler, the ``schedule`` and ``sampler_options`` keys, init, init_sigma, num_samples,
    blend, post_filter) is the preset's and the given ones win, as on the command line;
    ``init="none"`` starts from noise (and blends nothing). Without one, the fields are MSDM's
    defaults where not given (Euler, 150 levels, R = 2, S_churn 20, one sample from noise).
    """

    prior: str
    likelihood: str
    sampler: str | None = None
    preset: str | None = None
    prior_options: dict[str, Any] = field(default_factory=dict)
    likelihood_options: dict[str, Any] = field(default_factory=dict)
    sampler_options: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    seed: int = 0
    known: dict[str, Path] = field(default_factory=dict)
    segment: float | None = None
    overlap: float = OVERLAP
    num_samples: int | None = None
    write_samples: bool = False
    batch_size: int = 0
    device: str = "cpu"
    keep_model_sr: bool = False
    init: str | None = None
    init_sigma: float | None = None
    blend: Blend | None = None
    post_filter: bool | None = None
    precision: str = "auto"
    stereo: str = "mid"
    band: str | None = None
    """None: ``masks`` where the post-filter is on (they are that filter at the input's rate), else ``residual``."""

    def __post_init__(self) -> None:
        options, schedule = dict(self.sampler_options or {}), dict(self.schedule or {})
        if self.preset is None:
            fields = {"sampler": self.sampler or "euler", "sampler_options": options, "schedule": schedule,
                      "init": None if str(self.init).lower() == "none" else self.init,
                      "init_sigma": INIT_SIGMA if self.init_sigma is None else self.init_sigma,
                      "num_samples": 1 if self.num_samples is None else self.num_samples, "blend": self.blend,
                      "post_filter": bool(self.post_filter)}
        else:
            fields = resolve_fields(self.preset, self.sampler, options, schedule, init=self.init,
                                    init_sigma=self.init_sigma, num_samples=self.num_samples, blend=self.blend,
                                    post_filter=self.post_filter)
        for name, value in fields.items():
            setattr(self, name, value)
        if self.band is None:
            self.band = "masks" if self.post_filter else "residual"
        if self.stereo not in STEREO:
            raise DiffsepError(f"--stereo is {' or '.join(STEREO)}, not {self.stereo!r}")
        if self.band not in (*METHODS, "model"):
            raise DiffsepError(f"--band is {', '.join(METHODS)} or model, not {self.band!r}")

    def replaced(self, **changes: Any) -> "Job":
        """A copy with ``changes`` to fields that are not sampling settings (those stay as
        resolved; the prior, once built, is shared)."""
        sampling = {"preset", "sampler", "sampler_options", "schedule", "init", "init_sigma", "num_samples", "blend",
                    "post_filter"} & set(changes)
        if sampling:
            raise ValueError(f"make a new Job to change {', '.join(sorted(sampling))}")
        self.model  # built once, shared by the copies
        job = copy.copy(self)
        job.__dict__.update(changes)
        return job

    def run(self, inputs: list[Path], out: Path, fmt: OutputFormat = OutputFormat(), skip_existing: bool = False,
            plot: bool = False, quiet: bool = False) -> Report:
        """Separate every input file. A track that fails is named with its reason in the report
        and the others go on (an album overnight: every good track done, every bad one named)."""
        from rich.progress import Progress

        model = self.model
        for name in self.known:
            stem_index(model.stems, name)
        if self.num_samples < 1:
            raise DiffsepError(f"--num-samples must be at least 1, got {self.num_samples}")
        checked(self.precision)  # an unknown precision is refused once, before any track
        keep_freed_memory()  # a quarter off each network call on glibc (diffsep/io/allocator.py)
        report = Report()
        labels = self.labels(model)
        names = track_names(inputs)
        fmt.check_apart(out, names, labels[0])
        with Progress(disable=quiet, transient=True) as progress:
            files = progress.add_task("tracks", total=len(inputs))
            for path in inputs:
                if skip_existing and all(fmt.path(out, names[path], label).is_file() for label in labels):
                    progress.advance(files)
                    continue
                try:
                    report.written += self._one(model, path, names[path], out, fmt, labels, progress)
                    if plot:
                        self._plot(model, path, names[path], out, fmt)
                except DiffsepError as error:
                    report.failed[str(path)] = str(error)
                progress.advance(files)
        return report

    @functools.cached_property
    def model(self) -> Prior:
        """The prior, built once per job (a job may run many times, e.g. once per track)."""
        model = build_prior(self.prior, self.prior_options)
        if isinstance(model, torch.nn.Module):  # learned priors; the Gaussian one follows its inputs
            model = model.to(self.device)
        return model

    @functools.cached_property
    def network_precision(self) -> str:
        """``precision`` resolved for this job's prior and device (``auto`` -> bf16 or fp32)."""
        return resolve(self.precision, self.device, isinstance(self.model, torch.nn.Module))

    def labels(self, model: Prior) -> list[str]:
        """Output names: each stem (the mean when K > 1), then ``stem_sample{k}`` if asked."""
        samples = [f"{s}_sample{k + 1}" for k in range(self.num_samples) for s in model.stems] if self.write_samples else []
        return list(model.stems) + samples

    def _one(self, model: Prior, path: Path, name: TrackName, out: Path, fmt: OutputFormat, labels: list[str], progress) -> list[Path]:
        frames, rate, channels, peak = audio.inspect_file(path)
        hints = self._checked(list(self.known.values()), channels, rate)
        starts = self._checked(self._init_files(path, model), channels, rate)
        if frames * model.sample_rate / rate < MIN_SECONDS * model.sample_rate:
            raise DiffsepError(f"{str(path)!r} is too short ({frames / rate:.3f} s); the model needs at least {MIN_SECONDS} s")
        out_rate = model.sample_rate if self.keep_model_sr else rate
        out_frames = round(frames * out_rate / rate)
        masked = not self.keep_model_sr and self.band != "model" and self.shares_mixture
        separated = 1 if self.stereo == "mid" and masked else channels  # channels the prior hears
        segments = self.segments_for(math.ceil(frames * model.sample_rate / rate))
        scratch = scratch_folder()
        writers = [StemWriter(fmt.path(out, name, label), out_rate, channels, out_frames, Path(scratch.name)) for label in labels]
        task = progress.add_task(f"{path.name} (seconds of audio)", total=round(frames / rate, 1))
        steps = progress.add_task("diffusion steps", total=None)
        try:
            if peak > 0:
                # the whole band's masks (--band masks) are the post-filter's, at the input's rate: not twice
                post_filter = self._post_filter() and not (out_rate == rate and masked and self.band == "masks")
                separate_fn = self._separate_fn(model, separated, segments, progress, (task, steps), post_filter)
            else:  # the exact answer: silence
                warn(f"{str(path)!r} is silent: writing silent stems")
                separate_fn = lambda blocks, first: torch.zeros(len(blocks), separated, len(labels), blocks.shape[-1])  # noqa: E731
            blocks = self._blocks(path, hints + starts, channels)
            if separated != channels:  # the mean of each file's channels
                blocks = (block.reshape(-1, channels, block.shape[-1]).mean(1) for block in blocks)
            stream = stream_separation(blocks, (rate, model.sample_rate, out_rate), separated * (1 + len(hints) + len(starts)),
                                       separated, len(labels), segments, separate_fn,
                                       batch=self.segments_per_call(separated, segments))
            if out_rate == rate and masked:
                stream = self._whole_band(stream, path, hints, channels, rate, model, labels)
            stems = [label.split("_sample")[0] for label in labels]  # the stem each output is of
            given = {index: self.known[stem] for index, stem in enumerate(stems) if stem in self.known} if out_rate == rate else {}
            for block in stream:
                for index, (writer, stem) in enumerate(zip(writers, block.unbind(1))):
                    if index not in given:
                        writer.write(stem)
            for index, file in given.items():  # a given stem comes back as it was, not through the model's rate
                for block in audio.blocks(file):
                    writers[index].write(block)
            paths = [writer.finish(fmt) for writer in writers]
        finally:
            for writer in writers:
                writer.discard()
            scratch.cleanup()
            progress.remove_task(task)
            progress.remove_task(steps)
        self._write_config(fmt.path(out, name, "config", "json"), path, rate, out_rate, model)
        return paths

    def _whole_band(self, estimates: Iterator[Tensor], path: Path, hints: list[Path], channels: int, rate: int,
                    model: Prior, labels: list[str]) -> Iterator[Tensor]:
        """The written stems: the prior's estimates carried to the input's whole band and channels
        (diffsep/io/fullband.py), the stems not given sharing what the given ones leave of the mixture.
        With ``write_samples`` each sample is carried on its own and the mean written is theirs."""
        count = len(model.stems)
        free = [i for i, stem in enumerate(model.stems) if stem not in self.known]
        first = count if self.write_samples else 0  # the samples' groups, or the mean's
        rows = [group + i for group in range(first, len(labels), count) for i in free]
        restore = Restore(rate, model.sample_rate, len(free), self.band)

        def left_of_given() -> Iterator[Tensor]:
            for block in self._blocks(path, hints, channels):
                files = block.reshape(-1, channels, block.shape[-1])  # the mixture, then each given stem
                yield files[0] - files[1:].sum(0)

        for restored in restore.stream(left_of_given(), (block[:, rows] for block in estimates)):
            out = restored.new_zeros(channels, len(labels), restored.shape[-1])  # given stems: written from their files
            out[:, rows] = restored
            if self.write_samples:
                out[:, :count] = out[:, count:].reshape(channels, -1, count, out.shape[-1]).mean(1)
            yield out

    def segment_length(self, model: Prior) -> int:
        """Samples per segment at the prior's rate: ``segment`` seconds if given, else the default."""
        return default_segment_length(model) if self.segment is None else int(self.segment * model.sample_rate)

    def segments_per_call(self, channels: int, segments: Segments) -> int:
        """Segments per network call: ``batch_size`` items, or about ``CALL_SECONDS`` of audio."""
        if self.batch_size:
            return self.batch_size // (channels * self.num_samples) or 1
        return default_segments_per_call(segments, self.model.sample_rate)

    def segments_for(self, model_frames: int) -> Segments:
        """How a track of ``model_frames`` (at the prior's rate) is cut: the configured segments,
        or one segment as long as a shorter track. Public for benchmarks that count evaluations."""
        return track_segments(self.segment_length(self.model), self.overlap, model_frames)

    def _init_files(self, path: Path, model: Prior) -> list[Path]:
        """Initial stems for refinement from ``--init FOLDER``: FOLDER/<track>/<stem>.* or FOLDER/<stem>.*
        (``<track>``: the file's name, or its folder's for data sets of ``<track>/mixture.wav``)."""
        if self.init is None or named(self.init):
            return []
        folder = Path(self.init)
        if not folder.is_dir():
            raise DiffsepError(f"--init is {STARTS} or a folder of stems; {self.init!r} is neither")
        for where in (folder / path.stem, folder / path.parent.name, folder):
            found = {f.stem.lower(): f for f in sorted(where.glob("*.*")) if f.suffix.lower() in audio.AUDIO_SUFFIXES}
            if all(stem.lower() in found for stem in model.stems):
                return [found[stem.lower()] for stem in model.stems]
        raise DiffsepError(f"no initial stems for {path.name!r}: --init {self.init} needs {', '.join(model.stems)} "
                           f"as audio files in {str(folder / path.stem)!r} or in {str(folder)!r}")

    @staticmethod
    def _checked(files: list[Path], channels: int, rate: int) -> list[Path]:
        """Stems read beside the mixture must have its channels and rate."""
        for file in files:
            _, file_rate, file_channels, _ = audio.inspect_file(file)
            if file_channels != channels or file_rate != rate:
                raise DiffsepError(f"the stem {str(file)!r} is {file_channels} ch at {file_rate} Hz; the mixture is "
                                   f"{channels} ch at {rate} Hz: give it the mixture's channels and rate")
        return files

    def _blocks(self, path: Path, hints: list[Path], channels: int) -> Iterator[Tensor]:
        """Mixture channels, then each given stem's (known, then initial), as one ``[C (1 + H), n]`` stream."""
        if not hints:
            yield from audio.blocks(path)
            return
        streams = [audio.blocks(path)] + [audio.blocks(h) for h in hints]
        while True:
            parts = [next(s, None) for s in streams]
            if parts[0] is None:
                return
            size = parts[0].shape[-1]
            fitted = [torch.nn.functional.pad(p, (0, size - p.shape[-1]))[:, :size] if p is not None else torch.zeros(channels, size)
                      for p in parts]
            yield torch.cat(fitted, dim=0)

    def _separate_fn(self, model: Prior, channels: int, segments: Segments, progress, tasks,
                     post_filter: bool) -> Callable[[Tensor, int], Tensor]:
        names = list(self.known)
        task, steps = tasks
        blend = self._blend(model)
        known = [stem_index(model.stems, name) for name in names]

        def advance(step: Step) -> None:
            progress.advance(steps)

        def run(blocks: Tensor, first: int) -> Tensor:
            """``[N, C (1 + H + I), L]`` input segments ``first, first + 1, ...`` -> ``[N, C, labels, L]``."""
            progress.reset(steps)
            k, count, length = self.num_samples, blocks.shape[0], blocks.shape[-1]
            rows = blocks.reshape(count, -1, channels, length).repeat_interleave(k, 2).to(self.device)  # [N, 1 + H + I, C k, L]
            rows = rows.transpose(0, 1).flatten(1, 2)  # [1 + H + I, N C k, L]: segment-major items
            mixture, hints, starts = rows[0], dict(zip(names, rows[1 : 1 + len(names)])), rows[1 + len(names) :]
            start = starts.transpose(0, 1) if len(starts) else self.init  # [N C k, S, L], "wiener" or None
            seeds = segment_seeds(self.seed, first, count, channels * k)
            size = self.batch_size or count * channels * k  # items per call; per-item seeds make results independent of it
            with autocast(self.device, self.network_precision):
                parts = [separate(mixture[i : i + size], model, self.likelihood, self.sampler,
                                  known={name: hint[i : i + size] for name, hint in hints.items()},
                                  likelihood_options=self.likelihood_options, sampler_options=self.sampler_options,
                                  init=start[i : i + size] if isinstance(start, Tensor) else start, init_sigma=self.init_sigma,
                                  blend=blend, seed=seeds[i : i + size], callback=advance, **self.schedule).float().cpu()
                         for i in range(0, len(seeds), size)]
            stems = torch.cat(parts).reshape(count, channels, k, len(model.stems), -1)
            progress.advance(task, round(count * segments.hop / model.sample_rate, 1))
            mean = stems.mean(2)
            if post_filter:
                mean = wiener_postfilter(mean, blocks.reshape(count, -1, channels, length)[:, 0].float(), known)
            outputs = [mean] + ([stems.flatten(2, 3)] if self.write_samples else [])
            return torch.cat(outputs, dim=2)

        return run

    @property
    def shares_mixture(self) -> bool:
        """Whether the likelihood's stems add up to the mixture (:func:`diffsep.likelihoods.shares_mixture`)."""
        return stems_share_mixture(LIKELIHOODS.get(self.likelihood))

    def _presets(self, name: str) -> Any:
        """The preset's own value of sampling field ``name``; None without a preset."""
        return getattr(PRESETS[self.preset], name) if self.preset in PRESETS else None

    def _blend(self, model: Prior) -> Blend | None:
        """The blend weights for ``model``. A preset's own weights were chosen for the shipped
        prior's stems with a likelihood whose stems add up to the mixture, as the start filter's
        do: another prior's stems keep 1, and another observation model (``impute``, a plugin's)
        blends nothing. Weights a user gave apply as given and must name the prior's stems."""
        own = self._presets("blend")
        if self.blend is None or self.blend != own:
            return self.blend
        if not self.shares_mixture:
            return None
        return {stem: weight for stem, weight in own.items() if stem in model.stems} if isinstance(own, Mapping) else own

    def _post_filter(self) -> bool:
        """Whether the Wiener post-filter is on: it shares out the mixture, so a preset's is on only
        with a likelihood whose stems add up to it, and one a user asks for needs such a likelihood.
        With ``--band masks`` the whole band's masks do its work at the input's rate instead."""
        if not self.post_filter or self.shares_mixture:
            return bool(self.post_filter)
        if self._presets("post_filter"):
            return False
        raise DiffsepError(f"--post-filter shares the mixture out among the stems; the likelihood {self.likelihood!r}'s "
                           "stems do not add up to it: leave out --post-filter")

    def _write_config(self, path: Path, source: Path, rate: int, out_rate: int, model: Prior) -> None:
        config = {**asdict(self), "blend": self._blend(model), "post_filter": self._post_filter(),
                  "segment": self.segment_length(model) / model.sample_rate,
                  "network_precision": self.network_precision, "input": str(source),
                  "input_sample_rate": rate, "output_sample_rate": out_rate, "stems": model.stems,
                  "model_sample_rate": model.sample_rate}
        with atomic_path(path) as temporary:
            Path(temporary).write_text(json.dumps(config, indent=2, default=str))

    def _plot(self, model: Prior, path: Path, name: TrackName, out: Path, fmt: OutputFormat, seconds: float = 120.0) -> None:
        from diffsep.io.plot import spectrograms

        stems = [audio.read(fmt.path(out, name, s), seconds=seconds)[0][0] for s in model.stems]
        mixture, rate = audio.read(path, seconds=seconds)
        spectrograms(fmt.path(out, name, "overview", "png"), mixture[0], torch.stack(stems), model.stems, rate)
