"""The ``diffsep`` command line (entry point ``diffsep.cli:app``)."""

from diffsep.cli.main import app

__all__ = ["app"]
