"""Write examples/audio/mixture.wav: 4 s drawn from the built-in hand-set Gaussian prior.

Until a prior trained on music ships, this is the bundled mixture that `make demo` separates.
Run: .venv/bin/python examples/make_example.py
"""

from pathlib import Path

from diffsep import audio
from diffsep.noise import generators
from diffsep.priors import gaussian

HERE = Path(__file__).parent

if __name__ == "__main__":
    prior = gaussian()
    stems = prior.sample(1, 4 * prior.sample_rate, generators(1, 2024))[0]
    audio.write(HERE / "audio" / "mixture.wav", stems.sum(0, keepdim=True), prior.sample_rate)
    for name, stem in zip(prior.stems, stems):
        audio.write(HERE / "audio" / "reference" / f"{name}.wav", stem[None], prior.sample_rate)
