"""Separation speed against quality: real-time factor, network evaluations, peak memory, SI-SDRi.

The held-out songs of benchmarks/separation_quality.py are joined into one long mixture file
(20 songs of 8 s: 160 s of audio) and separated by the engine `diffsep run` uses (streaming, 12-s segments
with 25 % overlap) under each setting, each in a fresh process so that its peak memory is its
own. Real-time factor = separation wall time / audio duration (model loading is timed apart);
the separated stems are cut back into songs and scored with the MSDM protocol.

``--min-seconds 180`` repeats the songs until the file lasts that long (a 3-minute song; the
repeats are scored too). ``--rate 44100 --channels 2`` writes the file at that rate, each stem
panned to its own place (benchmarks/whole_band.py), as a user's song would come; it is scored
per channel at that rate. ``--device cuda`` runs the job there (its peak GPU memory is reported).

Run: .venv/bin/python benchmarks/separation_speed.py --data data/heldout99 [--settings fast,paper] [--msdm CKPT]
         [--device cuda] [--min-seconds 180]
Prints one JSON object per setting.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile
import torch
from whole_band import panned

from diffsep.data.datasets import Track
from diffsep.data.layout import tracks
from diffsep.evaluation.metrics import Protocol
from diffsep.cli import allocator
from diffsep.io import audio
from diffsep.io.outputs import OutputFormat
from diffsep.presets import PRESETS
from diffsep.separation.settings import OVERLAP
from diffsep.separator import Separator

SETTINGS = {  # name -> (preset, overrides, job options)
    "paper": ("paper", {}, {}),
    "fast": ("fast", {}, {}),
    "network": ("network", {}, {}),
    "fast-tuning-off": ("fast", {"tuning": "off"}, {}),  # without reading the song's offset from the pitch grid
    "fast-band-masks": ("fast", {}, {"band": "masks"}),
    "fast-band-residual": ("fast", {}, {"band": "residual"}),
    # fast until the mask network (2026-12-02 evening): the Wiener filter's stems refined, blended and post-filtered
    "fast-wiener": ("fast", {"init": "wiener", "blend": {"bass": 0.6, "drums": 0.75, "guitar": 0.25, "piano": 0.25}, "post_filter": True}, {}),
    "fast-stereo-channels": ("fast", {}, {"stereo": "channels"}),
    "fast-1-thread": ("fast", {}, {"threads": 1}),
    "fast-system-malloc": ("fast", {}, {"allocator": "system"}),
    "fast-batched": ("fast", {}, {"batch_size": 8}),
    "fast-fp32": ("fast", {}, {"precision": "fp32"}),
    "fast-bf16": ("fast", {}, {"precision": "bf16"}),
    "fast-fp16": ("fast", {}, {"precision": "fp16"}),
    "paper-bf16": ("paper", {}, {"precision": "bf16"}),
    "paper-fp16": ("paper", {}, {"precision": "fp16"}),
    # a GPU wants big calls: every segment of a 3-minute file (20, x 4 samples for fast) in one, bf16
    "fast-gpu-batched": ("fast", {}, {"precision": "bf16", "batch_size": 96}),
    "paper-gpu-batched": ("paper", {}, {"precision": "bf16", "batch_size": 24}),
    "fast-batched-16": ("fast", {}, {"batch_size": 16}),
    "fast-K1": ("fast", {"num_samples": 1}, {}),
    "fast-K6": ("fast", {"num_samples": 6}, {}),
    "fast-K8": ("fast", {"num_samples": 8}, {}),
    "fast-K8-fp32": ("fast", {"num_samples": 8}, {"precision": "fp32"}),
    **{f"fast-K{k}-T{t}": ("fast", {"num_samples": k, "steps": t}, {}) for k, t in ((5, 16), (8, 10), (10, 8))},
    **{f"fast-K8-calls-of-{n}": ("fast", {"num_samples": 8}, {"batch_size": n}) for n in (2, 4)},  # a segment's 8 samples in 8 / n calls
    "fast-T10": ("fast", {"steps": 10}, {}),
    **{f"fast-overlap-{o:g}": ("fast", {}, {"overlap": o}) for o in (0.0, 0.125)},
    # segment length (the small prior trained on 1.5-s chunks: 32 positions at its attention, 12-s segments have 259)
    **{f"fast-segment-{s:g}": ("fast", {}, {"segment": s}) for s in (1.5, 2.0, 3.0, 6.0)},
    **{f"fast-segment-{s:g}-batch-{b}": ("fast", {}, {"segment": s, "batch_size": b}) for s in (1.5, 3.0) for b in (16, 32)},
    "fast-dpmpp-2m-T10": ("fast", {"sampler": "dpmpp-2m", "steps": 10}, {}),
    "fast-heun-T10": ("fast", {"sampler": "heun", "steps": 10}, {}),
}


def songs(data: Path, count: int, stems: list[str], rate: int, min_seconds: float = 0.0) -> list[torch.Tensor]:
    """The first ``count`` test songs ``[S, T]`` at ``rate`` (resampled from the data set's own, for a
    prior of another rate), cycled until they last ``min_seconds`` in all."""
    own = json.loads((data / "dataset.json").read_text())["sample_rate"]
    opened = [Track.open(folder, stems, own) for folder in tracks(data, "test")[:count]]
    chosen = [audio.resample(track.read(0, track.frames), own, rate) for track in opened]
    while sum(song.shape[-1] for song in chosen) < min_seconds * rate:
        chosen.append(chosen[len(chosen) % count])
    return chosen


def one(args: argparse.Namespace) -> dict:
    """Time one setting in this process; returns its JSON row."""
    preset, overrides, options = SETTINGS[args.one]
    os.environ["DIFFSEP_ALLOCATOR"] = options.get("allocator", "diffsep")  # "system": glibc's defaults
    torch.set_num_threads(options.get("threads", torch.get_num_threads()))
    started = time.perf_counter()
    separator = Separator("msdm", "dirac", preset, checkpoint=args.msdm, **overrides,
                          batch_size=options.get("batch_size", 0), precision=options.get("precision", "auto"), device=args.device,
                          segment=options.get("segment"), overlap=options.get("overlap", OVERLAP), stereo=options.get("stereo", "mid"),
                          band=options.get("band", "masks"))
    model, settings = separator.prior, separator.settings
    loading = time.perf_counter() - started
    allocator.keep_freed_memory()  # as diffsep run does (unless DIFFSEP_ALLOCATOR=system)
    rate = args.rate or model.sample_rate
    mono = songs(args.data, args.tracks, model.stems, rate, args.min_seconds)
    references = [panned(song, np.random.default_rng([args.seed, i])) if args.channels == 2 else song[None] for i, song in enumerate(mono)]
    evaluations = [0]
    denoise = model.denoise

    def counted(x, sigma):
        evaluations[0] += x.shape[0]
        return denoise(x, sigma)

    model.denoise = counted
    with tempfile.TemporaryDirectory() as folder:
        mixture = Path(folder) / "heldout.wav"
        soundfile.write(mixture, torch.cat([song.sum(1) for song in references], -1).T.numpy(), rate, subtype="FLOAT")
        started = time.perf_counter()
        separator.write([mixture], Path(folder) / "out", OutputFormat(subtype="FLOAT", clip_mode="none"), quiet=True).raise_failures(1)
        wall = time.perf_counter() - started
        estimates = torch.stack([torch.from_numpy(soundfile.read(Path(folder) / "out" / "heldout" / f"{s}.wav", dtype="float32",
                                                                 always_2d=True)[0].T.copy()) for s in model.stems], 1)  # [C, S, T]
    frames = sum(song.shape[-1] for song in references)
    seconds = frames / rate
    protocol, windows, offset = Protocol(), [], 0
    for song in references:
        for channel in range(song.shape[0]):
            windows.append(protocol.windows(estimates[channel, :, offset : offset + song.shape[-1]], song[channel], rate))
        offset += song.shape[-1]
    scores = protocol.summary(windows)
    model_frames = round(frames * model.sample_rate / rate)
    segments = separator.engine.segments_for(model_frames).count(model_frames)
    return {"setting": args.one, **settings.record(), "threads": torch.get_num_threads(),
            "allocator": "kept" if allocator.applies() else "system", "audio_seconds": round(seconds, 1),
            "sample_rate": rate, "channels": args.channels,
            "real_time_factor": round(wall / seconds, 3), "model_loading_seconds": round(loading, 2),
            "real_time_factor_with_loading": round((wall + loading) / seconds, 3),
            "evaluations_per_segment": round(evaluations[0] / segments), "peak_memory_mib": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "device": args.device,
            **({"peak_gpu_memory_mib": round(torch.cuda.max_memory_allocated() / 2**20)} if args.device.startswith("cuda") else {}),
            "si_sdri_db": round(float(scores.mean()), 2),
            **{s: round(float(v), 2) for s, v in zip(model.stems, scores)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="mini-Slakh set whose test split is scored")
    parser.add_argument("--tracks", type=int, default=20)
    parser.add_argument("--msdm", type=Path, help="learned checkpoint (default: the shipped one)")
    parser.add_argument("--settings", default=",".join(SETTINGS), help=f"comma-separated, from {', '.join(SETTINGS)}")
    parser.add_argument("--device", default="cpu", help="where the job runs (cpu, cuda)")
    parser.add_argument("--min-seconds", type=float, default=0.0, help="repeat the songs until the file lasts this long")
    parser.add_argument("--rate", type=int, default=0, help="the file's sample rate (default: the prior's)")
    parser.add_argument("--channels", type=int, default=1, choices=(1, 2), help="2: each stem panned to its own place")
    parser.add_argument("--seed", type=int, default=0, help="seed of the pans")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args)), flush=True)
        return
    assert set(PRESETS) <= set(SETTINGS)
    for name in [s.strip() for s in args.settings.split(",") if s.strip()]:
        command = [sys.executable, __file__, "--data", str(args.data), "--tracks", str(args.tracks), "--one", name,
                   "--device", args.device, "--min-seconds", str(args.min_seconds), "--rate", str(args.rate),
                   "--channels", str(args.channels), "--seed", str(args.seed)]
        subprocess.run(command + (["--msdm", str(args.msdm)] if args.msdm else []), check=True)


if __name__ == "__main__":
    main()
