"""Separate a file from Python: read, separate with the Dirac likelihood, score, write.

Run: .venv/bin/python examples/separate.py [MIXTURE.wav]
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

import diffsep
from diffsep.evaluation.metrics import si_sdri
from diffsep.io import audio

HERE = Path(__file__).parent

if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "audio" / "mixture.wav"
    prior = diffsep.PRIORS.get("gaussian")()
    mixture, rate = audio.read(source, prior.sample_rate)  # [channels, T] at the prior's rate
    stems = diffsep.separate(
        mixture,
        prior,
        likelihood="dirac",
        sampler="euler",
        steps=150,
        likelihood_options={"constrained": "bass"},
        sampler_options={"s_churn": 20.0, "corrector_steps": 2},
        seed=0,
    )  # [channels, stems, T]
    for index, name in enumerate(prior.stems):
        audio.write(HERE / "separated" / f"{name}.wav", stems[:, index], prior.sample_rate, subtype="FLOAT")
    reference = HERE / "audio" / "reference"
    if source == HERE / "audio" / "mixture.wav":
        truth = torch.stack([audio.read(reference / f"{name}.wav")[0][0] for name in prior.stems])
        scores = si_sdri(stems[0], truth, mixture[0][None])
        print("SI-SDRi (dB):", {name: round(float(s), 2) for name, s in zip(prior.stems, scores)})
