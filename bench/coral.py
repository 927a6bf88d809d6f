"""The Coral moderation phase's latency: ``POST /api/coral/phase/`` for a
1,000-character comment in Coral's request shape (pretty-printed, signed), through
Django's whole stack (middleware, the signature's check, the model, the site
policy, the record written) in this process, without HTTP. Coral waits 200 ms by
default. ``bench.classifier`` prints it beside the classifier's figures
(``make bench``); alone:

.venv/bin/python -m bench.coral            # the model `make run` trains
.venv/bin/python -m bench.coral coldstart  # the cold-start model only

The database is a throw-away SQLite file."""

import hashlib
import hmac
import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.test import Client  # noqa: E402

from bench.perspective import comments, print_percentiles, serving, trained_model  # noqa: E402
from moderation.classifier.model import ToxicityModel  # noqa: E402
from moderation.coral.signatures import secret_create  # noqa: E402

REQUESTS = 2000


def coral_request(text: str, number: int) -> dict[str, object]:
    return {
        "action": "NEW",
        "comment": {"body": f"<p>{text}</p>", "parentID": None},
        "author": {"id": f"author-{number}", "role": "COMMENTER"},
        "story": {"id": "story-1", "url": "https://zeitung.example/artikel/"},
        "site": {"id": "site-1"},
        "tenantID": "tenant-1",
        "tenantDomain": "zeitung.example",
    }


def phase_latencies(model: ToxicityModel, texts: list[str], requests: int = REQUESTS) -> list[float]:
    """Seconds per request, Coral's request shape, on a fresh database."""
    with serving(model):
        secret = secret_create(name="bench").secret.encode()
        client = Client()
        times = []
        for number, text in enumerate(comments(texts, requests + 20)):
            body = json.dumps(coral_request(text, number), indent=2, ensure_ascii=False).encode()
            signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            started = time.perf_counter()
            response = client.post(
                "/api/coral/phase/",
                body,
                content_type="application/json",
                HTTP_X_CORAL_SIGNATURE=signature,
                HTTP_USER_AGENT="Coral Moderation/9.11.8",
            )
            times.append(time.perf_counter() - started)
            assert response.status_code in (200, 204), response.content
        return times[20:]  # the first load the model and warm the caches


def report(model: ToxicityModel, texts: list[str]) -> None:
    print_percentiles("coral_phase", phase_latencies(model, texts))


def main() -> None:
    report(*trained_model())


if __name__ == "__main__":
    main()
