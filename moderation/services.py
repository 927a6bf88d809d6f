"""Writes of moderation: the machine's decision on a waiting comment, and the
sweeper that makes sure every waiting comment gets one."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from discussion.dispatch import comment_request_scoring
from discussion.models import Comment
from discussion.services import StatusClaim, comment_change_status, comments_change_status
from moderation.audit import (
    CommentAsFound,
    CommentEntry,
    audited,
    comment_entries_write,
    comment_entry_write,
    settings_audited,
)
from moderation.modelops.registry import NoActiveModel, active_model
from moderation.models import AuditEntry, ModelVersion, ScoringState, SettingsAuditEntry, SitePolicy
from moderation.policy.policy import Verdict, decide_with_rules
from moderation.policy.rules import (
    Scored,
    facts_for,
    facts_for_many,
    policy_config,
    policy_configs,
    site_policy,
)
from moderation.policy.wordlists import Hit
from moderation.statistics.stats import site_mix
from web.errors import Unavailable

logger = logging.getLogger(__name__)

PENDING = Comment.Status.PENDING
HELD = Comment.Status.HELD


class ScoringFailed(Exception):
    """Scoring this comment raised. Retried with backoff; after
    MODERATION_MAX_ATTEMPTS the comment is held for a human instead."""


def _count_attempt(*, comment_id: int, revision: int) -> int:
    """``_count_attempts`` for one comment."""
    return _count_attempts({comment_id: revision})[comment_id]


def _count_attempts(revisions: dict[int, int]) -> dict[int, int]:
    """Count one more attempt at each comment's revision (comment id → revision),
    before scoring, so that an attempt that kills its worker counts too; committed at
    once. Returns the number of attempts so far of each. Three queries: the count
    goes up in the database (F + 1), so that two workers given the same comment
    both count."""
    same_revision = Q()
    for comment_id, revision in revisions.items():
        same_revision |= Q(pk=comment_id, revision=revision)
    with transaction.atomic():
        ScoringState.objects.filter(same_revision).update(
            attempts=F("attempts") + 1, updated_at=timezone.now()
        )
        counted = dict(ScoringState.objects.filter(same_revision).values_list("comment_id", "attempts"))
        first = [comment_id for comment_id in revisions if comment_id not in counted]
        ScoringState.objects.bulk_create(
            [
                ScoringState(comment_id=comment_id, revision=revisions[comment_id], attempts=1)
                for comment_id in first
            ],
            update_conflicts=True,
            unique_fields=["comment"],
            update_fields=["revision", "attempts", "last_error", "updated_at"],
        )
    return {**counted, **dict.fromkeys(first, 1)}


def comment_hold_for_human(*, comment_id: int, reason: str, revision: int | None = None) -> AuditEntry | None:
    """Move a comment still pending to the held queue on the system's account."""
    entry = audited(
        lambda: comment_change_status(
            comment_id=comment_id, from_statuses=[PENDING], to_status=HELD, revision=revision
        ),
        lambda before: comment_entry_write(
            before, actor=AuditEntry.Actor.SYSTEM, to_status=HELD, reason=reason
        ),
    )
    if entry is None:
        return None
    logger.warning("comment %s held for a human: %s", comment_id, reason)
    return entry


def _verdict(
    *,
    comment_id: int,
    author_id: int | None,
    article_id: int | None,
    body: str,
    score: float,
    model_version: ModelVersion,
) -> tuple[Verdict, list[Hit]]:
    """What the policy makes of a scored text by this author on this article."""
    site = site_policy()
    facts, hits = facts_for(comment_id=comment_id, author_id=author_id, body=body, score=score, site=site)
    config = policy_config(article_id=article_id, site=site, model_version=model_version)
    return decide_with_rules(facts, config), hits


