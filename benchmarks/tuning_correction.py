"""How much of a song's loss off A = 440 Hz playing it onto the grid recovers: the offset read off the mixture against the true one.

``diffsep run`` does this by default (``--tuning auto``: the engine's streamed resamplers read the
song at the rate that puts it on the grid, ``diffsep.separation.engine``); this script isolates the
estimator, with the mask networks alone and an exact FFT resampling, beside the oracle that knows
each song's tuning.

Every song of the sets is played at its own tuning within +-CENTS (``--tuning``, as
``separation_quality.py --tuning`` plays it) and separated by a mask network or bag five ways:
as it comes (``none``); resampled by the tuning an estimator reads off the mixture, separated,
and its stems resampled back to the song's own length (``estimated``; the two resamplings are one
band-limited map and its exact inverse, through the FFT); the same with the tuning the songs
were played at (``oracle``); and the songs in tune, as they come and corrected by the
estimator (what the correction costs a song that needs none). Tunings estimated within
``--dead-zone`` cents of the grid are left alone (default: the engine's, 5). The offset is read
as the engine reads it: off the whole song up to 30 s, else off six 5-s excerpts spread over it;
``--join K`` plays each K songs of a set one after another as one song (five 8-s songs: 40 s,
read in excerpts).

The estimator and the resampling: ``diffsep.separation.tuning`` (the spectral peaks' offsets from
the tempered semitones on A = 440 Hz, a circular mean weighted by their magnitudes' square roots).

Networks alone (no prior), MSDM's protocol; prints one JSON line per set with each way's mean SI-SDRi,
the mean over the stems that play, and the estimator's errors in cents.

Run (validation songs):
    .venv/bin/python benchmarks/tuning_correction.py --data data/heldout99-merlin-aa data/heldout99-aa --split validation
    .venv/bin/python benchmarks/tuning_correction.py --data data/heldout99-merlin-aa data/heldout99-aa --split validation --join 5
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

import numpy as np
import torch

import separation_quality
from diffsep.data import augment
from diffsep.masknet import load
from diffsep.masknet.storage import SHIPPED
from diffsep.separation.tuning import DEAD_ZONE, read_offset, resampled


def corrected(net: torch.nn.Module, offsets: list[float], dead_zone: float) -> Callable[[torch.Tensor], torch.Tensor]:
    """Separate the i-th mixture it is called with after playing it ``offsets[i]`` cents lower."""
    queue = iter(offsets)

    def separate(mixture: torch.Tensor) -> torch.Tensor:
        cents = next(queue)
        if abs(cents) < dead_zone:
            return net(mixture.float())
        length = mixture.shape[-1]
        return resampled(net(resampled(mixture, round(length * 2 ** (cents / 1200))).float()), length)

    return separate


def offset(song: torch.Tensor, rate: int) -> float:
    """The offset the engine reads off ``song`` ``[S, T]``'s mixture (:func:`~diffsep.separation.tuning.read_offset`)."""
    mixture = song.sum(0, keepdim=True)
    return read_offset(lambda start, stop: mixture[:, start:stop], mixture.shape[-1], rate)


def joined(songs: list[torch.Tensor], k: int) -> list[torch.Tensor]:
    """Each ``k`` songs one after another as one song (a last group of fewer left out)."""
    return [torch.cat(songs[i : i + k], -1) for i in range(0, len(songs) - k + 1, k)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--tracks", type=int, default=20)
    parser.add_argument("--network", type=Path, default=Path(__file__).parents[1] / "diffsep" / "assets" / SHIPPED)
    parser.add_argument("--tuning", type=float, default=20.0, help="each song within +-CENTS")
    parser.add_argument("--dead-zone", type=float, default=DEAD_ZONE, help="leave estimates within +-CENTS of the grid alone")
    parser.add_argument("--join", type=int, default=1, help="play each K songs one after another as one song")
    args = parser.parse_args()
    net = load(args.network).eval()
    rate = net.sample_rate
    for where, songs in separation_quality.references(args, net.stems, rate).items():
        if where == "bundled example":
            continue
        songs = joined(songs, args.join)
        played, tunings = augment.out_of_tune(songs, args.tuning)
        estimated = [offset(song, rate) for song in played]
        in_tune = [offset(song, rate) for song in songs]
        ways = {"none": (lambda mixture: net(mixture.float()), played),
                "estimated": (corrected(net, estimated, args.dead_zone), played),
                "oracle": (corrected(net, tunings, 0.0), played),
                "in tune": (lambda mixture: net(mixture.float()), songs),
                "in tune, estimated": (corrected(net, in_tune, args.dead_zone), songs)}
        error = np.abs(np.subtract(estimated, tunings))
        row = {"set": where, "network": args.network.name, "tuning": args.tuning, "dead_zone": args.dead_zone,
               "songs": len(songs), "seconds": round(songs[0].shape[-1] / rate, 1),
               "estimate_error_cents": {"mean_abs": round(float(error.mean()), 2), "max_abs": round(float(error.max()), 2),
                                        "in_tune_mean_abs": round(float(np.abs(in_tune).mean()), 2)}}
        with torch.no_grad():
            for name, (method, scored) in ways.items():
                per_stem, per_song, _, playing = separation_quality.score(method, scored, rate, songs)
                row[name] = {"mean": round(float(per_stem.mean()), 2), "playing_mean": round(float(playing.mean()), 2),
                             "per_song": per_song}
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
