"""Build components from names or pass objects through, with clear errors for bad options."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Mapping

from diffsep.errors import DiffsepError
from diffsep.likelihoods import Observation
from diffsep.registry import LIKELIHOODS, PRIORS, SAMPLERS, Registry
from diffsep.types import Likelihood, Prior, Sampler


def _call(registry: Registry[Callable[..., Any]], name: str, *args: Any, **options: Any) -> Any:
    factory = registry.get(name)
    try:
        inspect.signature(factory).bind(*args, **options)
    except TypeError as error:
        raise DiffsepError(f"the {registry.kind} {name!r} does not take these options {sorted(options)}: {error}") from error
    except ValueError:  # no signature to inspect (a builtin): let the call itself decide
        pass
    return factory(*args, **options)


def accepted_options(registry: Registry[Callable[..., Any]], name: str) -> set[str]:
    """The keyword options the named component's factory takes."""
    try:
        return set(inspect.signature(registry.get(name)).parameters)
    except ValueError:
        return set()


def build_prior(prior: Prior | str, options: Mapping[str, Any] | None = None) -> Prior:
    """A prior object, or the named one built with ``options`` (e.g. ``checkpoint``)."""
    if not isinstance(prior, str):
        return prior
    return _call(PRIORS, prior, **dict(options or {}))


def build_likelihood(likelihood: Likelihood | str, observation: Observation, options: Mapping[str, Any] | None = None) -> Likelihood:
    """A likelihood object, or the named one built from ``observation`` with ``options``."""
    if not isinstance(likelihood, str):
        return likelihood
    return _call(LIKELIHOODS, likelihood, observation, **dict(options or {}))


def build_sampler(sampler: Sampler | str, options: Mapping[str, Any] | None = None) -> Sampler:
    """A sampler object, or the named one built with ``options`` (e.g. ``s_churn``)."""
    if not isinstance(sampler, str):
        return sampler
    return _call(SAMPLERS, sampler, **dict(options or {}))
