"""Likelihoods: what is observed, as a change to the prior's denoiser (docs/concepts.md, "How a likelihood changes the prior").

Importing this package registers the built-in names: ``none``, ``dirac``, ``gaussian``, ``impute``, ``project``.
"""

from diffsep.likelihoods.base import Unconditional, mark_sums_to_mixture, sums_to_mixture, with_stems
from diffsep.likelihoods.compose import Compose
from diffsep.likelihoods.dirac import Dirac
from diffsep.likelihoods.gaussian import GaussianMixture
from diffsep.likelihoods.hints import with_hints
from diffsep.likelihoods.impute import Impute
from diffsep.likelihoods.observation import Observation
from diffsep.likelihoods.posterior import Posterior
from diffsep.likelihoods.project import Projection

__all__ = ["Compose", "Dirac", "GaussianMixture", "Impute", "Observation", "Posterior", "Projection", "Unconditional", "mark_sums_to_mixture", "sums_to_mixture", "with_hints", "with_stems"]
