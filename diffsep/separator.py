"""``diffsep.Separator``: a file or a tensor in, stems at its rate out, with the CLI's options.

The shape Demucs users know (``demucs.api.Separator``)::

    separator = diffsep.Separator(prior="msdm", preset="fast")
    mixture, stems = separator.separate_audio_file("song.wav")  # stems: {name: [channels, samples]}
    rate = soundfile.info("song.wav").samplerate  # the stems are at the file's rate
    for name, stem in stems.items():
        diffsep.save_audio(stem, f"{name}.wav", rate)

``diffsep run`` is built on it: one path from a file to stems (:class:`diffsep.io.job.Job`),
so the same options give the same stems from Python and from the command line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import Tensor

from diffsep.blend import Blend
from diffsep.errors import DiffsepError
from diffsep.io import audio
from diffsep.io.job import OVERLAP, Job
from diffsep.io.outputs import OutputFormat
from diffsep.io.report import Report
from diffsep.presets import DEFAULT_PRESET, job_options

RAW = OutputFormat("{track}/{stem}.{ext}", "wav", "FLOAT", "none")
"""What the Python face reads back: 32-bit float, never rescaled or clamped."""


class Separator:
    """Separation with the options of ``diffsep run`` as keyword arguments.

    Args:
        prior, likelihood, preset: components and sampling settings by name, as on the CLI.
        checkpoint: the prior's weights (``--checkpoint``).
        constrained, gamma, likelihood_options: the likelihood's options.
        sampler, steps, corrector_steps, s_churn, sigma_min, sigma_max, rho, init, init_sigma,
            num_samples, blend, post_filter: sampling options over the preset's (None: the preset's).
        seed, segment, overlap, batch_size, device, precision, stereo, band: as ``diffsep run``.
        plugins: modules or ``.py`` files that register components (``--plugin``).
    """

    def __init__(self, prior: str = "msdm", likelihood: str = "dirac", preset: str = DEFAULT_PRESET, *,
                 checkpoint: str | Path | None = None, constrained: str | int | None = None, gamma: float | None = None,
                 likelihood_options: Mapping[str, Any] | None = None, sampler: str | None = None, steps: int | None = None,
                 corrector_steps: int | None = None, s_churn: float | None = None, sigma_min: float | None = None,
                 sigma_max: float | None = None, rho: float | None = None, init: str | None = None,
                 init_sigma: float | None = None, num_samples: int | None = None, blend: Blend | None = None,
                 post_filter: bool | None = None, seed: int = 0,
                 segment: float | None = None, overlap: float = OVERLAP, batch_size: int = 0, device: str = "cpu",
                 precision: str = "auto", stereo: str = "mid", band: str | None = None, plugins: tuple[str, ...] = ()) -> None:
        from diffsep.registry import load_plugin

        for plugin in plugins:
            load_plugin(plugin)
        options = {key: value for key, value in (("constrained", constrained), ("gamma", gamma)) if value is not None}
        self.job = Job(prior=prior, likelihood=likelihood, preset=preset,
                       prior_options={"checkpoint": str(checkpoint)} if checkpoint else {},
                       likelihood_options={**options, **dict(likelihood_options or {})},
                       **job_options(sampler=sampler, steps=steps, corrector_steps=corrector_steps, s_churn=s_churn,
                                     sigma_min=sigma_min, sigma_max=sigma_max, rho=rho, init=init, init_sigma=init_sigma,
                                     num_samples=num_samples, blend=blend, post_filter=post_filter),
                       seed=seed, segment=segment, overlap=overlap, batch_size=batch_size, device=device,
                       precision=precision, stereo=stereo, band=band)

    @property
    def stems(self) -> list[str]:
        """The prior's stem names, in the order of the stems returned."""
        return list(self.job.model.stems)

    def separate_audio_file(self, path: str | Path, known: Mapping[str, str | Path] | None = None) -> tuple[Tensor, dict[str, Tensor]]:
        """``(mixture [C, T], {stem: [C, T]})`` at the file's rate; ``known``: stem -> file of a
        stem already known (given back as it is)."""
        path = Path(path)
        job = self._with_known({name: Path(file) for name, file in (known or {}).items()})
        with tempfile.TemporaryDirectory(prefix="diffsep-") as folder:
            out = Path(folder)
            self.write(job, [path], out, RAW)
            stems = {label: audio.read(RAW.path(out, path.stem, label))[0] for label in job.labels(job.model)}
        return audio.read(path)[0], stems

    def separate_tensor(self, wav: Tensor, sample_rate: int, known: Mapping[str, Tensor] | None = None) -> tuple[Tensor, dict[str, Tensor]]:
        """``(mixture [C, T], {stem: [C, T]})`` at ``sample_rate`` from ``wav`` ``[C, T]`` or ``[T]``
        (float); ``known``: stem -> ``[C, T]`` stems already known."""
        wav = _channels_first(wav, "wav")
        with tempfile.TemporaryDirectory(prefix="diffsep-") as folder:
            inputs = Path(folder) / "in"
            files = {name: inputs / f"known-{name}.wav" for name in (known or {})}
            audio.write(inputs / "mixture.wav", wav, sample_rate, subtype="FLOAT")
            for name, stem in (known or {}).items():
                audio.write(files[name], _channels_first(stem, f"known stem {name!r}"), sample_rate, subtype="FLOAT")
            _, stems = self.separate_audio_file(inputs / "mixture.wav", files)
        return wav, stems

    def write(self, job: Job, inputs: list[Path], out: Path, fmt: OutputFormat, **options: Any) -> Report:
        """Separate ``inputs`` into files under ``out`` (what ``diffsep run`` does); raises on a failure."""
        report = job.run(inputs, out, fmt, quiet=options.pop("quiet", True), **options)
        report.raise_failures(len(inputs))
        return report

    def _with_known(self, known: dict[str, Path]) -> Job:
        return self.job.replaced(known=known) if known else self.job


