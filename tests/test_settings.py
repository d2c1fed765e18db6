"""Production settings come from the environment, and are safe."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    unset = {"DJANGO_DEBUG", "SECRET_KEY", "SITE_URL", "PORT"}
    clean_env = {k: v for k, v in os.environ.items() if k not in unset}
    clean_env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-production-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="crm.example.com",
        SITE_URL="https://crm.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_the_address_emails_link_to():
    result = manage("check", SECRET_KEY="a-long-production-secret-key-" + "x" * 40)
    assert result.returncode != 0
    assert "Set SITE_URL" in result.stderr


def test_in_development_links_follow_the_port_make_run_serves_on():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SITE_URL)",
        DJANGO_DEBUG="1",
        PORT="8101",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "http://127.0.0.1:8101"


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
