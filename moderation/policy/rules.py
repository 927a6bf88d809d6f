"""The facts the policy decides on, gathered from the database for one comment."""

import re
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
    site = site or site_policy()
    article = ArticlePolicy.objects.filter(article_id=article_id).first() if article_id else None
    # Neither article nor site sets them: the environment's, else the model's recommendation.
    defaults = thresholds_for(model_version)

    def pick(name: str, fallback: Any) -> Any:
        for source in (article, site):
            value = getattr(source, name, None) if source is not None else None
            if value is not None:
                return value
        return fallback

    mode = (
        Article.objects.filter(pk=article_id).values_list("comment_mode", flat=True).first()
        if article_id
        else None
    )
    return PolicyConfig(
        thresholds=Thresholds(
            publish_below=pick("publish_below", defaults.publish_below),
            reject_above=pick("reject_above", defaults.reject_above),
        ),
        auto_reject=pick("auto_reject", True),
        premoderated_article=mode is not None
        and comment_mode_effective(mode, site_choice=site.comment_mode) == Article.CommentMode.PRE,
    )


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
    entries = tuple(Term.objects.order_by("pk").values_list("text", "kind"))
    return find_hits(text, _compiled(entries))


def author_record(*, author_id: int | None) -> dict[str, int]:
    """A reader's published (approved) and rejected comments, for trust and for moderators."""
    if author_id is None:
        return {"published": 0, "rejected": 0, "total": 0}
    return Comment.objects.filter(author_id=author_id).aggregate(
        published=Count("id", filter=Q(status=Comment.Status.PUBLISHED)),
        rejected=Count("id", filter=Q(status=Comment.Status.REJECTED)),
        total=Count("id"),
    )


def spam_signals(
    *, comment_id: int, author_id: int | None, body: str, site: SitePolicy, now: datetime
) -> list[str]:
    signals = []
    links = len(_LINK.findall(body))
    if links > site.max_links:
        signals.append(f"{links} links")
    if author_id is not None:
        mine = Comment.objects.filter(author_id=author_id).exclude(pk=comment_id)
        window = now - timedelta(minutes=site.repeat_window_minutes)
        if mine.filter(created_at__gte=window, body=body).exists():
            signals.append("same text posted again")
        recent = mine.filter(created_at__gte=now - timedelta(minutes=1)).count() + 1
        if recent > site.max_comments_per_minute:
            signals.append(f"{recent} comments within a minute")
    return signals


def facts_for(
    *,
    comment_id: int,
    author_id: int | None,
    body: str,
    score: float,
    site: SitePolicy,
    now: datetime | None = None,
) -> tuple[Facts, list[Hit]]:
    now = now or timezone.now()
    hits = word_list_hits(body)
    record = author_record(author_id=author_id)
    trusted = (
        site.trusted_after_approved > 0
        and record["published"] >= site.trusted_after_approved
        and record["rejected"] == 0
    )
    # "First N comments": the others this reader wrote before, this one not counted.
    earlier = record["total"] - 1
    premoderated = (
        author_id is not None
        and ReaderProfile.objects.filter(user_id=author_id, always_premoderated=True).exists()
    )
    facts = Facts(
        score=score,
        # Each term once, however often it occurs.
        banned_terms=tuple(dict.fromkeys(hit.term for hit in hits if hit.kind == Term.Kind.BANNED)),
        suspect_terms=tuple(dict.fromkeys(hit.term for hit in hits if hit.kind == Term.Kind.SUSPECT)),
        spam_signals=tuple(
            spam_signals(comment_id=comment_id, author_id=author_id, body=body, site=site, now=now)
        ),
        new_account=earlier < site.new_account_hold_count,
        always_premoderated=premoderated,
        trusted=trusted,
    )
    return facts, hits
