"""The deployment files work as the README says: the compose config enables Slack in HTTP
mode on the port nginx sends to, and the systemd units need no user or folder made by hand."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config.load import load_config

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
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


def test_the_readme_compose_steps_use_the_compose_config() -> None:
    assert "cp deploy/compose.toml paperbot.toml" in README


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
def test_a_unit_runs_the_venv_the_readme_installs_into(unit: str) -> None:
    assert _service(unit)["ExecStart"].split()[0] == VENV_PAPERBOT
    assert "python3 -m venv /opt/paperbot/.venv" in README


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
