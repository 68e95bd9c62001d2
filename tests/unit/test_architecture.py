"""The dependency arrows of ARCHITECTURE.md, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# third-party package -> the only places allowed to import it
OWNERS: dict[str, tuple[str, ...]] = {
    "httpx": ("bot/sources/",),
    "aiosqlite": ("bot/storage/sqlite",),
    "asyncpg": ("bot/storage/postgres",),
    "apscheduler": ("bot/app/scheduler.py",),
    "slack_sdk": ("adapters/slack/",),
    "slack_bolt": ("adapters/slack/",),
    "discord": ("adapters/discord/",),
}


def _modules() -> list[Path]:
    return sorted(p for d in ("bot", "adapters") for p in (ROOT / d).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_third_party_io_libraries_are_imported_in_one_place(path: Path) -> None:
    rel = _rel(path)
    for name in _imports(path):
        top = name.split(".")[0]
        owners = OWNERS.get(top)
        if owners is not None:
            assert rel.startswith(owners), f"{rel} imports {top}; only {owners} may"


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_dependencies_point_inward(path: Path) -> None:
    rel = _rel(path)
    tops = {name.split(".")[0] for name in _imports(path)}
    if rel.startswith("bot/") and rel != "bot/app/bootstrap.py":
        assert "adapters" not in tops, f"{rel}: the core imports adapters only in bootstrap"
    if rel.startswith("adapters/"):
        own = rel.split("/")[1]
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "adapters" and len(parts) > 1:
                assert parts[1] == own, f"{rel} imports another adapter: {name}"
