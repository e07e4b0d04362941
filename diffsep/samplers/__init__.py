"""Samplers: how the reverse diffusion is integrated (``--sampler NAME``), over a noise-level
schedule, with one random generator per batch item.

Importing this package registers the built-in names: ``euler`` (MSDM Algorithm 1) and ``heun``
(Karras et al. Algorithm 2).
"""

from diffsep.samplers.stochastic import Euler, Heun

__all__ = ["Euler", "Heun"]
