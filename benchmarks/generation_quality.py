"""Generation as a listener hears it: generated stems against rendered held-out songs, per stem.

For each stem, pooled over songs: the median spectral flatness and pitch clarity of active frames
(diffsep/evaluation/generation.py), and how a stem classifier trained on rendered training songs
labels the stems (the share it calls by their own name, and its mean probability of that name).
Three sources: rendered held-out songs, songs generated with a ``diffsep generate`` preset, and
(with --impute) the accompaniment ``diffsep impute`` writes for each held-out song's drums. It
also times generation (seconds per second of song, all stems) and can draw the spectrograms of a
rendered song beside generated ones (--figure).

Run: .venv/bin/python benchmarks/generation_quality.py --reference data/heldout99-merlin --train data/timbres23 \
        [--prior spectral] [--preset fast] [--songs 8] [--seconds 6] [--impute] [--figure generation.png]
Prints one JSON object per source, then one of the settings and timings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

import diffsep
from diffsep.components import build_prior
from diffsep.data.datasets import Track
from diffsep.data.layout import tracks
from diffsep.evaluation.generation import StemClassifier, active_frames, frame_measures
from diffsep.io.plot import side_by_side
from diffsep.presets import resolve


def rendered(root: Path, split: str, count: int, stems: list[str], rate: int, seconds: float) -> list[torch.Tensor]:
    """The first ``seconds`` of each stem of the first ``count`` songs of a split: ``[S, T]`` each."""
    return [Track.open(folder, stems, rate).read(0, int(seconds * rate)) for folder in tracks(root, split)[:count]]


def classifier(root: Path, count: int, stems: list[str], rate: int, seconds: float) -> StemClassifier:
    """A stem classifier fitted on the non-silent stems of ``count`` training songs."""
    examples, labels = [], []
    for song in rendered(root, "train", count, stems, rate, seconds):
        for index, stem in enumerate(song):
            if active_frames(stem).shape[0] >= 4:
                examples.append(stem)
                labels.append(index)
    return StemClassifier(stems, rate).fit(examples, labels)


def summary(songs: list[torch.Tensor], stems: list[str], rate: int, judge: StemClassifier, skip: set[str] = set()) -> dict:
    """Per stem: pooled median flatness and pitch clarity, the classifier's accuracy and probability."""
    result = {}
    for index, name in enumerate(stems):
        if name in skip:
            continue
        pooled = {"flatness": [], "pitch_clarity": []}
        verdicts, probability = [], []
        for song in songs:
            measures = frame_measures(song[index], rate)
            for key in pooled:
                pooled[key] += measures[key].tolist()
            if measures["flatness"].shape[0] >= 4:
                chances = judge.probabilities(song[index])
                verdicts.append(int(chances.argmax()) == index)
                probability.append(float(chances[index]))
        result[name] = {
            "flatness": statistics.median(pooled["flatness"]) if pooled["flatness"] else None,
            "pitch_clarity": statistics.median(pooled["pitch_clarity"]) if pooled["pitch_clarity"] else None,
            "classified_as_itself": sum(verdicts) / len(verdicts) if verdicts else None,
            "probability_of_itself": statistics.fmean(probability) if probability else None,
            "active_stems": len(verdicts),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="rendered held-out songs at the prior's rate")
    parser.add_argument("--split", default="test")
    parser.add_argument("--train", type=Path, required=True, help="rendered training songs for the stem classifier")
    parser.add_argument("--train-songs", type=int, default=300)
    parser.add_argument("--prior", default="spectral")
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--s-churn", type=float, default=None)
    parser.add_argument("--sigma-max", type=float, default=None)
    parser.add_argument("--sampler", default=None)
    parser.add_argument("--songs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--impute", action="store_true", help="also measure the accompaniment imputed for each song's drums")
    parser.add_argument("--figure", type=Path, default=None, help="PNG: a rendered song beside two generated ones")
    args = parser.parse_args()

    prior = build_prior(args.prior, {"checkpoint": args.checkpoint} if args.checkpoint else {})
    stems, rate = list(prior.stems), prior.sample_rate
    judge = classifier(args.train, args.train_songs, stems, rate, args.seconds)
    reference = rendered(args.reference, args.split, args.songs, stems, rate, args.seconds)
    print(json.dumps({"source": "rendered", "data": str(args.reference), "split": args.split, "songs": len(reference),
                      "stems": summary(reference, stems, rate, judge)}), flush=True)

    overrides = {"sampler": args.sampler, "steps": args.steps, "s_churn": args.s_churn, "sigma_max": args.sigma_max}
    settings = resolve(args.preset, "generate", **overrides)
    length = int(args.seconds * rate)
    started = time.perf_counter()
    generated = diffsep.generate(prior, args.songs, length, settings.sampler, **settings.schedule(),
                                 sampler_options=settings.sampler_options(), seed=args.seed)
    seconds = time.perf_counter() - started
    print(json.dumps({"source": "generated", "prior": args.prior, "checkpoint": args.checkpoint, "preset": args.preset,
                      "songs": args.songs, "stems": summary(list(generated), stems, rate, judge)}), flush=True)

    timings = {"generation_seconds_per_song_second": seconds / (args.songs * args.seconds)}
    if args.impute:
        imputation = resolve(args.preset, "impute", **overrides)
        started = time.perf_counter()
        imputed = diffsep.impute({"drums": torch.stack([song[stems.index("drums")] for song in reference])}, prior,
                                 imputation.sampler, **imputation.schedule(), sampler_options=imputation.sampler_options(),
                                 seed=args.seed)
        timings["imputation_seconds_per_song_second"] = (time.perf_counter() - started) / (len(reference) * args.seconds)
        print(json.dumps({"source": "imputed (given the rendered drums)", "songs": len(reference),
                          "stems": summary(list(imputed), stems, rate, judge, skip={"drums"})}), flush=True)
    print(json.dumps({"settings": {"sampler": settings.sampler, **settings.sampler_options(), **settings.schedule()},
                      "threads": torch.get_num_threads(), **timings}), flush=True)
    if args.figure:
        columns = {"rendered (held out)": list(reference[0]), "generated 1": list(generated[0])}
        if len(generated) > 1:
            columns["generated 2"] = list(generated[1])
        side_by_side(args.figure, columns, stems, rate)


if __name__ == "__main__":
    main()
