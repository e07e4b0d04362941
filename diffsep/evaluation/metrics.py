"""SI-SDR, SI-SDR improvement, and the MSDM evaluation protocol (docs/cli.md, `diffsep evaluate`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


def si_sdr(estimate: Tensor, reference: Tensor, eps: float = 1e-8) -> Tensor:
    """Scale-invariant SDR in dB over the last axis (Le Roux et al. 2019), as MSDM computes it.

    Args:
        estimate, reference: ``[..., T]``.
        eps: stabiliser (the public MSDM code: 1e-8; the paper writes 1e-5).
    """
    scale = ((estimate * reference).sum(-1, keepdim=True) + eps) / (reference.square().sum(-1, keepdim=True) + eps)
    target = scale * reference
    error = target - estimate
    return 10 * torch.log10((target.square().sum(-1) + eps) / (error.square().sum(-1) + eps))


def si_sdri(estimate: Tensor, reference: Tensor, mixture: Tensor, eps: float = 1e-8) -> Tensor:
    """SI-SDR improvement over using the mixture as the estimate; ``mixture`` ``[..., T]``
    broadcasts over stems (e.g. ``[B, 1, T]`` against ``[B, S, T]``)."""
    return si_sdr(estimate, reference, eps) - si_sdr(mixture.expand_as(reference), reference, eps)


@dataclass(frozen=True)
class Protocol:
    """MSDM's windowed protocol: 4 s windows, 2 s hop, windows with at most one non-silent
    source skipped (silent: ``||s||_2 / len < 1.5e-5``), flat mean over windows per stem."""

    window_seconds: float = 4.0
    hop_seconds: float = 2.0
    silence: float = 1.5e-5
    eps: float = 1e-8

    def _frames(self, signal: Tensor, sample_rate: int) -> Tensor:
        """``[W, S, size]`` windows of ``[S, T]`` (none if the track is shorter than one)."""
        size, hop = int(self.window_seconds * sample_rate), int(self.hop_seconds * sample_rate)
        if signal.shape[-1] < size:
            return signal.new_zeros(0, signal.shape[0], size)
        return signal.unfold(-1, size, hop).transpose(0, 1)

    def kept(self, reference: Tensor, sample_rate: int) -> Tensor:
        """``[W]`` True for windows with more than one non-silent source."""
        frames = self._frames(reference, sample_rate)
        return (frames.norm(dim=-1) / frames.shape[-1] >= self.silence).sum(-1) > 1

    def starts(self, reference: Tensor, sample_rate: int) -> list[float]:
        """Start times (s) of the kept windows, in the order of :meth:`windows`."""
        hop = int(self.hop_seconds * sample_rate)
        return [index * hop / sample_rate for index, keep in enumerate(self.kept(reference, sample_rate).tolist()) if keep]

    def windows(self, estimate: Tensor, reference: Tensor, sample_rate: int) -> Tensor:
        """SI-SDRi ``[W, S]`` of the kept windows of one track (``[S, T]`` estimate and reference);
        the mixture is the sum of the references."""
        keep = self.kept(reference, sample_rate)
        est, ref = self._frames(estimate, sample_rate)[keep], self._frames(reference, sample_rate)[keep]
        return si_sdri(est, ref, ref.sum(1, keepdim=True), self.eps)

    def playing(self, reference: Tensor, sample_rate: int, kept_by: Tensor | None = None) -> Tensor:
        """``[W, S]`` True where a stem sounds in a kept window, in the order of :meth:`windows`.

        A silent stem's SI-SDRi in a kept window measures how little the estimate leaks into
        silence (tens of dB where it leaks little), not a separation; MSDM's mean counts it, a
        mean over the playing pairs alone does not. ``kept_by``: the reference whose windows are
        kept (default ``reference``), for judging silence on another copy of the same song."""
        keep = self.kept(reference if kept_by is None else kept_by, sample_rate)
        frames = self._frames(reference, sample_rate)[keep]
        return frames.norm(dim=-1) / frames.shape[-1] >= self.silence

    def summary(self, per_track: list[Tensor]) -> Tensor:
        """Flat mean over all kept windows of all tracks: ``[S]`` SI-SDRi in dB."""
        return torch.cat(per_track).mean(0)

    def summary_playing(self, per_track: list[Tensor], playing: list[Tensor]) -> Tensor:
        """``[S]``: each stem's mean over the kept windows where it plays (:meth:`playing`)."""
        values, masks = torch.cat(per_track), torch.cat(playing)
        return (values * masks).sum(0) / masks.sum(0).clamp(min=1)
