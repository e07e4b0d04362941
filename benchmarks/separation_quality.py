"""Separation quality on held-out mini-Slakh songs (MSDM protocol), learned priors against honest baselines.

Every learned configuration is reported next to the strongest simple methods on the same songs:
the Gaussian prior fitted on the data set's training split, as its closed-form posterior mean
(the multichannel Wiener filter; with --gaussian-samples also the mean of K = 1 and 4 posterior
samples, Dirac sampler), and the ideal ratio mask (an oracle ceiling). The bundled example gets
the same rows.

A learned prior separates each song through the engine `diffsep run` uses
(diffsep.separation.engine; its network in the CLI's precision, bf16 on a CPU with bf16
instructions, where rows before 2026-12-06 ran fp32 and move by that rounding only): segments of two training chunks
(2.97 s for the shipped prior), 25 % overlap, 12 s of audio per call, overlap-added (``-whole`` configurations separate
each song in one piece instead, as this benchmark did before commit 38a3f49), at the prior's sample
rate; SI-SDRi is scored on 4 s windows with a 2 s hop, skipping windows with at most one active
source (diffsep.evaluation.metrics.Protocol).

Axes: songs no training run used in the training timbres, the same songs rendered with a
SoundFont no training run used (docs/data.md names it), and pieces by composers no run trained on
(`diffsep data corpus`, docs/data.md); each --data set gives its own rows, labelled with the
SoundFonts (and composers) of its manifest. The Gaussian baselines are fitted on the first
set's train split, so a held-out timbre is not fitted either.

Run (test set rendered with a seed no training run used; the synthesizers play at 44.1 kHz, and
``--render-rate 11025`` makes the sets docs/results.md scores as rendered at 11025 Hz, played at the written rate):
    .venv/bin/diffsep data synth -o data/heldout99 --seed 99 --tracks 200 --seconds 8 --sample-rate 11025 --workers 2
    .venv/bin/diffsep data synth -o data/heldout99-merlin --seed 99 --tracks 200 --seconds 8 --sample-rate 11025 \
        --soundfont Merlin.sf2
    .venv/bin/python benchmarks/separation_quality.py --data data/heldout99 data/heldout99-merlin --tracks 20 \
        [--msdm CKPT ...] [--configs default,refine-0.3,...] [--write]
``--tuning 20`` plays each song at its own tuning within +-20 cents (all its stems alike, by speed, as
``--augment detune`` does per stem), as a band tuned to another A would be; the songs are the same
for every method and run, so rows pair as in tune.
Prints one JSON object per row (with each song's score, and ``playing``: the mean over the pairs of
a window and a stem that plays in it, where MSDM's mean also counts a silent stem's leak score), then one per learned row against the
first learned row on the same songs (mean per-song difference and its standard error: a paired
comparison, far less noisy than two averages); --write replaces the marked block of docs/results.md.
Choose settings on songs of another seed (e.g. 60 test songs of ``--seed 98``), report on these.
Several --msdm checkpoints (snapshots of one run) give the SI-SDRi-vs-CPU-hours curve.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Callable

import torch

import diffsep
from diffsep.data import augment
from diffsep.data.datasets import Track
from diffsep.data.layout import read_manifest, tracks
from diffsep.evaluation.metrics import Protocol
from diffsep.initial import masknet, wiener
from diffsep.io import audio
from diffsep.presets import PRESETS
from diffsep.priors import learned_io
from diffsep.priors.fitting import fit_gaussian
from diffsep.priors.gaussian import GaussianPrior
from diffsep.separation.engine import Engine
from diffsep.separation.settings import resolve

RESULTS = Path(__file__).parents[1] / "docs" / "results.md"
BEGIN, END = "<!-- separation_quality:begin -->", "<!-- separation_quality:end -->"
EXAMPLE = Path(__file__).parents[1] / "examples" / "audio"
Method = Callable[[torch.Tensor], torch.Tensor]
"""``mixtures [N, T] -> stems [N, S, T]``."""

FAST_WIENER = {"init": "wiener", "blend": {"bass": 0.6, "drums": 0.75, "guitar": 0.25, "piano": 0.25}, "post_filter": True}
UNBLENDED = {"blend": "none"}
LEARNED = {  # name -> (preset, the settings over it: diffsep.separation.settings.resolve's options)
    "fast": ("fast", {}),
    "paper": ("paper", {}),
    "network": ("network", {}),
    # the mask network's stems refined, not blended (`fast` blends them)
    "fast-masknet-unblended": ("fast", UNBLENDED),
    # fast until the mask network (2026-12-02 evening): the Wiener filter's stems refined, blended and post-filtered
    "fast-wiener": ("fast", FAST_WIENER),
    # its parts: not post-filtered (fast of 6108d06); the refinement alone, post-filtered (what `diffsep run` wrote
    # before the blend: its whole-band masks are the post-filter) and not; one blend weight for every stem
    "fast-unfiltered": ("fast", {**FAST_WIENER, "post_filter": False}),
    "fast-unblended-filtered": ("fast", {**FAST_WIENER, **UNBLENDED}),
    "fast-unblended": ("fast", {**FAST_WIENER, **UNBLENDED, "post_filter": False}),
    **{f"fast-blend-{w:g}": ("fast", {**FAST_WIENER, "blend": w, "post_filter": False}) for w in (0.0, 0.25, 0.4, 0.5, 0.6, 0.75)},
    **{f"fast-sigma-{sigma}": ("fast", {"init_sigma": sigma}) for sigma in (0.15, 0.2, 0.3)},
    **{f"fast-T{steps}": ("fast", {"steps": steps}) for steps in (20, 30, 40)},
    "fast-sigma-0.15-T30": ("fast", {"init_sigma": 0.15, "steps": 30}),
    **{f"fast-K{k}": ("fast", {"num_samples": k}) for k in (1, 6, 8)},  # K1: one posterior sample
    "fast-whole": ("fast", {"segment": 3600.0}),  # each song in one segment (8 s: 172 positions at attention)
    **{f"fast-segment-{s:g}": ("fast", {"segment": s}) for s in (1.49, 3.0, 6.0, 12.0)},
    **{f"fast-overlap-{o:g}": ("fast", {"overlap": o}) for o in (0.0, 0.125, 0.5)},  # the CLI's --overlap
    # the same 80 evaluations as fast, spent on more samples and fewer levels
    **{f"fast-K{k}-T{t}": ("fast", {"num_samples": k, "steps": t}) for k, t in ((5, 16), (8, 10), (10, 8))},
    # the schedule's shape: rho and the last level sigma_min (the last step returns the denoiser's
    # estimate there, as Tweedie's formula). fast before commit b7a3ff5: rho 7, 1e-4; since: 2, 0.003
    **{f"fast-rho-{rho:g}-end-{s:g}": ("fast", {"rho": float(rho), "sigma_min": s})
       for rho, s in ((7, 1e-4), (3, 1e-4), (12, 1e-4), (7, 0.003), (7, 0.01), (7, 0.03), (1, 0.003), (3, 0.003), (3, 0.001))},
    # S_churn: gamma = min(S_churn / T, sqrt 2 - 1), so fast's 20 is already the largest churn
    **{f"fast-churn-{c}": ("fast", {"s_churn": float(c)}) for c in (0, 5, 10)},
    # a prior on its own terms (the spectral prior): a start's stems refined from sigma, not blended, not filtered
    # (fast's sampler, or without churn: -churn0; its Dirac steps overshoot where the prior's masks drop much)
    **{f"{start}-refine-{sigma:g}{tag}": ("fast", {"init": start, "init_sigma": sigma, **UNBLENDED, "s_churn": churn})
       for start in ("masknet", "wiener") for sigma in (0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5)
       for tag, churn in (("", 20.0), ("-churn0", 0.0))},
    # the same with the projection likelihood (diffsep/likelihoods/project.py) instead of Dirac
    **{f"{start}-project-{sigma:g}": ("fast", {"init": start, "init_sigma": sigma, **UNBLENDED, "likelihood": "project"})
       for start in ("masknet", "wiener") for sigma in (0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3)},
    **{f"noise-project-T{steps}-K{k}": ("paper", dict(steps=steps, num_samples=k, sigma_min=0.003, rho=2.0, likelihood="project",
                                                      corrector_steps=1)) for steps in (50, 100) for k in (1, 4)},
    **{f"noise-T{steps}-K{k}{tag}": ("paper", dict(steps=steps, num_samples=k, sigma_min=0.003, rho=2.0, corrector_steps=1,
                                                   s_churn=churn))
       for steps in (50, 100) for k in (1, 4) for tag, churn in (("", 20.0), ("-churn0", 0.0))},
    # the song separated as it comes, or played onto the pitch grid first (diffsep/separation/tuning.py)
    **{f"{preset}-tuning-{tuning}": (preset, {"tuning": tuning}) for preset in ("network", "fast") for tuning in ("auto", "off")},
    # the networks with the song read as CENTS sharp and played that much lower: where their pitch grid lies
    **{f"network-tuning-{cents:g}": ("network", {"tuning": float(cents)}) for cents in (-4, -2, 2, 4)},
    "dirac-T50": ("paper", dict(steps=50)),
    "dirac-T50-K4": ("paper", dict(steps=50, num_samples=4)),
    "gaussian-T50": ("paper", dict(likelihood="gaussian", steps=50, s_churn=40.0)),
    "heun-T25": ("paper", dict(sampler="heun", steps=25, corrector_steps=1)),
    "refine-0.05": ("paper", dict(init="wiener", init_sigma=0.05, steps=20, corrector_steps=1)),
    "refine-0.1": ("paper", dict(init="wiener", init_sigma=0.1, steps=20, corrector_steps=1)),
    **{f"refine-{sigma}-K{k}": ("paper", dict(init="wiener", init_sigma=sigma, steps=20, num_samples=k, corrector_steps=1))
       for sigma in (0.05, 0.1, 0.2) for k in (4, 8)},
    **{f"refine-0.1-K4-{stem}": ("paper", dict(init="wiener", init_sigma=0.1, steps=20, num_samples=4, corrector_steps=1,
                                               likelihood_options={"constrained": stem})) for stem in ("drums", "guitar", "piano")},
    "refine-0.1-T50R2": ("paper", dict(init="wiener", init_sigma=0.1, steps=50)),
    "refine-0.1-gaussian": ("paper", dict(init="wiener", init_sigma=0.1, steps=20, likelihood="gaussian", corrector_steps=1)),
    "refine-0.3": ("paper", dict(init="wiener", init_sigma=0.3, steps=20, corrector_steps=1)),
    "refine-0.6": ("paper", dict(init="wiener", init_sigma=0.6, steps=30, corrector_steps=1)),
}


LEARNED_INIT = {name: options.get("init", PRESETS[preset].init) for name, (preset, options) in LEARNED.items()}
"""Each configuration's start (``masknet``, ``wiener``, a folder, or None for noise)."""


