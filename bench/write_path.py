"""Write path: sustained submissions over HTTP, one worker process, decisions timed
from database timestamps; then a burst to find the worker's saturation rate.

    .venv/bin/python -m bench.write_path [--rate 50] [--duration 60] [--clients 4] [--burst 3000]
        [--compare-batch-size 1]

With ``--compare-batch-size 1`` the sustained rate runs a second time with the
workers deciding one comment at a time, so that the latency of batches is compared
with it on the same machine at the same moment (figures from other days and
machines are not comparable: a shared 2-core machine varies by a factor of two).
"""

import argparse
import http.client
import json
import statistics
import threading
import time

import django

from bench.figures import percentile


def register(port: int, username: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"username": username, "password": "Bench-Passwort-2026!", "consent": True})
    connection.request("POST", "/api/auth/register/", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 201, response.read()
    return json.loads(response.read())["token"]


TEXTS = [
    "Danke für den Bericht, sehr informativ.",
    "Ich halte die Entscheidung für falsch, die Begründung überzeugt mich nicht.",
    "Du bist ein dummer Idiot.",
    "Thanks for the thorough reporting, I learned a lot.",
    "This policy will hurt commuters, the council should reconsider.",
]


def client_loop(
    port: int, token: str, slug: str, interval: float, until: float, sent: list[int], offset: float
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
    next_at = time.monotonic() + offset
    number = 0
    while next_at < until:
        time.sleep(max(0.0, next_at - time.monotonic()))
        body = json.dumps({"body": f"{TEXTS[number % len(TEXTS)]} ({threading.get_ident()}-{number})"})
        connection.request("POST", f"/api/articles/{slug}/comments/", body, headers)
        response = connection.getresponse()
        payload = response.read()
        if response.status == 202:
            sent.append(json.loads(payload)["id"])
        number += 1
        next_at += interval


def wait_decided(ids: list[int], timeout: float) -> None:
    from discussion.models import Comment

    deadline = time.monotonic() + timeout
    while Comment.objects.filter(pk__in=ids, status=Comment.Status.PENDING).exists():
        if time.monotonic() > deadline:
            raise SystemExit("comments still pending after the timeout")
        time.sleep(0.5)


def sustained(port: int, tokens: list[str], slug: str, rate: float, duration: float) -> dict[str, float]:
    """Comments posted at ``rate`` per second for ``duration`` seconds, shared by one
    client per token; once all are decided, the accepted and decided rates and the
    time from each comment written to its decision committed."""
    from discussion.models import Comment

    sent: list[int] = []
    interval = len(tokens) / rate
    started = time.monotonic()
    until = started + duration
    threads = [
        threading.Thread(
            target=client_loop,
            args=(port, token, slug, interval, until, sent, n * interval / len(tokens)),
        )
        for n, token in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submit_seconds = time.monotonic() - started
    wait_decided(sent, timeout=120)
    rows = list(Comment.objects.filter(pk__in=sent).values_list("created_at", "status_changed_at"))
    latencies = [(decided - created).total_seconds() * 1000 for created, decided in rows]
    first = min(created for created, _ in rows)
    last = max(decided for _, decided in rows)
    return {
        "accepted_per_s": len(sent) / submit_seconds,
        "decided_per_s_sustained": len(rows) / (last - first).total_seconds(),
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--rate", type=float, default=50.0, help="submissions per second, all clients together"
    )
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument(
        "--compare-batch-size",
        type=int,
        default=0,
        metavar="N",
        help="then the same sustained rate with the workers restarted at MODERATION_BATCH_SIZE=N "
        "(1: one comment at a time), side by side on the same machine; 0: not",
    )
    options = parser.parse_args()

    from bench.stack import BenchStack

    stack = BenchStack()
    stack.start()
    try:
        # Measured once the worker is consuming: a worker's start (importing the
        # classifier, loading the model) is not part of a decision's latency.
        stack.wait_for_workers()
        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import transaction

        from articles.models import Article
        from discussion.dispatch import comment_request_scoring
        from discussion.models import Comment
        from moderation.modelops.registry import active_model

        slug = Article.objects.values_list("slug", flat=True)[0]
        tokens = [register(stack.web_port, f"bench{n}") for n in range(options.clients)]
        figures = sustained(stack.web_port, tokens, slug, options.rate, options.duration)
        print(f"accepted_per_s: {figures['accepted_per_s']:.1f}")
        print(f"decided_per_s_sustained: {figures['decided_per_s_sustained']:.1f}")
        print(f"decision_latency_p50_ms: {figures['p50']:.1f}")
        print(f"decision_latency_p99_ms: {figures['p99']:.1f}")

        # Saturation: a burst queued at once, the worker drains it as fast as it can.
        author = get_user_model().objects.get(username="bench0")
        article = Article.objects.get(slug=slug)
        with transaction.atomic():
            burst = Comment.objects.bulk_create(
                Comment(article=article, author=author, body=f"{TEXTS[n % len(TEXTS)]} [{n}]")
                for n in range(options.burst)
            )
            for comment in burst:
                comment_request_scoring(comment_id=comment.pk)
        ids = [comment.pk for comment in burst]
        wait_decided(ids, timeout=600)
        times = sorted(Comment.objects.filter(pk__in=ids).values_list("status_changed_at", flat=True))
        decided_per_s = len(times) / max((times[-1] - times[0]).total_seconds(), 1e-9)
        print(f"decided_per_s: {decided_per_s:.1f}")

        model = active_model().model
        texts = [f"{TEXTS[n % len(TEXTS)]} [{n}]" for n in range(2000)]
        begun = time.perf_counter()
        for text in texts:
            model.score([text])
        single_per_s = len(texts) / (time.perf_counter() - begun)
        print(f"classifier_single_per_s: {single_per_s:.0f}")
        print(f"e2e_vs_classifier_ratio: {decided_per_s / single_per_s:.2f}")

        if options.compare_batch_size:
            size = options.compare_batch_size
            stack.restart_workers(MODERATION_BATCH_SIZE=str(size))
            figures = sustained(stack.web_port, tokens, slug, options.rate, options.duration)
            print(f"decision_latency_p50_ms_batch_{size}: {figures['p50']:.1f}")
            print(f"decision_latency_p99_ms_batch_{size}: {figures['p99']:.1f}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
