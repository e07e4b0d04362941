"""``diffsep train``: train a learned prior (msdm or weak) with Accelerate."""

from __future__ import annotations

from pathlib import Path

import typer

from diffsep.cli_common import friendly, progress_bar


@friendly
def train(
    data: Path = typer.Option(..., help="Data set in the MSDM layout (train split; validation if present)."),
    out: Path = typer.Option(..., "-o", "--out", help="Run folder: prior.safetensors, state/, log.jsonl, config.json."),
    prior: str = typer.Option("msdm", help="msdm (joint) or weak (one network per stem)."),
    preset: str = typer.Option("small", help="Network size: paper, small or tiny."),
    stems: str = typer.Option("bass,drums,guitar,piano", help="Comma-separated stem names, in order."),
    sample_rate: int = typer.Option(22050, help="The data's sample rate, Hz."),
    chunk: int = typer.Option(32768, help="Training chunk length, samples."),
    batch_size: int = typer.Option(8, help="Chunks per step and process."),
    grad_accum: int = typer.Option(1, help="Gradient accumulation micro-batches per step."),
    steps: int = typer.Option(1000, help="Optimizer steps in all (a resumed run continues to this)."),
    lr: float = typer.Option(1e-4, help="Adam learning rate (MSDM: 1e-4)."),
    ema_decay: float = typer.Option(0.999, help="EMA decay of the exported weights."),
    sigma_data: float = typer.Option(0.2, help="EDM sigma_data (MSDM: 0.2)."),
    sigma_mean: float = typer.Option(-3.0, help="Mean of ln sigma in training (MSDM: -3)."),
    sigma_std: float = typer.Option(1.0, help="Std of ln sigma in training (MSDM: 1)."),
    data_scale: float = typer.Option(1.0, help="Train on audio times this (bring its std near sigma_data); stored, so inference needs nothing."),
    mixed_precision: str = typer.Option("no", help="no, fp16 or bf16."),
    seed: int = typer.Option(0, help="Seed of weights, data windows and noise."),
    log_every: int = typer.Option(10, help="Steps between log lines."),
    save_every: int = typer.Option(500, help="Steps between checkpoints."),
    val_every: int = typer.Option(500, help="Steps between validation losses."),
    export_dtype: str = typer.Option("float32", help="Storage type of prior.safetensors: float32, float16 or bfloat16."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out exactly where it stopped."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train a learned prior. Many GPUs or machines: `accelerate launch -m diffsep.cli train ...`."""
    from diffsep.training import TrainConfig, train as run

    config = TrainConfig(
        data=data, out=out, prior=prior, preset=preset, stems=[s.strip() for s in stems.split(",") if s.strip()],
        sample_rate=sample_rate, chunk=chunk, batch_size=batch_size, grad_accum=grad_accum, steps=steps, lr=lr,
        ema_decay=ema_decay, sigma_data=sigma_data, sigma_mean=sigma_mean, sigma_std=sigma_std, data_scale=data_scale,
        mixed_precision=mixed_precision, seed=seed, log_every=log_every, save_every=save_every, val_every=val_every,
        export_dtype=export_dtype,
    )
    try:
        with progress_bar("training", steps, quiet) as advance:
            final = run(config, resume=resume, progress=advance)
    except KeyboardInterrupt:
        typer.echo(f"interrupted: state saved in {out}; continue with --resume")
        raise typer.Exit(130) from None
    if final["main"]:
        typer.echo(f"done at step {final['step']}: {out / 'prior.safetensors'}")