def ideal_ratio_mask(mixture: torch.Tensor, stems: torch.Tensor, n_fft: int = 2048) -> torch.Tensor:
    """Oracle: each stem's power share of the mixture's STFT; ``stems`` ``[S, T]``."""
    window = torch.hann_window(n_fft)
    spec = lambda x: torch.stft(x, n_fft, n_fft // 4, window=window, return_complex=True)  # noqa: E731
    power = spec(stems).abs().square()
    masked = spec(mixture)[None] * power / power.sum(0, keepdim=True).clamp(min=1e-12)
    return torch.istft(masked, n_fft, n_fft // 4, window=window, length=mixture.shape[-1])


def posterior_mean(prior, samples: int, steps: int) -> Method:
    """The mean of ``samples`` Dirac posterior samples of MSDM's sampler with ``steps`` levels,
    each song in one piece: the Gaussian prior's own baseline."""
    engine = Engine(prior, resolve(prior, "paper", num_samples=samples, steps=steps, segment=3600.0, band="model"))
    return lambda mixtures: torch.stack([engine.apply(mixture[None], prior.sample_rate)[0] for mixture in mixtures])


def engine_method(prior, preset: str, options: dict, start: Callable[[torch.Tensor], torch.Tensor] | None = None) -> Method:
    """Each song separated by the engine `diffsep run` uses, at the prior's rate and band (segments
    of two training chunks unless the options say otherwise); ``start``: ``mixture [1, T] -> stems
    [1, S, T]``, a first separator of the benchmark's own in place of a named one."""
    options = dict(options)
    likelihood = options.pop("likelihood", "dirac")
    if start is not None:
        options["init"] = "given"  # the stems come with each song
    engine = Engine(prior, resolve(prior, preset, likelihood, band="model", **options))

    def run(mixtures: torch.Tensor) -> torch.Tensor:
        stems = [engine.apply(mixture[None], prior.sample_rate, start=None if start is None else start(mixture[None]).transpose(0, 1))
                 for mixture in mixtures]
        return torch.stack([s[0] for s in stems])

    return run


def learned_methods(paths: list[Path], configs: list[str], wiener_init: Path | None = None,
                    masknet_init: Path | None = None) -> dict[str, tuple[Method, dict]]:
    """``wiener_init``: a Gaussian checkpoint whose Wiener filter, at each prior's rate, replaces
    the shipped start filter as the initial separation of the refining configurations;
    ``masknet_init``: a mask network's file that replaces the shipped one."""
    methods = {}
    custom = GaussianPrior.load(str(wiener_init)) if wiener_init else None
    for path in paths:
        prior = learned_io.load(path)
        lineage = {k: v for k, v in prior_metadata(path).items() if k in ("training_steps", "cpu_hours")}
        tag = f"{path.stem} ({lineage.get('training_steps', '?')} steps, {lineage.get('cpu_hours', '?')} CPU-h)"
        tag += f", init {wiener_init.name}" if wiener_init else ""
        tag += f", mask network {masknet_init}" if masknet_init else ""
        for config in configs:
            preset, options = LEARNED[config]
            if masknet_init and LEARNED_INIT[config] == "masknet":
                options = {**options, "init": str(masknet_init)}
            start = custom.at_rate(prior.sample_rate).posterior_mean if custom and options.get("init") == "wiener" else None
            methods[f"{prior.kind} {config}: {tag}"] = (engine_method(prior, preset, options, start), {"checkpoint": str(path), **lineage})
    return methods


def prior_metadata(path: Path) -> dict:
    from diffsep.priors import checkpoints

    return checkpoints.load(path)[1]


def timbres(root: Path) -> str:
    """The SoundFonts a set was rendered with, from its manifest (before they were recorded
    there, every set was rendered with pretty_midi's TimGM6mb)."""
    fonts = [Path(font["file"]).stem for font in read_manifest(root).get("soundfonts", [{"file": "TimGM6mb.sf2"}])]
    return "+".join(dict.fromkeys(fonts))


def references(args: argparse.Namespace, stems: list[str], rate: int) -> dict[str, list[torch.Tensor]]:
    """Held-out songs ``[S, T]`` of each set and the bundled example, at ``rate``."""
    found = {}
    for root in args.data:
        songs = []
        for folder in tracks(root, args.split)[: args.tracks]:
            track = Track.open(folder, stems, rate)
            songs.append(track.read(0, track.frames))
        composers = read_manifest(root).get("composers")  # a corpus set: pieces by these composers
        what = f"pieces by {'+'.join(composers)}" if composers else "held-out songs"
        name = f"{len(songs)} {what}, {timbres(root)}"
        found[name if name not in found else f"{name} ({root.name})"] = songs  # two sets alike stay apart
    example = torch.stack([audio.read(EXAMPLE / "reference" / f"{stem}.wav", rate)[0].mean(0) for stem in stems])
    return {**found, "bundled example": [example]}


def played(sets: dict[str, list[torch.Tensor]], cents: float) -> dict[str, tuple[list[torch.Tensor], list[torch.Tensor]]]:
    """Each set's songs as scored and as rendered: with ``cents``, each song played at its own
    tuning within +-cents (:func:`diffsep.data.augment.out_of_tune`; the i-th song of every set
    at the same one), the set's name saying so; silence is judged on the songs as rendered."""
    if not cents:
        return {where: (songs, songs) for where, songs in sets.items()}
    return {f"{where}, played within +-{cents:g} cents": (augment.out_of_tune(songs, cents)[0], songs) for where, songs in sets.items()}


def score(method: Method | None, songs: list[torch.Tensor], rate: int,
          rendered: list[torch.Tensor] | None = None) -> tuple[torch.Tensor, list[float], int, torch.Tensor]:
    """Per-stem SI-SDRi ``[S]``, each song's mean over its windows and stems (for paired
    comparisons of two methods), the number of windows, and the per-stem SI-SDRi over the pairs
    of a window and a stem that plays in it (``Protocol.playing``; silence judged on ``rendered``,
    the songs before any processing, default ``songs``); ``None`` is the ideal ratio mask."""
    protocol, windows, playing = Protocol(), [], []
    for reference, source in zip(songs, rendered or songs):
        mixture = reference.sum(0)
        estimate = ideal_ratio_mask(mixture, reference) if method is None else method(mixture[None])[0]
        windows.append(protocol.windows(estimate, reference, rate))
        playing.append(protocol.playing(source, rate, kept_by=reference))
    per_song = [round(float(w.mean()), 2) for w in windows]
    return protocol.summary(windows), per_song, int(sum(len(w) for w in windows)), protocol.summary_playing(windows, playing)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True,
                        help="mini-Slakh sets: each one's test split scored; the first one's train split fits the Gaussian")
    parser.add_argument("--tracks", type=int, default=20)
    parser.add_argument("--split", default="test", help="split scored (validation: choose settings there, report on test)")
    parser.add_argument("--msdm", type=Path, nargs="*", default=[], help="learned checkpoints (default: the shipped one)")
    parser.add_argument("--configs", default="refine-0.3", help=f"comma-separated, from {', '.join(LEARNED)}")
    parser.add_argument("--baselines", action=argparse.BooleanOptionalAction, default=True,
                        help="the Wiener filters and the ideal ratio mask")
    parser.add_argument("--gaussian-samples", action="store_true",
                        help="also the mean of 1 and 4 posterior samples of the fitted Gaussian (minutes per set)")
    parser.add_argument("--wiener-init", type=Path, default=None,
                        help="Gaussian checkpoint (diffsep fit-gaussian) to refine from instead of the shipped Wiener filter")
    parser.add_argument("--masknet", type=Path, default=None,
                        help="a mask network's file (diffsep train-masknet) in place of the shipped one, as the start and as a row")
    parser.add_argument("--tuning", type=float, default=0.0, metavar="CENTS",
                        help="play each song at its own tuning, drawn within +-CENTS (the same per song for every method and run)")
    parser.add_argument("--write", action="store_true", help="replace the marked block of docs/results.md")
    args = parser.parse_args()
    paths = args.msdm or [Path(diffsep.priors.__file__).parent.parent / "assets" / diffsep.priors.DEFAULT_MSDM]
    first = learned_io.load(paths[0])
    stems, rate = first.stems, first.sample_rate
    methods: dict[str, tuple[Method | None, dict]] = {}
    if args.baselines:
        gaussian = fit_gaussian(args.data[0], stems, rate, "train")
        methods[f"Wiener filter (Gaussian fitted on {timbres(args.data[0])} train, posterior mean)"] = (gaussian.posterior_mean, {})
        methods["Wiener filter (shipped start filter, what --init wiener starts from)"] = (wiener(first), {})
        methods["mask network (shipped, what --init masknet starts from)"] = (masknet(first), {})
        if args.masknet:
            methods[f"mask network ({args.masknet})"] = (masknet(first, str(args.masknet)), {})
        for k in (1, 4) if args.gaussian_samples else ():
            methods[f"Gaussian fitted on {timbres(args.data[0])} train + dirac T=50, mean of {k}"] = (posterior_mean(gaussian, k, 50), {})
        methods["ideal ratio mask (oracle)"] = (None, {})
    methods.update(learned_methods(paths, [c.strip() for c in args.configs.split(",") if c.strip()], args.wiener_init, args.masknet))
    rows, sets = [], played(references(args, stems, rate), args.tuning)
    for name, (method, extra) in methods.items():
        for where, (songs, rendered) in sets.items():
            started = time.process_time()
            scores, per_song, windows, playing = score(method, songs, rate, rendered)
            row = {"method": name, "songs": where, **{s: round(float(v), 2) for s, v in zip(stems, scores)},
                   "all": round(float(scores.mean()), 2), "playing": round(float(playing.mean()), 2), "windows": windows,
                   "cpu_seconds": round(time.process_time() - started, 1), **extra, "per_song": per_song}
            rows.append(row)
            print(json.dumps(row), flush=True)
    for line in paired(rows):
        print(json.dumps(line), flush=True)
    if args.write:
        write_table(rows, stems, " ".join(["benchmarks/separation_quality.py", *(a for a in sys.argv[1:] if a != "--write")]))


def paired(rows: list[dict]) -> list[dict]:
    """Each learned row against the first learned row and against the mask network (the start
    ``fast`` refines) on the same songs: the mean of the per-song differences and its standard
    error, so that two settings are told apart by more than noise."""
    lines = []
    for where in dict.fromkeys(r["songs"] for r in rows):
        learned = [r for r in rows if r["songs"] == where and "checkpoint" in r]
        starts = [r for r in rows if r["songs"] == where and r["method"].startswith("mask network")]
        for anchor in learned[:1] + starts:
            for row in learned:
                if row is anchor:
                    continue
                diff = torch.tensor(row["per_song"]) - torch.tensor(anchor["per_song"])
                se = round(float(diff.std() / len(diff) ** 0.5), 3) if len(diff) > 1 else None  # JSON has no NaN
                lines.append({"paired": row["method"], "against": anchor["method"], "songs": where,
                              "mean_difference": round(float(diff.mean()), 3), "standard_error": se})
    return lines


def write_table(rows: list[dict], stems: list[str], command: str) -> None:
    sets = list(dict.fromkeys(r["songs"] for r in rows))  # each set's rows together, in the order they came
    header = "| songs | method | " + " | ".join(stems) + " | all | playing |\n|---|---|" + "---|" * (len(stems) + 2) + "\n"
    body = "".join(f"| {r['songs']} | {r['method']} | " + " | ".join(f"{r[s]:.2f}" for s in stems)
                   + f" | {r['all']:.2f} | {r['playing']:.2f} |\n" for r in sorted(rows, key=lambda r: sets.index(r["songs"])))
    block = (f"{BEGIN}\n`.venv/bin/python {command}`; SI-SDRi in dB (MSDM's protocol; `playing`: the mean over the pairs "
             f"of a window and a stem that plays in it, without the silent stems' leak scores):\n\n{header}{body}{END}")
    text = RESULTS.read_text()
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S) if BEGIN in text else text + "\n" + block + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
