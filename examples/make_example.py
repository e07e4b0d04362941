"""Write the bundled example: one mini-Slakh song of 6 s, its mixture and its four stems.

Run: .venv/bin/python examples/make_example.py
(the same files as `diffsep data synth` would render for this seed; 16-bit to stay small)
"""

from pathlib import Path

import torch

from diffsep.data.synth import render_song
from diffsep.io import audio

HERE = Path(__file__).parent
SEED, SECONDS, RATE = 8, 6.0, 22050  # seed 8: every part plays throughout
RENDER_RATE = RATE
"""The bundled files were rendered at their own rate, before ``--render-rate`` (docs/data.md);
kept so, the figures quoted on them stay the same."""

if __name__ == "__main__":
    stems, _, _ = render_song(SEED, SECONDS, RATE, render_rate=RENDER_RATE)
    mixture = sum(stems.values())
    audio.write(HERE / "audio" / "mixture.wav", torch.from_numpy(mixture)[None], RATE)
    for name, stem in stems.items():
        audio.write(HERE / "audio" / "reference" / f"{name}.wav", torch.from_numpy(stem)[None], RATE)
