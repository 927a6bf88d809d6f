from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.conftest import point_celery_at
from tests.processes import RedisProcess, WorkerProcess, worker_env


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    """A Redis of this test's own, which the test may stop, kill and restart."""
    from config.celery import app

    server = RedisProcess(tmp_path / "redis")
    server.start()
    previous = app.conf.broker_url
    point_celery_at(server.url)
    try:
        yield server
    finally:
        point_celery_at(previous)
        server.stop()


@pytest.fixture
def start_worker(
    redis_server: RedisProcess, transactional_db, active_model, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real worker processes on the test's Redis; all are stopped at the end."""
    workers: list[WorkerProcess] = []

    def start(module: str = "celery", **extra_env: str) -> WorkerProcess:
        env = worker_env(
            redis_url=redis_server.url,
            models_dir=django_settings.MODELS_DIR,
            data_dir=tmp_path,
            CELERY_VISIBILITY_TIMEOUT="10",
            **extra_env,
        )
        worker = WorkerProcess(log=tmp_path / f"worker{len(workers)}.log", env=env, module=module)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
