import pytest
from rest_framework.test import APIClient

from tests.processes import free_port

pytestmark = pytest.mark.django_db


def test_healthy_when_database_broker_and_model_are_up(
    api_client: APIClient, settings, redis_url, active_model
) -> None:
    settings.REDIS_URL = redis_url
    response = api_client.get("/api/health/")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"]
    assert checks["model"]["version"] == "coldstart-test"


def test_503_when_the_broker_is_down(api_client: APIClient, settings, active_model) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = api_client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["model"]["ok"] is True


def test_503_when_no_model_is_active(api_client: APIClient, settings, redis_url) -> None:
    settings.REDIS_URL = redis_url
    response = api_client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["model"] == {"ok": False, "error": "no active model"}
