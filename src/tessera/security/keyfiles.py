"""Secret files in the data directory: created once, readable only by their owner."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path


def ensure_secret_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """Return the file's bytes, creating it with mode 0600 first if it does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(make())
    return read_secret_file(path)


def read_secret_file(path: Path) -> bytes:
    """Read a secret file, refusing one that others can read or write."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(f"{path.name} must be readable by its owner only (chmod 600)")
    return path.read_bytes()
