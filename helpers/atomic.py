"""Atomic file writes: a crash mid-write leaves the old file or none, never half a file.

Every file the workbook writes (cache tables, the manifest, chart PNGs, HTML reports)
goes through :func:`write_atomic`: a temporary file in the same folder, then
``os.replace``, which is atomic on POSIX and Windows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | os.PathLike, data: bytes | str | Callable[[Path], None]) -> Path:
    """Write ``data`` (bytes, text as UTF-8, or a function writing a given path) to ``path``.

    >>> folder = Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a" / "b.html", "سلام").read_text(encoding="utf-8")
    'سلام'
    >>> _ = write_atomic(folder / "c.bin", lambda p: p.write_bytes(b"ok"))
    >>> sorted(p.name for p in folder.iterdir())
    ['a', 'c.bin']
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if callable(data):
            os.close(fd)
            data(Path(tmp))
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
