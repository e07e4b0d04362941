"""The ``diffsep`` command line: thin; it parses, builds components by name, and calls the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from diffsep.cli import tasks
from diffsep.cli.common import (BLEND, CORRECTOR_STEPS, INIT, INIT_SIGMA, NUM_SAMPLES, PLUGIN, POST_FILTER, PRESET, RHO,
                                S_CHURN, SAMPLER, SEGMENT, SIGMA_MAX, SIGMA_MIN, STEPS, blend_option, friendly, load_plugins,
                                parse_known, parse_option, prior_options)
from diffsep.cli.data import app as data_app
from diffsep.cli.train import train as train_command
from diffsep.cli.train import bag, train_masknet
from diffsep.errors import DiffsepError
from diffsep.separation.settings import OVERLAP, TUNING

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Multi-Source Diffusion Models: separate, generate and impute music stems.",
)
app.add_typer(data_app, name="data")
app.command("train")(train_command)
app.command("train-masknet")(train_masknet)
app.command("bag")(bag)
app.command("generate")(tasks.generate)
app.command("impute")(tasks.impute)
app.command("evaluate")(tasks.evaluate)


@app.command("run")
@friendly
def run(
    inputs: List[str] = typer.Argument(..., help="Mixtures: files, folders (searched recursively) or glob patterns.", show_default=False),
    out: Path = typer.Option(Path("separated"), "-o", "--out", help="Output folder."),
    filename: str = typer.Option("{track}/{stem}.{ext}", help="Output path template under --out: {track} (the input's name), "
                                 "{path} (its path under the inputs' common folder), {stem}, {ext}."),
    prior: str = typer.Option("msdm", help="Prior by name (see `diffsep list`); msdm uses the shipped checkpoint."),
    likelihood: str = typer.Option("dirac", help="Likelihood by name: dirac, gaussian, ..."),
    checkpoint: Optional[Path] = typer.Option(None, help="Checkpoint (.safetensors) of the prior."),
    constrained: Optional[str] = typer.Option(None, help="Dirac: constrained stem, by name or index [default: first stem]."),
    gamma: Optional[float] = typer.Option(None, help="Gaussian likelihood: gamma / sigma_hat [default: 0.75]."),
    known: List[str] = typer.Option([], "--known", help="STEM=FILE, a stem already known (repeatable)."),
    likelihood_option: List[str] = typer.Option([], "--likelihood-option", "-L", help="KEY=VALUE for the likelihood's factory (repeatable; JSON values)."),
    preset: str = PRESET,
    sampler: Optional[str] = SAMPLER,
    steps: Optional[int] = STEPS,
    corrector_steps: Optional[int] = CORRECTOR_STEPS,
    s_churn: Optional[float] = S_CHURN,
    sigma_min: Optional[float] = SIGMA_MIN,
    sigma_max: Optional[float] = SIGMA_MAX,
    rho: Optional[float] = RHO,
    init: Optional[str] = INIT,
    init_sigma: Optional[float] = INIT_SIGMA,
    blend: Optional[str] = BLEND,
    post_filter: Optional[bool] = POST_FILTER,
    num_samples: Optional[int] = NUM_SAMPLES,
    seed: int = typer.Option(0, help="Random seed; results do not depend on batching."),
    segment: Optional[float] = SEGMENT,
    overlap: float = typer.Option(OVERLAP, help="Overlap of neighbouring segments, fraction of a segment."),
    write_samples: bool = typer.Option(False, "--write-samples", help="Also write each sample as <stem>_sample<k>."),
    batch_size: int = typer.Option(0, help="Items (segments x channels x samples) per network call; 0: about 12 s of audio per call. "
                                    "Larger values batch overlapping segments together; in fp32 results do not change (bf16 may round differently)."),
    device: str = typer.Option("cpu", help="Torch device for the model (the track stays on the CPU)."),
    precision: str = typer.Option("auto", help="The network's precision: fp32, bf16 or fp16 (autocast; the sampler stays fp32); auto: bf16 on a CPU with bf16 instructions (AVX512-BF16, AMX), else fp32."),
    keep_model_sr: bool = typer.Option(False, "--keep-model-sr", help="Write at the model's sample rate, not the input's (the model's band only; each channel separated)."),
    stereo: str = typer.Option("mid", help="mid: separate the channels' mean once and share each channel among the stems by its masks; "
                               "channels: separate each channel on its own (twice the work). A mono input has one channel either way."),
    band: Optional[str] = typer.Option(None, help="How stems get the whole band: masks (each channel shared by time-frequency masks of the "
                                       "separation, carried above the prior's band: a post-filter at the input's rate), residual (the "
                                       "separation's waveforms kept, and what they miss of each channel shared by the masks), or model "
                                       "(the prior's band only, resampled: the stems miss the rest of the mixture) "
                                       "[default: masks where the preset post-filters, else residual]."),
    tuning: str = typer.Option(TUNING, help="auto: read each song's offset from the pitch grid on A = 440 Hz (30 s of excerpts) and "
                               "separate it played onto the grid, its stems played back; CENTS: the song's offset, given (+ sharp); "
                               "off: as it comes."),
    flac: bool = typer.Option(False, "--flac", help="Write FLAC instead of WAV."),
    int24: bool = typer.Option(False, "--int24", help="24-bit integer samples."),
    float32: bool = typer.Option(False, "--float32", help="32-bit float samples (WAV only)."),
    clip_mode: str = typer.Option("rescale", help="rescale (Demucs), clamp or none."),
    skip_existing: bool = typer.Option(False, "--skip-existing", help="Skip tracks whose stems all exist."),
    plot: bool = typer.Option(False, "--plot", help="Also write overview.png (spectrograms of the mixture and stems)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    plugin: List[str] = PLUGIN,
) -> None:
    """Separate each mixture into the prior's stems (alias: separate)."""
    from diffsep.io.audio import find_inputs
    from diffsep.io.report import Report
    from diffsep.io.outputs import OutputFormat, track_names
    from diffsep.cli.allocator import keep_freed_memory
    from diffsep.cli.shards import Shard
    from diffsep.separator import Separator

    load_plugins(plugin)
    if int24 and float32:
        raise DiffsepError("choose one of --int24 and --float32")
    if clip_mode not in ("rescale", "clamp", "none"):
        raise DiffsepError(f"--clip-mode is rescale, clamp or none, not {clip_mode!r}")
    fmt = OutputFormat(filename, "flac" if flac else "wav", "FLOAT" if float32 else "PCM_24" if int24 else "PCM_16", clip_mode)
    separator = Separator(
        prior, likelihood, preset, checkpoint=checkpoint, constrained=constrained, gamma=gamma,
        likelihood_options=dict(parse_option(item) for item in likelihood_option), sampler=sampler, steps=steps,
        corrector_steps=corrector_steps, s_churn=s_churn, sigma_min=sigma_min, sigma_max=sigma_max, rho=rho, init=init,
        init_sigma=init_sigma, blend=blend_option(blend), post_filter=post_filter, num_samples=num_samples, seed=seed,
        segment=segment, overlap=overlap, batch_size=batch_size, device=device, precision=precision, stereo=stereo, band=band,
        keep_model_sr=keep_model_sr, write_samples=write_samples, tuning=tuning)
    files, shard = find_inputs(inputs), Shard.from_env()  # under torchrun: each process takes its share
    fmt.check_apart(out, track_names(files), "stem")  # every input, before any is shared out
    keep_freed_memory()  # a quarter off each network call on glibc (diffsep/cli/allocator.py)
    try:
        report = separator.write(shard.take(files), out, fmt, dict(parse_known(item) for item in known),
                                 skip_existing=skip_existing, plot=plot, quiet=quiet)
        failed = {path: reason for part in shard.gather(report.failed) for path, reason in part.items()}
    finally:
        shard.close()
    if shard.main:
        Report(failed=failed).raise_failures(len(files))


