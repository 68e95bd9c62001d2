"""The house rules of docs/architecture.md, checked by walking every module's imports (`ast`).

Every import counts: at the top of a module, inside a function (a lazy import) and under
`if TYPE_CHECKING:` alike, since each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The packages from the bottom up: a module may import from its own entry or an earlier one.
# A tuple holds peers that may not import one another (two stores, three chat platforms).
LAYERS: tuple[str | tuple[str, ...], ...] = (
    "bot.records",  # the nouns every other package speaks in; imports nothing above
    "bot.text",
    "bot.config",
    "bot.ports",
    "bot.schedule",
    "bot.storage.codecs",
    "bot.storage.search",
    "bot.storage.migrations",
    ("bot.storage.sqlite", "bot.storage.postgres"),
    "bot.storage",  # open_store: picks one of the two
    "bot.sources",
    "bot.chat",
    "bot.digest",
    "bot.export",  # saved and top lists as files: pure formatters and the runner
    "bot.recommend",  # "For you": a person's papers from their saves and votes (issue 21)
    "bot.delivery",
    "bot.lifecycle",
    "bot.retention",
    "bot.people",  # a person's own digest by DM (issue 21)
    "bot.commands",
    ("adapters.console", "adapters.slack", "adapters.discord"),
    "adapters",
    "bot.app",  # the composition root: the only core package that imports adapters
    "bot.__main__",
)
ROOT_PACKAGE = "bot"  # bot/__init__.py: the version only, importable from anywhere
MAX_MODULES_PER_FOLDER = 16

# third-party package -> the only places allowed to import it
OWNERS: dict[str, tuple[str, ...]] = {
    "httpx": ("bot/sources/",),
    "aiosqlite": ("bot/storage/sqlite/",),
    "asyncpg": ("bot/storage/postgres/",),
    "apscheduler": ("bot/app/scheduler.py",),
    "slack_sdk": ("adapters/slack/",),
    "slack_bolt": ("adapters/slack/",),
    "discord": ("adapters/discord/",),
}


def _paths() -> list[Path]:
    return sorted(p for d in ("bot", "adapters") for p in (ROOT / d).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in _paths()}


def _imported_names(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for every import in the file; name None for `import module`.
    Relative imports are resolved against the file's package."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.extend((base, alias.name) for alias in node.names)
    return found


def _project_module(dotted: str) -> str | None:
    """The project module a dotted import name lands in (its longest known prefix)."""
    while dotted:
        if dotted in MODULES:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


def _dependencies(path: Path) -> set[str]:
    """The project modules a file imports (`from pkg import module` counts as the module)."""
    deps: set[str] = set()
    for module, name in _imported_names(path):
        target = _project_module(f"{module}.{name}" if name else module)
        if target is not None:
            deps.add(target)
    deps.discard(_module_name(path))
    return deps


GRAPH: dict[str, set[str]] = {name: _dependencies(path) for name, path in MODULES.items()}


def _layer_of(module: str, layers: Iterable[str | tuple[str, ...]]) -> tuple[str, int] | None:
    """(the layer entry, its position) that holds `module`: its longest matching prefix."""
    best: tuple[str, int] | None = None
    for position, entry in enumerate(layers):
        for prefix in entry if isinstance(entry, tuple) else (entry,):
            holds = module == prefix or module.startswith(prefix + ".")
            if holds and (best is None or len(prefix) > len(best[0])):
                best = (prefix, position)
    return best


def layering_violations(
    graph: Mapping[str, Iterable[str]], layers: Iterable[str | tuple[str, ...]]
) -> list[str]:
    """Every import that runs back up the layers or sideways between peers."""
    layers = tuple(layers)
    problems = []
    for module, deps in sorted(graph.items()):
        if module == ROOT_PACKAGE:
            continue
        own = _layer_of(module, layers)
        for dep in sorted(deps):
            if dep == ROOT_PACKAGE:
                continue
            theirs = _layer_of(dep, layers)
            if own is None or theirs is None:
                problems.append(f"{module} -> {dep}: not placed in LAYERS")
            elif theirs[0] != own[0] and theirs[1] >= own[1]:
                problems.append(f"{module} -> {dep}: {theirs[0]} is not below {own[0]}")
    return problems


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return cycles


def test_no_import_runs_back_up_the_layers() -> None:
    assert layering_violations(GRAPH, LAYERS) == []


def test_there_are_no_import_cycles() -> None:
    assert import_cycles(GRAPH) == []


def test_every_module_is_placed_in_a_layer() -> None:
    unplaced = [m for m in MODULES if m != ROOT_PACKAGE and _layer_of(m, LAYERS) is None]
    assert unplaced == []


def test_the_core_imports_adapters_only_in_the_composition_root() -> None:
    """bot/app/ sits above the adapters, but only bootstrap wires them (lazily, for the
    enabled platforms); the runtime, the scheduler and the CLI go through it."""
    importers = sorted(
        module
        for module, deps in GRAPH.items()
        if module.startswith("bot") and any(d.startswith("adapters") for d in deps)
    )
    assert importers == ["bot.app.bootstrap"]


def test_the_root_package_imports_nothing_of_its_own() -> None:
    assert GRAPH[ROOT_PACKAGE] == set()


def test_no_folder_holds_more_than_sixteen_modules() -> None:
    sizes = Counter(_rel(path.parent) for path in MODULES.values())
    assert {folder: n for folder, n in sizes.items() if n > MAX_MODULES_PER_FOLDER} == {}


def test_the_checks_catch_a_back_import_a_sideways_one_and_a_cycle() -> None:
    back = {"bot.records.models": {"bot.delivery.runner"}, "bot.delivery.runner": set()}
    assert layering_violations(back, LAYERS) == [
        "bot.records.models -> bot.delivery.runner: bot.delivery is not below bot.records"
    ]
    sideways = {"bot.storage.postgres.store": {"bot.storage.sqlite.store"}}
    assert layering_violations(sideways, LAYERS) == [
        "bot.storage.postgres.store -> bot.storage.sqlite.store: "
        "bot.storage.sqlite is not below bot.storage.postgres"
    ]
    circle = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}
    assert import_cycles(circle) == [["a.x", "a.y", "a.z"]]


@pytest.mark.parametrize("path", [p for p in _paths() if _rel(p).startswith("adapters/")], ids=_rel)
def test_adapters_import_only_public_names_of_the_core(path: Path) -> None:
    for module, name in _imported_names(path):
        if module.split(".")[0] != "bot":
            continue
        private = [part for part in [*module.split("."), name or ""] if part.startswith("_")]
        assert private == [], f"{_rel(path)} imports {module}.{name}: a private name of the core"


@pytest.mark.parametrize("path", _paths(), ids=_rel)
def test_third_party_io_libraries_are_imported_in_one_place(path: Path) -> None:
    rel = _rel(path)
    for module, _ in _imported_names(path):
        owners = OWNERS.get(module.split(".")[0])
        if owners is not None:
            assert rel.startswith(owners), f"{rel} imports {module}; only {owners} may"


def test_the_map_in_docs_names_every_package() -> None:
    """docs/architecture.md is the map of the house: a package it does not name is new
    territory nobody has drawn yet."""
    map_text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted(_rel(path.parent) + "/" for path in _paths() if path.name == "__init__.py")
    assert [p for p in packages if p not in ("bot/", "adapters/") and p not in map_text] == []
