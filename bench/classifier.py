"""Classifier speed and size: training, file size, load time, one comment at a time,
batches, the Perspective-compatible endpoint (bench/perspective.py), Coral's moderation
phase (bench/coral.py), and the memory
of a worker process with the model loaded. Prints `name: value` lines.

.venv/bin/python -m bench.classifier            # the model `make run` trains
.venv/bin/python -m bench.classifier coldstart  # the cold-start model only

The default trains on every public dataset present in DATASETS_DIR (default
../shared/datasets) plus the cold-start corpus, each with its weight, like the
bootstrap step does; without them it falls back to the cold-start corpus.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import django
from threadpoolctl import threadpool_limits

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from bench import coral, perspective  # noqa: E402
from bench.figures import percentile  # noqa: E402
from moderation.classifier.data import load_coldstart  # noqa: E402  (after django.setup)
from moderation.classifier.model import ToxicityModel, fit  # noqa: E402
from moderation.classifier.persist import load_model, save_model  # noqa: E402
from moderation.modelops.training_data import best_available_data  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

WORKER_PROBE = """
import sys, django
django.setup()
import moderation.tasks  # what a worker imports
from pathlib import Path
from moderation.classifier.persist import load_model
model = load_model(Path(sys.argv[1]), sha256=sys.argv[2])
model.analyze("Ein Kommentar zum Aufwärmen.")
# The current resident set (ru_maxrss would include the parent's before exec).
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(int(status["VmRSS"].split()[0]))
"""


def timed(function: Callable[..., object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    data = load_coldstart() if "coldstart" in sys.argv[1:] else best_available_data()[0]
    print(f"training_data: {'+'.join(data.parts())} ({len(data)} texts)")
    started = time.perf_counter()
    model = fit(data.texts, data.labels, fine=data.fine, sample_weight=data.weights)
    print(f"train_s: {time.perf_counter() - started:.1f}")
    features = sum(len(lean.coef) for lean in model.lean.values())
    print(f"model_features: {features}")

    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".npz", ".skops"):
            path = Path(folder) / f"model{suffix}"
            sha256 = save_model(model, path)
            name = suffix.lstrip(".")
            print(f"model_file_mb_{name}: {path.stat().st_size / 1e6:.2f}")
            loads = timed(lambda path=path, sha256=sha256: load_model(path, sha256=sha256), 3)
            print(f"model_load_ms_{name}: {statistics.median(loads) * 1000:.0f}")
        path = Path(folder) / "model.npz"
        sha256 = save_model(model, path)
        model = load_model(path, sha256=sha256)
        probe = subprocess.run(
            [sys.executable, "-c", WORKER_PROBE, str(path), sha256],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"worker_rss_mb: {int(probe.stdout.strip().splitlines()[-1]) / 1024:.0f}")
    speed(model, data.texts)
    perspective.report(model, data.texts)
    coral.report(model, data.texts)
    print(f"bench_process_max_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


def speed(model: ToxicityModel, texts: list[str]) -> None:
    sample = (texts * (1 + 5000 // len(texts)))[:5000]
    single = [timed(lambda text=text: model.score_one(text), 1)[0] for text in sample[:2000]]
    print(f"classifier_single_p50_ms: {percentile(single, 0.5) * 1000:.3f}")
    print(f"classifier_single_p99_ms: {percentile(single, 0.99) * 1000:.3f}")
    analyzed = [timed(lambda text=text: model.analyze(text), 1)[0] for text in sample[:2000]]
    print(f"classifier_analyze_p50_ms: {percentile(analyzed, 0.5) * 1000:.3f}")
    print(f"classifier_analyze_p99_ms: {percentile(analyzed, 0.99) * 1000:.3f}")
    pipeline_single = [timed(lambda text=text: model.pipeline_score([text]), 1)[0] for text in sample[:300]]
    print(f"pipeline_single_p50_ms: {percentile(pipeline_single, 0.5) * 1000:.3f}")
    with threadpool_limits(1):  # one core
        for name, score in (("classifier", model.score), ("pipeline", model.pipeline_score)):
            # The median of three passes: one pass on a shared machine varies by a fifth.
            rates = []
            for _ in range(3):
                started = time.perf_counter()
                for offset in range(0, len(sample), 500):
                    score(sample[offset : offset + 500])
                rates.append(len(sample) / (time.perf_counter() - started))
            print(f"{name}_batch_per_s: {statistics.median(rates):.0f}")


if __name__ == "__main__":
    main()
