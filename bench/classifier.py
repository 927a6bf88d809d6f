"""Classifier speed: load time, one comment at a time, batches. Prints `name: value` lines.

.venv/bin/python -m bench.classifier
"""

import statistics
import tempfile
import time
from pathlib import Path

from moderation.classifier.data import load_coldstart
from moderation.classifier.model import fit
from moderation.classifier.persist import load_model, save_model


def main() -> None:
    data = load_coldstart()
    started = time.perf_counter()
    model = fit(data.texts, data.labels)
    print(f"coldstart_train_s: {time.perf_counter() - started:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.skops"
        sha256 = save_model(model, path)
        print(f"model_file_mb: {path.stat().st_size / 1e6:.2f}")
        loads = []
        for _ in range(5):
            started = time.perf_counter()
            model = load_model(path, sha256=sha256)
            loads.append(time.perf_counter() - started)
    print(f"model_load_ms: {statistics.median(loads) * 1000:.0f}")

    texts = (data.texts * 10)[:5000]
    single = []
    for text in texts[:1000]:
        started = time.perf_counter()
        model.score([text])
        single.append(time.perf_counter() - started)
    single.sort()
    print(f"classifier_single_p50_ms: {single[len(single) // 2] * 1000:.2f}")
    print(f"classifier_single_p99_ms: {single[int(len(single) * 0.99)] * 1000:.2f}")
    started = time.perf_counter()
    for offset in range(0, len(texts), 500):
        model.score(texts[offset : offset + 500])
    print(f"classifier_batch_per_s: {len(texts) / (time.perf_counter() - started):.0f}")


if __name__ == "__main__":
    main()
