"""Redis as an attacker and a second checkout meet it: values are never unpickled,
each checkout runs its own Redis behind a password, and two stacks side by side
decide only their own comments."""

import json
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client
from rest_framework.test import APIClient

from config import local_redis
from config import settings as project_settings
from config.launcher import find_redis_server
from tests.factories import UserFactory
from tests.processes import ROOT, free_port

pytestmark = pytest.mark.slow


class _RunsACommand:
    """Unpickling this runs `touch marker`: what an attacker would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def redis_cache(settings, redis_url: str) -> str:
    """The cache exactly as production configures it, on the test Redis."""
    cache_url = local_redis.with_db(redis_url, 1)
    settings.CACHES = {"default": {**project_settings.CACHES["default"], "LOCATION": cache_url}}
    redis.Redis.from_url(cache_url).flushdb()
    return cache_url


def _every_throttled_write(article, token: str) -> list[int]:
    """One request of each throttled kind; the status codes."""
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    anonymous = APIClient()
    comment = signed_in.post(f"/api/articles/{article.slug}/comments/", {"body": "Ein Kommentar."}, "json")
    from discussion.models import Comment

    published = Comment.objects.exclude(pk=comment.json()["id"]).filter(status=Comment.Status.PUBLISHED)
    target = published.first()
    return [
        comment.status_code,
        signed_in.post(f"/api/comments/{target.pk}/reactions/").status_code,
        signed_in.post(f"/api/comments/{target.pk}/reports/", {"reason": "spam"}, "json").status_code,
        anonymous.post(
            "/api/auth/register/",
            {"username": f"neu{time.monotonic_ns()}", "password": "ein langes Passwort 42", "consent": True},
            "json",
        ).status_code,
        anonymous.post("/api/auth/token/", {"username": "niemand", "password": "falsch"}, "json").status_code,
    ]


def test_a_pickle_planted_under_every_cache_key_runs_nothing(
    settings, redis_cache: str, article, tmp_path: Path, caplog
) -> None:
    from rest_framework.authtoken.models import Token

    from discussion.models import Comment

    settings.THROTTLE_ENABLED = True
    author = UserFactory(username="schreiberin")
    Comment.objects.create(article=article, author=author, body="Schon da.", status=Comment.Status.PUBLISHED)
    token = Token.objects.create(user=UserFactory(username="leser")).key
    _every_throttled_write(article, token)
    client = redis.Redis.from_url(redis_cache)
    keys = client.keys("*")
    scopes = {key.decode().split(":")[3] for key in keys}
    assert {"comment_user", "comment_ip", "reaction_user", "report_user", "register_ip"} <= scopes, scopes

    marker = tmp_path / "ran"
    for key in keys:
        client.set(key, pickle.dumps(_RunsACommand(marker)))
    statuses = _every_throttled_write(article, token)

    assert not marker.exists(), "a planted pickle ran a command"
    assert 500 not in statuses
    assert "cache value refused" in caplog.text


def test_cache_values_are_json_in_redis(settings, redis_cache: str) -> None:
    from django.core.cache import cache

    cache.set("history", [1.5, 2.5])
    cache.set("count", 3)
    stored = redis.Redis.from_url(redis_cache)
    assert json.loads(stored.get(cache.make_key("history"))) == [1.5, 2.5]
    assert stored.get(cache.make_key("count")) == b"3"
    assert cache.get("history") == [1.5, 2.5] and cache.incr("count") == 4


# --- Each checkout its own Redis --------------------------------------------------


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CACHE_URL", "DATABASE_URL", "MODELS_DIR", "PORT")
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATA_DIR": str(data_dir),
        # Each stack its own SQLite file, also when the suite runs on PostgreSQL.
        "DATABASE_URL": f"sqlite:///{data_dir / 'db.sqlite3'}",
        "THROTTLE_ENABLED": "false",
        "WEB_WORKERS": "1",
        **extra,
    }


def _manage(data_dir: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args, "-v", "0"],
        cwd=ROOT,
        env=_env(data_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def bootstrapped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder as `make run` leaves it before starting: database, articles, a model."""
    data_dir = tmp_path_factory.mktemp("site")
    _manage(data_dir, "migrate", "--no-input")
    _manage(data_dir, "import_articles", "seeds")
    _manage(data_dir, "train_model", "--with-coldstart", "--activate", "--folds", "0")
    return data_dir


def _site(bootstrapped: Path, folder: Path) -> Path:
    """Another site from the bootstrapped one: its database and models, no Redis."""
    folder.mkdir()
    shutil.copy(bootstrapped / "db.sqlite3", folder / "db.sqlite3")
    shutil.copytree(bootstrapped / "models", folder / "models")
    return folder