app.command("separate", help="Alias of run.")(run)


@app.command("fit-gaussian")
@friendly
def fit_gaussian(
    data: Path = typer.Argument(..., help="Data set in the MSDM layout.", show_default=False),
    out: Path = typer.Option(..., "-o", "--out", help="Checkpoint to write (.safetensors)."),
    stems: str = typer.Option("bass,drums,guitar,piano", help="Comma-separated stem names, in order."),
    split: str = typer.Option("train", help="Split to fit on."),
    sample_rate: int = typer.Option(22050, help="The files' sample rate, Hz."),
    n_fft: int = typer.Option(2048, help="Welch segment length, samples (frequency resolution)."),
) -> None:
    """Fit the exact Gaussian prior's cross-spectra to a data set (use it with --checkpoint)."""
    from diffsep.priors.fitting import fit_gaussian as fit

    prior = fit(data, [s.strip() for s in stems.split(",") if s.strip()], sample_rate, split, n_fft)
    prior.save(out)
    typer.echo(f"wrote {out}: stems {prior.stems}, {sample_rate} Hz, n_fft {n_fft}")


@app.command("convert")
@friendly
def convert(
    checkpoints: List[Path] = typer.Argument(..., help="MSDM Lightning .ckpt (one: msdm; one per stem: weak).", show_default=False),
    out: Path = typer.Option(..., "-o", "--out", help="The diffsep prior to write (.safetensors)."),
    stems: str = typer.Option("bass,drums,guitar,piano", help="Comma-separated stem names, in the network's order."),
    sample_rate: int = typer.Option(22050, help="The model's sample rate, Hz (MSDM: 22050)."),
    clamp: bool = typer.Option(False, "--clamp/--no-clamp", help="Clamp D to [-1, 1] in the network's units, where audio-diffusion-pytorch clamped "
                               "(audio x the prior's data scale; 1 for converted MSDM files, so audio units)."),
) -> None:
    """Convert the public MSDM checkpoints (safely: no code in them is run)."""
    from diffsep.priors import learned_io
    from diffsep.priors.convert import convert as run

    names = [s.strip() for s in stems.split(",") if s.strip()]
    if sample_rate <= 0:
        raise DiffsepError(f"--sample-rate must be positive, got {sample_rate}")
    prior = run(checkpoints, names, sample_rate, clamp)
    learned_io.save(prior, out, converted_from=[str(p) for p in checkpoints])
    typer.echo(f"wrote {out}: {prior.kind} prior, stems {names}, {sample_rate} Hz")


