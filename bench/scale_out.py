"""Scale-out: how decided comments per second grow with the number of worker
processes on the same Redis and database, and what a backlog does when a peak
exceeds what the workers decide.

    .venv/bin/python -m bench.scale_out [--workers 1,2,4] [--burst 2000] [--peak-seconds 20]
    DATABASE_URL=postgres://… .venv/bin/python -m bench.scale_out   # on PostgreSQL

For each number of workers, a throw-away stack (bench/stack.py) with that many
worker processes (a Celery worker of concurrency 1 each, as `docker compose up
--scale worker=N` runs them), all answering a ping before a burst of ``--burst``
comments is queued at once; the workers drain it as fast as they can. Prints
``decided_per_s_workers_N`` (burst size over the time from its commit to the last
decision) and ``scaling_efficiency_workers_N`` (that rate over N times the rate of
one worker). On PostgreSQL it also samples, every 10 ms during the burst, whether
any backend waits for a lock (``lock_wait_samples_workers_N``: samples with a wait,
of ``lock_samples_workers_N``).

Then the backlog, with one worker: comments offered at twice its measured rate
for ``--peak-seconds``, then none; prints the queue's longest length
(``backlog_max_queue``), how long the backlog took to drain after the peak ended
(``backlog_drain_s``) and the longest wait of a comment (``backlog_max_wait_s``).
"""

import argparse
import subprocess
import sys
import threading
import time
from datetime import datetime

import django

TEXTS = [
    "Danke für den Bericht, sehr informativ.",
    "Ich halte die Entscheidung für falsch, die Begründung überzeugt mich nicht.",
    "Du bist ein dummer Idiot.",
    "Thanks for the thorough reporting, I learned a lot.",
    "This policy will hurt commuters, the council should reconsider.",
]


def queue_comments(count: int, *, offset: int = 0) -> tuple[list[int], datetime]:
    """``count`` new comments, each handed to the queue when they commit; their ids
    and the moment of the commit."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article
    from discussion.dispatch import comment_request_scoring
    from discussion.models import Comment

    author, _ = get_user_model().objects.get_or_create(username="bench-author")
    article = Article.objects.order_by("pk").first()
    with transaction.atomic():
        comments = Comment.objects.bulk_create(
            Comment(article=article, author=author, body=f"{TEXTS[n % len(TEXTS)]} [{n}]")
            for n in range(offset, offset + count)
        )
        for comment in comments:
            comment_request_scoring(comment_id=comment.pk)
    return [comment.pk for comment in comments], timezone.now()


def wait_decided(ids: list[int], timeout: float) -> datetime:
    """Until none of ``ids`` is pending; the moment of the last decision."""
    from discussion.models import Comment

    deadline = time.monotonic() + timeout
    while Comment.objects.filter(pk__in=ids, status=Comment.Status.PENDING).exists():
        if time.monotonic() > deadline:
            raise SystemExit("comments still pending after the timeout")
        time.sleep(0.05)
    return max(Comment.objects.filter(pk__in=ids).values_list("status_changed_at", flat=True))


class LockSampler(threading.Thread):
    """Samples pg_stat_activity for backends waiting on a lock (PostgreSQL only)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples = 0
        self.waiting = 0
        self.running = True

    def run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while self.running:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()"
                    )
                    self.samples += 1
                    self.waiting += bool(cursor.fetchone()[0])
                    time.sleep(0.01)
        finally:
            connection.close()


def burst(workers: int, size: int) -> None:
    from bench.stack import BenchStack

    stack = BenchStack(workers=workers)
    stack.start()
    django.setup()
    from django.db import connection

    try:
        stack.wait_for_workers()
        warm, _ = queue_comments(workers * 5)
        wait_decided(warm, timeout=60)
        sampler = LockSampler() if connection.vendor == "postgresql" else None
        if sampler:
            sampler.start()
        ids, committed = queue_comments(size)
        last = wait_decided(ids, timeout=900)
        if sampler:
            sampler.running = False
            sampler.join()
            print(f"lock_wait_samples_workers_{workers}: {sampler.waiting}")
            print(f"lock_samples_workers_{workers}: {sampler.samples}")
        print(f"decided_per_s_workers_{workers}: {size / max((last - committed).total_seconds(), 1e-9):.1f}")
    finally:
        stack.stop()
        stack.remove()


