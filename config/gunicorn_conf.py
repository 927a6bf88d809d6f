"""gunicorn settings shared by `make run` and the container image."""

import os

accesslog = "-"
# A sync worker per core and a little more: requests are short and mostly database.
workers = int(os.environ.get("WEB_WORKERS", "2"))
timeout = 30
graceful_timeout = 20


def child_exit(server, worker) -> None:  # type: ignore[no-untyped-def]
    # Prometheus multiprocess mode: forget the gauges of a worker that is gone.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
