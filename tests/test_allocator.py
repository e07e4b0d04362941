"""The allocator settings of diffsep run: applied on glibc, never over a user's own choice."""

import platform

import pytest

from diffsep.cli import allocator


@pytest.mark.parametrize("name, value", [("DIFFSEP_ALLOCATOR", "system"), ("MALLOC_ARENA_MAX", "2"),
                                         ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0"),
                                         ("LD_PRELOAD", "/usr/lib/libjemalloc.so.2")])
def test_a_users_own_allocator_settings_are_left_alone(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    called = []
    monkeypatch.setattr(allocator.ctypes, "CDLL", lambda *args: called.append(args))
    assert allocator.keep_freed_memory() is False
    assert called == []


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_accepts_the_settings(monkeypatch):
    for name in [n for n in allocator.os.environ if n.startswith("MALLOC_")] + ["DIFFSEP_ALLOCATOR", "GLIBC_TUNABLES", "LD_PRELOAD"]:
        monkeypatch.delenv(name, raising=False)
    assert allocator.keep_freed_memory() is True  # mallopt returns 0 for a value it refuses