@app.command("interpolate")
@friendly
def interpolate(
    start: Path = typer.Argument(..., help="A learned prior (.safetensors): the weights at --weight 0.", show_default=False),
    end: Path = typer.Argument(..., help="Its continuation on other data: the weights at --weight 1.", show_default=False),
    out: Path = typer.Option(..., "-o", "--out", help="The prior to write (.safetensors)."),
    weight: float = typer.Option(0.5, help="How far from START toward END: (1 - w) * START + w * END."),
    dtype: str = typer.Option("float16", help="Storage dtype of the weights: float16 or float32."),
) -> None:
    """Weights between a prior and its continuation (WiSE-FT): most of the gain on the new data for
    a fraction of the loss on the old."""
    import torch

    from diffsep.priors.interpolate import interpolate as run

    if dtype not in ("float16", "float32"):
        raise DiffsepError(f"--dtype must be float16 or float32, got {dtype!r}")
    run(start, end, weight, out, getattr(torch, dtype))
    typer.echo(f"wrote {out}: {1 - weight:g} x {start.name} + {weight:g} x {end.name}")


@app.command("list")
@friendly
def list_components(plugin: List[str] = PLUGIN, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show every registered prior, likelihood and sampler, and where it comes from."""
    from rich.console import Console
    from rich.table import Table

    from diffsep.registry import REGISTRIES

    load_plugins(plugin)
    rows = [entry for registry in REGISTRIES.values() for entry in registry.entries()]
    if as_json:
        typer.echo(json.dumps([entry.__dict__ for entry in rows], indent=2))
        return
    table = Table(title="diffsep components")
    for column in ("kind", "name", "origin", "target"):
        table.add_column(column)
    for entry in rows:
        table.add_row(entry.kind, entry.name, entry.origin, entry.target)
    Console().print(table)


if __name__ == "__main__":  # `python -m diffsep.cli`, e.g. under `accelerate launch -m`
    app()
