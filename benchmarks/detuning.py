"""How much a mask network leans on the songs' exact tuning: SI-SDRi of songs played at other speeds.

Every song of the sets is played at each speed (all stems alike, resampled through the FFT as
``--augment speed`` does: pitch, formants and tempo together; 1.01 is 17 cents sharp) and separated
by each network; a network that hears instruments by their timbre loses little at 1.01, one that
learnt where the training SoundFonts' samples sit in pitch loses much. Prints one JSON line per
network, set and speed: per-stem SI-SDRi, their mean, and each song's mean (for paired differences),
by MSDM's protocol; and the same over the pairs of a window and a stem that plays in it
(``playing``): a silent stem's score in MSDM's mean says how little leaks into silence, and
resampling a song leaves none of its silence exactly zero, which moves those scores by itself.

Run (validation songs):
    .venv/bin/python benchmarks/detuning.py --data data/heldout99 data/heldout99-merlin --split validation \
        --networks diffsep/assets/masknet-bag-sdr.safetensors --speeds 1,1.01,1.0595
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import separation_quality
from diffsep.data import augment
from diffsep.masknet import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--tracks", type=int, default=20)
    parser.add_argument("--networks", type=Path, nargs="+", required=True, help="mask networks or bags (.safetensors)")
    parser.add_argument("--speeds", default="1,1.01,1.0595", help="comma-separated playback speeds")
    args = parser.parse_args()
    read: dict[tuple, dict[str, list[torch.Tensor]]] = {}  # the songs, read once for networks of the same stems and rate
    for path in args.networks:
        net = load(path).eval()
        key = (tuple(net.stems), net.sample_rate)
        if key not in read:
            read[key] = separation_quality.references(args, net.stems, net.sample_rate)
        for where, references in read[key].items():
            if where == "bundled example":
                continue
            for factor in (float(speed) for speed in args.speeds.split(",")):
                played = [augment.played_at(song, [factor] * len(song)) for song in references]
                with torch.no_grad():  # silence judged on the songs as rendered: resampling leaves none exactly zero
                    per_stem, per_song, _, playing = separation_quality.score(net, played, net.sample_rate, references)
                print(json.dumps({"network": path.name, "set": where, "speed": factor, "stems": net.stems,
                                  "si_sdri": rounded(per_stem), "mean": round(float(per_stem.mean()), 2),
                                  "playing_si_sdri": rounded(playing), "playing_mean": round(float(playing.mean()), 2),
                                  "per_song": per_song}), flush=True)


def rounded(values: torch.Tensor) -> list[float]:
    return [round(float(x), 2) for x in values]


if __name__ == "__main__":
    main()
