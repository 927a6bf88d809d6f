"""The moderators' queue, server side: what a moderator waits for between pressing
a key and seeing the row decided. Through Django's whole stack in this process
(sessions, the admin's permission checks, the decision's conditional UPDATE, its
audit entry, statement of reasons and report handling), without HTTP and without
the browser's own part:

- ``queue_page``: the held queue's first page (50 rows with their context,
  author records, diffs and filters) as the moderator opens it;
- ``queue_decide``: one decision asked for in JSON, as queue.js sends it on `a`
  or `r`, alternately approving and rejecting;
- ``queue_undo``: `z` right after a decision;
- ``queue_counts``: the live counts queue.js asks for every 15 seconds.

.venv/bin/python -m bench.queue [--comments 600]

The database is a throw-away SQLite file; the model is the cold-start model (a
decision by a moderator scores nothing)."""

import argparse
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Article  # noqa: E402
from bench.perspective import print_percentiles, serving  # noqa: E402
from discussion.models import Comment  # noqa: E402
from moderation.classifier.data import load_coldstart  # noqa: E402
from moderation.classifier.model import fit  # noqa: E402
from moderation.permissions import moderators_group  # noqa: E402
from moderation.services import comment_hold_for_human  # noqa: E402

Response = TypeVar("Response")
HELD = "/admin/moderation/heldcomment/"
JSON = {"HTTP_ACCEPT": "application/json"}


def held_comments(count: int) -> list[Comment]:
    """``count`` held comments on ten articles by fifty readers, every tenth a reply,
    each with its audit entry, as the queue shows them."""
    users = get_user_model()
    readers = [users.objects.create_user(f"leser{n}", f"leser{n}@example.org") for n in range(50)]
    articles = [
        Article.objects.create(title=f"Artikel {n}", slug=f"artikel-{n}", teaser="Vorspann.", body=[])
        for n in range(10)
    ]
    parents = [
        Comment.objects.create(article=article, author=readers[0], body="Ein älterer Kommentar.")
        for article in articles
    ]
    comments = []
    for n in range(count):
        article = articles[n % 10]
        comment = Comment.objects.create(
            article=article,
            author=readers[n % 50],
            parent=parents[n % 10] if n % 10 == 0 else None,
            body=f"Ein strittiger Kommentar Nummer {n}, der auf eine Moderatorin wartet.",
            status=Comment.Status.PENDING,
            score=0.3 + (n % 40) / 100,
        )
        # Held through the audit door, with its entry, as the queue shows it.
        comment_hold_for_human(comment_id=comment.pk, revision=1, reason="grey zone")
        comment.status = Comment.Status.HELD
        comments.append(comment)
    return comments


def moderator_client() -> Client:
    moderator = get_user_model().objects.create_user("moderatorin", is_staff=True)
    moderator.groups.add(moderators_group())
    client = Client()
    client.force_login(moderator)
    return client


def timed(call: Callable[..., Response], *args: Any, **kwargs: Any) -> tuple[float, Response]:
    started = time.perf_counter()
    response = call(*args, **kwargs)
    return time.perf_counter() - started, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=600)
    options = parser.parse_args()
    data = load_coldstart()
    model = fit(data.texts, data.labels, fine=data.fine, sample_weight=data.weights)
    # Rejections mail statements of reasons: kept in memory, not printed.
    with serving(model, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        comments = held_comments(options.comments)
        client = moderator_client()
        pages, counts = [], []
        for _ in range(30):
            elapsed, response = timed(client.get, HELD)
            assert response.status_code == 200, response.status_code
            pages.append(elapsed)
            elapsed, response = timed(client.get, f"{HELD}counts/", **JSON)
            assert response.status_code == 200, response.content
            counts.append(elapsed)
        decisions, undos = [], []
        for n, comment in enumerate(comments[: len(comments) - 50]):
            action = "approve" if n % 2 else "reject"
            elapsed, response = timed(
                client.post,
                f"{HELD}{comment.pk}/decide/?expected_status=held&revision=1",
                {"decision": action, f"reason_{comment.pk}": "insult"},
                **JSON,
            )
            assert response.status_code == 200, response.content
            decisions.append(elapsed)
            if n % 5 == 0:
                elapsed, response = timed(client.post, f"{HELD}{comment.pk}/undo/", **JSON)
                assert response.status_code == 200, response.content
                undos.append(elapsed)
        print(f"queue_held_comments: {options.comments}")
        print_percentiles("queue_page", pages[3:])
        print_percentiles("queue_counts", counts[3:])
        print_percentiles("queue_decide", decisions[10:])
        print_percentiles("queue_undo", undos[2:])


if __name__ == "__main__":
    main()
