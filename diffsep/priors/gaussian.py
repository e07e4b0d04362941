"""The exact Gaussian prior: stationary stems with cross-spectral matrices Sigma(f).

In the (orthonormal) DFT domain the noisy marginal is exact, so the denoiser is
``D(x; sigma)(f) = Sigma(f) (Sigma(f) + sigma^2 I)^-1 X(f)``, and posteriors under a mixture
or known stems have closed forms. It is the oracle for the samplers and likelihoods, and a
baseline prior that needs no GPU. ``weak=True`` keeps only the diagonal (independent stems).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.priors import checkpoints
from diffsep.priors.spectra import resample, welch
from diffsep.tensors import per_item
from diffsep.types import Sigma

KIND = "gaussian"


class GaussianPrior:
    """Stationary Gaussian stems; exact for signals circular in time (the DFT's model).

    Args:
        spectra: ``[F, S, S]`` complex Sigma(f) on the rfft grid of ``2 (F - 1)`` samples,
            interpolated to any signal length.
        stems: stem names, in order.
        sample_rate: Hz.
        weak: keep only the diagonal of Sigma(f) (MSDM's "weak" prior: independent stems).
    """

    def __init__(self, spectra: Tensor, stems: Sequence[str], sample_rate: int, weak: bool = False) -> None:
        if spectra.ndim != 3 or spectra.shape[1:] != (len(stems), len(stems)):
            raise DiffsepError(f"spectra must be [F, {len(stems)}, {len(stems)}], got {list(spectra.shape)}")
        spectra = spectra.to(torch.complex128)
        self.spectra = torch.diag_embed(torch.diagonal(spectra, dim1=-2, dim2=-1)) if weak else spectra
        self.stems = list(stems)
        self.sample_rate = int(sample_rate)
        self.weak = weak
        self._cache: dict[tuple[int, torch.device], Tensor] = {}
        self._eigen: dict[tuple[int, torch.device], tuple[Tensor, Tensor]] = {}

    def weakened(self) -> "GaussianPrior":
        """The same prior with independent stems (diagonal Sigma)."""
        return GaussianPrior(self.spectra, self.stems, self.sample_rate, weak=True)

    def at_rate(self, rate: int) -> "GaussianPrior":
        """The same stationary model for audio resampled to ``rate`` Hz.

        Sigma(f) is kept as a function of frequency in Hz (zero above the old Nyquist) and
        scaled by ``rate / sample_rate``: a band-limited signal keeps its variance per second,
        so its variance per sample, summed over fewer or more bins, changes by that ratio.
        """
        if rate == self.sample_rate:
            return self
        bins = self.spectra.shape[0]
        position = torch.arange(bins, dtype=torch.float64) * (rate / self.sample_rate)  # old bin of each new bin
        lower = position.floor().long().clamp(max=bins - 1)
        upper = (lower + 1).clamp(max=bins - 1)
        frac = (position - lower).reshape(-1, 1, 1)
        inside = (position <= bins - 1).reshape(-1, 1, 1)
        spectra = (self.spectra[lower] * (1 - frac) + self.spectra[upper] * frac) * inside * (rate / self.sample_rate)
        return GaussianPrior(spectra, self.stems, rate, weak=self.weak)

    def spectra_for(self, length: int, device: torch.device | str = "cpu") -> Tensor:
        """Sigma(f) on the rfft grid of ``length`` samples, complex128 on ``device``."""
        key = (length, torch.device(device))
        if key not in self._cache:
            self._cache[key] = resample(self.spectra, length).to(device)
        return self._cache[key]

    def eigen_for(self, length: int, device: torch.device | str = "cpu") -> tuple[Tensor, Tensor]:
        """``(values [F, S], vectors [F, S, S])`` of Sigma(f) on the grid of ``length`` samples."""
        key = (length, torch.device(device))
        if key not in self._eigen:
            values, vectors = torch.linalg.eigh(self.spectra_for(length, device))
            self._eigen[key] = (values.clamp(min=0), vectors)
        return self._eigen[key]

    @torch.no_grad()
    def denoise(self, x: Tensor, sigma: Sigma) -> Tensor:
        """Exact ``E[x0 | x]`` for ``x = x0 + sigma * noise``; ``x`` is ``[B, S, T]``.

        With ``Sigma = U diag(l) U^H``: ``D = U diag(l / (l + sigma^2)) U^H X`` per frequency.
        """
        if x.ndim != 3 or x.shape[1] != len(self.stems):
            raise DiffsepError(f"expected stems [B, {len(self.stems)}, T], got {list(x.shape)}")
        values, vectors = self.eigen_for(x.shape[-1], x.device)
        variance = per_item(sigma, x).to(torch.float64).square().reshape(-1, 1, 1)
        spectrum = torch.fft.rfft(x.to(torch.float64), norm="ortho").transpose(1, 2).unsqueeze(-1)  # [B, F, S, 1]
        rotated = vectors.mH @ spectrum
        shrunk = rotated * (values / (values + variance)).unsqueeze(-1)
        filtered = (vectors @ shrunk).squeeze(-1).transpose(1, 2)
        return torch.fft.irfft(filtered, n=x.shape[-1], norm="ortho").to(x.dtype)

    def _filter(self, gain: Tensor, x: Tensor) -> Tensor:
        """Apply a per-frequency matrix ``gain`` ``[..., F, S', S]`` to ``x`` ``[B, S, T]``."""
        spectrum = torch.fft.rfft(x.to(torch.float64), norm="ortho").transpose(1, 2).unsqueeze(-1)
        filtered = (gain @ spectrum.to(gain.dtype)).squeeze(-1).transpose(1, 2)
        return torch.fft.irfft(filtered, n=x.shape[-1], norm="ortho").to(x.dtype)

    @torch.no_grad()
    def sample(self, batch: int, length: int, generators: Sequence[torch.Generator]) -> Tensor:
        """Exact draws ``[batch, S, length]``, one generator per item."""
        white = torch.stack([torch.randn(len(self.stems), length, generator=g, dtype=torch.float64) for g in generators[:batch]])
        values, vectors = self.eigen_for(length)
        root = vectors * values.sqrt().unsqueeze(-2)
        return self._filter(root, white).to(torch.float32)

    @torch.no_grad()
    def posterior_mean(self, mixture: Tensor) -> Tensor:
        """Closed-form ``E[x | sum x = y]``: the multichannel Wiener filter; ``y`` ``[B, T]``."""
        spectra = self.spectra_for(mixture.shape[-1], mixture.device)
        column = spectra.sum(-1, keepdim=True)  # Sigma 1
        gain = column / column.sum(-2, keepdim=True).real.clamp(min=1e-30)  # Sigma 1 (1' Sigma 1)^-1
        return self._filter(gain, mixture.unsqueeze(1))

    @torch.no_grad()
    def conditional_mean(self, known: Tensor, indices: Sequence[int]) -> Tensor:
        """Closed-form ``E[x | x_I]`` (all stems ``[B, S, T]``) from ``known`` ``[B, K, T]``."""
        spectra = self.spectra_for(known.shape[-1], known.device)
        cross = spectra[:, :, list(indices)]  # Sigma_{:, I}
        block = spectra[:, list(indices)][:, :, list(indices)]  # Sigma_{I, I}
        gain = cross @ torch.linalg.pinv(block, hermitian=True)
        return self._filter(gain, known)

    @classmethod
    def fit(cls, tracks: Sequence[Tensor], stems: Sequence[str], sample_rate: int, n_fft: int = 1024, weak: bool = False) -> "GaussianPrior":
        """Fit Sigma(f) by Welch averaging over tracks of stems ``[S, T]``."""
        return cls(welch(tracks, n_fft), stems, sample_rate, weak=weak)

    def save(self, path: str | Path) -> Path:
        """A safetensors file with the spectra and JSON metadata (kind, stems, sample rate)."""
        tensors = {"spectra.real": self.spectra.real, "spectra.imag": self.spectra.imag}
        metadata = {"kind": KIND, "stems": self.stems, "sample_rate": self.sample_rate, "weak": self.weak}
        return checkpoints.save(path, tensors, metadata)

    @classmethod
    def load(cls, path: str | Path, weak: bool | None = None) -> "GaussianPrior":
        """Load a prior saved by :meth:`save`; ``weak`` overrides the stored flag."""
        tensors, metadata = checkpoints.load(path)
        if metadata.get("kind") != KIND:
            raise DiffsepError(f"{str(path)!r} holds a {metadata.get('kind')!r} prior, not a Gaussian one")
        spectra = torch.complex(tensors["spectra.real"].double(), tensors["spectra.imag"].double())
        weak = metadata.get("weak", False) if weak is None else weak
        return cls(spectra, metadata["stems"], metadata["sample_rate"], weak=weak)
