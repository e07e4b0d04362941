"""``diffsep generate``, ``impute`` and ``evaluate``: the other tasks of one prior."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from diffsep.cli import common
from diffsep.cli.common import PLUGIN, friendly, load_plugins, parse_known, prior_options
from diffsep.io.atomic import write_json

PRIOR = typer.Option("msdm", help="Prior by name (see `diffsep list`); msdm uses the shipped checkpoint.")
GENERATOR = typer.Option("spectral", help="Prior by name (see `diffsep list`); spectral and msdm use their shipped checkpoints.")
CHECKPOINT = typer.Option(None, help="Checkpoint (.safetensors) of the prior.")
SEED = typer.Option(0, help="Random seed.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")


def generation_preset(task: str) -> Any:
    from diffsep.presets import DEFAULT_GENERATION_PRESET, GENERATION_PRESETS

    presets = GENERATION_PRESETS[task]
    return typer.Option(DEFAULT_GENERATION_PRESET, help=f"Sampling settings ({', '.join(presets)}); the options below "
                        "override them. " + " ".join(f"{name}: {p.description}." for name, p in presets.items()))


@friendly
def generate(
    out: Path = typer.Option(Path("generated"), "-o", "--out", help="Output folder: OUT/<track>/<stem>.wav."),
    tracks: int = typer.Option(1, min=1, help="Number of songs."),
    seconds: float = typer.Option(4.0, min=0.1, help="Length of each song, seconds."),
    prior: str = GENERATOR,
    checkpoint: Optional[Path] = CHECKPOINT,
    preset: str = generation_preset("generate"),
    sampler: Optional[str] = common.SAMPLER,
    steps: Optional[int] = common.STEPS,
    s_churn: Optional[float] = common.S_CHURN,
    sigma_min: Optional[float] = common.SIGMA_MIN,
    sigma_max: Optional[float] = common.SIGMA_MAX,
    seed: int = SEED,
    quiet: bool = QUIET,
    plugin: List[str] = PLUGIN,
) -> None:
    """Total generation: songs of all stems from the prior alone, plus their mixture."""
    load_plugins(plugin)
    import diffsep
    from diffsep.components import build_prior
    from diffsep.io import audio
    from diffsep.presets import resolve

    settings = resolve(preset, "generate", sampler=sampler, steps=steps, s_churn=s_churn, sigma_min=sigma_min,
                       sigma_max=sigma_max)
    model = build_prior(prior, prior_options(checkpoint))
    with common.progress_bar("diffusion steps", settings.steps, quiet) as advance:
        songs = diffsep.generate(model, tracks, int(seconds * model.sample_rate), settings.sampler, **settings.schedule(),
                                 sampler_options=settings.sampler_options(), seed=seed, callback=lambda step: advance(1))
    for index, song in enumerate(songs):
        folder = out / f"generated{index + 1:03d}"
        for name, stem in zip([*model.stems, "mixture"], [*song, song.sum(0)]):
            audio.write(folder / f"{name}.wav", stem[None], model.sample_rate, subtype="FLOAT")
        config = {"prior": prior, "checkpoint": str(checkpoint), "preset": preset, "seed": seed + index,
                  "sampler": settings.sampler, "sampler_options": settings.sampler_options(), **settings.schedule()}
        write_json(folder / "config.json", config)
    typer.echo(f"wrote {tracks} songs to {out}")


def imputed_name(given: dict[str, Path]) -> str:
    """The folder of an imputed song: the given files' common folder, else the first file's name."""
    folders = {path.resolve().parent for path in given.values()}
    folder = folders.pop() if len(folders) == 1 else None
    return folder.name if folder is not None and folder.name else next(iter(given.values())).stem


@friendly
def impute(
    known: List[str] = typer.Option(..., "--known", help="STEM=FILE, a given stem (repeatable); the others are generated."),
    out: Path = typer.Option(Path("imputed"), "-o", "--out", help="Output folder: OUT/<name>/<stem>.wav."),
    name: Optional[str] = typer.Option(None, help="The song's folder under OUT [the given files' common folder, else the first file's name]."),
    prior: str = GENERATOR,
    checkpoint: Optional[Path] = CHECKPOINT,
    preset: str = generation_preset("impute"),
    sampler: Optional[str] = common.SAMPLER,
    steps: Optional[int] = common.STEPS,
    s_churn: Optional[float] = common.S_CHURN,
    corrector_steps: Optional[int] = common.CORRECTOR_STEPS,
    sigma_min: Optional[float] = common.SIGMA_MIN,
    sigma_max: Optional[float] = common.SIGMA_MAX,
    segment: Optional[float] = common.SEGMENT,
    seed: int = SEED,
    quiet: bool = QUIET,
    plugin: List[str] = PLUGIN,
) -> None:
    """Partial generation: accompaniment for the given stems (written back exactly)."""
    load_plugins(plugin)
    from diffsep.cli.allocator import keep_freed_memory
    from diffsep.io.outputs import OutputFormat
    from diffsep.separator import Separator

    given = dict(parse_known(item) for item in known)
    separator = Separator(prior, "impute", preset, task="impute", checkpoint=checkpoint, sampler=sampler, steps=steps,
                          s_churn=s_churn, corrector_steps=corrector_steps, sigma_min=sigma_min, sigma_max=sigma_max,
                          seed=seed, segment=segment, tuning="off")  # read off one given stem (drums: none); not measured
    keep_freed_memory()
    folder = (name or imputed_name(given)).replace("{", "{{").replace("}", "}}")
    fmt = OutputFormat(folder + "/{stem}.{ext}", subtype="FLOAT", clip_mode="none")
    separator.write([next(iter(given.values()))], out, fmt, given, quiet=quiet).raise_failures(1)


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
    from diffsep.cli.allocator import keep_freed_memory
    from diffsep.cli.shards import Shard
    from diffsep.io.outputs import OutputFormat
    from diffsep.separator import Separator

    folders = track_folders(data, split or None)
    separator = Separator(prior, likelihood, preset, checkpoint=checkpoint, constrained=constrained, steps=steps,
                          corrector_steps=corrector_steps, s_churn=s_churn, num_samples=num_samples, init=init,
                          init_sigma=init_sigma, blend=common.blend_option(blend), post_filter=post_filter, seed=seed,
                          segment=segment)
    model = separator.prior
    keep_freed_memory()
    separated = out / "estimates"

    def estimate(folder: Path) -> Path:
        if estimates is not None:
            return estimates / folder.name
        mixture = folder / "mixture.wav"
        if not mixture.is_file():
            from diffsep.errors import DiffsepError

            raise DiffsepError(f"{str(folder)!r} has no mixture.wav to separate; pass --estimates")
        fmt = OutputFormat("{stem}.{ext}", subtype="FLOAT", clip_mode="none")
        separator.write([mixture], separated / folder.name, fmt, quiet=quiet).raise_failures(1)
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
    write_json(out / "summary.json", {"si_sdri_db": summary, "windows": len(result.rows) // len(model.stems)})
    table = Table(title=f"SI-SDRi (dB), MSDM protocol, {len(result.rows) // len(model.stems)} windows")
    for stem in summary:
        table.add_column(stem)
    table.add_row(*(f"{value:.2f}" for value in summary.values()))
    Console().print(table)


__all__ = ["evaluate", "generate", "impute"]
