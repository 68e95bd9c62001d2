"""One `paperbot run` per SQLite file.

SQLite serves one process well, and paperbot's leader election on SQLite is "always the
leader" (bot/app/leader.py): two `run` workers on one file would each plan and post the
same digests' wake-ups, and fight over the write lock. So `run` holds an exclusive
`flock` on FILE.lock for as long as it runs; a second `run` refuses at once, in one line
saying to use PostgreSQL for several workers. The kernel drops the lock when the process
ends, crash or kill -9 included, so a stale lock file never blocks a restart. One-shot
commands (`digest`, `fetch`, `post-now`, ...) do not take it: they work beside a running bot.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from bot.records.errors import ConfigError


@contextlib.contextmanager
def sole_worker(path: str | Path) -> Iterator[None]:
    """Hold the run lock of the SQLite file at `path`. Raises ConfigError if another
    process holds it."""
    lock_path = Path(f"{path}.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"database_url: cannot create {lock_path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(_refusal(path, _holder(fd))) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the refusal's "pid N"
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race a starter)


def _refusal(path: str | Path, holder: str) -> str:
    return (
        f"another `paperbot run`{holder} is using the SQLite database {path}; SQLite takes "
        "one worker: for several workers, set database_url to a PostgreSQL database"
    )


def _holder(fd: int) -> str:
    """` (pid N)` from the lock file, or "" if it does not say."""
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdecimal():
            return f" (pid {int(text)})"
    return ""
