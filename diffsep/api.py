"""The building blocks: separate, generate and impute with any prior, likelihood and sampler.

Each call composes ``Posterior(prior, likelihood)`` and hands it to a sampler over a Karras
schedule, on tensors at the prior's rate, in one piece; components are objects or registered
names. :func:`separate` draws one posterior sample per batch item (MSDM's sampler by default):
the step the separation engine (:mod:`diffsep.separation.engine`, under ``diffsep.Separator`` and
``diffsep run``) takes on every segment before it averages the samples, blends and post-filters.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import Tensor

from diffsep.blend import Blend, blended
from diffsep.components import accepted_options, build_likelihood, build_prior, build_sampler
from diffsep.errors import DiffsepError, warn
from diffsep.initial import DEFAULT_INIT_SIGMA, Init, initial_stems
from diffsep.likelihoods import Observation, Posterior
from diffsep.registry import SAMPLERS
from diffsep.samplers.noise import NoiseSampler, Seeds
from diffsep.samplers.schedules import karras_sigmas
from diffsep.tensors import as_rows
from diffsep.types import Callback, Likelihood, Prior, Sampler

SEPARATION = {"s_churn": 20.0, "corrector_steps": 2}
"""Sampler options of the public MSDM separation (Dirac, bass constrained, T = 150)."""


def sample(
    prior: Prior,
    likelihood: Likelihood,
    sampler: Sampler,
    shape: tuple[int, int, int],
    sigmas: Tensor,
    *,
    seed: Seeds = None,
    initial_noise: Tensor | None = None,
    start: Tensor | None = None,
    callback: Callback | None = None,
    device: torch.device | str = "cpu",
) -> Tensor:
    """Run ``sampler`` on ``Posterior(prior, likelihood)`` from ``start + sigmas[0] * noise``: ``[B, S, T]``.

    ``start`` (stems ``shape``, default zeros) is the estimate that refinement begins from;
    ``initial_noise`` (standard normal, ``shape``) replaces the first draw; every other draw
    comes from one generator per batch item.
    """
    template = torch.empty(shape, device=device)
    noise = NoiseSampler.like(template, seed)
    first = noise() if initial_noise is None else initial_noise.to(template)
    estimate = torch.zeros_like(template) if start is None else start.to(template)
    for what, tensor in (("initial noise", first), ("start stems", estimate)):
        if tensor.shape != template.shape:
            raise DiffsepError(f"the {what} must have shape {list(shape)}, got {list(tensor.shape)}")
    with torch.inference_mode():
        return sampler(Posterior(prior, likelihood), estimate + float(sigmas[0]) * first, sigmas, noise, callback)


def separate(
    mixture: Tensor,
    prior: Prior | str,
    likelihood: Likelihood | str = "dirac",
    sampler: Sampler | str = "euler",
    *,
    known: Mapping[str, Tensor] | None = None,
    steps: int = 150,
    sigma_min: float = 1e-4,
    sigma_max: float = 1.0,
    rho: float = 7.0,
    likelihood_options: Mapping[str, Any] | None = None,
    sampler_options: Mapping[str, Any] | None = None,
    init: Init | None = None,
    init_sigma: float = DEFAULT_INIT_SIGMA,
    blend: Blend | None = None,
    normalize: bool | None = None,
    **kwargs: Any,
) -> Tensor:
    """Stems ``[B, S, T]`` whose sum is the ``mixture`` ``[B, T]`` (MSDM separation).

    Args:
        known: stem name -> ``[B, T]`` stems already known (separation with hints).
        steps, sigma_min, sigma_max, rho: the Karras schedule (MSDM: 150, 1e-4, 1, 7); ``steps``
            0 returns the start (``init``) as it is.
        init: refine an initial separation instead of starting from noise: stems ``[B, S, T]``,
            ``"wiener"`` or a callable ``mixture -> stems``. The schedule then runs from
            ``init_sigma`` (in place of ``sigma_max``) down, starting at ``init + init_sigma * noise``.
        blend: with ``init``, return ``w * refined + (1 - w) * init`` for each stem's weight ``w``:
            one number, or stem name -> weight (1 for the stems not named; known stems are never
            blended), the difference in their sum shared by power so that the stems still add up
            to the mixture. None: the refinement alone (:mod:`diffsep.blend`).
        normalize: bring each mixture to the level the prior was trained at (its ``level``, when
            it has one) and the stems back, as Demucs does; a silent mixture gives silent stems.
            Default: on for a likelihood given by name; off for a likelihood object, which holds
            its own copy of the mixture that cannot be rescaled (build it on ``mixture *
            level_gain(prior, mixture)[:, None]`` and scale the stems back, or pass it by name).
        likelihood_options: e.g. ``{"constrained": "bass"}`` or ``{"gamma": 0.75}``.
        sampler_options: a named sampler's options, over MSDM's ``SEPARATION`` defaults.
        **kwargs: ``seed``, ``initial_noise``, ``callback``, as :func:`sample`.
    """
    prior = build_prior(prior)
    mixture = as_rows(mixture, "mixture")
    hints = {name: as_rows(stem, f"known stem {name!r}").to(mixture.device) for name, stem in (known or {}).items()}
    for name, stem in hints.items():
        if stem.shape != mixture.shape:
            raise DiffsepError(f"known stem {name!r} has shape {list(stem.shape)}, the mixture {list(mixture.shape)}")
    normalize = _normalizes(prior, likelihood, normalize)
    gain = level_gain(prior, mixture) if normalize else torch.ones(mixture.shape[0], device=mixture.device)
    mixture, hints = mixture * gain[:, None], {name: stem * gain[:, None] for name, stem in hints.items()}
    if isinstance(init, Tensor):
        init = init * gain[:, None, None]
    observation = Observation(prior.stems, mixture, hints)
    built = build_likelihood(likelihood, observation, likelihood_options)
    chosen = _separation_sampler(sampler, sampler_options)
    shape = (mixture.shape[0], len(prior.stems), mixture.shape[-1])
    if init is not None:
        if steps > 0 and not init_sigma >= sigma_min:
            raise DiffsepError(f"refinement starts at init_sigma = {init_sigma}, below the last level sigma_min = {sigma_min}: "
                               "raise --init-sigma or lower --sigma-min")
        kwargs["start"], sigma_max = initial_stems(init, mixture, prior), init_sigma
    elif blend is not None:
        raise DiffsepError("--blend mixes a refinement with its start: give --init (wiener or a folder of stems), or leave out --blend")
    if steps == 0:  # the start as it is, no sampling (the `network` preset)
        if init is None:
            raise DiffsepError("steps = 0 keeps the start as it is: give a start (--init), or at least one step")
        stems = kwargs["start"]
    else:
        sigmas = karras_sigmas(steps, sigma_min, sigma_max, rho)
        stems = sample(prior, built, chosen, shape, sigmas, device=mixture.device, **kwargs)
    if blend is not None:
        stems = blended(stems, kwargs["start"], blend, prior.stems, list(hints))
    return torch.where(gain[:, None, None] > 0, stems / gain.clamp(min=1e-30)[:, None, None], 0.0)


def _normalizes(prior: Prior, likelihood: Likelihood | str, normalize: bool | None) -> bool:
    """Whether ``separate`` brings the mixture to the prior's level (see its ``normalize``)."""
    if isinstance(likelihood, str):
        return True if normalize is None else normalize
    if normalize:
        raise DiffsepError("normalize=True needs the likelihood by name: an object keeps its own copy of the mixture, "
                           "which separate() cannot rescale")
    if normalize is None and getattr(prior, "level", None) is not None:
        warn("a likelihood object keeps its own copy of the mixture, so the mixture is not brought to the prior's "
             "training level; pass the likelihood by name (likelihood_options=...) for that, or normalize=False to "
             "say this is meant")
    return False


