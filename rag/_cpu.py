"""How many CPU cores this process may use (for thread pools and OpenMP)."""

from __future__ import annotations

import os

__all__ = ["cores"]


def cores() -> int:
    """Cores this process may run on: respects CPU pinning and container limits on Linux."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
