"""What every CLI command shares: one-line errors and a progress bar."""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, Iterator

import typer

from diffsep.errors import DiffsepError


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
