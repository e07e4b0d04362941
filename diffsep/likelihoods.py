"""Likelihoods: what is observed, as a change to the prior's denoiser (DESIGN.md §3).

Each acts only on the stems it is given (``over``), so separation *with hints* is a composition
of imputation on the known stems and a mixture likelihood on the others, with no sampler code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor

from diffsep.tensors import expand_as
from diffsep.types import Likelihood, NoiseFn


def _with(x: Tensor, index: int | Sequence[int], values: Tensor) -> Tensor:
    """A copy of ``x`` whose stems ``index`` are ``values`` (the caller's tensor is untouched)."""
    out = x.clone()
    out[:, index] = values
    return out


class Unconditional:
    """No observation: total generation from the prior (``none``)."""

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        return x

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        return denoised

    def finalize(self, x: Tensor) -> Tensor:
        return x


@dataclass(frozen=True)
class Dirac(Unconditional):
    """MSDM's Dirac likelihood (§4.2.3, Algorithm 2): stems ``over`` sum exactly to ``mixture``.

    The constrained stem is ``x_k = y - sum of the other stems``; the free stems move along
    ``d_n(z) - d_k(z)`` and the constrained one has no update of its own.

    Args:
        mixture: ``[B, T]`` clean mixture y (not noised, as the public code).
        constrained: index k of the constrained stem (paper's best: bass).
        over: indices of the stems that make up the mixture (default: all).
    """

    mixture: Tensor
    constrained: int
    over: tuple[int, ...]

    @property
    def free(self) -> list[int]:
        return [n for n in self.over if n != self.constrained]

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        return self.finalize(x)

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        # D'_n = D_n + (z_k - D_k) gives d'_n = d_n - d_k; D'_k = z_k gives d'_k = 0.
        offset = x[:, self.constrained] - denoised[:, self.constrained]
        out = _with(denoised, self.free, denoised[:, self.free] + offset[:, None])
        return _with(out, self.constrained, x[:, self.constrained])

    def finalize(self, x: Tensor) -> Tensor:
        return _with(x, self.constrained, self.mixture - x[:, self.free].sum(dim=1))


@dataclass(frozen=True)
class GaussianMixture(Unconditional):
    """Gaussian likelihood of Jayaram & Thickstun (2020): ``y ~ N(sum of stems, gamma^2)``.

    The score added to every stem is ``(y - sum x) / (2 gamma^2)``, with the public MSDM code's
    factor 1/2, and ``gamma = g * sigma_hat``; so the paper's best ``gamma = 0.75 sigma`` is
    ``g = 0.75`` here. Small ``g`` makes Euler diverge (paper Table 4).

    Args:
        mixture: ``[B, T]`` mixture y.
        g: ratio gamma / sigma_hat (paper: 0.75, Jayaram & Thickstun: 1).
        over: indices of the stems that make up the mixture (default: all).
    """

    mixture: Tensor
    g: float
    over: tuple[int, ...]

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        # d' = d - sigma (y - sum x) / (2 gamma^2)  <=>  D' = D + sigma^2 (y - sum x) / (2 gamma^2)
        residual = self.mixture - x[:, list(self.over)].sum(dim=1)
        step = residual / (2 * self.g**2)
        return _with(denoised, list(self.over), denoised[:, list(self.over)] + step[:, None])


@dataclass(frozen=True)
class Impute(Unconditional):
    """Known stems by replacement (Song et al. 2021): noised anew at every evaluation.

    Args:
        known: ``[B, K, T]`` the known stems, in the order of ``indices``.
        indices: the stems they are.
    """

    known: Tensor
    indices: tuple[int, ...]

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        noisy = self.known + expand_as(sigma, self.known) * noise()[:, list(self.indices)]
        return _with(x, list(self.indices), noisy)

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        return _with(denoised, list(self.indices), self.known)

    def finalize(self, x: Tensor) -> Tensor:
        return _with(x, list(self.indices), self.known)


@dataclass(frozen=True)
class Compose(Unconditional):
    """Several likelihoods applied in turn (meant for ones over disjoint stems)."""

    parts: tuple[Likelihood, ...]

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        for part in self.parts:
            x = part.condition(x, sigma, noise)
        return x

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        for part in self.parts:
            denoised = part.correct(x, sigma, denoised)
        return denoised

    def finalize(self, x: Tensor) -> Tensor:
        for part in self.parts:
            x = part.finalize(x)
        return x


@dataclass(frozen=True)
class Posterior:
    """Prior + likelihood: the only model a sampler sees."""

    prior: object
    likelihood: Likelihood

    @torch.no_grad()
    def evaluate(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> tuple[Tensor, Tensor]:
        z = self.likelihood.condition(x, sigma, noise)
        return z, self.likelihood.correct(z, sigma, self.prior.denoise(z, sigma))  # type: ignore[attr-defined]

    def finalize(self, x: Tensor) -> Tensor:
        return self.likelihood.finalize(x)
