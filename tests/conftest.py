from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import app as celery_app
from moderation.classifier.data import load_coldstart
from moderation.classifier.evaluate import OutOfFold, cross_validate
from moderation.classifier.model import ToxicityModel, fit
from moderation.classifier.persist import save_model
from moderation.models import ModelVersion
from tests.factories import ArticleFactory, UserFactory
from tests.processes import RedisProcess, WorkerProcess, worker_env


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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis server for this test run, on a free port."""
    server = RedisProcess(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def point_celery_at(url: str) -> None:
    # Settings were read before the test Redis got its port; drop the producer's
    # cached connections the way Celery does after a fork, then publish to `url`.
    celery_app.conf.broker_url = url
    celery_app._after_fork()


@pytest.fixture
def celery_broker(redis_url: str) -> Iterator[str]:
    """Point this process's Celery producer at the test Redis."""
    previous = celery_app.conf.broker_url
    point_celery_at(redis_url)
    try:
        yield redis_url
    finally:
        point_celery_at(previous)


@pytest.fixture
def celery_worker(
    celery_broker: str, transactional_db, active_model, tmp_path: Path
) -> Iterator[WorkerProcess]:
    """A real Celery worker process consuming the moderation queue of the test Redis."""
    worker = WorkerProcess(
        log=tmp_path / "worker.log",
        env=worker_env(redis_url=celery_broker, models_dir=django_settings.MODELS_DIR, data_dir=tmp_path),
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LOCAL_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def local_cache(settings) -> None:
    """Throttle counters in this process's memory, empty for every test; the tests
    that are about Redis point CACHES at the redis_url server themselves."""
    from django.core.cache import cache

    settings.CACHES = LOCAL_MEMORY_CACHE
    cache.clear()


@pytest.fixture(autouse=True)
def throttling_off(settings) -> None:
    """Tests post in bursts that no reader would; the throttles are on only in the
    tests about them (tests/discussion/test_throttling.py turns them on)."""
    settings.THROTTLE_ENABLED = False
