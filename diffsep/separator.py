"""``diffsep.Separator``: a prior and its settings, separating tensors and files.

The shape Demucs users know (``demucs.api.Separator``)::

    separator = diffsep.Separator(prior="msdm", preset="fast")
    mixture, stems, rate = separator.separate_audio_file("song.wav")  # stems: {name: [channels, samples]}
    for name, stem in stems.items():
        diffsep.save_audio(stem, f"{name}.wav", rate)

It holds the prior, built once, and the settings, resolved once (:mod:`diffsep.separation.settings`);
every separation goes through one engine (:mod:`diffsep.separation.engine`), so the same options
give the same stems from a tensor, a file and ``diffsep run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, NamedTuple

import torch
from torch import Tensor

from diffsep.blend import Blend
from diffsep.components import build_prior
from diffsep.errors import DiffsepError
from diffsep.io import audio
from diffsep.io.job import Job, checked_stems, initial_files
from diffsep.io.outputs import OutputFormat
from diffsep.io.report import Report
from diffsep.presets import DEFAULT_PRESET
from diffsep.separation.engine import Engine
from diffsep.separation.settings import OVERLAP, TUNING, Settings, resolve
from diffsep.tensors import as_rows, fitted


class Separated(NamedTuple):
    """The mixture ``[C, T]``, the stems (name -> ``[C, T]``) and their sample rate."""

    mixture: Tensor
    stems: dict[str, Tensor]
    sample_rate: int


class Separator:
    """Separation with the options of ``diffsep run`` as keyword arguments.

    Args:
        prior, likelihood, preset: components and sampling settings by name, as on the CLI
            (``task``: the table of presets, ``run`` or ``impute``).
        checkpoint: the prior's weights (``--checkpoint``).
        constrained, gamma, likelihood_options: the likelihood's options.
        sampler, steps, corrector_steps, s_churn, sigma_min, sigma_max, rho, init, init_sigma,
            num_samples, blend, post_filter: sampling options over the preset's (None: the preset's).
        seed, segment, overlap, batch_size, device, precision, stereo, band, keep_model_sr,
            write_samples, tuning: as ``diffsep run``.
        plugins: modules or ``.py`` files that register components (``--plugin``).
    """

    def __init__(self, prior: str = "msdm", likelihood: str = "dirac", preset: str = DEFAULT_PRESET, *, task: str = "run",
                 checkpoint: str | Path | None = None, constrained: str | int | None = None, gamma: float | None = None,
                 likelihood_options: Mapping[str, Any] | None = None, sampler: str | None = None,
                 sampler_options: Mapping[str, Any] | None = None, steps: int | None = None,
                 corrector_steps: int | None = None, s_churn: float | None = None, sigma_min: float | None = None,
                 sigma_max: float | None = None, rho: float | None = None, init: str | None = None,
                 init_sigma: float | None = None, num_samples: int | None = None, blend: Blend | None = None,
                 post_filter: bool | None = None, seed: int = 0, segment: float | None = None, overlap: float = OVERLAP,
                 batch_size: int = 0, device: str = "cpu", precision: str = "auto", stereo: str = "mid",
                 band: str | None = None, keep_model_sr: bool = False, write_samples: bool = False,
                 tuning: str | float = TUNING, plugins: tuple[str, ...] = ()) -> None:
        from diffsep.registry import load_plugin

        for plugin in plugins:
            load_plugin(plugin)
        self.about = {"prior": prior, "checkpoint": str(checkpoint) if checkpoint else None}
        self.prior = build_prior(prior, {"checkpoint": str(checkpoint)} if checkpoint else {})
        if isinstance(self.prior, torch.nn.Module):  # learned priors; the Gaussian one follows its inputs
            self.prior = self.prior.to(device)
        options = {key: value for key, value in (("constrained", constrained), ("gamma", gamma)) if value is not None}
        self.settings: Settings = resolve(
            self.prior, preset, likelihood, task=task, likelihood_options={**options, **dict(likelihood_options or {})},
            sampler=sampler, sampler_options=sampler_options, steps=steps, corrector_steps=corrector_steps,
            s_churn=s_churn, sigma_min=sigma_min, sigma_max=sigma_max, rho=rho, init=init, init_sigma=init_sigma,
            num_samples=num_samples, blend=blend, post_filter=post_filter, seed=seed, segment=segment, overlap=overlap,
            batch_size=batch_size, device=device, precision=precision, stereo=stereo, band=band,
            keep_model_sr=keep_model_sr, write_samples=write_samples, tuning=tuning)
        self.engine = Engine(self.prior, self.settings)

    @property
    def stems(self) -> list[str]:
        """The prior's stem names, in the order of the stems returned."""
        return list(self.prior.stems)

    @property
    def samplerate(self) -> int:
        """The prior's sample rate (stems come back at the input's unless ``keep_model_sr``)."""
        return self.prior.sample_rate

    @property
    def audio_channels(self) -> int:
        """Channels the prior hears: one; a stereo input is separated as its mid signal (or channel
        by channel) and its stems keep the input's channels."""
        return 1

    def separate_tensor(self, wav: Tensor, sample_rate: int, known: Mapping[str, Tensor] | None = None,
                        start: Tensor | None = None) -> Separated:
        """The stems of ``wav`` ``[C, T]`` or ``[T]`` (float) at ``sample_rate``; ``known``: stem ->
        ``[C, T]`` stems already known (given back as they are); ``start``: initial stems ``[S, C, T]``
        when the settings' ``init`` is a folder of stems. Nothing touches the disk."""
        wav = _channels_first(wav, "wav")
        known = {name: _channels_first(stem, f"known stem {name!r}") for name, stem in (known or {}).items()}
        for name, stem in known.items():
            if stem.shape != wav.shape:
                raise DiffsepError(f"known stem {name!r} has shape {list(stem.shape)}, the mixture {list(wav.shape)}")
        if start is not None and list(start.shape) != [len(self.stems), *wav.shape]:
            raise DiffsepError(f"start must be [stems, channels, samples] = {[len(self.stems), *wav.shape]}, got {list(start.shape)}")
        stems = self.engine.apply(wav, sample_rate, known, start)
        return Separated(wav, dict(zip(self.engine.labels, stems.unbind(1))), self.engine.output_rate(sample_rate))

    def separate_audio_file(self, path: str | Path, known: Mapping[str, str | Path] | None = None) -> Separated:
        """:meth:`separate_tensor` of the file at ``path``; ``known``: stem -> a file of it (and a
        folder ``init``'s stems are read as ``diffsep run`` reads them)."""
        path = Path(path)
        mixture, rate = audio.read(path)
        files = {name: Path(file) for name, file in (known or {}).items()}
        read = lambda files: [audio.read(file)[0] for file in checked_stems(files, mixture.shape[0], rate)]  # noqa: E731
        starts = read(initial_files(self.settings.init, path, self.stems))
        start = torch.stack([fitted(stem, mixture.shape[-1]) for stem in starts]) if starts else None
        given = {name: fitted(stem, mixture.shape[-1]) for name, stem in zip(files, read(list(files.values())))}
        return self.separate_tensor(mixture, rate, given, start)

    def write(self, inputs: list[Path], out: Path, fmt: OutputFormat, known: Mapping[str, Path] | None = None,
              **options: Any) -> Report:
        """Separate ``inputs`` into files under ``out`` (what ``diffsep run`` does): a report of what
        was written and of each file that failed (``options``: ``skip_existing``, ``plot``, ``quiet``)."""
        return Job(self.engine, dict(known or {}), self.about).run(inputs, out, fmt, **options)


def _channels_first(wav: Tensor, what: str) -> Tensor:
    wav = as_rows(wav.detach() if isinstance(wav, Tensor) else wav, what, "[channels, samples]")
    if wav.shape[0] > wav.shape[1]:
        raise DiffsepError(f"the {what} has {wav.shape[0]} channels and {wav.shape[1]} samples: pass [channels, samples]")
    return wav.cpu()


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
