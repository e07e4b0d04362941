"""Named settings of a separation (``--preset``), and of generation and imputation.

A preset fills every sampling option a user did not give; explicit options win.

- ``fast``, the default (docs/results.md): the shipped mask network's stems, refined from noise
  level 0.1 on 20 levels spread by rho 2 down to 0.003 (the last step returns the denoiser's
  estimate there), four posterior samples averaged and blended with the network's stems by
  per-stem weights (:mod:`diffsep.blend`); no post-filter.
- ``paper``: MSDM's separation exactly: Dirac likelihood, Euler with 2 corrector repeats and
  S_churn 20, 150 levels from pure noise at sigma 1.
- ``network``: the mask network's stems alone, no sampling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from diffsep.blend import Blend
from diffsep.errors import DiffsepError
from diffsep.initial import DEFAULT_INIT_SIGMA


@dataclass(frozen=True)
class Preset:
    """Sampling options of one separation; ``init`` None starts from noise at ``sigma_max``."""

    description: str
    sampler: str = "euler"
    steps: int = 150
    corrector_steps: int = 2
    s_churn: float = 20.0
    sigma_min: float = 1e-4
    sigma_max: float = 1.0
    rho: float = 7.0
    init: str | None = None
    init_sigma: float = DEFAULT_INIT_SIGMA
    num_samples: int = 1
    blend: Blend | None = None
    """With ``init``: each stem's weight of the refinement against its start (:mod:`diffsep.blend`)."""
    post_filter: bool = False
    """Share the mixture out by the power masks of the samples' mean (:mod:`diffsep.postfilter`)."""

    def schedule(self) -> dict[str, float]:
        return {"steps": self.steps, "sigma_min": self.sigma_min, "sigma_max": self.sigma_max, "rho": self.rho}

    def sampler_options(self) -> dict[str, float]:
        """S_churn and R for samplers that take them (the deterministic ``dpmpp-2m`` does not)."""
        return {key: value for key, value in (("s_churn", self.s_churn), ("corrector_steps", self.corrector_steps))
                if key in _options_of(self.sampler)}

    def separate_options(self) -> dict[str, object]:
        """Keyword arguments of :func:`diffsep.separate` for one posterior sample."""
        options = {"sampler": self.sampler, "sampler_options": self.sampler_options(), **self.schedule()}
        return {**options, "init": self.init, "init_sigma": self.init_sigma, "blend": self.blend} if self.init else options


FAST_BLEND = {"bass": 0.25, "drums": 0.0, "guitar": 0.1, "piano": 0.1}
"""The refinement's weight per stem in ``fast``, chosen on validation songs of three timbres
(docs/experiments/2026-12-02-a-mask-network-as-the-start.md); stems of other priors keep 1."""

PRESETS = {
    "fast": Preset("refine the mask network's stems: 20 levels from sigma 0.1 to 0.003 (rho 2), mean of 4 samples (80 evaluations), "
                   "blended with the network's stems (refinement's weight: bass 0.25, drums 0, guitar 0.1, piano 0.1)",
                   steps=20, corrector_steps=1, init="masknet", init_sigma=0.1, num_samples=4, sigma_min=0.003, rho=2.0,
                   blend=FAST_BLEND, post_filter=False),
    "paper": Preset("MSDM's separation: 150 levels from noise at sigma 1, R = 2, S_churn 20 (300 evaluations)"),
    "network": Preset("the mask network's stems alone: no sampling (no evaluation of the prior)", steps=0, init="masknet"),
}
DEFAULT_PRESET = "fast"

GENERATION_PRESETS = {
    "generate": {
        "fast": Preset("the spectral prior's generation: Heun, no churn, 40 levels from sigma 1 to 0.001 (79 evaluations)",
                       sampler="heun", steps=40, corrector_steps=1, s_churn=0.0, sigma_min=1e-3, sigma_max=1.0),
        "paper": Preset("MSDM's generation: Heun, 150 levels from sigma 20 to 1e-4, no churn (299 evaluations)",
                        sampler="heun", steps=150, corrector_steps=1, s_churn=0.0, sigma_max=20.0),
    },
    "impute": {
        "fast": Preset("the spectral prior's imputation: Heun, no churn, 40 levels from sigma 1 to 0.001 (79 evaluations)",
                       sampler="heun", steps=40, corrector_steps=1, s_churn=0.0, sigma_min=1e-3, sigma_max=1.0),
        "paper": Preset("MSDM's imputation: Euler, R = 2, S_churn 20, 150 levels from sigma 20 to 1e-4 (300 evaluations)",
                        sigma_max=20.0),
    },
}
"""Sampling settings of ``diffsep generate`` and ``diffsep impute`` by name (``--preset``); ``fast``
is the default, chosen on validation songs for the shipped spectral prior (docs/results.md,
"Generation")."""
DEFAULT_GENERATION_PRESET = "fast"


def _options_of(sampler: str) -> set[str]:
    from diffsep.components import accepted_options
    from diffsep.registry import SAMPLERS

    return accepted_options(SAMPLERS, sampler)


SCHEDULE = ("steps", "sigma_min", "sigma_max", "rho")
"""The Karras schedule's settings."""
SAMPLER_KNOBS = ("s_churn", "corrector_steps")
"""The stochastic samplers' settings a preset holds."""


def resolve(name: str, task: str = "run", **given: object) -> Preset:
    """The preset ``name`` of ``task`` (``run``, ``generate`` or ``impute``) with every option in
    ``given`` that is not None put over it (``init="none"`` removes the preset's initial separation,
    ``blend="none"`` its blend)."""
    presets = {"run": PRESETS, **GENERATION_PRESETS}[task]
    if name not in presets:
        raise DiffsepError(f"unknown preset {name!r}; choose one of {', '.join(presets)}")
    chosen = {key: value for key, value in given.items() if value is not None}
    sampler = str(chosen.get("sampler", presets[name].sampler))
    refused = sorted(key for key in ("s_churn", "corrector_steps") if key in chosen and key not in _options_of(sampler))
    if refused:
        raise DiffsepError(f"the sampler {sampler!r} takes no {', '.join('--' + k.replace('_', '-') for k in refused)}")
    if str(chosen.get("init", "")).lower() == "none":
        chosen["init"] = None
        chosen.setdefault("blend", None)  # nothing to blend with: the preset's weights go with its start
    if str(chosen.get("blend", "")).lower() == "none":
        chosen["blend"] = None  # the refinement alone
    return dataclasses.replace(presets[name], **chosen)
