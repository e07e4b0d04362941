"""Stems with the input's whole band and its channels, that sum to it exactly.

The prior separates a band-limited (and possibly downmixed) copy of the input: at 11025 Hz it
hears nothing above 5.5 kHz. :class:`WholeBand` turns its estimates, resampled to the input's
rate, into the written stems with time-frequency masks ``M_i(t, f)`` that sum to one over the
stems, so that nothing is lost or counted twice:

- below the crossover, ``M_i`` is stem i's share of the estimates' power in that bin;
- above it, where the estimates are silent, ``M_i`` is stem i's share of the estimates' power in
  the top octave of the prior's band, frame by frame (``masks carried up``): a cymbal heard at
  4-5 kHz takes its frames' air with it;
- a raised-cosine crossover blends the two, and the two parts sum to one.

Two ways to apply them (chosen by measurement, docs/results.md):

- ``masks``: stem i of channel c is ``istft(M_i X_c)``. The masks may come from a separation of
  the mid signal and be applied to every channel (the stereo image restored by masking), or from
  each channel's own separation.
- ``residual``: the estimates keep their waveforms, and only what they miss of each channel,
  ``x_c - sum_i s_i,c`` (the upper band, resampling's rounding, and, when the mid signal was
  separated, the channel's difference from it), is shared out by the masks.

Either way ``sum_i stem_i,c = x_c`` up to float rounding. Works as a stream: blocks in, blocks
out, over windows with ``n_fft`` samples of context on each side, so memory does not grow with
the track.
"""

from __future__ import annotations

import math
from typing import Iterable, Iterator

import torch
from torch import Tensor

from diffsep import masking
from diffsep.errors import DiffsepError
from diffsep.separation.segments import Buffer
from diffsep.tensors import power_shares

METHODS = ("masks", "residual")
TOP_FRACTION = 0.45
"""The top of the prior's band used for carried-up masks, as a fraction of its sample rate
(0.45: 4961 Hz at 11025 Hz, below the resampler's roll-off)."""
CROSSOVER = 0.8
"""The crossover runs from CROSSOVER x top to the top, a raised cosine."""


class WholeBand:
    """Whole-band stems from the prior's estimates and the mixture, as a stream.

    Args:
        sample_rate: the mixture's and the output's rate.
        model_rate: the prior's rate (its band ends at half of it).
        stems: stems per group; the estimates hold ``groups x stems`` rows (the mean, then any
            posterior samples), each group restored on its own.
        method: ``masks`` or ``residual`` (see the module).
        n_fft: STFT size at ``sample_rate`` (hop ``n_fft // 4``, Hann window).
        window: output samples per processed window.
    """

    def __init__(self, sample_rate: int, model_rate: int, stems: int, method: str = "masks", n_fft: int = 2048,
                 window: int = 1 << 16) -> None:
        if method not in METHODS:
            raise DiffsepError(f"unknown full-band method {method!r}; choose one of {', '.join(METHODS)}")
        self.sample_rate, self.stems, self.method, self.n_fft = sample_rate, stems, method, n_fft
        self.hop, self.window_length, self.context = n_fft // 4, window, n_fft
        frequencies = torch.fft.rfftfreq(n_fft, 1 / sample_rate)
        top = TOP_FRACTION * model_rate
        self.top_bins = (frequencies >= top / 2) & (frequencies <= top)
        ramp = ((frequencies - CROSSOVER * top) / ((1 - CROSSOVER) * top)).clamp(0, 1)
        self.upper = (0.5 - 0.5 * torch.cos(math.pi * ramp))[:, None]  # [F, 1]: 0 below, 1 above the crossover
        if not self.top_bins.any():
            raise DiffsepError(f"the prior's band ({model_rate} Hz) is too narrow for an STFT of {n_fft} at {sample_rate} Hz")

    def masks(self, estimates: Tensor) -> Tensor:
        """``[..., G, S, T]`` estimates -> ``[..., G, S, F, N]`` masks that sum to one over S."""
        power = masking.power(estimates, self.n_fft)
        lower = power_shares(power, -3)
        upper = power_shares(power[..., self.top_bins, :].sum(-2, keepdim=True), -3)
        return (1 - self.upper) * lower + self.upper * upper

    def apply(self, mixture: Tensor, estimates: Tensor) -> Tensor:
        """One window: ``mixture`` ``[C, T]`` and ``estimates`` ``[C or 1, G S, T]`` -> ``[C, G S, T]``."""
        channels, length = mixture.shape
        grouped = estimates.reshape(estimates.shape[0], -1, self.stems, length)
        if self.method == "residual":  # a separation of the mid signal stands for every channel
            target = mixture[:, None, None] - grouped.sum(2, keepdim=True)  # [C, G, 1, T]: what the estimates miss
        else:
            target = mixture[:, None, None]
        shared = masking.shared_out(target[:, :, 0], self.masks(grouped), self.n_fft)  # masks [C or 1, G, S, F, N]
        out = grouped.expand(channels, *grouped.shape[1:]) + shared if self.method == "residual" else shared
        return out.reshape(channels, -1, length)

    def stream(self, mixture: Iterable[Tensor], estimates: Iterable[Tensor]) -> Iterator[Tensor]:
        """``[C, G S, m]`` blocks from the mixture's ``[C, n]`` blocks and the estimates'
        ``[C or 1, G S, k]`` blocks (the same samples cut differently; estimates that end a few
        samples early or late, as resampling leaves them, are padded or cut to the mixture)."""
        xs, ss = Buffer(iter(mixture)), Buffer(iter(estimates))
        need = self.window_length + self.context
        left: tuple[Tensor, Tensor] | None = None
        while True:
            xs.fill(need)
            ss.fill(len(xs))
            last = xs.ended or ss.ended
            if last:
                xs.fill(None)
                ss.fill(None)
                ss.fit(len(xs))
            if len(xs) == 0:
                return
            x, s = xs.take(), ss.take()
            if left is None:
                left = (x.new_zeros(x.shape[0], self.context), s.new_zeros(*s.shape[:-1], self.context))
            emit = len_of(x) if last else self.window_length
            for start in range(0, len_of(x) if last else emit, self.window_length):
                stop = min(start + self.window_length, emit if not last else len_of(x))
                right = min(len_of(x), stop + self.context)
                silence = stop + self.context - right  # after the end, silence, as before the start
                window_x = torch.cat([left[0], x[:, start:right], x.new_zeros(x.shape[0], silence)], -1)
                window_s = torch.cat([left[1], s[..., start:right], s.new_zeros(*s.shape[:-1], silence)], -1)
                yield self.apply(window_x, window_s)[..., self.context : self.context + stop - start]
                keep = stop - start
                left = (window_x[:, keep : keep + self.context], window_s[..., keep : keep + self.context])
            if last:
                return
            xs.put_back(x[:, emit:])
            ss.put_back(s[..., emit:])


def len_of(tensor: Tensor) -> int:
    return tensor.shape[-1]
