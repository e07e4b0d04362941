"""Where separated audio goes: file names from a template, formats, clipping, atomic writes.

Stems are streamed into float32 scratch files in a scratch folder (not the output folder);
``finish`` converts each to the requested format (rescaling or clamping as asked) into a temporary
file beside the destination and renames it into place, so an interrupted run never leaves a
partial stem in the output folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.io.atomic import atomic_path, reported
from diffsep.io.audio import _no_peak_chunk

ClipMode = Literal["rescale", "clamp", "none"]


@dataclass(frozen=True)
class OutputFormat:
    """Args:
        template: Demucs-style path under the output folder, with {track} (the input's name
            without its suffix), {path} (the input's path under the inputs' common folder,
            without its suffix), {stem} and {ext}.
        ext: ``wav`` or ``flac``.
        subtype: ``PCM_16`` (default), ``PCM_24`` or ``FLOAT`` (wav only).
        clip_mode: ``rescale`` (divide by max(1.01 peak, 1), as Demucs), ``clamp`` or ``none``.
    """

    template: str = "{track}/{stem}.{ext}"
    ext: str = "wav"
    subtype: str = "PCM_16"
    clip_mode: ClipMode = "rescale"

    def __post_init__(self) -> None:
        if self.ext == "flac" and self.subtype == "FLOAT":
            raise DiffsepError("FLAC stores integers: use --int24 or 16-bit with --flac")
        try:
            self.template.format(track="t", path="p", stem="s", ext="e")
        except (KeyError, IndexError, ValueError) as error:
            raise DiffsepError(f"--filename {self.template!r} may only use {{track}}, {{path}}, {{stem}} and {{ext}}") from error

    def gain(self, peak: float) -> float:
        """The factor a stem of this ``peak`` is written with (``rescale``; float files keep theirs)."""
        return 1 / max(1.01 * peak, 1.0) if self.clip_mode == "rescale" and self.subtype != "FLOAT" else 1.0

    def clipped(self, data: np.ndarray) -> np.ndarray:
        """``data`` as written: clamped to [-1, 1] for ``clamp``, else as it is."""
        return np.clip(data, -1, 1) if self.clip_mode == "clamp" else data

    def path(self, out: Path, track: "str | TrackName", stem: str, ext: str | None = None) -> Path:
        name = track if isinstance(track, TrackName) else TrackName(track, track)
        return out / self.template.format(track=name.track, path=name.path, stem=stem, ext=ext or self.ext)

    def check_apart(self, out: Path, names: "dict[Path, TrackName]", stem: str) -> None:
        """Refuse, before any work, inputs whose stems would be written to the same file."""
        seen: dict[Path, Path] = {}
        for source, name in names.items():
            target = self.path(out, name, stem)
            if target in seen:
                raise DiffsepError(f"{str(seen[target])!r} and {str(source)!r} would both be written to {str(target.parent)!r}; "
                                   "keep their folders apart with --filename '{path}/{stem}.{ext}'")
            seen[target] = source


@dataclass(frozen=True)
class TrackName:
    """What an input is called in output paths: ``track``, its file name without the suffix;
    ``path``, its path under the folder that holds every input, without the suffix."""

    track: str
    path: str


def track_names(inputs: list[Path]) -> dict[Path, TrackName]:
    """The name of each input (``{track}`` and ``{path}`` of the output template)."""
    if not inputs:
        return {}
    absolute = [Path(os.path.abspath(p)) for p in inputs]
    root = Path(os.path.commonpath([p.parent for p in absolute]))
    return {p: TrackName(p.stem, str(a.with_suffix("").relative_to(root))) for p, a in zip(inputs, absolute)}


class StemWriter:
    """Streams one stem into a hidden float file, then writes the final file atomically."""

    def __init__(self, destination: Path, rate: int, channels: int, frames: int, scratch: Path) -> None:
        import soundfile

        self.destination, self.rate, self.frames = destination, rate, frames
        self.scratch = scratch / f"{abs(hash(str(destination)))}.wav"
        with reported(self.scratch):
            self.handle = soundfile.SoundFile(str(self.scratch), "w", rate, channels, "FLOAT", format="WAV")
        self.written, self.peak = 0, 0.0

    def write(self, block: Tensor) -> None:
        """Append ``[C, n]``, never past the input's length."""
        block = block[:, : self.frames - self.written]
        if block.shape[-1]:
            with reported(self.scratch):
                self.handle.write(block.T.numpy())
            self.written += block.shape[-1]
            self.peak = max(self.peak, float(block.abs().max()))

    def finish(self, fmt: OutputFormat) -> Path:
        import soundfile

        if self.written < self.frames:  # the resampler's last samples: pad to the input's length
            self.write(torch.zeros(self.handle.channels, self.frames - self.written))
        with reported(self.scratch):
            self.handle.close()
        scale = fmt.gain(self.peak)
        try:
            with atomic_path(self.destination) as temporary, soundfile.SoundFile(str(self.scratch)) as source, \
                    soundfile.SoundFile(temporary, "w", self.rate, source.channels, fmt.subtype, format=fmt.ext.upper()) as target:
                _no_peak_chunk(target)
                for data in source.blocks(blocksize=1 << 16, dtype="float32", always_2d=True):
                    target.write(fmt.clipped(data * scale))
        finally:
            self.discard()
        return self.destination

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        if self.scratch.exists():
            os.unlink(self.scratch)
