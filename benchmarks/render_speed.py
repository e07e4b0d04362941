"""Rendering speed of mini-Slakh songs, in multiples of real time on one core (target >= 50x).

Composes and renders songs (four stems each, TimGM6mb through tinysoundfont) in this process
only, so the figure is per core; writing files is left out.

Run: .venv/bin/python benchmarks/render_speed.py [--songs 20] [--seconds 12]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from diffsep.data.synth import render_song


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--sample-rate", type=int, default=22050)
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    for seed in range(args.songs):
        render_song(seed, args.seconds, args.sample_rate)
    elapsed = time.perf_counter() - start
    audio_seconds = args.songs * args.seconds
    print(json.dumps({
        "songs": args.songs,
        "seconds_per_song": args.seconds,
        "sample_rate": args.sample_rate,
        "stems_per_song": 4,
        "wall_seconds": round(elapsed, 3),
        "times_real_time": round(audio_seconds / elapsed, 1),
        "target": 50,
    }))


if __name__ == "__main__":
    main()