def backlog(rate: float, seconds: float) -> None:
    """One worker, comments offered at ``rate`` for ``seconds``: the queue's longest
    length and the time to drain it after the offer stops."""
    from bench.stack import BenchStack

    stack = BenchStack(workers=1)
    stack.start()
    django.setup()
    import redis
    from django.conf import settings

    from discussion.models import Comment

    try:
        stack.wait_for_workers()
        queue = redis.Redis.from_url(settings.REDIS_URL)
        ids: list[int] = []
        longest = 0
        started = time.monotonic()
        step = 0.1
        while time.monotonic() - started < seconds:
            tick = time.monotonic()
            due = int(rate * (tick - started + step)) - len(ids)
            if due > 0:
                ids += queue_comments(due, offset=len(ids))[0]
            longest = max(longest, queue.llen("moderation"))
            time.sleep(max(0.0, step - (time.monotonic() - tick)))
        ended = time.monotonic()
        while Comment.objects.filter(pk__in=ids, status=Comment.Status.PENDING).exists():
            longest = max(longest, queue.llen("moderation"))
            time.sleep(0.1)
        drained = time.monotonic() - ended
        waits = [
            (decided - created).total_seconds()
            for created, decided in Comment.objects.filter(pk__in=ids).values_list(
                "created_at", "status_changed_at"
            )
        ]
        print(f"backlog_offered_per_s: {len(ids) / (ended - started):.0f} for {seconds:.0f} s")
        print(f"backlog_max_queue: {longest}")
        print(f"backlog_drain_s: {drained:.1f}")
        print(f"backlog_max_wait_s: {max(waits):.1f}")
    finally:
        stack.stop()
        stack.remove()


def measured(*arguments: str) -> dict[str, str]:
    """Run one measurement in a process of its own (each stack has its own database
    and Redis, which a process reads from its settings once); echo its figures."""
    run = subprocess.run(
        [sys.executable, "-m", "bench.scale_out", *arguments], capture_output=True, text=True, check=False
    )
    if run.returncode:
        raise SystemExit(f"bench.scale_out {' '.join(arguments)} failed:\n{run.stderr[-3000:]}")
    output = run.stdout
    figures = {}
    for line in output.splitlines():
        name, _, value = line.partition(": ")
        if value and name.replace("_", "").isalnum():
            figures[name] = value
            print(line, flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="1,2,4", help="numbers of worker processes, comma-separated")
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--peak-seconds", type=float, default=20.0, help="0: no backlog measurement")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one burst with this many workers
    parser.add_argument("--backlog-rate", type=float, help=argparse.SUPPRESS)  # the backlog at this rate
    options = parser.parse_args()
    if options.one:
        burst(options.one, options.burst)
        return
    if options.backlog_rate:
        backlog(options.backlog_rate, options.peak_seconds)
        return

    rates: dict[int, float] = {}
    for workers in (int(count) for count in options.workers.split(",")):
        figures = measured("--one", str(workers), "--burst", str(options.burst))
        rates[workers] = float(figures[f"decided_per_s_workers_{workers}"])
    if 1 in rates:
        for workers, rate in rates.items():
            print(f"scaling_efficiency_workers_{workers}: {rate / (workers * rates[1]):.2f}")
        if options.peak_seconds > 0:
            measured("--backlog-rate", f"{2 * rates[1]:.1f}", "--peak-seconds", str(options.peak_seconds))


if __name__ == "__main__":
    main()
