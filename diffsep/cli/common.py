"""What every CLI command shares: one-line errors and a progress bar."""

from __future__ import annotations

import contextlib
import functools
import json
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import typer

from diffsep.errors import DiffsepError
from diffsep.presets import DEFAULT_PRESET, PRESETS

PRESET = typer.Option(DEFAULT_PRESET, help=f"Sampling settings ({', '.join(PRESETS)}); the options below override them. "
                      + " ".join(f"{name}: {p.description}." for name, p in PRESETS.items()))
SEGMENT = typer.Option(None, help="Segment length, seconds [two of the prior's training chunks: 2.97 s for the shipped "
                       "prior; 12 s for one that does not say, e.g. a converted MSDM checkpoint (262144 samples ~ 11.9 s)].")
SAMPLER = typer.Option(None, help="Sampler by name: euler, heun, dpmpp-2m, or a plugin's (`diffsep list`) [preset].")
PLUGIN = typer.Option([], "--plugin", help="Module name or .py file that registers components (repeatable).")
STEPS = typer.Option(None, help="Number of noise levels T [preset].")
CORRECTOR_STEPS = typer.Option(None, help="Corrector repeats R per level; cost T x R evaluations [preset].")
S_CHURN = typer.Option(None, help="Stochasticity S_churn [preset].")
SIGMA_MIN = typer.Option(None, help="Smallest noise level [preset].")
SIGMA_MAX = typer.Option(None, help="Largest noise level, when starting from noise [preset].")
RHO = typer.Option(None, help="Karras schedule exponent [preset].")
NUM_SAMPLES = typer.Option(None, help="Posterior samples per track; the stems written are their mean [preset].")
INIT = typer.Option(None, help="Refine an initial separation: 'masknet' (the shipped mask network), 'wiener' (the shipped "
                    "Wiener filter), a mask network's .safetensors file, a folder of stems (FOLDER/<track>/<stem>.wav) "
                    "or 'none' (start from noise) [preset].")
INIT_SIGMA = typer.Option(None, help="With --init: the noise level refinement starts at (replaces --sigma-max) [preset].")
BLEND = typer.Option(None, help="With --init: the refinement's weight against its start, W or STEM=W,... (1 for stems not "
                     "named): the stems written are W x refined + (1 - W) x start; 1 writes the refinement alone [preset].")

POST_FILTER = typer.Option(None, "--post-filter/--no-post-filter",
                           help="Share the mixture out by the power masks of the stems (a Wiener post-filter; Open-Unmix's "
                                "softmask) [preset].")


def blend_option(text: str | None):
    """``--blend`` read: None (the preset's), a weight, or stem -> weight."""
    from diffsep.blend import parse

    return None if text is None else parse(text)


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print a user's error as one line, without a traceback, and exit with status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _terminate_cleanly()
        try:
            return command(*args, **kwargs)
        except DiffsepError as error:
            from rich.console import Console

            Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {error}", highlight=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: finished files are kept, nothing half-written is left", err=True)
            raise typer.Exit(130) from None

    return wrapper


def _terminate_cleanly() -> None:
    """Make SIGTERM unwind like Ctrl-C, so temporary files are removed and state is saved."""
    import signal
    import threading

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


@contextlib.contextmanager
def progress_bar(description: str, total: int, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """A rich progress bar; yields ``advance(n)``."""
    from rich.progress import Progress

    with Progress(disable=quiet, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task, n)


def load_plugins(plugins: list[str]) -> None:
    """Register the components of each ``--plugin`` before any is built by name."""
    from diffsep.registry import load_plugin

    for plugin in plugins:
        load_plugin(plugin)


def prior_options(checkpoint: Optional[Path]) -> dict[str, str]:
    """A named prior's options from --checkpoint."""
    return {"checkpoint": str(checkpoint)} if checkpoint else {}


def parse_option(item: str) -> tuple[str, object]:
    key, sep, text = item.partition("=")
    if not sep or not key:
        raise DiffsepError(f"--likelihood-option takes KEY=VALUE, got {item!r}")
    try:
        return key.strip(), json.loads(text)
    except json.JSONDecodeError:
        return key.strip(), text


def parse_known(item: str) -> tuple[str, Path]:
    stem, sep, file = item.partition("=")
    if not sep or not stem or not file:
        raise DiffsepError(f"--known takes STEM=FILE, got {item!r}")
    return stem, Path(file)
