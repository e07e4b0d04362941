"""diffsep: Multi-Source Diffusion Models for music separation and generation.

Compose a prior, a likelihood and a sampler, by object or by registered name::

    stems = diffsep.separate(mixture, "gaussian", "dirac", likelihood_options={"constrained": "bass"})
"""

from diffsep.api import generate, impute, sample, separate
from diffsep.errors import DiffsepError
from diffsep.likelihoods import Observation
from diffsep.registry import LIKELIHOODS, PRIORS, SAMPLERS, load_plugin
from diffsep.separator import Separator, save_audio

__version__ = "0.1.0"

__all__ = [
    "DiffsepError",
    "LIKELIHOODS",
    "Observation",
    "PRIORS",
    "SAMPLERS",
    "Separator",
    "generate",
    "impute",
    "load_plugin",
    "sample",
    "save_audio",
    "separate",
]
