"""Read path: the thread page over gunicorn, beside a plain-Django view doing the
same selector call (bench/plain.py), and its latency as a thread grows.

    .venv/bin/python -m bench.read_path [--clients 8] [--seconds 2] [--rounds 12] [--samples 150]

One throw-away stack (bench/stack.py: SQLite in a temporary folder, gunicorn with
two sync workers, no Celery worker) and three articles whose threads hold 100,
10,000 and 100,000 comments: a quarter top-level, each with two replies and one
reply to a reply, one reply in twenty waiting for moderation.

Throughput: ``--clients`` threads, each with its own HTTP/1.1 keep-alive client
(gunicorn's sync workers, as in production, still close the connection after each
answer; the client then reconnects), read the first page of the 10,000-comment
thread as fast as they get answers, for ``--seconds`` per view and round; the API's view and the plain view
take turns for ``--rounds`` rounds so that drift on a shared machine hits both
alike; the ratio is the median of the rounds' ratios. The same two views are
then timed in this process through Django's WSGI handler, without HTTP or
concurrency, which is far less noisy on a shared machine. Growth: one client reads
the first page and a page deep in each thread (a cursor near the end that still
leaves a full page), all six pages in turn, ``--samples`` times.
Prints `name: value` lines.
"""

import argparse
import http.client
import json
import random
import statistics
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import django

from bench.figures import percentile

SIZES = (100, 10_000, 100_000)
THROUGHPUT_SIZE = 10_000
PAGE = 20
TEXTS = [
    "Danke für den ausführlichen Bericht, das ordnet die Lage gut ein.",
    "Ich sehe das anders: Die Gespräche kommen Jahre zu spät, und die Begründung überzeugt mich nicht.",
    "Weiß jemand, ob die Kontakte auch die Marine betreffen oder nur die Luftstreitkräfte?",
    "Thanks for the context, the timeline at the end was especially helpful.",
    "Das ist ein wichtiger Schritt, auch wenn man von beiden Seiten nicht zu viel erwarten sollte.",
]


