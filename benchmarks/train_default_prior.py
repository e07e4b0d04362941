"""Reproduce run S, the first shipped msdm prior and the root of the shipped prior's lineage
(and the weak prior trained with the same budget). The runs chained from it, and the
interpolation that ships now, are in docs/runs.md.

Data: mini-Slakh, seed 1, 800 songs of 12 s at 11025 Hz (split 80/10/10).
Training: `small` preset, chunks of 16384 samples (1.5 s), batch 16, Adam 3e-4, EMA 0.999,
ln sigma ~ N(-1.2, 1.2), data scale 4, seed 0, on 2 CPU cores shared by both runs (one thread
each, the same wall-clock budget). Run S's file was the msdm run's EMA weights at
--msdm-steps, stored in float16 as diffsep/assets/msdm-small.safetensors (commit 712d6cf).

Run: .venv/bin/python benchmarks/train_default_prior.py --work runs/ [--msdm-steps N] [--weak-steps M]
(the defaults are the step counts run S was trained for; see docs/results.md)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
DIFFSEP = str(Path(sys.executable).with_name("diffsep"))
DATA = ["--tracks", "800", "--seconds", "12", "--seed", "1", "--sample-rate", "11025"]
TRAIN = ["--preset", "small", "--sample-rate", "11025", "--chunk", "16384", "--batch-size", "16", "--lr", "3e-4",
         "--sigma-mean", "-1.2", "--sigma-std", "1.2", "--data-scale", "4", "--seed", "0", "--log-every", "50",
         "--save-every", "500", "--val-every", "500", "-q"]
SHIPPED = {"msdm": 7500, "weak": 2000}  # the steps each run reached in the same wall-clock budget (about 65 min)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--msdm-steps", type=int, default=SHIPPED["msdm"])
    parser.add_argument("--weak-steps", type=int, default=SHIPPED["weak"])
    parser.add_argument("--export", action="store_true", help="Write the msdm result over the shipped asset (it holds a later prior since run T: this puts run S back).")
    args = parser.parse_args()
    data = args.work / "minislakh11k"
    if not data.is_dir():
        subprocess.run([DIFFSEP, "data", "synth", "-o", str(data), *DATA, "--workers", "2"], check=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    runs = {}
    for kind, steps in (("msdm", args.msdm_steps), ("weak", args.weak_steps)):
        command = [DIFFSEP, "train", "--prior", kind, "--data", str(data), "-o", str(args.work / kind), "--steps", str(steps), *TRAIN]
        runs[kind] = subprocess.Popen(command, env=env)
    for kind, process in runs.items():
        if process.wait() != 0:
            raise SystemExit(f"the {kind} run failed")
    if args.export:
        import torch

        from diffsep.priors import learned_io

        prior = learned_io.load(args.work / "msdm" / "prior.safetensors")
        learned_io.save(prior, ROOT / "diffsep" / "assets" / "msdm-small.safetensors", torch.float16,
                        preset="small", training_steps=args.msdm_steps)
    print(json.dumps({"data": DATA, "train": TRAIN, "msdm_steps": args.msdm_steps, "weak_steps": args.weak_steps}))


if __name__ == "__main__":
    main()
