"""The one exception type a user can cause, so the CLI can print it without a traceback, and
warnings: one line on stderr about something done differently from what was asked."""

import sys


class DiffsepError(Exception):
    """A problem the user can fix; the message says what to do."""


class PluginError(DiffsepError):
    """A third-party component could not be loaded."""


def warn(message: str) -> None:
    """One line on stderr (the progress bars draw there too, and step aside for it)."""
    print(f"warning: {message}", file=sys.stderr, flush=True)
