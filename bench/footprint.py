"""Web worker memory: the resident set of each gunicorn worker after it has served
the thread page, as production runs them (the application preloaded in the master,
the workers forked from it).

    .venv/bin/python -m bench.footprint [--requests 200]

One throw-away stack (bench/stack.py, two sync workers, no Celery worker) and a
thread of 100 comments whose first page is read ``--requests`` times, so that
every worker has served it. Prints `name: value` lines: the largest worker's
resident set (``web_worker_rss_mb``, shared pages counted in full, as `ps` shows
it) and its proportional share (``web_worker_pss_mb``, shared pages divided among
the processes that share them: what a worker adds to the machine's memory).
"""

import argparse
import http.client
import random
from pathlib import Path

import django


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def memory_kb(pid: int) -> dict[str, int]:
    """Rss and Pss of a process, in kB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return {"rss": fields["Rss"], "pss": fields["Pss"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()

    from bench.stack import BenchStack

    stack = BenchStack(worker=False, model=False)
    stack.start()
    try:
        django.setup()
        from bench.read_path import seed

        slug, _ = seed(100, rng=random.Random(7))  # noqa: S311 - like counts of benchmark data
        for _ in range(options.requests):
            connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=10)
            connection.request("GET", f"/api/articles/{slug}/comments/")
            response = connection.getresponse()
            assert response.status == 200, response.status
            response.read()
            connection.close()
        workers = children(stack.web_master.pid)
        sizes = [memory_kb(pid) for pid in workers]
        master = memory_kb(stack.web_master.pid)
        print(f"web_workers: {len(workers)}")
        print(f"web_worker_rss_mb: {max(size['rss'] for size in sizes) / 1024:.0f}")
        print(f"web_worker_pss_mb: {max(size['pss'] for size in sizes) / 1024:.0f}")
        print(f"web_master_rss_mb: {master['rss'] / 1024:.0f}")
    finally:
        stack.stop()
        stack.remove()


if __name__ == "__main__":
    main()
