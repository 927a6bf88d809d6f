"""gunicorn settings shared by `make run` and the container image."""

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

accesslog = "-"
# A sync worker per core and a little more: requests are short and mostly database.
workers = int(os.environ.get("WEB_WORKERS", "2"))
timeout = 30
# Load the application once in the master and fork the workers from it: the code
# and Django's start-up are shared pages instead of a copy per worker. Nothing
# opens a database or Redis connection while the application loads (connections
# open on the first request, in each worker), so no socket is shared by forks.
preload_app = True
graceful_timeout = 20


def child_exit(server: "Arbiter", worker: "Worker") -> None:
    # Prometheus multiprocess mode: forget the gauges of a worker that is gone.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
