"""``python -m diffsep.cli``, e.g. under ``accelerate launch -m diffsep.cli train ...``."""

from diffsep.cli.main import app

app()
