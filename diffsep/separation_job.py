"""One separation run over files: read, separate, write stems, configuration and plot.

Audio stays at the file's sample rate outside; it is resampled to the prior's rate for the
sampler and back. Channels are separated as batch items (the paper's model is mono).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from diffsep import audio
from diffsep.atomic import atomic_path
from diffsep.components import build_prior
from diffsep.errors import DiffsepError
from diffsep.inference import separate
from diffsep.types import Prior, Step, stem_index


@dataclass
class Job:
    """The resolved configuration of a run, written as ``config.json`` next to the stems."""

    prior: str
    likelihood: str
    sampler: str
    prior_options: dict[str, Any] = field(default_factory=dict)
    likelihood_options: dict[str, Any] = field(default_factory=dict)
    sampler_options: dict[str, Any] = field(default_factory=dict)
    schedule: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    known: dict[str, Path] = field(default_factory=dict)

    def run(self, inputs: list[Path], out: Path, plot: bool = False, quiet: bool = False) -> list[Path]:
        """Separate every input; returns the track folders written."""
        model = build_prior(self.prior, self.prior_options)
        for name in self.known:
            stem_index(model.stems, name)
        folders = []
        for path in inputs:
            mixture, rate = audio.read(path)
            folders.append(self._one(model, path, mixture, rate, out, plot, quiet))
        return folders

    def _one(self, model: Prior, path: Path, mixture: Tensor, rate: int, out: Path, plot: bool, quiet: bool) -> Path:
        if not mixture.abs().max() > 0:
            raise DiffsepError(f"{str(path)!r} is silent (all samples are zero): nothing to separate")
        inner = audio.resample(mixture, rate, model.sample_rate)
        hints = {name: self._known(file, inner, model.sample_rate) for name, file in self.known.items()}
        stems = self._separate(model, inner, hints, path.stem, quiet)  # [C, S, T]
        folder = out / path.stem
        for index, name in enumerate(model.stems):
            back = audio.resample(stems[:, index], model.sample_rate, rate)[:, : mixture.shape[-1]]
            audio.write(folder / f"{name}.wav", back, rate, subtype="FLOAT")
        self._write_config(folder / "config.json", path, rate, model)
        if plot:
            from diffsep.plot import spectrograms

            spectrograms(folder / "overview.png", inner[0], stems[0], model.stems, model.sample_rate)
        return folder

    def _known(self, file: Path, mixture: Tensor, rate: int) -> Tensor:
        # The known stem at the model's rate, cut or padded to the mixture's length.
        stem, _ = audio.read(file, rate)
        if stem.shape[0] != mixture.shape[0]:
            raise DiffsepError(f"known stem {str(file)!r} has {stem.shape[0]} channels, the mixture {mixture.shape[0]}")
        return torch.nn.functional.pad(stem, (0, max(0, mixture.shape[-1] - stem.shape[-1])))[:, : mixture.shape[-1]]

    def _separate(self, model: Prior, mixture: Tensor, hints: dict[str, Tensor], track: str, quiet: bool) -> Tensor:
        from rich.progress import Progress

        total = self.schedule.get("steps", 150) * self.sampler_options.get("corrector_steps", 1)
        with Progress(disable=quiet, transient=True) as progress:
            task = progress.add_task(f"separating {track}", total=total)

            def advance(step: Step) -> None:
                progress.advance(task)

            return separate(
                mixture,
                model,
                self.likelihood,
                self.sampler,
                known=hints,
                likelihood_options=self.likelihood_options,
                sampler_options=self.sampler_options,
                seed=self.seed,
                callback=advance,
                **self.schedule,
            )

    def _write_config(self, path: Path, source: Path, rate: int, model: Prior) -> None:
        config = {**asdict(self), "input": str(source), "input_sample_rate": rate, "stems": model.stems, "model_sample_rate": model.sample_rate}
        config["known"] = {name: str(file) for name, file in self.known.items()}
        with atomic_path(path) as temporary:
            Path(temporary).write_text(json.dumps(config, indent=2, default=str))
