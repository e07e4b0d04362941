"""Joint vs weak on the exact Gaussian prior: SI-SDRi per stem of the Dirac sampler and of the
closed-form Wiener filter, on songs drawn from the hand-set coherent band model (demo_spectra).

Run: .venv/bin/python benchmarks/gaussian_separation.py [--songs 8] [--seconds 2]
Prints one JSON object per (prior, estimator).
"""

from __future__ import annotations

import argparse
import json

import diffsep
from diffsep.evaluation.metrics import si_sdri
from diffsep.priors import GaussianPrior
from diffsep.priors.spectra import demo_spectra
from diffsep.samplers.noise import generators

STEMS = ["bass", "drums", "guitar", "piano"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    joint = GaussianPrior(demo_spectra(STEMS, 22050), STEMS, 22050)
    stems = joint.sample(args.songs, int(args.seconds * joint.sample_rate), generators(args.songs, 1000))
    mixture = stems.sum(1)
    for name, prior in (("joint", joint), ("weak", joint.weakened())):
        estimates = {
            "dirac (euler, T=150, R=2, s_churn=20)": diffsep.separate(mixture, prior, "dirac", steps=args.steps, seed=0),
            "wiener filter (closed form)": prior.posterior_mean(mixture),
        }
        for estimator, estimate in estimates.items():
            scores = si_sdri(estimate, stems, mixture[:, None]).mean(0)
            row = {stem: round(float(value), 2) for stem, value in zip(prior.stems, scores)}
            print(json.dumps({"prior": name, "estimator": estimator, **row, "all": round(float(scores.mean()), 2)}))


if __name__ == "__main__":
    main()
