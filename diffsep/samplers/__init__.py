"""Samplers: how the reverse diffusion is integrated (``--sampler NAME``), over a noise-level
schedule, with one random generator per batch item.

Importing this package registers the built-in names: ``euler`` (MSDM Algorithm 1), ``heun``
(Karras et al. Algorithm 2) and ``dpmpp-2m`` (DPM-Solver++(2M), deterministic multistep).
"""

from diffsep.samplers.multistep import DPMSolver2M
from diffsep.samplers.stochastic import Euler, Heun

__all__ = ["DPMSolver2M", "Euler", "Heun"]