def seed(size: int, *, rng: random.Random) -> tuple[str, int]:
    """An article with a thread of ``size`` comments; its slug and number of top-level comments."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ReaderProfile
    from articles.models import Article
    from discussion.models import Comment

    Status = Comment.Status
    users = list(get_user_model().objects.filter(username__startswith="bench-reader-"))
    if not users:
        unusable = make_password(None)  # readers who never sign in
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"bench-reader-{n}", password=unusable) for n in range(200)
        )
        ReaderProfile.objects.bulk_create(
            ReaderProfile(user=user, display_name=f"Leserin {n}") for n, user in enumerate(users[::2])
        )
    tops_count = size // 4
    start = timezone.now() - timedelta(days=30)
    with transaction.atomic():
        article = Article.objects.create(
            slug=f"bench-thread-{size}", title=f"Benchmark thread {size}", body=[], published_at=start
        )

        def comment(n: int, created: Any, **fields: Any) -> Comment:
            return Comment(
                article=article,
                author=users[n % len(users)],
                body=TEXTS[n % len(TEXTS)],
                created_at=created,
                status_changed_at=created,
                **{"status": Status.PUBLISHED, **fields},
            )

        tops = Comment.objects.bulk_create(
            comment(n, start + timedelta(seconds=10 * n), like_count=rng.randrange(50))
            for n in range(tops_count)
        )
        replies = Comment.objects.bulk_create(
            comment(
                n + k,
                top.created_at + timedelta(seconds=1 + k),
                parent=top,
                root=top,
                depth=1,
                # One reply in twenty waits for moderation: the thread must leave it out.
                status=Status.PENDING if (n + k) % 20 == 0 else Status.PUBLISHED,
            )
            for n, top in enumerate(tops)
            for k in (1, 2)
        )
        Comment.objects.bulk_create(
            comment(n, reply.created_at + timedelta(seconds=5), parent=reply, root_id=reply.root_id, depth=2)
            for n, reply in enumerate(replies[::2])
        )
        published = Comment.objects.filter(article=article, status=Status.PUBLISHED).count()
        Article.objects.filter(pk=article.pk).update(comment_count=published)
    return article.slug, tops_count


def deep_cursor(slug: str, tops_count: int) -> str:
    """A cursor after which exactly one full page of top-level comments is left (sort oldest)."""
    from discussion.models import Comment
    from discussion.selectors import Cursor, cursor_encode

    row = (
        Comment.objects.filter(article__slug=slug, root__isnull=True)
        .order_by("created_at", "id")
        .values("id", "created_at")[tops_count - PAGE - 1]
    )
    return cursor_encode(Cursor(sort="oldest", created_at=row["created_at"], id=row["id"]))


def get(connection: http.client.HTTPConnection, path: str) -> bytes:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {body[:200]!r}")
    return body


def hammer(port: int, path: str, *, clients: int, seconds: float) -> tuple[int, float, list[float]]:
    """``clients`` threads read ``path`` back to back for ``seconds``: (requests, elapsed, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    deadline = 0.0

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        barrier.wait()
        while (started := time.perf_counter()) < deadline:
            get(connection, path)
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    return len(latencies), time.perf_counter() - began, latencies


def in_process_cost(paths: dict[str, str], *, rounds: int, requests: int) -> dict[str, float]:
    """Seconds per request of each path through Django's WSGI handler in this
    process, no HTTP and no concurrency: what each view itself costs. The paths
    take turns; the median of each's rounds."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def call(path: str) -> None:
        environ: dict[str, Any] = {}
        setup_testing_defaults(environ)
        environ.update(PATH_INFO=path, QUERY_STRING="", HTTP_HOST="127.0.0.1")
        statuses: list[str] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            statuses.append(status)
            return lambda data: None  # WSGI's write(); Django never calls it

        b"".join(handler(environ, start_response))
        if not statuses[0].startswith("200"):
            raise SystemExit(f"GET {path}: {statuses[0]}")

    costs: dict[str, list[float]] = {name: [] for name in paths}
    for path in paths.values():  # warm
        for _ in range(requests):
            call(path)
    for _ in range(rounds):
        for name, path in paths.items():
            started = time.perf_counter()
            for _ in range(requests):
                call(path)
            costs[name].append((time.perf_counter() - started) / requests)
    return {name: statistics.median(values) for name, values in costs.items()}


def same_page(port: int, api_path: str, plain_path: str) -> None:
    """The two views must answer with the same thread, or the comparison means nothing."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    api, plain = json.loads(get(connection, api_path)), json.loads(get(connection, plain_path))
    connection.close()
    for answer in (api, plain):
        answer.pop("next")
    if api != plain:
        raise SystemExit("the plain view answers differently from the API")
    if len(api["results"]) != PAGE:
        raise SystemExit(f"expected a full page, got {len(api['results'])} comments")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0, help="per view and round")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--samples", type=int, default=150, help="reads of each page for growth")
    parser.add_argument("--web-workers", type=int, default=2)
    options = parser.parse_args()

    from bench.stack import BenchStack

    stack = BenchStack(web_workers=options.web_workers, worker=False, model=False, settings="bench.settings")
    stack.start()
    try:
        django.setup()
        rng = random.Random(6)  # noqa: S311 - like counts of benchmark data
        began = time.perf_counter()
        threads = {size: seed(size, rng=rng) for size in SIZES}
        print(f"seed_comments: {sum(SIZES)}")
        print(f"seed_s: {time.perf_counter() - began:.1f}")

        slug = threads[THROUGHPUT_SIZE][0]
        views = {
            "api": f"/api/articles/{slug}/comments/",
            "plain": f"/bench/plain/articles/{slug}/comments/",
        }
        same_page(stack.web_port, views["api"], views["plain"])
        for path in views.values():  # warm both workers
            hammer(stack.web_port, path, clients=options.clients, seconds=1.0)
        done = {name: 0 for name in views}
        elapsed = {name: 0.0 for name in views}
        latencies: dict[str, list[float]] = {name: [] for name in views}
        ratios = []
        for _ in range(options.rounds):
            round_rps = {}
            for name, path in views.items():
                count, seconds, measured = hammer(
                    stack.web_port, path, clients=options.clients, seconds=options.seconds
                )
                done[name] += count
                elapsed[name] += seconds
                latencies[name] += measured
                round_rps[name] = count / seconds
            ratios.append(round_rps["api"] / round_rps["plain"])
        print(f"thread_clients: {options.clients}")
        for name in views:
            print(f"thread_rps_{name}: {done[name] / elapsed[name]:.1f}")
            print(f"thread_p50_ms_{name}: {ms(statistics.median(latencies[name]))}")
            print(f"thread_p99_ms_{name}: {ms(percentile(latencies[name], 0.99))}")
        # The median of the rounds' ratios: a burst of load from elsewhere on the
        # machine spoils one round, not the figure.
        print(f"thread_rps_ratio_vs_plain: {statistics.median(ratios):.2f}")
        print(f"thread_rps_ratio_rounds: {' '.join(f'{ratio:.2f}' for ratio in ratios)}")
        cost = in_process_cost(views, rounds=options.rounds, requests=50)
        for name in views:
            print(f"thread_in_process_ms_{name}: {ms(cost[name])}")
        print(f"thread_in_process_speed_ratio_vs_plain: {cost['plain'] / cost['api']:.2f}")

        # Growth: one reader, every page of every thread in turn, so that noise
        # falls on all sizes alike.
        pages = {}
        for size, (slug, tops_count) in threads.items():
            path = f"/api/articles/{slug}/comments/"
            pages[("first", size)] = path
            pages[("deep", size)] = f"{path}?cursor={deep_cursor(slug, tops_count)}"
        connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
        for path in pages.values():
            if len(json.loads(get(connection, path))["results"]) != PAGE:
                raise SystemExit(f"not a full page: {path}")
        timings: dict[tuple[str, int], list[float]] = {key: [] for key in pages}
        for _ in range(options.samples):
            for key, path in pages.items():
                started = time.perf_counter()
                get(connection, path)
                timings[key].append(time.perf_counter() - started)
        p50 = {key: statistics.median(values) for key, values in timings.items()}
        for size in SIZES:
            print(f"thread_first_page_p50_ms_{size}: {ms(p50[('first', size)])}")
            print(f"thread_deep_page_p50_ms_{size}: {ms(p50[('deep', size)])}")
        print(f"thread_latency_ratio_100k_vs_100: {p50[('first', 100_000)] / p50[('first', 100)]:.2f}")
        print(f"thread_deep_latency_ratio_100k_vs_100: {p50[('deep', 100_000)] / p50[('deep', 100)]:.2f}")
    finally:
        stack.stop()
        stack.remove()


if __name__ == "__main__":
    main()
