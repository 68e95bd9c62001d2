"""The Dockerfile's own steps, run without Docker (no daemon where the suite runs): its COPY
lines into an app folder, its `pip install .` into a fresh venv, then its ENTRYPOINT as its
USER, in its last WORKDIR (the volume), with its ENV and no config file.

Offline and quick, honestly: the dependencies are not downloaded again. The fresh venv sees
the ones this suite runs on (installed from the same pyproject.toml), minus paperbot itself,
and pip builds paperbot with no build isolation (setuptools from the dev extras). So what
paperbot's wheel must carry (sample data, migrations, the Slack manifest) comes from the
Dockerfile's COPY lines alone, and the image's user and folders are the Dockerfile's.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SETPRIV = shutil.which("setpriv")


@dataclass
class Image:
    """What the Dockerfile says, instruction by instruction (the few this one uses)."""

    env: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[str, list[str], str]] = field(default_factory=list)  # workdir, srcs, dest
    runs: list[tuple[str, str]] = field(default_factory=list)  # workdir, command
    workdir: str = "/"
    user: str = ""
    entrypoint: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)


def read_dockerfile() -> Image:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    image = Image()
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "ENV":
            image.env.update(word.split("=", 1) for word in shlex.split(rest))  # type: ignore[misc]
        elif instruction == "COPY":
            *sources, dest = rest.split()
            image.copies.append((image.workdir, sources, dest))
        elif instruction == "RUN":
            image.runs.append((image.workdir, " ".join(rest.split())))
        elif instruction == "WORKDIR":
            image.workdir = rest
        elif instruction == "USER":
            image.user = rest
        elif instruction == "ENTRYPOINT":
            image.entrypoint = json.loads(rest)
        elif instruction == "VOLUME":
            image.volumes.extend(json.loads(rest))
        else:
            assert instruction in ("FROM", "CMD"), f"this test does not know {instruction}"
    return image


@dataclass
class Built:
    image: Image
    root: Path  # stands for the image's /
    venv: Path  # stands for the image's Python

    def inside(self, path: str) -> Path:
        return self.root / path.lstrip("/")


@pytest.fixture(scope="module")
def built() -> Iterator[Built]:
    image = read_dockerfile()
    root = Path(tempfile.mkdtemp(prefix="paperbot-image-"))
    root.chmod(0o755)  # mkdtemp's 0700 would keep the image's user out
    try:
        yield _build(image, root)
    finally:
        shutil.rmtree(root)


def _build(image: Image, root: Path) -> Built:
    built = Built(image, root, root / "venv")
    for workdir, sources, dest in image.copies:
        target = built.inside(workdir) / dest
        for source in sources:
            _copy(ROOT / source, target, into=dest.endswith("/"))
    _fresh_venv(built.venv)
    uid, gid = (int(part) for part in image.user.split(":"))
    for workdir, command in image.runs:
        if command.startswith("pip install"):
            assert command == "pip install .", "the test runs the Dockerfile's pip step as is"
            _pip_install(built.venv, built.inside(workdir))
        else:  # the user and its data folder, which the test makes as the command says
            assert f"--uid {uid}" in command
            assert f"--gid {gid}" in command
            folder = re.search(rf"install -d -o {uid} -g {gid} -m (\d+) (\S+)", command)
            assert folder, command
            made = built.inside(folder.group(2))
            made.mkdir(parents=True)
            made.chmod(int(folder.group(1), 8))
            if os.geteuid() == 0:
                os.chown(made, uid, gid)
    return built


def _copy(source: Path, target: Path, *, into: bool) -> None:
    """Docker's COPY: a folder's contents go to `target`; a file goes into `target/` when
    the destination ends with a slash, else it becomes `target`."""
    if source.is_dir():
        shutil.copytree(source, target)
        return
    file = target / source.name if into else target
    file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, file)


def _fresh_venv(venv: Path) -> None:
    """A venv with nothing in it but the suite's own dependencies, paperbot's left out."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    ours = Path(sysconfig.get_paths()["purelib"])
    deps = venv.parent / "deps"
    deps.mkdir()
    for entry in ours.iterdir():
        if "paperbot" not in entry.name.lower():
            (deps / entry.name).symlink_to(entry)
    fresh = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (fresh / "suite_deps.pth").write_text(f"{deps}\n", encoding="utf-8")


def _pip_install(venv: Path, app: Path) -> None:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")),
            *("install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "."),
        ],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PIP_NO_CACHE_DIR": "1"},
    )
    assert done.returncode == 0, done.stderr


def _as_image_user(built: Built, *args: str) -> subprocess.CompletedProcess[str]:
    """The ENTRYPOINT with `args`, as the Dockerfile's USER when the suite runs as root."""
    [program, *fixed] = built.image.entrypoint
    return _in_image(built, str(built.venv / "bin" / program), *fixed, *args)


def _in_image(built: Built, *argv: str) -> subprocess.CompletedProcess[str]:
    image = built.image
    uid, gid = image.user.split(":")
    become: list[str] = []
    if os.geteuid() == 0 and SETPRIV:  # as root, become the image's user (no such name here)
        become = [SETPRIV, f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    return subprocess.run(
        [*become, *argv],
        cwd=built.inside(image.workdir),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PATH": f"{built.venv / 'bin'}:/usr/bin:/bin", "HOME": image.workdir, **image.env},
    )


def test_the_image_prints_the_sample_digest_with_no_config_and_writes_nothing(
    built: Built,
) -> None:
    done = _as_image_user(built, "digest", "--source", "sample")
    assert done.returncode == 0, done.stderr
    assert "1. EnvHarness: Awakening Static Worlds for Agent Learning" in done.stdout
    assert list(built.inside(built.image.workdir).iterdir()) == []
    python = str(built.venv / "bin" / "python")
    where = _in_image(built, python, "-c", "import bot.sample; print(bot.sample.__path__[0])")
    assert where.stdout.startswith(str(built.venv)), where  # the wheel's, not this checkout's


def test_the_image_keeps_its_database_in_the_declared_volume(built: Built) -> None:
    image = built.image
    assert image.workdir in image.volumes
    done = _as_image_user(built, "--source", "sample", "fetch", "--since", "2026-08-21")
    assert done.returncode == 0, done.stderr
    database = built.inside(image.workdir) / "paperbot.db"
    assert database.is_file()
    if os.geteuid() == 0 and SETPRIV:
        assert f"{database.stat().st_uid}:{database.stat().st_gid}" == image.user
