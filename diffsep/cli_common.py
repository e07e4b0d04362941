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
        try:
            return command(*args, **kwargs)
        except DiffsepError as error:
            from rich.console import Console

            Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {error}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


@contextlib.contextmanager
def progress_bar(description: str, total: int, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """A rich progress bar; yields ``advance(n)``."""
    from rich.progress import Progress

    with Progress(disable=quiet, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task, n)
