"""The one exception type a user can cause, so the CLI can print it without a traceback."""


class DiffsepError(Exception):
    """A problem the user can fix; the message says what to do."""


class PluginError(DiffsepError):
    """A third-party component could not be loaded."""