def comment_moderate(*, comment_id: int) -> AuditEntry | None:
    """Score a pending comment with the active model and publish, hold or reject it:
    ``comments_moderate`` for one comment. Returns the decision's entry, None when
    there was nothing to decide. Raises NoActiveModel when there is no usable model
    (the comment stays pending) and ScoringFailed when scoring raised; past
    MODERATION_MAX_ATTEMPTS the comment is held for a human instead."""
    result = comments_moderate(comment_ids=[comment_id])
    if comment_id in result.failed:
        raise result.failed[comment_id]
    return result.entries.get(comment_id)


@dataclass
class Moderated:
    """What ``comments_moderate`` made of a batch."""

    entries: dict[int, AuditEntry] = field(default_factory=dict)  # comment id → its decision's entry
    failed: dict[int, ScoringFailed] = field(default_factory=dict)  # scoring raised: try again later
    attempts: dict[int, int] = field(default_factory=dict)  # attempts so far, of those scored
    busy: list[int] = field(default_factory=list)  # held by another transaction: sent to the queue again


def comments_moderate(*, comment_ids: Sequence[int]) -> Moderated:
    """Score the waiting comments among ``comment_ids`` with the active model and
    publish, hold or reject each. A held comment without a score (edited while held)
    is scored too, but stays held: it waits for a moderator, and the score and the
    model's verdict on the new text are there for them to see.

    Idempotent: only a comment still pending, or held and unscored, at the scored
    revision changes, so a redelivered message, a second worker or a moderator who
    decided first make this a no-op for that comment (no entry). All decisions and
    their audit entries commit together, in a constant number of queries for the
    batch: the comments, the model, the attempt counts, the facts (policy, word
    lists, authors, articles), the claim and its UPDATE, one INSERT of the entries;
    beyond that only what is rare: a statement of reasons per rejection, a query per
    comment that cannot be scored or that another transaction holds. A comment that
    another transaction holds (a moderator deciding it) is not waited for: it goes
    back to the queue (``busy``).
    Raises NoActiveModel when there is no usable model (every comment stays
    pending). A comment whose scoring raised is in ``failed``, for its caller to try
    again later; at its MODERATION_MAX_ATTEMPTS-th attempt it is held for a human
    instead.
    """
    ids = list(dict.fromkeys(comment_ids))
    rows = Comment.objects.filter(pk__in=ids).values(
        "id", "status", "revision", "body", "author_id", "article_id", "score", "created_at"
    )
    waiting = [
        row for row in rows if row["status"] == PENDING or (row["status"] == HELD and row["score"] is None)
    ]
    result = Moderated()
    if not waiting:
        return result
    loaded = active_model()
    result.attempts = _count_attempts({row["id"]: row["revision"] for row in waiting})
    limit = settings.MODERATION_MAX_ATTEMPTS
    scored = []
    for row in waiting:
        comment_id, revision, attempt = row["id"], row["revision"], result.attempts[row["id"]]
        if attempt > limit:
            entry = comment_hold_for_human(
                comment_id=comment_id, revision=revision, reason=f"could not be scored in {limit} attempts"
            )
        else:
            try:
                scored.append((row, loaded.model.analyze(row["body"])))
                continue
            except Exception as exc:  # one comment that breaks the model must not stop the others
                ScoringState.objects.filter(pk=comment_id).update(last_error=repr(exc)[:2000])
                if attempt < limit:
                    result.failed[comment_id] = ScoringFailed(
                        f"comment {comment_id}, attempt {attempt}: {exc!r}"
                    )
                    continue
                entry = comment_hold_for_human(
                    comment_id=comment_id,
                    revision=revision,
                    reason=f"could not be scored in {limit} attempts: {exc!r}",
                )
        if entry is not None:
            result.entries[comment_id] = entry
    if not scored:
        return result
    site = site_policy()
    facts = facts_for_many(
        [
            Scored(row["id"], row["author_id"], row["body"], analysis.score, row["created_at"])
            for row, analysis in scored
        ],
        site=site,
    )
    configs = policy_configs(
        article_ids=[row["article_id"] for row, _ in scored], site=site, model_version=loaded.row
    )
    claims = []
    entries: dict[int, CommentEntry] = {}
    for (row, analysis), (fact, hits) in zip(scored, facts, strict=True):
        verdict = decide_with_rules(fact, configs[row["article_id"]])
        to_status, reason = verdict.status, verdict.reason
        if row["status"] == HELD:
            to_status = HELD
            reason = f"held for a moderator; the model alone would have {verdict.status} it: {verdict.reason}"
        claims.append(StatusClaim(row["id"], row["revision"], row["status"], to_status, analysis.score))
        entries[row["id"]] = CommentEntry(
            before=CommentAsFound(id=row["id"], status=row["status"], revision=row["revision"]),
            actor=AuditEntry.Actor.MODEL,
            model_version=loaded.row,
            to_status=to_status,
            reason=reason,
            score=analysis.score,
            details={
                **analysis.details(),
                "rules": list(verdict.rules),
                "word_hits": [hit.as_dict() for hit in hits],
            },
        )
    with transaction.atomic():
        claimed = comments_change_status(claims=claims)
        written = comment_entries_write([entries[before.pk] for before in claimed.before])
    for entry in written:
        result.entries[entry.comment_id] = entry
        logger.info(
            "comment %s: %s (score %.3f, model %s)",
            entry.comment_id,
            entry.to_status,
            entry.score,
            loaded.row.version,
        )
    for comment_id in claimed.busy:
        comment_request_scoring(comment_id=comment_id)
    result.busy = claimed.busy
    return result


