"""``diffsep train``: train a learned prior (msdm or weak) with Accelerate."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from diffsep.cli.common import PLUGIN, friendly, load_plugins, progress_bar
from diffsep.errors import DiffsepError


AUGMENT_HELP = ("Comma-separated per-stem augmentations of each training window: gain (+-6 dB), eq (a tilt of +-3 dB per octave), "
                "reverb (a room of 0.1-1 s, up to 50 % wet), saturation (tanh, peak kept), speed (0.85-1.15 times, pitch and formants "
                "moved together), detune (within +-30 cents) [default: none].")


@friendly
def train(
    data: Path = typer.Option(..., help="Data set in the MSDM layout (train split; validation if present)."),
    out: Path = typer.Option(..., "-o", "--out", help="Run folder: prior.safetensors, state/, log.jsonl, config.json."),
    prior: str = typer.Option("msdm", help="msdm (joint UNet1d), weak (one UNet1d per stem) or spectral (joint, masks of the stems' STFTs)."),
    network: Optional[str] = typer.Option(None, "--network", help="Network size: paper, wide, small or tiny (spectral: small, large, tiny, small-phase, tiny-phase) [default: small, or --init-from's; another size than --init-from's grows it: the weights they share are taken from it]."),
    old_preset: Optional[str] = typer.Option(None, "--preset", hidden=True, help="Old spelling of --network."),
    stems: Optional[str] = typer.Option(None, help="Comma-separated stem names, in order [default: bass,drums,guitar,piano, or --init-from's]."),
    sample_rate: Optional[int] = typer.Option(None, help="The data's sample rate, Hz [default: 22050, or --init-from's]."),
    chunk: int = typer.Option(32768, help="Training chunk length, samples."),
    batch_size: int = typer.Option(8, help="Chunks per step and process."),
    grad_accum: int = typer.Option(1, help="Gradient accumulation micro-batches per step."),
    steps: int = typer.Option(1000, help="Optimizer steps in all (a resumed run continues to this)."),
    stop_at: Optional[int] = typer.Option(None, help="Save and stop at this step, to continue later with --resume (the learning-rate schedule still runs to --steps)."),
    lr: float = typer.Option(1e-4, help="Adam learning rate (MSDM: 1e-4)."),
    ema_decay: float = typer.Option(0.999, help="EMA decay of the exported weights."),
    sigma_data: Optional[float] = typer.Option(None, help="EDM sigma_data [default: 0.2 as MSDM, or --init-from's]."),
    sigma_mean: float = typer.Option(-3.0, help="Mean of ln sigma in training (MSDM: -3)."),
    sigma_std: float = typer.Option(1.0, help="Std of ln sigma in training (MSDM: 1)."),
    data_scale: Optional[float] = typer.Option(None, help="Train on audio times this (bring its std near sigma_data); stored, so inference needs nothing [default: 1, or --init-from's]."),
    augment: Optional[str] = typer.Option(None, help=AUGMENT_HELP),
    mixed_precision: str = typer.Option("no", help="no, fp16 or bf16."),
    seed: int = typer.Option(0, help="Seed of weights, data windows and noise."),
    log_every: int = typer.Option(10, help="Steps between log lines."),
    save_every: int = typer.Option(500, help="Steps between checkpoints."),
    val_every: int = typer.Option(500, help="Steps between validation losses."),
    export_dtype: str = typer.Option("float32", help="Storage type of prior.safetensors: float32, float16 or bfloat16."),
    warmup: int = typer.Option(0, help="Linear learning-rate warm-up, optimizer steps."),
    lr_decay: str = typer.Option("constant", help="After the warm-up: constant, or cosine (a half cosine down to 0 at --steps)."),
    clip_grad: Optional[float] = typer.Option(None, help="Clip the gradients' norm to this [default: unclipped, as MSDM]."),
    init_from: Optional[Path] = typer.Option(None, "--init-from", help="Start from this prior's weights (a diffsep checkpoint, e.g. the shipped one or a converted MSDM): its network, stems, rate, sigma_data and data scale; a fresh optimizer and step 0. Its steps and CPU-hours carry into the new prior's metadata."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out exactly where it stopped."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    plugin: List[str] = PLUGIN,
) -> None:
    """Train a learned prior. Many GPUs or machines: `accelerate launch -m diffsep.cli train ...`."""
    from diffsep.errors import warn
    from diffsep.training import TrainConfig
    from diffsep.training import train as run

    load_plugins(plugin)
    if old_preset is not None:
        if network is not None and network != old_preset:
            raise DiffsepError(f"--preset {old_preset} and --network {network} disagree; --network is the network size")
        warn("`diffsep train --preset` is now --network (the network size; --preset names sampling settings of `diffsep run`)")
        network = old_preset

    config = TrainConfig(
        data=data, out=out, prior=prior, network=network, stems=_names(stems) or None,
        sample_rate=sample_rate, chunk=chunk, batch_size=batch_size, grad_accum=grad_accum, steps=steps, stop_at=stop_at, lr=lr,
        ema_decay=ema_decay, sigma_data=sigma_data, sigma_mean=sigma_mean, sigma_std=sigma_std, data_scale=data_scale,
        augment=_names(augment), mixed_precision=mixed_precision, seed=seed, log_every=log_every, save_every=save_every, val_every=val_every,
        export_dtype=export_dtype, warmup=warmup, lr_decay=lr_decay, clip_grad=clip_grad, init_from=init_from,
    )
    final = _interruptible(lambda advance: run(config, resume=resume, progress=advance), steps, quiet, out)
    if final["main"]:
        then = "; continue with --resume" if final["event"] == "stopped" else ""
        typer.echo(f"{final['event']} at step {final['step']}: {out / 'prior.safetensors'}{then}")


def _names(option: str | None) -> list[str]:
    """The names of a comma-separated option, blanks dropped."""
    return [name.strip() for name in (option or "").split(",") if name.strip()]


@friendly
def train_masknet(
    data: List[Path] = typer.Option(..., help="Data set in the MSDM layout made by `diffsep data` (its train split; dataset.json gives the rate); repeat it to draw from several sets' songs together."),
    out: Path = typer.Option(..., "-o", "--out", help="Run folder: masknet.safetensors, state.pt, log.jsonl."),
    stems: str = typer.Option("bass,drums,guitar,piano", help="Comma-separated stem names, in the order of the prior it starts."),
    steps: int = typer.Option(7500, help="Optimizer steps in all (a resumed run continues to this)."),
    stop_at: Optional[int] = typer.Option(None, help="Save and stop at this step, to continue later with --resume (the learning-rate schedule still runs to --steps)."),
    batch_size: int = typer.Option(16, help="Windows per step; every other step remixes them."),
    seconds: float = typer.Option(4.0, help="Window length, seconds."),
    lr: float = typer.Option(1e-3, help="AdamW learning rate, after a linear warm-up, down a half cosine to 0 at --steps."),
    warmup: int = typer.Option(500, help="Warm-up steps."),
    hidden: Optional[int] = typer.Option(None, help="Width of the network [default: 256, or --init-from's]."),
    layers: Optional[int] = typer.Option(None, help="LSTM layers [default: 2, or --init-from's]."),
    seed: int = typer.Option(0, help="Seed of weights, windows and remixes."),
    augment: Optional[str] = typer.Option(None, help=AUGMENT_HELP),
    loss: str = typer.Option("l1", help="What the network minimises: l1 (the L1 distance of each stem's STFT to its own) or sdr (minus each playing stem's SDR, capped at 30 dB)."),
    save_minutes: float = typer.Option(10.0, help="Minutes between saves of the resumable state."),
    init_from: Optional[Path] = typer.Option(None, "--init-from", help="Start from this mask network's weights (e.g. the shipped one): its stems, rate and shape; a fresh optimizer and step 0. Its steps and CPU-hours carry into the new network's metadata."),
    second_stage: Optional[Path] = typer.Option(None, "--second-stage", help="Train a second stage over this mask network or bag (its file, e.g. the shipped bag): a network that reads its masks beside the mixture and corrects them; the file's networks stay frozen and travel in the new file."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out where its last save left it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train a mask network, the first separator that `--init masknet` refines (one device)."""
    from diffsep.masknet.training import MaskNetTraining, train

    config = MaskNetTraining(data=data, out=out, stems=_names(stems), steps=steps, stop_at=stop_at, batch_size=batch_size,
                             seconds=seconds, lr=lr, warmup=warmup, hidden=hidden, layers=layers, seed=seed, save_minutes=save_minutes,
                             init_from=init_from, second_stage=second_stage, augment=_names(augment), loss=loss)
    written = _interruptible(lambda advance: train(config, resume=resume, progress=advance), steps, quiet, out)
    typer.echo(f"wrote {written}")


