"""Accompaniment for a given drum track (partial generation, paper §4.1), from Python.

Run: .venv/bin/python examples/accompaniment.py [DRUMS.wav]
(default: the bundled example's drums). Writes examples/accompaniment/{stem}.wav.
"""

from __future__ import annotations

import sys
from pathlib import Path

import diffsep
from diffsep.io import audio

HERE = Path(__file__).parent

if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "audio" / "reference" / "drums.wav"
    prior = diffsep.PRIORS.get("gaussian")()
    drums, rate = audio.read(source, prior.sample_rate)  # [channels, T]
    stems = diffsep.impute({"drums": drums}, prior, "euler", steps=100, sigma_max=1.0,
                           sampler_options={"s_churn": 20.0, "corrector_steps": 2}, seed=0)  # [channels, S, T]
    for index, name in enumerate(prior.stems):
        audio.write(HERE / "accompaniment" / f"{name}.wav", stems[:, index], prior.sample_rate, subtype="FLOAT")
    audio.write(HERE / "accompaniment" / "mixture.wav", stems.sum(1), prior.sample_rate, subtype="FLOAT")
    print(f"wrote {len(prior.stems)} stems and their mixture to {HERE / 'accompaniment'}")
