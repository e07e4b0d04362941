"""Keep freed memory for reuse: glibc's defaults make every large tensor cost fresh pages.

glibc hands allocations above a threshold (128 KiB, raised on the fly to at most 32 MiB) straight
to the kernel with mmap and gives them back on free, and it trims the heap's free top after every
large free. A network evaluation allocates and frees hundreds of megabytes of activations, so each
call pays for page faults and for zeroing pages the kernel hands back. Measured on the shipped
network (benchmarks/sampler_overhead.py, 2 cores, docs/results.md): 0.21 s per call with the
defaults, 0.15 s with the mmap threshold at its 32 MiB maximum and no trimming. The cost is that
the process keeps its peak heap until it exits, which is what a separation or training job needs
anyway.

The commands ``diffsep run``, ``evaluate`` and ``impute`` apply this; the library never changes
a process-wide setting, so Python users call ``keep_freed_memory()`` themselves if they want it. Training does not: it measured slower with these settings (0.55 s per
step against 0.47). A user's own ``MALLOC_*`` or ``GLIBC_TUNABLES`` settings, another allocator
in ``LD_PRELOAD`` (jemalloc, tcmalloc) and ``DIFFSEP_ALLOCATOR=system`` are left alone, as is
every C library other than glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
"""glibc's largest accepted value (HEAP_MAX_SIZE / 2 on 64-bit)."""
TRIM_THRESHOLD = 2**31 - 1
"""The largest value mallopt takes (an int): the heap's free top goes back only beyond 2 GiB."""


def _user_chose() -> bool:
    environ = os.environ
    return (environ.get("DIFFSEP_ALLOCATOR") == "system" or "GLIBC_TUNABLES" in environ
            or any(name.startswith("MALLOC_") for name in environ) or "malloc" in environ.get("LD_PRELOAD", ""))


def applies() -> bool:
    """Whether :func:`keep_freed_memory` changes anything here: glibc on Linux, and no choice of the user's."""
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc" and not _user_chose()


def keep_freed_memory() -> bool:
    """Set glibc to keep freed memory for reuse; ``True`` when the settings were applied."""
    if not applies():
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
