"""A reply's file (an export) on the console: written beside the user, never over another.

The name is the reply's own (`paperbot-saved-2026-08-21.bib`), stripped to a plain name;
when a file of that name is there already, `-2`, `-3` ... is added before the extension,
so an export never replaces anything. A failure to write is said in one line and logged.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePath

from bot.records.chat import Attachment

log = logging.getLogger(__name__)

MAX_TRIES = 100


def write_attachment(attachment: Attachment, directory: Path | None) -> str:
    """Write the file; the line that says where (or why not)."""
    folder = directory if directory is not None else Path.cwd()
    name = PurePath(attachment.filename).name or "paperbot-export"
    try:
        path = _write_new(folder, name, attachment.content)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        log.warning("could not write the export %s in %s: %s", name, folder, reason)
        return f"Could not write {name} in {folder}: {reason}."
    return f"Written to {path} ({len(attachment.content):,} bytes)."


def _write_new(folder: Path, name: str, content: bytes) -> Path:
    stem, dot, ext = name.partition(".")
    for attempt in range(1, MAX_TRIES + 1):
        candidate = folder / (name if attempt == 1 else f"{stem}-{attempt}{dot}{ext}")
        try:
            with candidate.open("xb") as file:  # x: fails rather than replace a file
                file.write(content)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(17, "too many files of that name", str(folder / name))
