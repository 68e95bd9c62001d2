"""The deployment files work as docs/operations.md says: the compose config enables Slack in
HTTP mode on the port nginx sends to, a bad config is not restarted forever, the systemd
units need no user or folder made by hand, are installed by the documented steps and are
hardened, and the Dockerfile lints clean and runs without a config."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config.load import load_config

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
UNITS = ("paperbot.service", "paperbot@.service")
VENV_PAPERBOT = "/opt/paperbot/.venv/bin/paperbot"
COMPOSE_SECRETS = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}


def test_the_compose_config_runs_slack_over_http_on_the_balanced_port() -> None:
    text = (ROOT / "deploy" / "compose.toml").read_text(encoding="utf-8")
    slack = load_config(text, COMPOSE_SECRETS).slack
    assert slack.enabled
    assert slack.mode == "http"
    assert f"worker:{slack.http_port}" in (ROOT / "deploy" / "nginx.conf").read_text()
    assert f'"{slack.http_port}"' in (ROOT / "docker-compose.yml").read_text()


def test_the_documented_compose_steps_use_the_compose_config() -> None:
    assert "cp deploy/compose.toml paperbot.toml" in OPERATIONS


def _compose_service(name: str) -> str:
    """The lines of one service in docker-compose.yml (two-space indented block)."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    found = re.search(rf"^  {name}:\n((?:    .*\n|\s*\n)+)", text, re.MULTILINE)
    assert found, name
    return found.group(1)


def test_a_worker_that_exits_with_a_config_error_is_not_restarted_forever() -> None:
    worker = _compose_service("worker")
    [policy] = re.findall(r"^    restart: (\S+)", worker, re.MULTILINE)
    assert re.fullmatch(r"on-failure:[1-9]\d?", policy), policy


def test_the_worker_names_the_config_it_mounts() -> None:
    """The image bakes in no config path (it runs without one); compose names its file."""
    worker = _compose_service("worker")
    mounted = re.search(r"- \./paperbot\.toml:(\S+?):ro", worker)
    assert mounted
    assert f"PAPERBOT_CONFIG: {mounted.group(1)}" in worker


def _dockerfile(instruction: str) -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return re.findall(rf"^{instruction} (.+)$", text, re.MULTILINE)


def test_the_image_needs_no_config_and_keeps_its_data_in_a_volume() -> None:
    assert not any("PAPERBOT_CONFIG" in env for env in _dockerfile("ENV"))
    assert _dockerfile("VOLUME") == ['["/var/lib/paperbot"]']
    assert _dockerfile("WORKDIR")[-1] == "/var/lib/paperbot"  # ./paperbot.db lands there
    [user] = _dockerfile("USER")
    assert user == "10001:10001"
    assert "install -d -o 10001 -g 10001" in _dockerfile("RUN")[0]


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    done = subprocess.run(
        [str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _service(unit: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(ROOT / "deploy" / unit, encoding="utf-8")
    return parser["Service"]


@pytest.mark.parametrize("unit", UNITS)
def test_a_unit_makes_its_own_user_and_state_folder(unit: str) -> None:
    service = _service(unit)
    assert service["DynamicUser"] == "yes"
    assert service["StateDirectory"] == "paperbot"
    assert service["WorkingDirectory"] == "/var/lib/paperbot"
    assert "ReadWritePaths" not in service  # the state directory is writable by itself


@pytest.mark.parametrize("unit", UNITS)
def test_a_unit_runs_the_venv_the_docs_install_into(unit: str) -> None:
    assert _service(unit)["ExecStart"].split()[0] == VENV_PAPERBOT
    assert "python3 -m venv /opt/paperbot/.venv" in OPERATIONS


def test_the_documented_steps_install_every_unit_they_enable() -> None:
    """`systemctl enable paperbot@1` needs paperbot@.service in /etc/systemd/system."""
    copied = {
        Path(name).name
        for line in re.findall(r"^cp (deploy/.+) /etc/systemd/system/", OPERATIONS, re.MULTILINE)
        for name in line.split()
    }
    enabled = {
        re.sub(r"@[^.]*$", "@", unit)
        for line in re.findall(r"systemctl enable --now (.+)", OPERATIONS)
        for unit in line.split("#")[0].split()
    }
    assert enabled == {"paperbot", "paperbot@"}
    assert copied == {f"{unit}.service" for unit in enabled}
    assert copied == set(UNITS)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_units() -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(ROOT / "deploy" / u) for u in UNITS)],
        capture_output=True,
        text=True,
        check=False,
    )
    complaints = [
        line
        for line in done.stderr.splitlines()
        if line.strip() and f"{VENV_PAPERBOT} is not executable" not in line
    ]
    assert complaints == []


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("unit", UNITS)
def test_systemd_rates_the_unit_below_4_exposure(unit: str) -> None:
    done = subprocess.run(
        # --threshold is the score times ten: exit status 1 above 3.9
        [
            "systemd-analyze",
            "security",
            "--offline=true",
            "--threshold=39",
            str(ROOT / "deploy" / unit),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout.splitlines()[-1:]