@friendly
def bag(
    networks: List[Path] = typer.Argument(..., help="Mask networks (.safetensors of `diffsep train-masknet`), two or more; a bag stands for its members.", show_default=False),
    out: Path = typer.Option(..., "-o", "--out", help="The bag to write (.safetensors); use it as `--init FILE`."),
    weights: Optional[str] = typer.Option(None, help="Comma-separated weights of the networks' masks, in their order, one per member [default: equal]."),
    temperature: float = typer.Option(1.0, help="Soften the mean mask (raised to 1/T, normalized again): 1 keeps it, above 1 softer."),
) -> None:
    """A bag of mask networks: one file whose masks are the networks' masks averaged (with weights)."""
    from diffsep.masknet import save_bag

    parsed = None
    if weights is not None:
        try:
            parsed = [float(w) for w in weights.split(",")]
        except ValueError:
            raise DiffsepError(f"--weights takes numbers separated by commas, got {weights!r}") from None
    bag = save_bag(networks, out, parsed, temperature=temperature)
    typer.echo(f"wrote {out}: a bag of {len(bag.members)} mask networks")


def _interruptible(run: Callable[[Callable[[int], None]], Any], steps: int, quiet: bool, out: Path) -> Any:
    """``run(advance)`` under a progress bar; Ctrl-C (the run saves its state) ends saying how to go on."""
    try:
        with progress_bar("training", steps, quiet) as advance:
            return run(advance)
    except KeyboardInterrupt:
        typer.echo(f"interrupted: state saved in {out}; continue with --resume")
        raise typer.Exit(130) from None
