"""Built-in priors, registered by name (``--prior NAME``)."""

from __future__ import annotations

from diffsep.priors.gaussian import GaussianPrior
from diffsep.priors.spectra import demo_spectra
from diffsep.registry import PRIORS

DEMO_STEMS = ["bass", "drums", "guitar", "piano"]
DEMO_SAMPLE_RATE = 22050


@PRIORS.register("gaussian")
def gaussian(checkpoint: str | None = None, weak: bool = False) -> GaussianPrior:
    """Exact Gaussian prior from a checkpoint; without one, the hand-set four-stem band model."""
    if checkpoint is not None:
        return GaussianPrior.load(checkpoint, weak=weak or None)
    return GaussianPrior(demo_spectra(DEMO_STEMS, DEMO_SAMPLE_RATE), DEMO_STEMS, DEMO_SAMPLE_RATE, weak=weak)


@PRIORS.register("weak-gaussian", aliases=("gaussian-weak",))
def weak_gaussian(checkpoint: str | None = None) -> GaussianPrior:
    """The Gaussian prior with independent stems (diagonal Sigma)."""
    return gaussian(checkpoint, weak=True)


__all__ = ["GaussianPrior", "gaussian", "weak_gaussian"]
