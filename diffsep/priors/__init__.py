"""Built-in priors, registered by name (``--prior NAME``)."""

from __future__ import annotations

from importlib.resources import files

from diffsep.priors.gaussian import GaussianPrior
from diffsep.registry import PRIORS

DEFAULT_GAUSSIAN = "gaussian-minislakh.safetensors"
"""Sigma(f) fitted on mini-Slakh (reproduced by benchmarks/fit_default_prior.py)."""


@PRIORS.register("gaussian")
def gaussian(checkpoint: str | None = None, weak: bool = False) -> GaussianPrior:
    """Exact Gaussian prior from a checkpoint; without one, the one fitted on mini-Slakh."""
    path = checkpoint or str(files("diffsep.assets").joinpath(DEFAULT_GAUSSIAN))
    return GaussianPrior.load(path, weak=weak or None)


WIENER_START = "gaussian-kits.safetensors"
"""The Gaussian whose Wiener filter ``--init wiener`` refines (``fast`` starts from the mask
network since 2026-12-02 night): fitted at 11025 Hz on the 400 training songs of ``data synth
--seed 30 --tracks 500`` (TimGM6mb, each song's drum kit drawn among its eight;
docs/experiments/2026-12-02-blending-the-refinement-with-its-start.md); a prior above 11025 Hz
starts from the full-band :data:`DEFAULT_GAUSSIAN` instead (:func:`diffsep.initial.wiener`)."""


def wiener_start() -> GaussianPrior:
    """The Gaussian prior of :data:`WIENER_START`, at the rate it was fitted."""
    return GaussianPrior.load(str(files("diffsep.assets").joinpath(WIENER_START)))


@PRIORS.register("weak-gaussian", aliases=("gaussian-weak",))
def weak_gaussian(checkpoint: str | None = None) -> GaussianPrior:
    """The Gaussian prior with independent stems (diagonal Sigma)."""
    return gaussian(checkpoint, weak=True)


DEFAULT_MSDM = "msdm-small.safetensors"
"""The shipped joint prior: its lineage is in its metadata, its runs and commands in docs/runs.md."""


def _learned(kind: str, checkpoint: str | None, default: str | None, clamp: bool | None, device: str):
    from diffsep.errors import DiffsepError
    from diffsep.priors import learned_io

    if checkpoint is None:
        shipped = files("diffsep.assets").joinpath(default) if default else None
        if shipped is None or not shipped.is_file():
            raise DiffsepError(f"no default {kind} checkpoint ships with this version; pass --checkpoint PATH "
                               f"(train one with `diffsep train --prior {kind}`)")
        checkpoint = str(shipped)
    prior = learned_io.load(checkpoint, device, clamp=clamp)
    if prior.kind != kind:
        raise DiffsepError(f"{checkpoint!r} holds a {prior.kind!r} prior; use --prior {prior.kind}")
    return prior


@PRIORS.register("msdm")
def msdm(checkpoint: str | None = None, clamp: bool | None = None, device: str = "cpu"):
    """MSDM's joint score network (audio-diffusion-pytorch UNet1d) from a checkpoint; ``clamp``
    bounds D to [-1, 1] in the network's units (audio x data_scale), as the published code."""
    return _learned("msdm", checkpoint, DEFAULT_MSDM, clamp, device)


@PRIORS.register("weak")
def weak(checkpoint: str | None = None, clamp: bool | None = None, device: str = "cpu"):
    """Weak MSDM: one single-stem network per stem, from a checkpoint."""
    return _learned("weak", checkpoint, None, clamp, device)


DEFAULT_SPECTRAL = "spectral-small.safetensors"
"""The shipped spectral prior (:mod:`diffsep.priors.spectral`); its lineage is in its metadata."""


@PRIORS.register("spectral")
def spectral(checkpoint: str | None = None, device: str = "cpu"):
    """A joint prior whose denoiser masks the stems' STFTs (an LSTM over frames), from a checkpoint."""
    return _learned("spectral", checkpoint, DEFAULT_SPECTRAL, None, device)


__all__ = ["GaussianPrior", "gaussian", "msdm", "spectral", "weak", "weak_gaussian"]
