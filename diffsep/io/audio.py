"""The only module that reads or writes audio files (soundfile in, soxr to resample).

Channels are folded into the batch on the way in (``[C, T]``) and unfolded on the way out;
every file is written atomically: a temporary file in the same folder, then a rename.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import numpy as np
import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.io.atomic import atomic_path


def read(path: str | Path, sample_rate: int | None = None, seconds: float | None = None,
         span: tuple[int, int] | None = None) -> tuple[Tensor, int]:
    """``([C, T] float32, rate)``: a file's channels (its first ``seconds``, or its samples
    ``span = (start, stop)``, if given), resampled to ``sample_rate`` if given."""
    import soundfile

    path = Path(path)
    if not path.is_file():
        raise DiffsepError(f"audio file {str(path)!r} does not exist")
    try:
        start, stop = span or (0, None if seconds is None else int(seconds * soundfile.info(str(path)).samplerate))
        data, rate = soundfile.read(str(path), start=start, stop=stop, dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise _undecodable(path, error) from error
    if data.shape[0] == 0:
        raise DiffsepError(f"{str(path)!r} holds no samples")
    if not np.isfinite(data).all():
        raise DiffsepError(f"{str(path)!r} contains NaN or infinite samples")
    channels = torch.from_numpy(np.ascontiguousarray(data.T))
    if sample_rate is not None and sample_rate != rate:
        channels, rate = resample(channels, rate, sample_rate), sample_rate
    return channels, rate


def resample(signal: Tensor, rate: int, target: int) -> Tensor:
    """``[C, T]`` resampled from ``rate`` to ``target`` Hz (soxr, high quality)."""
    import soxr

    if rate <= 0 or target <= 0:
        raise DiffsepError(f"sample rates must be positive, got {rate} and {target}")
    if rate == target:
        return signal
    out = soxr.resample(signal.T.detach().cpu().numpy().astype(np.float32), rate, target, quality="HQ")
    return torch.from_numpy(np.ascontiguousarray(np.atleast_2d(out.T))).to(torch.float32)


def write(path: str | Path, signal: Tensor, sample_rate: int, subtype: str = "PCM_16") -> Path:
    """Write ``[C, T]`` (or ``[T]``) atomically; the format follows the file's extension."""
    import soundfile

    data = signal.detach().cpu().reshape(-1, signal.shape[-1]).T.numpy()
    with atomic_path(path) as temporary:
        with soundfile.SoundFile(temporary, "w", sample_rate, data.shape[1], subtype, format=Path(path).suffix[1:].upper()) as handle:
            _no_peak_chunk(handle)
            handle.write(data)
    return Path(path)


def _no_peak_chunk(handle) -> None:
    """Leave out libsndfile's PEAK chunk of float files: it holds a timestamp, and the same
    audio must give the same bytes (data sets are compared by checksum)."""
    import soundfile

    set_add_peak_chunk = 0x1050  # SFC_SET_ADD_PEAK_CHUNK in sndfile.h
    try:
        soundfile._snd.sf_command(handle._file, set_add_peak_chunk, soundfile._ffi.NULL, 0)
    except AttributeError:  # another soundfile build: the file is still right, only not byte-stable
        pass


AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3", ".opus", ".au", ".caf", ".w64")


class FileInfo(NamedTuple):
    frames: int
    rate: int
    channels: int
    peak: float
    """Largest absolute sample; 0 for a silent file."""


def inspect_file(path: str | Path, block: int = 1 << 18) -> FileInfo:
    """``(frames, rate, channels, peak)`` after one streaming pass that refuses missing,
    undecodable, empty or non-finite audio (memory stays one block)."""
    import soundfile

    path = Path(path)
    if not path.is_file():
        raise DiffsepError(f"audio file {str(path)!r} does not exist")
    try:
        with soundfile.SoundFile(str(path)) as handle:
            frames, rate, channels = handle.frames, handle.samplerate, handle.channels
            peak = 0.0
            for data in handle.blocks(blocksize=block, dtype="float32", always_2d=True):
                if not np.isfinite(data).all():
                    raise DiffsepError(f"{str(path)!r} contains NaN or infinite samples")
                peak = max(peak, float(np.abs(data).max(initial=0.0)))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise _undecodable(path, error) from error
    if frames == 0:
        raise DiffsepError(f"{str(path)!r} holds no samples")
    if rate <= 0:
        raise DiffsepError(f"{str(path)!r} declares a sample rate of {rate} Hz")
    return FileInfo(frames, rate, channels, peak)


def blocks(path: str | Path, size: int = 1 << 16) -> Iterator[Tensor]:
    """The file's audio as ``[C, n]`` float32 blocks."""
    import soundfile

    with soundfile.SoundFile(str(path)) as handle:
        for data in handle.blocks(blocksize=size, dtype="float32", always_2d=True):
            yield torch.from_numpy(np.ascontiguousarray(data.T))


def find_inputs(items: Iterable[str | Path]) -> list[Path]:
    """Audio files from files, folders (recursively) and glob patterns, in order, once each."""
    import glob

    found: list[Path] = []
    for item in map(str, items):
        if any(ch in item for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(item, recursive=True))
            if not matches:
                raise DiffsepError(f"no file matches {item!r}")
            found += [p for p in matches if p.is_file()]
        elif Path(item).is_dir():
            audio = sorted(p for p in Path(item).rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
            if not audio:
                raise DiffsepError(f"the folder {item!r} holds no audio files ({', '.join(AUDIO_SUFFIXES)})")
            found += audio
        else:
            found.append(Path(item))  # inspect_file says clearly if it is missing
    return list(dict.fromkeys(found))


def _undecodable(path: Path, error: Exception) -> DiffsepError:
    """The error for a file libsndfile cannot read, naming the file once (libsndfile's own message
    names it too: only its reason is kept)."""
    return DiffsepError(f"cannot decode {str(path)!r} as audio: {getattr(error, 'error_string', None) or error}")
