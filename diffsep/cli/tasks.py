"""``diffsep generate``, ``impute`` and ``evaluate``: the other tasks of one prior."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from diffsep.cli import common
from diffsep.cli.common import PLUGIN, friendly, load_plugins, parse_known, prior_options

PRIOR = typer.Option("msdm", help="Prior by name (see `diffsep list`); msdm uses the shipped checkpoint.")
CHECKPOINT = typer.Option(None, help="Checkpoint (.safetensors) of the prior.")
STEPS = typer.Option(150, help="Number of noise levels T.")
SEED = typer.Option(0, help="Random seed.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")


@friendly
def generate(
    out: Path = typer.Option(Path("generated"), "-o", "--out", help="Output folder: OUT/<track>/<stem>.wav."),
    tracks: int = typer.Option(1, min=1, help="Number of songs."),
    seconds: float = typer.Option(4.0, min=0.1, help="Length of each song, seconds."),
    prior: str = PRIOR,
    checkpoint: Optional[Path] = CHECKPOINT,
    sampler: str = typer.Option("heun", help="Sampler by name."),
    steps: int = STEPS,
    s_churn: float = typer.Option(0.0, help="Stochasticity S_churn."),
    sigma_max: float = typer.Option(20.0, help="Largest noise level (MSDM generation: 20)."),
    seed: int = SEED,
    plugin: List[str] = PLUGIN,
) -> None:
    """Total generation: songs of all stems from the prior alone, plus their mixture."""
    load_plugins(plugin)
    import diffsep
    from diffsep.components import build_prior
    from diffsep.io import audio

    model = build_prior(prior, prior_options(checkpoint))
    songs = diffsep.generate(model, tracks, int(seconds * model.sample_rate), sampler, steps=steps, sigma_max=sigma_max,
                             sampler_options={"s_churn": s_churn}, seed=seed)
    for index, song in enumerate(songs):
        folder = out / f"generated{index + 1:03d}"
        for name, stem in zip([*model.stems, "mixture"], [*song, song.sum(0)]):
            audio.write(folder / f"{name}.wav", stem[None], model.sample_rate, subtype="FLOAT")
        config = {"prior": prior, "checkpoint": str(checkpoint), "seed": seed + index, "steps": steps, "sigma_max": sigma_max}
        (folder / "config.json").write_text(json.dumps(config, indent=2))
    typer.echo(f"wrote {tracks} songs to {out}")


@friendly
def impute(
    known: List[str] = typer.Option(..., "--known", help="STEM=FILE, a given stem (repeatable); the others are generated."),
    out: Path = typer.Option(Path("imputed"), "-o", "--out", help="Output folder: OUT/<track>/<stem>.wav."),
    prior: str = PRIOR,
    checkpoint: Optional[Path] = CHECKPOINT,
    steps: int = STEPS,
    s_churn: float = typer.Option(20.0, help="Stochasticity S_churn."),
    corrector_steps: int = typer.Option(2, help="Corrector repeats R."),
    sigma_max: float = typer.Option(20.0, help="Largest noise level (MSDM generation: 20)."),
    segment: Optional[float] = common.SEGMENT,
    seed: int = SEED,
    quiet: bool = QUIET,
    plugin: List[str] = PLUGIN,
) -> None:
    """Partial generation: accompaniment for the given stems (written back exactly)."""
    load_plugins(plugin)
    from diffsep.io.job import Job

    given = dict(parse_known(item) for item in known)
    job = Job(prior=prior, prior_options=prior_options(checkpoint), likelihood="impute", sampler="euler",
              sampler_options={"s_churn": s_churn, "corrector_steps": corrector_steps},
              schedule={"steps": steps, "sigma_max": sigma_max}, seed=seed, known=given, segment=segment,
              band="model")  # generated stems: nothing ties them to a mixture to share out
    from diffsep.io.outputs import OutputFormat

    job.run([next(iter(given.values()))], out, OutputFormat(subtype="FLOAT", clip_mode="none"), quiet=quiet).raise_failures(1)


@friendly
def evaluate(
    data: Path = typer.Argument(..., help="Data set in the MSDM layout (or a folder of track folders).", show_default=False),
    split: Optional[str] = typer.Option("test", help="Split folder under DATA; '' for DATA itself."),
    estimates: Optional[Path] = typer.Option(None, help="Read estimates from ESTIMATES/<track>/<stem>.wav instead of separating."),
    out: Path = typer.Option(Path("evaluation"), "-o", "--out", help="Where windows.csv, summary.json (and estimates) go."),
    prior: str = PRIOR,
    checkpoint: Optional[Path] = CHECKPOINT,
    likelihood: str = typer.Option("dirac", help="Likelihood by name."),
    constrained: Optional[str] = typer.Option(None, help="Dirac: constrained stem [default: first stem]."),
    preset: str = common.PRESET,
    steps: Optional[int] = common.STEPS,
    corrector_steps: Optional[int] = common.CORRECTOR_STEPS,
    s_churn: Optional[float] = common.S_CHURN,
    num_samples: Optional[int] = common.NUM_SAMPLES,
    init: Optional[str] = common.INIT,
    init_sigma: Optional[float] = common.INIT_SIGMA,
    blend: Optional[str] = common.BLEND,
    post_filter: Optional[bool] = common.POST_FILTER,
    segment: Optional[float] = common.SEGMENT,
    seed: int = SEED,
    quiet: bool = QUIET,
    plugin: List[str] = PLUGIN,
) -> None:
    """Separate a data set (or read estimates) and score SI-SDRi with the MSDM protocol."""
    load_plugins(plugin)
    from rich.console import Console
    from rich.table import Table

    from diffsep.evaluation.dataset import Evaluation, track_folders
    from diffsep.evaluation.dataset import evaluate as score
    from diffsep.io.job import Job
    from diffsep.io.outputs import OutputFormat
    from diffsep.io.shards import Shard
    from diffsep.presets import job_options

    folders = track_folders(data, split or None)
    job = Job(prior=prior, prior_options=prior_options(checkpoint), likelihood=likelihood,
              likelihood_options={"constrained": constrained} if constrained else {}, preset=preset,
              **job_options(steps=steps, corrector_steps=corrector_steps, s_churn=s_churn, num_samples=num_samples,
                            init=init, init_sigma=init_sigma, blend=common.blend_option(blend),
                            post_filter=post_filter), seed=seed, segment=segment)
    model = job.model
    separated = out / "estimates"

    def estimate(folder: Path) -> Path:
        if estimates is not None:
            return estimates / folder.name
        mixture = folder / "mixture.wav"
        if not mixture.is_file():
            from diffsep.errors import DiffsepError

            raise DiffsepError(f"{str(folder)!r} has no mixture.wav to separate; pass --estimates")
        fmt = OutputFormat("{stem}.{ext}", subtype="FLOAT", clip_mode="none")
        job.run([mixture], separated / folder.name, fmt, quiet=quiet).raise_failures(1)
        return separated / folder.name

    shard = Shard.from_env()  # under torchrun: each process scores its share, rank 0 writes the whole
    try:
        rows = [row for part in shard.gather(score(shard.take(folders), model.stems, model.sample_rate, estimate).rows)
                for row in part]
    finally:
        shard.close()
    if not shard.main:
        return
    order = {folder.name: index for index, folder in enumerate(folders)}  # the single-process order
    result = Evaluation(model.stems, sorted(rows, key=lambda r: (order[r[0]], r[1], model.stems.index(r[3]))))
    result.write_csv(out / "windows.csv")
    summary = result.summary()
    (out / "summary.json").write_text(json.dumps({"si_sdri_db": summary, "windows": len(result.rows) // len(model.stems)}, indent=2))
    table = Table(title=f"SI-SDRi (dB), MSDM protocol, {len(result.rows) // len(model.stems)} windows")
    for stem in summary:
        table.add_column(stem)
    table.add_row(*(f"{value:.2f}" for value in summary.values()))
    Console().print(table)


__all__ = ["evaluate", "generate", "impute"]