def _channels_first(wav: Tensor, what: str) -> Tensor:
    if not isinstance(wav, Tensor):
        raise DiffsepError(f"the {what} must be a torch tensor [channels, samples]")
    wav = wav[None] if wav.ndim == 1 else wav
    if wav.ndim != 2:
        raise DiffsepError(f"the {what} must be [channels, samples] or [samples], got shape {list(wav.shape)}")
    if wav.shape[0] > wav.shape[1]:
        raise DiffsepError(f"the {what} has {wav.shape[0]} channels and {wav.shape[1]} samples: pass [channels, samples]")
    return wav.detach().float().cpu()


def save_audio(wav: Tensor, path: str | Path, samplerate: int, *, clip: str = "rescale", bits_per_sample: int = 16,
               as_float: bool = False) -> None:
    """Write ``wav`` ``[C, T]`` or ``[T]`` atomically, WAV or FLAC by the suffix, as ``diffsep run``
    writes a stem: ``clip`` is ``rescale`` (divide by max(1.01 peak, 1), as Demucs; float files are
    not rescaled), ``clamp`` or ``none``."""
    if clip not in ("rescale", "clamp", "none"):
        raise DiffsepError(f"clip is rescale, clamp or none, not {clip!r}")
    subtype = "FLOAT" if as_float else {16: "PCM_16", 24: "PCM_24"}.get(bits_per_sample)
    if subtype is None:
        raise DiffsepError(f"bits_per_sample is 16 or 24, not {bits_per_sample}")
    path = Path(path)
    fmt = OutputFormat(ext=path.suffix[1:].lower(), subtype=subtype, clip_mode=clip)
    wav = _channels_first(wav, "audio")
    written = fmt.clipped(wav.numpy() * fmt.gain(float(wav.abs().max())))
    audio.write(path, torch.from_numpy(written), samplerate, subtype=subtype)
