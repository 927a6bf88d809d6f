"""Writes of moderation: the machine's decision on a waiting comment, and the
sweeper that makes sure every waiting comment gets one."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from discussion.dispatch import comment_request_scoring
from discussion.models import Comment
from discussion.services import comment_change_status, comment_score_set
from moderation.audit import audited, comment_entry_write, settings_audited
from moderation.modelops.registry import NoActiveModel, active_model
from moderation.models import AuditEntry, ModelVersion, ScoringState, SettingsAuditEntry, SitePolicy
from moderation.policy.policy import Verdict, decide_with_rules
from moderation.policy.rules import facts_for, policy_config, site_policy
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
    """Count one more attempt at this revision, before scoring, so that an attempt
    that kills its worker counts too. Returns the number of attempts so far."""
    with transaction.atomic():
        if ScoringState.objects.filter(pk=comment_id, revision=revision).update(attempts=F("attempts") + 1):
            return ScoringState.objects.values_list("attempts", flat=True).get(pk=comment_id)
        ScoringState.objects.update_or_create(
            comment_id=comment_id, defaults={"revision": revision, "attempts": 1, "last_error": ""}
        )
        return 1


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
    """Score a pending comment with the active model and publish, hold or reject it.
    A held comment without a score (edited while held) is scored too, but stays
    held: it waits for a moderator, and the score and the model's verdict on the
    new text are there for them to see.

    Idempotent: only a comment still pending, or held and unscored, at the scored
    revision changes, so a redelivered message, a second worker or a moderator who
    decided first make this a no-op (returns None). The change and its audit entry
    commit together.
    Raises NoActiveModel when there is no usable model (the comment stays pending)
    and ScoringFailed when scoring raised; past MODERATION_MAX_ATTEMPTS the comment
    is held for a human instead.
    """
    comment = (
        Comment.objects.filter(pk=comment_id)
        .values("status", "revision", "body", "author_id", "article_id", "score")
        .first()
    )
    if comment is None:
        return None
    held = comment["status"] == HELD
    if not (comment["status"] == PENDING or (held and comment["score"] is None)):
        return None
    revision = comment["revision"]
    loaded = active_model()
    attempt = _count_attempt(comment_id=comment_id, revision=revision)
    limit = settings.MODERATION_MAX_ATTEMPTS
    if attempt > limit:
        return comment_hold_for_human(
            comment_id=comment_id, revision=revision, reason=f"could not be scored in {limit} attempts"
        )
    try:
        analysis = loaded.model.analyze(comment["body"])
    except Exception as exc:
        ScoringState.objects.filter(pk=comment_id).update(last_error=repr(exc)[:2000])
        if attempt >= limit:
            return comment_hold_for_human(
                comment_id=comment_id,
                revision=revision,
                reason=f"could not be scored in {limit} attempts: {exc!r}",
            )
        raise ScoringFailed(f"comment {comment_id}, attempt {attempt}: {exc!r}") from exc
    score = analysis.score
    verdict, hits = _verdict(
        comment_id=comment_id,
        author_id=comment["author_id"],
        article_id=comment["article_id"],
        body=comment["body"],
        score=score,
        model_version=loaded.row,
    )
    to_status, reason = verdict.status, verdict.reason
    if held:
        to_status = HELD
        reason = f"held for a moderator; the model alone would have {verdict.status} it: {verdict.reason}"

    def change() -> Comment | None:
        if held:
            return comment_score_set(comment_id=comment_id, revision=revision, score=score)
        return comment_change_status(
            comment_id=comment_id,
            from_statuses=[PENDING],
            to_status=to_status,
            revision=revision,
            score=score,
        )

    entry = audited(
        change,
        lambda before: comment_entry_write(
            before,
            actor=AuditEntry.Actor.MODEL,
            model_version=loaded.row,
            to_status=to_status,
            reason=reason,
            score=score,
            details={
                **analysis.details(),
                "rules": list(verdict.rules),
                "word_hits": [hit.as_dict() for hit in hits],
            },
        ),
    )
    if entry is None:
        return None
    logger.info("comment %s: %s (score %.3f, model %s)", comment_id, to_status, score, loaded.row.version)
    return entry


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
