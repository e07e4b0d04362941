import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest


@pytest.fixture(autouse=True)
def isolated_registries(monkeypatch):
    """Components a test registers are forgotten after it."""
    from diffsep.registry import REGISTRIES

    for registry in REGISTRIES.values():
        registry.names()  # load the built-ins first
        monkeypatch.setattr(registry, "_items", dict(registry._items))
