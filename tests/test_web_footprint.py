"""The web process stays lean: scikit-learn, SciPy and matplotlib load where a model
is scored or trained, or a chart drawn, not when the web application starts or
serves a thread. Each gunicorn worker would otherwise carry them (bench.footprint)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import ArticleFactory, CommentFactory
from tests.processes import ROOT, worker_env

HEAVY = ("sklearn", "scipy", "matplotlib")

# What a gunicorn worker does: the WSGI application (django.setup), the URLconf, a
# thread page served.
WEB_START = """
import json, sys
from config.wsgi import application
from django.test import Client
from django.urls import get_resolver

get_resolver().url_patterns
response = Client().get(sys.argv[1])
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[2].split(",")))
bodies = [comment["body"] for comment in response.json()["results"]]
print(json.dumps({"status": response.status_code, "bodies": bodies, "heavy": heavy}))
"""


@pytest.mark.django_db(transaction=True)
def test_the_web_application_serves_a_thread_without_loading_the_machine_learning_libraries(
    tmp_path: Path,
) -> None:
    article = ArticleFactory()
    CommentFactory(article=article, body="Ein veröffentlichter Kommentar.")
    env = worker_env(
        redis_url="redis://127.0.0.1:1/0",  # never reached: the thread page needs no broker
        models_dir=tmp_path,
        data_dir=tmp_path,
        DEBUG="false",
        SECRET_KEY="footprint-test-" + "x" * 50,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="testserver",
    )
    result = subprocess.run(
        [sys.executable, "-c", WEB_START, f"/api/articles/{article.slug}/comments/", ",".join(HEAVY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["status"] == 200
    assert served["bodies"] == ["Ein veröffentlichter Kommentar."]
    assert served["heavy"] == []
