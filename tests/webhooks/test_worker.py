"""End to end with a real Celery worker and Redis: a reader posts a comment, the
event goes to the queue once the transaction commits, the worker delivers it to a
receiver that verifies it with the Standard Webhooks library; the receiver answers
500 first, and the worker tries again with the same webhook id."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from moderation.models import WebhookDelivery, WebhookEndpoint
from tests.processes import WorkerProcess, worker_env

pytestmark = pytest.mark.slow


@pytest.fixture
def webhook_worker(
    celery_broker: str, transactional_db, active_model, tmp_path: Path
) -> Iterator[WorkerProcess]:
    """A worker allowed, as this test's process is, to call the receiver on 127.0.0.1."""
    worker = WorkerProcess(
        log=tmp_path / "worker.log",
        env=worker_env(
            redis_url=celery_broker,
            models_dir=django_settings.MODELS_DIR,
            data_dir=tmp_path,
            WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32",
            WEBHOOK_ALLOW_HTTP="true",
        ),
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def test_the_worker_delivers_a_new_comment_and_retries_after_a_500(
    webhook_worker, receiver, local_receivers_allowed, reader_client, article
) -> None:
    WebhookEndpoint.objects.create(url=receiver.url, secret=receiver.secret, events=["comment.created"])
    receiver.script = [(500, {})]

    response = reader_client.post(
        f"/api/articles/{article.slug}/comments/", {"body": "Ein guter Artikel."}, format="json"
    )
    assert response.status_code == 202

    received = receiver.wait_for(2, timeout=30)
    assert len(received) == 2, webhook_worker.log()
    first, second = received
    assert first.error == second.error == ""
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.payload["type"] == "comment.created"
    assert second.payload["data"]["comment"]["id"] == response.json()["id"]
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) >= 5
    # The worker records the answer just after the receiver has sent it.
    delivery = WebhookDelivery.objects.get()
    deadline = time.monotonic() + 5
    while delivery.state != WebhookDelivery.State.DELIVERED and time.monotonic() < deadline:
        time.sleep(0.1)
        delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
