"""Production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), **env_example()}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


REDIRECTS = """
import django
django.setup()
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

middleware = SecurityMiddleware(lambda request: HttpResponse())
for path in ("/api/health/", "/metrics", "/api/articles/", "/admin/"):
    response = middleware.process_request(RequestFactory().get(path))
    print(path, response["Location"] if response else "served")
"""


def test_plain_http_is_redirected_except_for_health_checks_and_metrics_scrapes(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env_example(),
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", REDIRECTS], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "/api/health/ served",
        "/metrics served",
        "/api/articles/ https://testserver/api/articles/",
        "/admin/ https://testserver/admin/",
    ]


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), "DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false" in result.stderr


def test_a_bad_setting_stops_the_start_naming_the_variable(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), "MODERATION_PUBLISH_BELOW": "viel"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "MODERATION_PUBLISH_BELOW='viel' is not a number" in result.stderr


def test_compose_keeps_redis_private_and_behind_a_password() -> None:
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    redis = services["redis"]
    assert "ports" not in redis, "Redis must not be published"
    assert "--requirepass" in " ".join(redis["command"])
    assert "REDIS_PASSWORD:?" in redis["environment"]["REDISCLI_AUTH"]
    assert "${REDIS_PASSWORD:?" in services["web"]["environment"]["REDIS_URL"]
    assert env_example()["REDIS_PASSWORD"]
