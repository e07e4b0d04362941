"""Peak memory of `diffsep run` on 1-minute and 10-minute inputs (target: within 10%).

Each run is a separate process (the CLI as a user runs it); its peak resident memory is read
from the operating system. Few diffusion steps: the point is memory, not quality.

Run: .venv/bin/python benchmarks/long_file_memory.py [--minutes 1 10] [--steps 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile


def write_input(path: Path, minutes: float, rate: int = 44100) -> None:
    """A stereo 44.1 kHz file written in blocks (so this script's own memory stays flat)."""
    rng = np.random.default_rng(0)
    block = rate * 10
    with soundfile.SoundFile(str(path), "w", rate, 2, "PCM_16") as handle:
        for start in range(0, int(minutes * 60 * rate), block):
            t = (start + np.arange(block)) / rate
            tone = 0.3 * np.sin(2 * np.pi * 110 * t) + 0.05 * rng.standard_normal(block)
            handle.write(np.stack([tone, tone[::-1]], 1))


def peak_of_run(command: list[str]) -> tuple[float, float]:
    """``(peak resident MiB, seconds)`` of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        raise RuntimeError("run the sizes from the smallest up: ru_maxrss is a maximum over children")
    return peak / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    diffsep = str(Path(sys.executable).with_name("diffsep"))
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for minutes in sorted(args.minutes):
            source = Path(scratch) / f"{minutes:g}min.wav"
            write_input(source, minutes)
            command = [diffsep, "run", str(source), "-o", str(Path(scratch) / "out"), "--steps", str(args.steps),
                       "--corrector-steps", "1", "-q"]
            peak, seconds = peak_of_run(command)
            results[f"{minutes:g}min"] = {"peak_mib": round(peak, 1), "seconds": round(seconds, 1)}
            print(json.dumps({"input_minutes": minutes, "peak_mib": round(peak, 1), "seconds": round(seconds, 1)}), flush=True)
    peaks = [r["peak_mib"] for r in results.values()]
    print(json.dumps({"peaks_mib": results, "largest_over_smallest": round(max(peaks) / min(peaks), 3), "target": 1.10}))


if __name__ == "__main__":
    main()