def _separation_sampler(sampler: Sampler | str, options: Mapping[str, Any] | None) -> Sampler:
    """The sampler, a named one with MSDM's ``SEPARATION`` defaults for the options it takes."""
    if not isinstance(sampler, str):
        return sampler
    defaults = {key: value for key, value in SEPARATION.items() if key in accepted_options(SAMPLERS, sampler)}
    return build_sampler(sampler, {**defaults, **dict(options or {})})


def level_gain(prior: Prior, mixture: Tensor) -> Tensor:
    """``[B]`` factors that bring each mixture ``[B, T]`` to the prior's ``level`` (RMS), 1 for a
    prior without one, 0 for a silent mixture (whose stems are silent)."""
    rms = mixture.square().mean(-1).sqrt()
    level = getattr(prior, "level", None)
    gain = torch.full_like(rms, 1.0) if level is None else level / rms.clamp(min=1e-30)
    return torch.where(rms > 0, gain, 0.0)


def generate(
    prior: Prior | str,
    batch: int,
    length: int,
    sampler: Sampler | str = "euler",
    *,
    steps: int = 150,
    sigma_min: float = 1e-4,
    sigma_max: float = 20.0,
    rho: float = 7.0,
    sampler_options: Mapping[str, Any] | None = None,
    device: torch.device | str = "cpu",
    **kwargs: Any,
) -> Tensor:
    """Total generation: ``batch`` songs of ``length`` samples, ``[batch, S, length]``."""
    prior = build_prior(prior)
    observation = Observation(prior.stems)
    likelihood = build_likelihood("none", observation)
    shape = (batch, len(prior.stems), length)
    sigmas = karras_sigmas(steps, sigma_min, sigma_max, rho)
    return sample(prior, likelihood, build_sampler(sampler, sampler_options), shape, sigmas, device=device, **kwargs)


def impute(
    known: Mapping[str, Tensor],
    prior: Prior | str,
    sampler: Sampler | str = "euler",
    *,
    steps: int = 150,
    sigma_min: float = 1e-4,
    sigma_max: float = 20.0,
    rho: float = 7.0,
    sampler_options: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Tensor:
    """Partial generation: all stems ``[B, S, T]``, the ``known`` ones given back exactly."""
    prior = build_prior(prior)
    if not known:
        raise DiffsepError("impute needs at least one known stem")
    stems = {name: as_rows(stem, f"known stem {name!r}") for name, stem in known.items()}
    first = next(iter(stems.values()))
    if any(stem.shape != first.shape for stem in stems.values()):
        raise DiffsepError("all known stems must have the same shape")
    likelihood = build_likelihood("impute", Observation(prior.stems, known=stems))
    shape = (first.shape[0], len(prior.stems), first.shape[-1])
    sigmas = karras_sigmas(steps, sigma_min, sigma_max, rho)
    return sample(prior, likelihood, build_sampler(sampler, sampler_options), shape, sigmas, device=first.device, **kwargs)
