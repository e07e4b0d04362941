"""Long files in bounded memory: stream blocks in, separate overlapping segments, stream out.

The input is read block by block and resampled to the model's rate as a stream; segments of
``segment`` samples with ``overlap`` between neighbours are separated ``batch`` at a time (with
all their channels and posterior samples in one batch) and overlap-added with a trapezoidal window; finished
samples are resampled back and written as soon as no later segment can touch them. Memory
depends on the segment length, never on the track length. Because every segment's stems sum to
its mixture and all stems share the window, the overlap-added stems still sum to the mixture.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.tensors import fitted

SeparateFn = Callable[[Tensor, int], Tensor]
"""``(input segments [N, C_in, L], index of the first) -> outputs [N, C, S, L]``."""


@dataclass(frozen=True)
class Segments:
    """Segment length and overlap, in samples at the model's rate."""

    length: int
    overlap: int

    def __post_init__(self) -> None:
        if self.length <= 0 or not 0 <= self.overlap < self.length:
            raise DiffsepError(f"need 0 <= overlap < segment, got segment {self.length} and overlap {self.overlap} samples")

    @property
    def hop(self) -> int:
        return self.length - self.overlap

    def count(self, frames: int) -> int:
        """How many segments :class:`OverlapAdd` separates for ``frames`` input samples."""
        if frames <= 0:
            return 0
        return 1 + max(0, -(-(frames - self.length) // self.hop))

    def window(self) -> Tensor:
        """Trapezoid: linear ramps over the overlap, flat in between (strictly positive)."""
        window = torch.ones(self.length)
        if self.overlap:
            ramp = torch.arange(1, self.overlap + 1, dtype=torch.float32) / (self.overlap + 1)
            window[: self.overlap] = ramp
            window[-self.overlap :] = ramp.flip(0)
        return window


class OverlapAdd:
    """Accumulates separated segments and releases finished samples in order."""

    def __init__(self, segments: Segments, separate: SeparateFn, batch: int = 1) -> None:
        self.segments, self.separate, self.batch = segments, separate, max(1, batch)
        self.queue: list[tuple[Tensor, int]] = []  # (input segment, valid samples) not yet separated
        self.window = segments.window()
        self.pending = torch.zeros(0)  # input not yet covered by a finished segment: [C, n]
        self.output: Tensor | None = None  # [C, S, overlap] weighted sums still open
        self.weights = torch.zeros(0)
        self.index = 0

    def push(self, block: Tensor) -> Iterator[Tensor]:
        """Feed ``[C, n]`` input; yields finished ``[C, S, m]`` stems."""
        self.pending = block if self.pending.numel() == 0 else torch.cat([self.pending, block], dim=-1)
        while self.pending.shape[-1] >= self.segments.length:
            self.queue.append((self.pending[:, : self.segments.length], self.segments.length))
            self.pending = self.pending[:, self.segments.hop :]
            if len(self.queue) == self.batch:
                yield from self._separate_queue()

    def finish(self) -> Iterator[Tensor]:
        """Separate what is left (the last segment zero-padded) and release everything."""
        if self.pending.shape[-1] > (self.segments.overlap if self.index + len(self.queue) else 0):
            valid = self.pending.shape[-1]
            self.queue.append((torch.nn.functional.pad(self.pending, (0, self.segments.length - valid)), valid))
        yield from self._separate_queue()
        if self.output is not None and self.output.shape[-1]:
            yield self.output / self.weights

    def _separate_queue(self) -> Iterator[Tensor]:
        if not self.queue:
            return
        separated = self.separate(torch.stack([mixture for mixture, _ in self.queue]), self.index)
        for stems, (_, valid) in zip(separated, self.queue):
            yield self._add(stems, valid)
        self.index += len(self.queue)
        self.queue = []

    def _add(self, stems: Tensor, valid: int) -> Tensor:
        weighted = stems * self.window
        weights = self.window.clone()
        if self.output is not None:
            open_length = self.output.shape[-1]
            weighted[..., :open_length] += self.output
            weights[:open_length] += self.weights
        done = min(self.segments.hop, valid)
        finished = weighted[..., :done] / weights[:done]
        keep = slice(self.segments.hop, valid) if valid > self.segments.hop else slice(0, 0)
        self.output, self.weights = weighted[..., keep], weights[keep]
        return finished


class Resampler:
    """A soxr stream ``[C, n] -> [C, m]`` (identity when the rates are equal)."""

    def __init__(self, rate: float, target: float, channels: int) -> None:
        import soxr

        self.stream = None if rate == target else soxr.ResampleStream(rate, target, channels, dtype="float32", quality="HQ")
        self.channels = channels

    def __call__(self, block: Tensor, last: bool = False) -> Tensor:
        if self.stream is None:
            return block
        data = np.ascontiguousarray(block.T.numpy(), dtype=np.float32)
        return torch.from_numpy(np.ascontiguousarray(self.stream.resample_chunk(data, last=last).T))


def stream_separation(blocks: Iterable[Tensor], rates: tuple[float, float, float], inputs: int, channels: int, stems: int,
                      segments: Segments, separate: SeparateFn, batch: int = 1,
                      prepare: Callable[[Iterator[Tensor]], Iterator[Tensor]] | None = None) -> Iterator[Tensor]:
    """Separated ``[C, S, m]`` blocks from ``[inputs, n]`` blocks (``inputs`` rows: the
    mixture's channels, then any known stems'); ``rates`` are (input, model, output) in Hz;
    ``batch`` segments go to ``separate`` at once; ``prepare`` turns the blocks at the model's
    rate into what ``separate``'s segments are cut from (:func:`with_first_pass`)."""
    rate, model_rate, out_rate = rates
    into = Resampler(rate, model_rate, inputs)
    back = Resampler(model_rate, out_rate, channels * stems)
    overlap_add = OverlapAdd(segments, separate, batch)

    def at_model_rate() -> Iterator[Tensor]:
        for block in blocks:
            yield into(block)
        yield into(torch.zeros(inputs, 0), last=True)

    def out(finished: Tensor, last: bool = False) -> Tensor:
        return back(finished.reshape(channels * stems, -1), last).reshape(channels, stems, -1)

    for block in at_model_rate() if prepare is None else prepare(at_model_rate()):
        for finished in overlap_add.push(block):
            yield out(finished)
    for finished in overlap_add.finish():
        yield out(finished)
    yield out(torch.zeros(channels, stems, 0), last=True)


def with_first_pass(blocks: Iterator[Tensor], channels: int, segments: Segments, separate: SeparateFn) -> Iterator[Tensor]:
    """``[R, n]`` blocks, each with the stems of a first separator appended as ``S * C`` rows
    (stem-major): the first ``channels`` rows (the mixture's) separated by ``separate`` in
    ``segments`` of their own, one at a time, and overlap-added. Memory holds one such segment."""
    source, copy = itertools.tee(blocks)
    first_pass = OverlapAdd(segments, separate)

    def stems() -> Iterator[Tensor]:
        for block in source:
            yield from first_pass.push(block[:channels])
        yield from first_pass.finish()

    held = Buffer(copy)
    for found in stems():
        yield torch.cat([held.cut(found.shape[-1]), found.transpose(0, 1).flatten(0, 1)])


class Buffer:
    """Blocks pulled from a stream and joined on demand."""

    def __init__(self, source: Iterator[Tensor]) -> None:
        self.source, self.blocks, self.length, self.ended = source, [], 0, False
        self.rows: tuple[int, ...] | None = None  # the blocks' leading shape, once one is seen

    def __len__(self) -> int:
        return self.length

    def fill(self, until: int | None) -> None:
        """Pull blocks until ``until`` samples are held (None: to the end)."""
        while not self.ended and (until is None or self.length < until):
            block = next(self.source, None)
            if block is None:
                self.ended = True
            else:
                self.blocks.append(block)
                self.length += block.shape[-1]

    def take(self) -> Tensor:
        joined = torch.cat(self.blocks, -1)
        self.blocks, self.length = [], 0
        return joined

    def put_back(self, rest: Tensor) -> None:
        self.blocks, self.length = [rest], rest.shape[-1]

    def fit(self, length: int) -> None:
        """Pad with silence or cut to ``length`` samples."""
        joined = self.take() if self.blocks else None
        if joined is None:
            raise DiffsepError("no estimates to restore")
        self.put_back(fitted(joined, length))

    def cut(self, length: int) -> Tensor:
        """The next ``length`` samples, silence where the stream has ended."""
        self.fill(length)
        if self.blocks:
            joined = self.take()
            self.rows = joined.shape[:-1]
            self.put_back(joined[..., length:])
            return fitted(joined, length)
        if self.rows is None:
            raise DiffsepError("the stream ended before its first block")
        return torch.zeros(*self.rows, length)
