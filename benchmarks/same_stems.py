"""Does a change move the stems? `diffsep run` here and at another commit, on the same inputs and seed.

Each setting separates the bundled example (and a stereo 44.1-kHz copy of it, with a known stem)
with the code of this working tree and with the code of ``--against`` (checked out into a
temporary git worktree and imported from there), and prints the largest difference per setting
as JSON. A refactoring should print 0.0 everywhere (bf16 rounding may differ only if the
network's path changed).

Run: .venv/bin/python benchmarks/same_stems.py --against 61239c2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile
import soxr

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "audio"
SETTINGS = {  # name -> the options after `diffsep run INPUT -o OUT` (STEREO, BASS: the stereo copy and its bass)
    "fast-stereo-44k": ["STEREO"],
    "channels-residual-samples": ["STEREO", "--stereo", "channels", "--band", "residual",
                                                           "--num-samples", "2", "--write-samples"],
    "known-stem": ["STEREO", "--known", "bass=BASS", "--constrained", "piano", "--steps", "8"],
    "paper": ["MONO", "--preset", "paper", "--steps", "10"],
    "model-rate-post-filter": ["MONO", "--keep-model-sr", "--steps", "5", "--post-filter"],
    "network": ["STEREO", "--preset", "network"],
}


def inputs(folder: Path) -> dict[str, str]:
    """The example as it is, and a stereo 44.1-kHz copy (left 0.9, right 0.6 of it) with its bass."""
    mono, rate = soundfile.read(EXAMPLE / "mixture.wav", dtype="float32")
    bass, _ = soundfile.read(EXAMPLE / "reference" / "bass.wav", dtype="float32")
    files = {"MONO": str(EXAMPLE / "mixture.wav")}
    for name, signal in (("STEREO", mono), ("BASS", bass[: len(mono)])):
        stereo = soxr.resample(np.stack([0.9 * signal, 0.6 * signal], 1), rate, 44100)
        files[name] = str(folder / f"{name.lower()}.wav")
        soundfile.write(files[name], stereo, 44100, subtype="FLOAT")
    return files


def run(code: Path, options: list[str], files: dict[str, str], out: Path) -> dict[str, np.ndarray]:
    words = [files[word] if word in files else word.replace("BASS", files["BASS"]) for word in options]
    environment = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run([sys.executable, "-m", "diffsep.cli", "run", words[0], "-o", str(out), "--float32", "-q", *words[1:]],
                   check=True, cwd=code, env=environment)
    return {path.relative_to(out).as_posix(): soundfile.read(path, dtype="float32")[0] for path in sorted(out.rglob("*.wav"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the commit to compare with")
    parser.add_argument("--settings", default=",".join(SETTINGS), help=f"comma-separated, from {', '.join(SETTINGS)}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder, other = Path(scratch), Path(scratch) / "other"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), args.against], check=True, cwd=ROOT, capture_output=True)
        try:
            files = inputs(folder)
            for name in args.settings.split(","):
                row = {"setting": name, "against": args.against}
                try:
                    here = run(ROOT, SETTINGS[name], files, folder / "here" / name)
                    there = run(other, SETTINGS[name], files, folder / "there" / name)
                except subprocess.CalledProcessError as error:  # e.g. an option the other commit does not have
                    print(json.dumps({**row, "error": f"exit status {error.returncode}"}))
                    continue
                same_files = sorted(here) == sorted(there)
                worst = max(float(np.abs(here[f] - there[f]).max()) for f in here) if same_files else None
                print(json.dumps({**row, "same_files": same_files, "largest_difference": worst}))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main()
