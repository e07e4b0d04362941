"""The engine: a mixture at any rate in, stems at its rate out. Every separation goes through it.

For a mixture of ``C`` channels at ``rate`` (and any stems already known, and a start):

1. the channels the prior hears: their mean (``stereo="mid"``) or each on its own;
2. played onto the pitch grid where the settings' ``tuning`` says (:meth:`Engine.offset`: the
   input is read as if recorded at ``rate * 2 ** (-cents / 1200)``, and the stems are carried back
   the same way), resampled to the prior's rate as a stream and cut into overlapping segments
   (:mod:`diffsep.separation.segments`), several to a network call;
3. per segment and channel, ``num_samples`` posterior samples (:func:`diffsep.api.separate`: the
   start, its noise level, the sampler, the blend), seeded by the segment's index alone, and their
   mean, Wiener post-filtered where the settings say. A mask network's start is separated first,
   in segments of ``CONTEXT_SECONDS`` (its LSTM reads each whole), and travels with the mixture;
   the Wiener filter's is computed per segment;
4. overlap-added, resampled back, and carried to the input's whole band and channels
   (:mod:`diffsep.separation.fullband`); known stems come back as given.

:meth:`Engine.stream` does this block by block, so memory depends on the segment, not on the
track; :meth:`Engine.apply` on one tensor. Reading and writing files is :mod:`diffsep.io.job`'s.
"""

from __future__ import annotations

import itertools
import math
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import torch
from torch import Tensor

from diffsep.api import separate
from diffsep.errors import DiffsepError, warn
from diffsep.initial import first_separator, named, reads_context
from diffsep.postfilter import wiener_postfilter
from diffsep.separation.fullband import WholeBand
from diffsep.separation.precision import autocast
from diffsep.separation.segments import Buffer, Segments, stream_separation, with_first_pass
from diffsep.separation.settings import Settings
from diffsep.separation.tuning import DEAD_ZONE, read_offset
from diffsep.tensors import fitted
from diffsep.types import Prior, Step, stem_index

MIN_SECONDS = 0.1
CONTEXT_SECONDS = 30.0
"""Segments of a mask network's start. Its LSTM separates better from a whole 12-s song than from
the prior's 2.97-s segments, overlap-added: +0.06 +- 0.04 dB on held-out SoundFont songs and +0.13
+- 0.03 on held-out composers (validation songs, paired; docs/experiments/2026-12-06-the-start-hears-the-whole-song.md)."""
CALL_SECONDS = 12.0
"""Audio per network call when ``batch_size`` is 0: short segments go several to a call, a 12-s one
alone (the shipped prior's 1.49-s segments: 0.55x real time eight to a call, 0.61x four, 1.0x one)."""


class Progress:
    """What the engine reports as it goes; the default reports nothing."""

    def call(self) -> None:
        """A network call's sampling begins."""

    def step(self) -> None:
        """One diffusion step is done."""

    def seconds(self, seconds: float) -> None:
        """``seconds`` more of the input are separated."""


def segment_seeds(seed: int, first: int, count: int, items: int) -> list[int]:
    """Seeds of ``items`` batch items for each of segments ``first .. first + count - 1``: they
    depend on the segment's index alone, so results do not depend on how segments are batched."""
    return [seed + 1_000_003 * (first + n) + j for n in range(count) for j in range(items)]


