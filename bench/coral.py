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
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench.perspective import comments  # noqa: E402
from moderation.classifier.data import load_coldstart  # noqa: E402
from moderation.classifier.model import ToxicityModel, fit  # noqa: E402
from moderation.classifier.persist import save_model  # noqa: E402
from moderation.coral.signatures import secret_create  # noqa: E402
from moderation.modelops.training_data import best_available_data  # noqa: E402
from moderation.models import ModelVersion  # noqa: E402

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
    with tempfile.TemporaryDirectory() as folder:
        connection.settings_dict["TEST"]["NAME"] = str(Path(folder) / "bench.sqlite3")
        original = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            sha256 = save_model(model, Path(folder) / "bench.npz")
            with override_settings(MODELS_DIR=Path(folder)):
                ModelVersion.objects.create(
                    version="bench", file_name="bench.npz", sha256=sha256, is_active=True
                )
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
        finally:
            connection.creation.destroy_test_db(original, verbosity=0)


def report(model: ToxicityModel, texts: list[str]) -> None:
    times = sorted(phase_latencies(model, texts))
    print(f"coral_phase_p50_ms: {times[len(times) // 2] * 1000:.3f}")
    print(f"coral_phase_p99_ms: {times[min(len(times) - 1, int(len(times) * 0.99))] * 1000:.3f}")


def main() -> None:
    data = load_coldstart() if "coldstart" in sys.argv[1:] else best_available_data()[0]
    print(f"training_data: {'+'.join(data.parts())} ({len(data)} texts)")
    model = fit(data.texts, data.labels, fine=data.fine, sample_weight=data.weights)
    report(model, data.texts)


if __name__ == "__main__":
    main()
