"""Forward time of a learned prior's network on one device: the paper's anchor, measured.

The MSDM paper separates a 12-s chunk in 4.6 s on one RTX A6000 with its 405 M network and
T = 150, R = 2 (300 evaluations, about 15 ms each). This script builds a network from a preset
(``paper`` by default, untrained: the cost does not depend on the weights) at the preset's rate,
and times ``denoise`` on 12-s chunks for each ``--precision`` and ``--batch``: the median of
``--repeats`` calls after warm-up, the device synchronised around each. ``--separate`` also runs
the whole ``paper`` separation of one chunk (diffsep.separate, Dirac, 300 evaluations) and
reports its seconds beside the anchor's 4.6.

Run (GPU): python benchmarks/network_speed.py --device cuda --precision fp32,bf16,fp16 --batch 1,4 --separate
Run (CPU, a quick check): .venv/bin/python benchmarks/network_speed.py --preset small --seconds 1.5 --repeats 2
Prints one JSON object per (precision, batch), and one for the separation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

import diffsep
from diffsep.separation.precision import autocast, checked
from diffsep.presets import PRESETS
from diffsep.priors import learned_io

STEMS = ["bass", "drums", "guitar", "piano"]
RATES = {"paper": 22050, "small": 11025}
ANCHOR = {"seconds_per_chunk": 4.6, "evaluations": 300, "gpu": "RTX A6000", "chunk_seconds": 12}


def synchronised(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def seconds(run, device: str, repeats: int, warmup: int = 2) -> list[float]:
    """Wall seconds of ``repeats`` calls of ``run`` after ``warmup``, synchronised."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        synchronised(device)
        start = time.perf_counter()
        run()
        synchronised(device)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper", choices=sorted(RATES), help="network size (diffsep/priors/sizes.py)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--precision", default="fp32", help="comma-separated: fp32, bf16, fp16")
    parser.add_argument("--batch", default="1", help="comma-separated batch sizes (items of all stems)")
    parser.add_argument("--seconds", type=float, default=12.0, help="chunk length")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--separate", action="store_true", help="also time the whole paper separation of one chunk")
    args = parser.parse_args()
    rate = RATES[args.preset]
    prior = learned_io.from_size("msdm", args.preset, STEMS, rate).eval().to(args.device)
    parameters = sum(p.numel() for p in prior.parameters())
    length = int(args.seconds * rate)
    common = {"preset": args.preset, "parameters": parameters, "device": args.device,
              "device_name": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu",
              "chunk_seconds": args.seconds, "sample_rate": rate, "anchor": ANCHOR}
    precisions = [checked(p.strip()) for p in args.precision.split(",") if p.strip()]
    with torch.inference_mode():
        for precision in precisions:
            for batch in [int(b) for b in args.batch.split(",") if b.strip()]:
                x = 0.1 * torch.randn(batch, len(STEMS), length, device=args.device)
                sigma = torch.full((batch,), 0.1, device=args.device)
                with autocast(args.device, precision):
                    times = seconds(lambda: prior.denoise(x, sigma), args.device, args.repeats)
                per_call = statistics.median(times)
                print(json.dumps({**common, "precision": precision, "batch": batch, "seconds_per_call": round(per_call, 5),
                                  "seconds_per_call_min": round(min(times), 5),
                                  "network_seconds_per_chunk_at_300_evaluations": round(300 * per_call / batch, 3)}), flush=True)
        if args.separate:
            mixture = 0.1 * torch.randn(1, length, device=args.device)
            paper = PRESETS["paper"].separate_options()
            for precision in precisions:
                with autocast(args.device, precision):
                    times = seconds(lambda: diffsep.separate(mixture, prior, "dirac", seed=0, **paper),
                                    args.device, repeats=1, warmup=1)
                print(json.dumps({**common, "precision": precision, "separation": "paper preset (T=150, R=2, Dirac)",
                                  "evaluations": 300, "seconds_per_chunk": round(times[0], 3)}), flush=True)


if __name__ == "__main__":
    main()
