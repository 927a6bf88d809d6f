"""The facts the policy decides on, gathered from the database for one comment or
for a batch of them in a constant number of queries."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import ReaderProfile
from articles.models import Article
from articles.selectors import comment_mode_effective
from discussion.models import Comment
from moderation.models import ArticlePolicy, ModelVersion, SitePolicy, Term
from moderation.policy import wordlists
from moderation.policy.policy import Facts, PolicyConfig, Thresholds
from moderation.policy.thresholds import thresholds_for
from moderation.policy.wordlists import Hit, compile_terms, find_hits

_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|de|org|net|info|ru|io|at|ch)(?:/\S*)?\b", re.I)


def site_policy() -> SitePolicy:
    """The site policy; a read, never a write (changes go through
    moderation.services.site_policy_update). Its one row is created by a migration;
    should it be missing (deleted, a flushed test database), the defaults, unsaved.
    One query."""
    return SitePolicy.objects.filter(pk=1).first() or SitePolicy(pk=1)


def site_comment_mode_chosen() -> str:
    """The comment mode the site policy sets, "" for none; reads without creating
    the policy row (a GET of the article list stays a read). One query."""
    return SitePolicy.objects.filter(pk=1).values_list("comment_mode", flat=True).first() or ""


def policy_config(
    *, article_id: int | None, site: SitePolicy | None = None, model_version: ModelVersion | None = None
) -> PolicyConfig:
    """The policy for one article (None: the site's): its own overrides, else the
    site's, else the defaults."""
    return policy_configs(article_ids=[article_id], site=site, model_version=model_version)[article_id]


def policy_configs(
    *,
    article_ids: Sequence[int | None],
    site: SitePolicy | None = None,
    model_version: ModelVersion | None = None,
) -> dict[int | None, PolicyConfig]:
    """``policy_config`` for each of ``article_ids``, in two queries for all of them
    (one more without ``site``)."""
    site = site or site_policy()
    ids = {article_id for article_id in article_ids if article_id}
    overrides = (
        {policy.article_id: policy for policy in ArticlePolicy.objects.filter(article_id__in=ids)}
        if ids
        else {}
    )
    modes = dict(Article.objects.filter(pk__in=ids).values_list("pk", "comment_mode")) if ids else {}
    # Neither article nor site sets them: the environment's, else the model's recommendation.
    defaults = thresholds_for(model_version)

    def config(article_id: int | None) -> PolicyConfig:
        article = overrides.get(article_id) if article_id else None

        def pick(name: str, fallback: Any) -> Any:
            for source in (article, site):
                value = getattr(source, name, None) if source is not None else None
                if value is not None:
                    return value
            return fallback

        mode = modes.get(article_id) if article_id else None
        return PolicyConfig(
            thresholds=Thresholds(
                publish_below=pick("publish_below", defaults.publish_below),
                reject_above=pick("reject_above", defaults.reject_above),
            ),
            auto_reject=pick("auto_reject", True),
            premoderated_article=mode is not None
            and comment_mode_effective(mode, site_choice=site.comment_mode) == Article.CommentMode.PRE,
        )

    return {article_id: config(article_id) for article_id in article_ids}


def report_threshold(*, article_id: int) -> int:
    override = (
        ArticlePolicy.objects.filter(article_id=article_id).values_list("report_threshold", flat=True).first()
    )
    return override if override is not None else site_policy().report_threshold


@lru_cache(maxsize=4)
def _compiled(entries: tuple[tuple[str, str], ...]) -> list[wordlists.Term]:
    return compile_terms(entries)


def word_list_hits(text: str) -> list[Hit]:
    """Hits of the admin's word lists in ``text`` (one query; compiled once per list)."""
    return find_hits(text, _word_lists())


def _word_lists() -> list[wordlists.Term]:
    """The admin's word lists, compiled (one query; compiled once per list)."""
    return _compiled(tuple(Term.objects.order_by("pk").values_list("text", "kind")))


def author_record(*, author_id: int | None) -> dict[str, int]:
    """A reader's published (approved) and rejected comments, for trust and for moderators."""
    return author_records(author_ids=[author_id])[author_id]


def author_records(*, author_ids: Sequence[int | None]) -> dict[int | None, dict[str, int]]:
    """``author_record`` of each of ``author_ids``, in one query."""
    known = {author_id for author_id in author_ids if author_id is not None}
    rows = (
        Comment.objects.filter(author_id__in=known)
        .values("author_id")
        .annotate(
            published=Count("id", filter=Q(status=Comment.Status.PUBLISHED)),
            rejected=Count("id", filter=Q(status=Comment.Status.REJECTED)),
            total=Count("id"),
        )
        .order_by()
        if known
        else []
    )
    found = {
        row["author_id"]: {name: row[name] for name in ("published", "rejected", "total")} for row in rows
    }
    empty = {"published": 0, "rejected": 0, "total": 0}
    return {author_id: found.get(author_id, dict(empty)) for author_id in author_ids}


@dataclass(frozen=True)
class Recent:
    """How many comments an author wrote lately, for the spam signals: with this
    same text within the repeat window, and any text within the last minute (the
    comment in question included when it falls in them)."""

    same_text: int
    last_minute: int


def _recent_by_author(
    comments: Sequence["Scored"], *, site: SitePolicy, now: datetime
) -> dict[tuple[int, str], Recent]:
    """``Recent`` for each (author, text) of ``comments``, counted by the database in
    two queries however many comments the authors wrote."""
    known = {comment.author_id for comment in comments if comment.author_id is not None}
    if not known:
        return {}
    window = now - timedelta(minutes=site.repeat_window_minutes)
    same = {
        (author_id, body): count
        for author_id, body, count in Comment.objects.filter(
            author_id__in=known,
            created_at__gte=window,
            body__in={comment.body for comment in comments if comment.author_id is not None},
        )
        .values_list("author_id", "body")
        .annotate(count=Count("id"))
        .order_by()
    }
    minute = dict(
        Comment.objects.filter(author_id__in=known, created_at__gte=now - timedelta(minutes=1))
        .values_list("author_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {
        (comment.author_id, comment.body): Recent(
            same.get((comment.author_id, comment.body), 0), minute.get(comment.author_id, 0)
        )
        for comment in comments
        if comment.author_id is not None
    }


def spam_signals(
    *,
    author_id: int | None,
    body: str,
    site: SitePolicy,
    now: datetime,
    recent: Recent | None,
    created_at: datetime | None = None,
) -> list[str]:
    """Links beyond the site's limit, the same text again within the repeat window,
    more comments within a minute than allowed. ``recent``: the author's counts
    (``_recent_by_author``); ``created_at``: when the comment was written, None for a
    text not stored (it is then not among the counted)."""
    signals = []
    links = len(_LINK.findall(body))
    if links > site.max_links:
        signals.append(f"{links} links")
    if author_id is not None and recent is not None:
        window = now - timedelta(minutes=site.repeat_window_minutes)
        itself = created_at is not None and created_at >= window
        if recent.same_text - itself > 0:
            signals.append("same text posted again")
        itself = created_at is not None and created_at >= now - timedelta(minutes=1)
        count = recent.last_minute - itself + 1
        if count > site.max_comments_per_minute:
            signals.append(f"{count} comments within a minute")
    return signals


@dataclass(frozen=True)
class Scored:
    """A comment's text and score, as the facts about it need them."""

    comment_id: int
    author_id: int | None
    body: str
    score: float
    created_at: datetime | None = None  # None: a text not stored


def facts_for(
    *,
    comment_id: int,
    author_id: int | None,
    body: str,
    score: float,
    site: SitePolicy,
    now: datetime | None = None,
) -> tuple[Facts, list[Hit]]:
    """``facts_for_many`` for one text: a stored comment's (``comment_id``) or, with
    ``comment_id`` 0, one that is not stored (the analysis endpoint's)."""
    created_at = (
        Comment.objects.filter(pk=comment_id).values_list("created_at", flat=True).first()
        if comment_id
        else None
    )
    return facts_for_many([Scored(comment_id, author_id, body, score, created_at)], site=site, now=now)[0]


def facts_for_many(
    comments: Sequence[Scored], *, site: SitePolicy, now: datetime | None = None
) -> list[tuple[Facts, list[Hit]]]:
    """The facts about each comment, and its word-list hits, in the order given: five
    queries however many comments (word lists, the authors' records, which of them
    are pre-moderated, and two counts of their recent comments), none for a batch
    without authors beyond the word lists."""
    now = now or timezone.now()
    terms = _word_lists()
    author_ids = [comment.author_id for comment in comments]
    known = {author_id for author_id in author_ids if author_id is not None}
    records = author_records(author_ids=author_ids)
    premoderated = (
        set(
            ReaderProfile.objects.filter(user_id__in=known, always_premoderated=True).values_list(
                "user_id", flat=True
            )
        )
        if known
        else set()
    )
    recent = _recent_by_author(comments, site=site, now=now)
    result = []
    for comment in comments:
        hits = find_hits(comment.body, terms)
        record = records[comment.author_id]
        trusted = (
            site.trusted_after_approved > 0
            and record["published"] >= site.trusted_after_approved
            and record["rejected"] == 0
        )
        # "First N comments": the others this reader wrote before, this one not counted.
        earlier = record["total"] - 1
        signals = spam_signals(
            author_id=comment.author_id,
            body=comment.body,
            site=site,
            now=now,
            recent=recent.get((comment.author_id, comment.body)) if comment.author_id is not None else None,
            created_at=comment.created_at,
        )
        facts = Facts(
            score=comment.score,
            # Each term once, however often it occurs.
            banned_terms=tuple(dict.fromkeys(hit.term for hit in hits if hit.kind == Term.Kind.BANNED)),
            suspect_terms=tuple(dict.fromkeys(hit.term for hit in hits if hit.kind == Term.Kind.SUSPECT)),
            spam_signals=tuple(signals),
            new_account=earlier < site.new_account_hold_count,
            always_premoderated=comment.author_id in premoderated,
            trusted=trusted,
        )
        result.append((facts, hits))
    return result