@dataclass
class SweepResult:
    requeued: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


def comments_sweep_pending(*, now: datetime | None = None) -> SweepResult:
    """Hand comments that have waited too long back to the queue, and give those
    that have waited far too long to a human.

    A comment counts as stale MODERATION_SWEEP_AFTER seconds after it became
    pending (its message was lost: broker down at submission, Redis restarted
    without it, a crash between commit and send); it is re-sent at most once per
    that interval. After MODERATION_HOLD_AFTER seconds it is held for a human (no
    usable model, scoring keeps failing) rather than waiting forever. Rows are
    claimed with SELECT … FOR NO KEY UPDATE SKIP LOCKED where the database has it,
    so concurrent sweepers split the work instead of doubling it.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.MODERATION_SWEEP_AFTER)
    give_up = now - timedelta(seconds=settings.MODERATION_HOLD_AFTER)
    result = SweepResult()
    with transaction.atomic():
        waiting = Comment.objects.filter(status=PENDING, status_changed_at__lt=stale).order_by(
            "status_changed_at"
        )
        if connection.features.has_select_for_update_skip_locked:
            # FOR NO KEY UPDATE, not FOR UPDATE: a worker inserting the comment's
            # ScoringState meanwhile takes a KEY SHARE lock on the comment (the
            # foreign key check); FOR UPDATE would make it wait while this sweep
            # waits for its insert below, a deadlock.
            waiting = waiting.select_for_update(
                skip_locked=True, no_key=connection.features.has_select_for_no_key_update
            )
        rows = list(
            waiting.values_list("id", "revision", "status_changed_at")[: settings.MODERATION_SWEEP_BATCH]
        )
        recently_sent = set(
            ScoringState.objects.filter(
                comment_id__in=[row[0] for row in rows], enqueued_at__gte=stale
            ).values_list("comment_id", flat=True)
        )
        resend: list[ScoringState] = []
        for comment_id, revision, pending_since in rows:
            if pending_since < give_up:
                reason = f"not scored within {settings.MODERATION_HOLD_AFTER} seconds"
                if comment_hold_for_human(comment_id=comment_id, revision=revision, reason=reason):
                    result.held.append(comment_id)
            elif comment_id not in recently_sent:
                resend.append(ScoringState(comment_id=comment_id, revision=revision, enqueued_at=now))
        ScoringState.objects.bulk_create(
            resend, update_conflicts=True, unique_fields=["comment"], update_fields=["enqueued_at"]
        )
        for state in resend:
            comment_request_scoring(comment_id=state.comment_id)
            result.requeued.append(state.comment_id)
    if result.requeued or result.held:
        logger.warning(
            "sweeper: re-sent %d waiting comments, held %d", len(result.requeued), len(result.held)
        )
    return result


def text_analyze(*, text: str, article_id: int | None = None) -> dict[str, Any]:
    """Score and explain a text and say what the policy would do with it, as for a
    new comment by an unknown reader on the article (or under the site policy).
    Nothing is stored. Raises Unavailable (code ``no_model``) without a usable model."""
    try:
        loaded = active_model()
    except NoActiveModel as exc:
        raise Unavailable(str(exc), code="no_model") from exc
    analysis = loaded.model.analyze(text)
    verdict, hits = _verdict(
        comment_id=0,
        author_id=None,
        article_id=article_id,
        body=text,
        score=analysis.score,
        model_version=loaded.row,
    )
    details = analysis.details()
    return {
        "score": round(analysis.score, 4),
        "model_version": loaded.row.version,
        "fine_scores": details["fine_scores"],
        "language": analysis.language,
        "explanation": details["explanation"],
        "word_hits": [hit.as_dict() for hit in hits],
        "rules": list(verdict.rules),
        "decision": {"status": verdict.status, "reason": verdict.reason},
    }


def site_thresholds_for_mix_set(
    *, since: datetime, source: SettingsAuditEntry.Source, user: User | None = None
) -> tuple[SitePolicy, dict[str, Any]] | None:
    """Set the thresholds that the active model recommends for the site's estimated
    mix of offensive comments (``stats.site_mix`` over the comments since ``since``)
    in the site policy; articles with thresholds of their own keep them. Returns the
    policy and the estimate, or None (nothing changed) when there are too few scored
    comments to estimate the mix."""
    mix = site_mix(since)
    if not mix or mix["estimate"] is None:
        return None
    recommended = mix["recommended"]
    policy = site_policy_update(
        source=source,
        user=user,
        reason=f"thresholds for {recommended['prevalence'] * 100:.0f} % offensive comments (the site's mix, "
        f"estimated {mix['estimate'] * 100:.1f} % from {mix['n']} scored comments)",
        publish_below=recommended["publish_below"],
        reject_above=recommended["reject_above"],
    )
    return policy, mix


def site_policy_update(
    *,
    source: SettingsAuditEntry.Source,
    user: User | None = None,
    reason: str = "",
    **fields: Any,
) -> SitePolicy:
    """Set these fields of the site policy, the one row (pk 1) that the selectors
    read; it is created, with the defaults for the other fields, should it be missing.

    Audited in the same transaction: one entry with each field whose value changed,
    before and after (on creation every field, from nothing). Setting fields to the
    values they have writes nothing. The row is locked while it changes, so that the
    values recorded as "before" are the ones this change replaced."""
    policy = SitePolicy(pk=1)

    def change() -> dict[str, dict[str, Any]] | None:
        before: dict[str, Any] = {}
        try:
            policy.refresh_from_db(from_queryset=SitePolicy.objects.select_for_update())
        except SitePolicy.DoesNotExist:
            names = [f.name for f in SitePolicy._meta.concrete_fields if f.editable and not f.primary_key]
        else:
            before = {name: getattr(policy, name) for name in fields}
            names = [name for name, value in fields.items() if before[name] != value]
            if not names:
                return None
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.save()
        return {name: {"before": before.get(name), "after": getattr(policy, name)} for name in names}

    settings_audited(SettingsAuditEntry.Subject.SITE_POLICY, change, source=source, user=user, reason=reason)
    return policy