class Engine:
    """``prior`` separating with ``settings`` (see the module)."""

    def __init__(self, prior: Prior, settings: Settings) -> None:
        self.prior, self.settings = prior, settings

    @property
    def labels(self) -> list[str]:
        """Output rows: each stem (the mean when K > 1), then ``stem_sample{k}`` if asked."""
        stems, k = list(self.prior.stems), self.settings.num_samples
        return stems + ([f"{s}_sample{i + 1}" for i in range(k) for s in stems] if self.settings.write_samples else [])

    def output_rate(self, rate: int) -> int:
        return self.prior.sample_rate if self.settings.keep_model_sr else rate

    def segments_for(self, model_frames: int, seconds: float | None = None) -> Segments:
        """How a track of ``model_frames`` (at the prior's rate) is cut: segments of ``seconds``
        (the settings' without it) with the settings' overlap, or one as long as a shorter track."""
        length = round((self.settings.segment if seconds is None else seconds) * self.prior.sample_rate)
        return Segments(model_frames, 0) if model_frames <= length else Segments(length, int(self.settings.overlap * length))

    def segments_per_call(self, channels: int, segments: Segments) -> int:
        """Segments per network call: ``batch_size`` items, or about ``CALL_SECONDS`` of audio."""
        if self.settings.batch_size:
            return self.settings.batch_size // (channels * self.settings.num_samples) or 1
        return max(1, round(CALL_SECONDS * self.prior.sample_rate / segments.length))

    def offset(self, read: Callable[[int, int], Tensor], frames: int, rate: int) -> float:
        """Cents a song of ``frames`` at ``rate`` is separated lower by: the settings' ``tuning``, or
        with ``auto`` the offset read off its excerpts (:func:`~diffsep.separation.tuning.read_offset`;
        ``read(start, stop)``: the mixture's ``[C, stop - start]`` samples), 0 within ``DEAD_ZONE``."""
        if self.settings.tuning != "auto":
            return float(self.settings.tuning)
        cents = read_offset(read, frames, rate)
        return cents if abs(cents) >= DEAD_ZONE else 0.0

    def apply(self, mixture: Tensor, rate: int, known: Mapping[str, Tensor] | None = None,
              start: Tensor | None = None, progress: Progress = Progress()) -> Tensor:
        """Stems ``[C, labels, T']`` (``T'``: ``T`` at the output rate) of ``mixture`` ``[C, T]`` at
        ``rate``; ``known``: stem -> ``[C, T]``; ``start``: initial stems ``[S, C, T]``."""
        known = dict(known or {})
        rows = [mixture, *known.values()] + ([start.flatten(0, 1)] if start is not None else [])
        blocks = torch.cat([row.float() for row in rows])
        silent = not bool(mixture.abs().max() > 0)
        if silent:
            warn("the mixture is silent: its stems are silent")
        stems = self.stream([blocks], rate, mixture.shape[0], mixture.shape[-1], list(known), start is not None, silent,
                            progress, self.offset(lambda start, stop: mixture[..., start:stop], mixture.shape[-1], rate))
        return fitted(torch.cat(list(stems), -1), round(mixture.shape[-1] * self.output_rate(rate) / rate))

    def stream(self, blocks: Iterable[Tensor], rate: int, channels: int, frames: int, known: Sequence[str] = (),
               start: bool = False, silent: bool = False, progress: Progress = Progress(), cents: float = 0.0) -> Iterator[Tensor]:
        """Stem blocks ``[C, labels, m]`` at the output rate from input blocks ``[C (1 + H + I), n]``
        at ``rate``: the mixture's ``C`` channels, each known stem's (in ``known``'s order), then each
        initial stem's when ``start``. ``frames``: the input's length (it decides the segments);
        ``silent``: the mixture is silence (its stems are silence, not sampled); ``cents``: the
        song's offset from the pitch grid (:meth:`offset`), separated that much lower."""
        model = self.prior
        for name in known:
            stem_index(model.stems, name)
        if frames * model.sample_rate / rate < MIN_SECONDS * model.sample_rate:
            raise DiffsepError(f"the mixture is too short ({frames / rate:.3f} s); the model needs at least {MIN_SECONDS} s")
        settings, labels, out_rate = self.settings, self.labels, self.output_rate(rate)
        if settings.init is not None and not named(settings.init) and not start:
            raise DiffsepError(f"the settings start from the stems in {settings.init!r}: give them (start=) with the mixture")
        whole_band = settings.band != "model"
        heard = 1 if settings.stereo == "mid" and whole_band else channels  # channels the prior hears
        lower = 2 ** (-cents / 1200)  # read at rate * lower, a song `cents` sharp plays on the grid (and as much slower)
        model_frames = math.ceil(frames * model.sample_rate / (rate * lower))
        segments = self.segments_for(model_frames)
        given_back = bool(known) and out_rate == rate  # a known stem comes back as it was, not through the prior's rate
        inputs, *copies = itertools.tee(iter(blocks), 1 + whole_band + given_back)  # the input read once
        rows = channels * (1 + len(known) + (len(model.stems) if start else 0))
        first_pass = None
        if silent:  # the exact answer: silence
            separate_fn = lambda blocks, first: torch.zeros(len(blocks), heard, len(labels), blocks.shape[-1])  # noqa: E731
        else:
            context = settings.init is not None and not start and reads_context(settings.init)
            separate_fn = self._separate_fn(heard, segments, list(known), start or context, progress)
            if context:
                first_pass = self._first_pass(heard, self.segments_for(model_frames, CONTEXT_SECONDS))
        if heard != channels:  # the mean of each file's channels
            inputs = (block.reshape(-1, channels, block.shape[-1]).mean(1) for block in inputs)
        stems = stream_separation(inputs, (rate * lower, model.sample_rate, out_rate * lower), rows * heard // channels, heard, len(labels),
                                  segments, separate_fn, batch=self.segments_per_call(heard, segments), prepare=first_pass)
        if whole_band:
            stems = self._whole_band(stems, copies.pop(), rate, channels, list(known))
        if given_back:
            stems = self._given_back(stems, copies.pop(), channels, list(known))
        yield from stems

    def _first_pass(self, channels: int, segments: Segments):
        """The stream's blocks at the prior's rate with the named start's stems appended
        (:func:`~diffsep.separation.segments.with_first_pass`), separated in ``segments`` in full precision."""
        separator, device = first_separator(self.settings.init, self.prior), self.settings.device

        def run(blocks: Tensor, first: int) -> Tensor:
            count, length = blocks.shape[0], blocks.shape[-1]
            stems = separator(blocks.reshape(count * channels, length).to(device)).float().cpu()
            return stems.reshape(count, channels, -1, length)

        return lambda blocks: with_first_pass(blocks, channels, segments, run)

    def _separate_fn(self, channels: int, segments: Segments, known: list[str], start: bool, progress: Progress):
        settings, model = self.settings, self.prior
        k, count_known = settings.num_samples, len(known)
        indices = [stem_index(model.stems, name) for name in known]
        options = {"likelihood_options": settings.likelihood_options, "sampler_options": settings.sampler_options,
                   "init_sigma": settings.init_sigma, "blend": settings.blend, **settings.schedule()}

        def advance(step: Step) -> None:
            progress.step()

        def run(blocks: Tensor, first: int) -> Tensor:
            """``[N, C (1 + H + I), L]`` input segments ``first, first + 1, ...`` -> ``[N, C, labels, L]``."""
            progress.call()
            count, length = blocks.shape[0], blocks.shape[-1]
            rows = blocks.reshape(count, -1, channels, length).repeat_interleave(k, 2).to(settings.device)  # [N, 1 + H + I, C k, L]
            rows = rows.transpose(0, 1).flatten(1, 2)  # [1 + H + I, N C k, L]: segment-major items
            mixture, hints, starts = rows[0], dict(zip(known, rows[1 : 1 + count_known])), rows[1 + count_known :]
            init = starts.transpose(0, 1) if start else settings.init  # [N C k, S, L], a named start or None
            seeds = segment_seeds(settings.seed, first, count, channels * k)
            size = settings.batch_size or len(seeds)  # items per call; per-item seeds make results independent of it
            with autocast(settings.device, settings.precision):
                parts = [separate(mixture[i : i + size], model, settings.likelihood, settings.sampler,
                                  known={name: hint[i : i + size] for name, hint in hints.items()},
                                  init=init[i : i + size] if isinstance(init, Tensor) else init,
                                  seed=seeds[i : i + size], callback=advance, **options).float().cpu()
                         for i in range(0, len(seeds), size)]
            stems = torch.cat(parts).reshape(count, channels, k, len(model.stems), -1)
            progress.seconds(round(count * segments.hop / model.sample_rate, 1))
            mean = stems.mean(2)
            if settings.post_filter:
                mean = wiener_postfilter(mean, blocks.reshape(count, -1, channels, length)[:, 0].float(), indices)
            return torch.cat([mean] + ([stems.flatten(2, 3)] if settings.write_samples else []), dim=2)

        return run

    def _whole_band(self, estimates: Iterator[Tensor], blocks: Iterator[Tensor], rate: int, channels: int,
                    known: list[str]) -> Iterator[Tensor]:
        """The prior's estimates carried to the input's whole band and channels
        (:mod:`diffsep.separation.fullband`), the stems not known sharing what the known ones leave
        of the mixture. With samples written, each is carried on its own and the mean is theirs."""
        stems, labels = list(self.prior.stems), self.labels
        count, free = len(stems), [i for i, stem in enumerate(stems) if stem not in known]
        first = count if self.settings.write_samples else 0  # the samples' groups, or the mean's
        rows = [group + i for group in range(first, len(labels), count) for i in free]
        whole_band = WholeBand(rate, self.prior.sample_rate, len(free), self.settings.band)
        given = 1 + len(known)

        def left_of_known() -> Iterator[Tensor]:
            for block in blocks:
                files = block[: channels * given].reshape(given, channels, block.shape[-1])  # the mixture, then each known stem
                yield files[0] - files[1:].sum(0)

        for restored in whole_band.stream(left_of_known(), (block[:, rows] for block in estimates)):
            out = restored.new_zeros(channels, len(labels), restored.shape[-1])  # known stems: filled in after
            out[:, rows] = restored
            if self.settings.write_samples:
                out[:, :count] = out[:, count:].reshape(channels, -1, count, out.shape[-1]).mean(1)
            yield out

    def _given_back(self, estimates: Iterator[Tensor], blocks: Iterator[Tensor], channels: int,
                    known: list[str]) -> Iterator[Tensor]:
        """``estimates`` with each known stem's rows (its mean's and its samples') as given."""
        stems = [label.split("_sample")[0] for label in self.labels]
        source = Buffer(blocks)
        for block in estimates:
            given = source.cut(block.shape[-1])[: channels * (1 + len(known))].reshape(1 + len(known), channels, -1)
            for index, stem in enumerate(stems):
                if stem in known:
                    block[:, index] = given[1 + known.index(stem)]
            yield block
