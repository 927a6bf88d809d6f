"""The Perspective-compatible endpoint's latency: ``POST /v1alpha1/comments:analyze``
for a 1,000-character comment, through Django's whole stack (middleware, the key's
check and count, the model) in this process, without HTTP. ``bench.classifier``
prints it beside the classifier's figures (``make bench``); alone:

.venv/bin/python -m bench.perspective            # the model `make run` trains
.venv/bin/python -m bench.perspective coldstart  # the cold-start model only

The database is a throw-away SQLite file; the key's rate is counted in this
process's memory (in production: Redis)."""

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench.figures import percentile  # noqa: E402
from moderation.classifier.data import load_coldstart  # noqa: E402
from moderation.classifier.model import ToxicityModel, fit  # noqa: E402
from moderation.classifier.persist import save_model  # noqa: E402
from moderation.modelops.training_data import best_available_data  # noqa: E402
from moderation.models import ModelVersion  # noqa: E402
from moderation.perspective.keys import key_create  # noqa: E402

COMMENT_LENGTH = 1000
REQUESTS = 2000
MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def comments(texts: list[str], count: int) -> list[str]:
    """``count`` comments of exactly COMMENT_LENGTH characters, each made of
    consecutive training texts from a different starting point."""
    made = []
    for start in range(count):
        parts: list[str] = []
        index = start
        while sum(len(part) + 1 for part in parts) < COMMENT_LENGTH:
            parts.append(texts[index % len(texts)])
            index += 1
        made.append(" ".join(parts)[:COMMENT_LENGTH])
    return made


@contextmanager
def serving(model: ToxicityModel, **settings: object) -> Iterator[None]:
    """A fresh database with ``model`` active, and ``settings`` in force."""
    with tempfile.TemporaryDirectory() as folder:
        connection.settings_dict["TEST"]["NAME"] = str(Path(folder) / "bench.sqlite3")
        original = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            sha256 = save_model(model, Path(folder) / "bench.npz")
            with override_settings(MODELS_DIR=Path(folder), **settings):
                ModelVersion.objects.create(
                    version="bench", file_name="bench.npz", sha256=sha256, is_active=True
                )
                yield
        finally:
            connection.creation.destroy_test_db(original, verbosity=0)


def analyze_latencies(model: ToxicityModel, texts: list[str], requests: int = REQUESTS) -> list[float]:
    """Seconds per request, Perspective's request shape, on a fresh database."""
    with serving(model, CACHES=MEMORY_CACHE, THROTTLE_ENABLED=True):
        _, key = key_create(name="bench", rate_per_minute=10**9)
        client = Client()
        url = f"/v1alpha1/comments:analyze?key={key}"
        times = []
        for text in comments(texts, requests + 20):
            body = json.dumps(
                {
                    "comment": {"text": text},
                    "doNotStore": True,
                    "requestedAttributes": {"TOXICITY": {}},
                    "languages": ["de"],
                }
            )
            started = time.perf_counter()
            response = client.post(url, body, content_type="application/json")
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content
        return times[20:]  # the first load the model and warm the caches


def print_percentiles(name: str, times: list[float]) -> None:
    """``name_p50_ms`` and ``name_p99_ms`` of the seconds in ``times``."""
    print(f"{name}_p50_ms: {percentile(times, 0.5) * 1000:.3f}")
    print(f"{name}_p99_ms: {percentile(times, 0.99) * 1000:.3f}")


def report(model: ToxicityModel, texts: list[str]) -> None:
    print_percentiles("analyze", analyze_latencies(model, texts))


def trained_model() -> tuple[ToxicityModel, list[str]]:
    """The model `make run` trains (``coldstart`` on the command line: the cold-start
    model), with its training texts."""
    data = load_coldstart() if "coldstart" in sys.argv[1:] else best_available_data()[0]
    print(f"training_data: {'+'.join(data.parts())} ({len(data)} texts)")
    return fit(data.texts, data.labels, fine=data.fine, sample_weight=data.weights), data.texts


def main() -> None:
    report(*trained_model())


if __name__ == "__main__":
    main()
