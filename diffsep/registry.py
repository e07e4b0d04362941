"""One small registry per kind of component, with plugin discovery through entry points.

Names are looked up case-insensitively, with ``-`` and ``_`` alike. A name may also be a
``package.module:attr`` path. Third-party packages expose components through the entry-point
groups ``diffsep.priors``, ``diffsep.likelihoods`` and ``diffsep.samplers``; they are loaded
only when asked for, and one broken plugin never hides the others.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Callable, Generic, Iterable, TypeVar

from diffsep.errors import DiffsepError, PluginError

T = TypeVar("T")


def normalize(name: str) -> str:
    """The lookup key of a name: lower case, ``_`` read as ``-``."""
    return name.strip().lower().replace("_", "-")


@dataclass(frozen=True)
class Entry:
    """One row of ``diffsep list``."""

    kind: str
    name: str
    origin: str
    target: str


def import_path(path: str) -> object:
    """The object named by ``package.module:attr``."""
    module_name, _, attr = path.partition(":")
    try:
        obj: object = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as error:
        raise DiffsepError(f"cannot import {path!r}: {error}") from error
    return obj


class Registry(Generic[T]):
    """Factories of one kind of component, by name."""

    def __init__(self, kind: str, group: str, builtins: Iterable[str] = ()) -> None:
        self.kind = kind
        self.group = group
        self._builtins = tuple(builtins)
        self._loaded_builtins = False
        self._items: dict[str, tuple[str, T, str]] = {}

    def register(self, name: str, *, aliases: Iterable[str] = ()) -> Callable[[T], T]:
        """Decorator that registers a factory under ``name`` (and ``aliases``)."""

        origin = _origin(_caller_module())

        def decorator(factory: T) -> T:
            self.add(name, factory, aliases=aliases, origin=origin)
            return factory

        return decorator

    def add(self, name: str, factory: T, *, aliases: Iterable[str] = (), origin: str = "") -> None:
        """Register ``factory``; a later registration of the same name replaces it."""
        origin = origin or _origin(_caller_module())
        for key in (name, *aliases):
            self._items[normalize(key)] = (name, factory, origin)

    def get(self, name: str) -> T:
        """The factory registered under ``name``, a plugin's, or the object at a path."""
        if ":" in name:
            return import_path(name)  # type: ignore[return-value]
        self._ensure_builtins()
        key = normalize(name)
        if key in self._items:
            return self._items[key][1]
        for point in self._entry_points():
            if normalize(point.name) == key:
                return self._load(point)
        raise DiffsepError(self._unknown_message(name))

    def entries(self) -> list[Entry]:
        """Every registered component, built-in, user-registered or plugin (not loaded)."""
        self._ensure_builtins()
        rows = {
            normalize(name): Entry(self.kind, name, origin, _target(factory))
            for name, factory, origin in self._items.values()
        }
        for point in self._entry_points():
            rows.setdefault(
                normalize(point.name),
                Entry(self.kind, point.name, f"plugin ({_dist_name(point)})", point.value),
            )
        return sorted(rows.values(), key=lambda entry: entry.name)

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries()]

    def _ensure_builtins(self) -> None:
        if not self._loaded_builtins:
            self._loaded_builtins = True
            for module in self._builtins:
                importlib.import_module(module)

    def _entry_points(self) -> list[EntryPoint]:
        return list(entry_points(group=self.group))

    def _load(self, point: EntryPoint) -> T:
        try:
            factory = point.load()
        except Exception as error:  # a plugin's failure must name the plugin, whatever it is
            raise PluginError(
                f"the {self.kind} plugin {point.name!r} ({point.value}, from "
                f"{_dist_name(point)}) failed to load: {type(error).__name__}: {error}. "
                f"Fix or uninstall that package; other components still work."
            ) from error
        self.add(point.name, factory, origin=f"plugin ({_dist_name(point)})")
        return factory

    def _unknown_message(self, name: str) -> str:
        known = self.names()
        close = difflib.get_close_matches(normalize(name), [normalize(n) for n in known], n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return (
            f"unknown {self.kind} {name!r}.{hint} Known: {', '.join(known)}. "
            f"`diffsep list` shows them all; a plugin module can be loaded with --plugin."
        )


def _caller_module() -> str:
    """The module that called into the registry (two frames up: past ``add``/``register``)."""
    return str(sys._getframe(2).f_globals.get("__name__", "?"))


def _origin(module: str) -> str:
    return "built-in" if module.split(".")[0] == "diffsep" else f"user ({module})"


def _target(factory: object) -> str:
    module = getattr(factory, "__module__", "?")
    return f"{module}:{getattr(factory, '__qualname__', type(factory).__name__)}"


def _dist_name(point: EntryPoint) -> str:
    dist = getattr(point, "dist", None)
    return dist.name if dist is not None else "unknown distribution"


PRIORS: Registry[Callable[..., object]] = Registry(
    "prior", "diffsep.priors", builtins=("diffsep.priors",)
)
LIKELIHOODS: Registry[Callable[..., object]] = Registry(
    "likelihood", "diffsep.likelihoods", builtins=("diffsep.likelihoods",)
)
SAMPLERS: Registry[Callable[..., object]] = Registry(
    "sampler", "diffsep.samplers", builtins=("diffsep.samplers",)
)
REGISTRIES = {"prior": PRIORS, "likelihood": LIKELIHOODS, "sampler": SAMPLERS}


def load_plugin(module_or_file: str) -> None:
    """Import a user's module (dotted name or ``.py`` file) so that it registers components."""
    import importlib.util
    from pathlib import Path

    path = Path(module_or_file)
    if path.suffix == ".py":
        if not path.is_file():
            raise DiffsepError(f"plugin file {module_or_file!r} does not exist")
        spec = importlib.util.spec_from_file_location(f"diffsep_plugin_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise PluginError(f"plugin file {module_or_file!r} failed: {error}") from error
        return
    try:
        importlib.import_module(module_or_file)
    except ImportError as error:
        raise PluginError(f"cannot import plugin module {module_or_file!r}: {error}") from error
