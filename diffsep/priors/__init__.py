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


@PRIORS.register("weak-gaussian", aliases=("gaussian-weak",))
def weak_gaussian(checkpoint: str | None = None) -> GaussianPrior:
    """The Gaussian prior with independent stems (diagonal Sigma)."""
    return gaussian(checkpoint, weak=True)


__all__ = ["GaussianPrior", "gaussian", "weak_gaussian"]