class Launcher:
    """`python -m config.launcher` (what `make run` ends in) for one data folder."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.log = data_dir / "launcher.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "config.launcher"],
                cwd=ROOT,
                env=_env(self.data_dir, PORT=str(self.port)),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the stack did not come up:\n{self.log.read_text()}")
            time.sleep(0.5)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/health/", timeout=2) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Token {token}"} if token else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (http://127.0.0.1 only)
            return json.loads(answer.read())

    def statuses(self) -> dict[int, str]:
        with sqlite3.connect(self.data_dir / "db.sqlite3") as db:
            return dict(db.execute("SELECT id, status FROM discussion_comment").fetchall())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def launchers() -> Iterator[list[Launcher]]:
    started: list[Launcher] = []
    yield started
    for launcher in started:
        launcher.stop()


def _post_comments(stack: Launcher, count: int, username: str = "leserin") -> list[int]:
    account = stack.call(
        "POST",
        "/api/auth/register/",
        {"username": username, "password": "ein langes Passwort 42", "consent": True},
    )
    article = stack.call("GET", "/api/articles/")["results"][0]["slug"]
    path = f"/api/articles/{article}/comments/"
    return [stack.call("POST", path, {"body": f"Beitrag {n}"}, account["token"])["id"] for n in range(count)]


def _wait_until_decided(stack: Launcher, pks: list[int], timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while any(stack.statuses()[pk] == "pending" for pk in pks) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert all(stack.statuses()[pk] != "pending" for pk in pks), stack.statuses()


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="each stack runs on a SQLite file of its own; the SQLite pass runs this",
)
def test_two_checkouts_side_by_side_decide_only_their_own_comments(
    bootstrapped: Path, tmp_path: Path, launchers: list[Launcher]
) -> None:
    first = Launcher(_site(bootstrapped, tmp_path / "a"), free_port())
    second = Launcher(_site(bootstrapped, tmp_path / "b"), free_port())
    for stack in (first, second):
        launchers.append(stack)
        stack.start()

    # Distinct ids per site: a worker taking the other site's message would find
    # no comment 3 on the first site and leave the second site's waiting.
    ours = {first: _post_comments(first, 2), second: _post_comments(second, 3)}
    for stack, pks in ours.items():
        _wait_until_decided(stack, pks)

    sockets = {local_redis.socket_path(stack.data_dir) for stack in (first, second)}
    assert len(sockets) == 2
    for sock in sockets:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(unix_socket_path=str(sock)).ping()

    # Stopping one stack stops its own Redis only.
    first.stop()
    _wait_until_decided(second, _post_comments(second, 1, username="zweite"))
    for stack in (first, second):
        assert oct((stack.data_dir / "redis" / "password").stat().st_mode & 0o777) == "0o600"
        assert local_redis.password(stack.data_dir) not in stack.log.read_text()


@pytest.mark.parametrize("password", [None, "ein-anderes"], ids=["no-password", "another-password"])
def test_a_foreign_redis_on_the_socket_is_refused_naming_the_fix(
    tmp_path: Path, password: str | None
) -> None:
    executable = find_redis_server()
    assert executable
    data_dir = tmp_path / "site"
    sock = local_redis.socket_path(data_dir)
    sock.parent.mkdir(parents=True)
    foreign = subprocess.Popen(
        [executable, "--port", "0", "--unixsocket", str(sock), "--save", "", "--dir", str(tmp_path)]
        + (["--requirepass", password] if password else []),
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not local_redis.socket_answers(sock):
            assert time.monotonic() < deadline, "the foreign Redis did not start"
            time.sleep(0.05)
        launcher = subprocess.run(
            [sys.executable, "-m", "config.launcher"],
            cwd=ROOT,
            env=_env(data_dir, PORT=str(free_port())),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        foreign.terminate()
        foreign.wait(10)
    assert launcher.returncode == 1
    assert "refuses this checkout's Redis password" in launcher.stderr
    assert "stop that process" in launcher.stderr
    assert local_redis.password(data_dir) not in launcher.stdout + launcher.stderr


@pytest.mark.django_db
def test_the_health_check_speaks_to_a_redis_behind_a_socket_and_password(tmp_path: Path, settings) -> None:
    executable = find_redis_server()
    assert executable
    server = subprocess.Popen(
        [executable, str(local_redis.write_config(tmp_path))], stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while not local_redis.socket_answers(local_redis.socket_path(tmp_path)):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        settings.REDIS_URL = local_redis.url(tmp_path)
        inside = Client().get("/api/health/").json()
    finally:
        server.terminate()
        server.wait(10)
    assert inside["checks"]["broker"]["ok"] is True, inside
