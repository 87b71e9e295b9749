"""Tie a child process's life to ours: when the app dies, even by kill -9, its NLU server dies with it.

On Linux the child asks the kernel for a parent-death signal (prctl PR_SET_PDEATHSIG) before it
runs the server, so no 800 MB Rasa process is left holding its port under PID 1. The check right
after the prctl closes the race of a parent that died while the child was being started.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """Return a `preexec_fn` that makes the child get `sig` when this process dies (None where unsupported)."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    parent = os.getpid()

    def tether() -> None:
        # Runs in the child between fork and exec: only async-signal-safe calls.
        if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
            os._exit(70)
        if os.getppid() != parent:
            os._exit(0)  # the app died before we were tied to it

    return tether
