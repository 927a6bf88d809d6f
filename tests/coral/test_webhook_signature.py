"""The timestamped scheme of Standard Webhooks, for callers that can sign a time and
an id: accepted within five minutes, each id once; the key of a ``whsec_`` secret
is its base64-decoded rest. Signed here from the Standard Webhooks specification."""

import base64
import hashlib
import hmac
import time

import pytest
from django.test import Client

from moderation.coral.signatures import secret_create
from moderation.models import CoralDecision, ModelVersion
from tests.coral.coral import URL, coral_body, request_with

pytestmark = pytest.mark.django_db

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


@pytest.fixture
def secret(active_model) -> str:
    secret_create(name="Proxy", secret=SECRET)
    return SECRET


def send(body: bytes, *, webhook_id: str = "msg_1", at: float | None = None, key: bytes = KEY, **extra: str):
    timestamp = str(int(time.time() if at is None else at))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    headers = {
        "HTTP_WEBHOOK_ID": webhook_id,
        "HTTP_WEBHOOK_TIMESTAMP": timestamp,
        "HTTP_WEBHOOK_SIGNATURE": f"v1,{'A' * 44} v1,{signature}",  # a rotated-out one first
        **extra,
    }
    return Client().post(URL, body, content_type="application/json", **headers)


BODY = coral_body(request_with("Danke für den Bericht."))


def test_a_timestamped_request_is_answered_once(secret: str) -> None:
    assert send(BODY).status_code in (200, 204)

    replay = send(BODY)

    assert replay.status_code == 409
    assert replay.json()["code"] == "replayed"
    assert CoralDecision.objects.count() == 1


def test_another_id_is_another_request(secret: str) -> None:
    assert send(BODY, webhook_id="msg_1").status_code in (200, 204)
    assert send(BODY, webhook_id="msg_2").status_code in (200, 204)


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_request_outside_five_minutes_is_refused(secret: str, offset: int) -> None:
    response = send(BODY, at=time.time() + offset)

    assert response.status_code == 403
    assert response.json()["code"] == "timestamp_invalid"


def test_the_id_and_time_are_signed(secret: str) -> None:
    response = send(BODY, HTTP_WEBHOOK_ID="msg_other")

    assert response.status_code == 403
    assert response.json()["code"] == "signature_invalid"


def test_the_whsec_key_is_the_decoded_secret_not_the_string(secret: str) -> None:
    assert send(BODY, key=SECRET.encode()).status_code == 403


def test_an_empsec_secret_is_the_key_as_it_is(active_model) -> None:
    empsec = "empsec_" + "ab" * 32
    secret_create(name="Coral-Schlüssel", secret=empsec)

    assert send(BODY, key=empsec.encode()).status_code in (200, 204)


def test_without_id_or_time_the_request_is_unsigned(secret: str) -> None:
    response = send(BODY, HTTP_WEBHOOK_TIMESTAMP="")

    assert response.status_code == 401


def test_a_retry_after_a_failed_answer_is_answered(secret: str) -> None:
    ModelVersion.objects.update(is_active=False)
    assert send(BODY).status_code == 503
    ModelVersion.objects.update(is_active=True)

    assert send(BODY).status_code in (200, 204)  # the same id, answered now


@pytest.mark.parametrize("timestamp", ["9" * 5000, "１２３", "-5", "1e9"])
def test_a_malformed_time_is_refused(secret: str, timestamp: str) -> None:
    response = send(BODY, HTTP_WEBHOOK_TIMESTAMP=timestamp)

    assert response.status_code == 403
    assert response.json()["code"] == "timestamp_invalid"
