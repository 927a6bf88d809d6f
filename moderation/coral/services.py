"""What the phase does with a signed, checked request: the comment's text, its
score by the active model, the site policy's verdict, Coral's answer, and a record
of it all (CoralDecision) for the site to measure.

The verdict is the site policy's thresholds alone (publish below, reject above,
hold between; auto-reject off holds instead of rejecting). Word lists, trust and
spam rules are Coral's own phases, which run before this one; pre-moderation of
new commenters, stories and users runs after it."""

import html
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.html import strip_tags
from django.utils.translation import gettext

from moderation.modelops.registry import NoActiveModel, active_model
from moderation.models import CoralDecision, CoralSecret, ModelVersion
from moderation.policy.policy import Facts, PolicyConfig, Verdict, decide_with_rules
from moderation.policy.rules import policy_config
from web.errors import Unavailable

# Coral's values (its ExternalModerationResponse).
FLAG_TOXIC = {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}
REJECTION_CODE = "OFFENSIVE"  # of Coral's REJECTION_REASON_CODE: what the model measures

# Markup Coral's rich-text editor writes (the phase's HTML format): any tag.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")
# Where a tag ends a line or a paragraph, the words on either side stay apart.
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|blockquote|li|h[1-6])\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class PhaseAnswer:
    """Coral's answer: the JSON body, or None for no opinion (204)."""

    body: dict[str, Any] | None
    record: CoralDecision


def plain_text(body: str) -> str:
    """The text of a comment body sent in Coral's HTML format (or as plain text):
    tags removed, line and paragraph ends kept as line breaks, entities decoded. A
    body without tags is taken as it is, so that ``a < b`` in plain text stays."""
    if not _TAG.search(body):
        return body
    return html.unescape(strip_tags(_BREAK.sub("\n", body))).strip()


def _coral_status(verdict: str) -> str:
    if verdict == CoralDecision.Verdict.REJECTED:
        return CoralDecision.Status.REJECTED
    if verdict == CoralDecision.Verdict.HELD:
        return str(settings.CORAL_HOLD_STATUS)
    return CoralDecision.Status.APPROVED if settings.CORAL_APPROVE_LOW_SCORES else CoralDecision.Status.NONE


def _answer(status: str, explanation: str) -> dict[str, Any] | None:
    if not status:
        return None
    body: dict[str, Any] = {"status": status, "actions": [], "tags": []}
    if status != CoralDecision.Status.APPROVED:
        body["actions"] = [FLAG_TOXIC]
    if status == CoralDecision.Status.REJECTED:
        # Coral 8.7.3 and later keep this as the moderation action's reason (for its
        # DSA statements); earlier versions drop it (their schema strips unknown keys).
        body["moderationAction"] = {
            "status": status,
            "rejectionReason": {"code": REJECTION_CODE, "detailedExplanation": explanation},
        }
    return body


def phase_decide(*, request: dict[str, Any], secret: CoralSecret) -> PhaseAnswer:
    """Coral's answer for one checked request (api.PhaseRequestSerializer's data),
    and its record. Raises Unavailable (503, which Coral skips: the comment goes on
    through Coral's pipeline) when no model is usable; nothing is recorded then."""
    comment, author = request["comment"], request["author"]
    record = CoralDecision(
        action=request["action"],
        tenant_id=request["tenantID"],
        tenant_domain=request["tenantDomain"],
        site_id=request["site"]["id"],
        story_id=request["story"]["id"],
        story_url=request["story"].get("url") or "",
        author_id=author["id"],
        author_role=author["role"],
        parent_id=comment.get("parentID") or "",
        text=comment["body"] if settings.CORAL_STORE_TEXT else "",
        secret=secret,
    )
    text = plain_text(comment["body"])
    if author["role"] in settings.CORAL_ROLES_LEFT_TO_CORAL:
        return _unscored(record, f"author's role {author['role']}: left to Coral")
    if not text.strip():
        return _unscored(record, "no text to score")
    try:
        loaded = active_model()
    except NoActiveModel as exc:
        raise Unavailable(
            gettext("No model is active; the comment cannot be scored."), code="no_model"
        ) from exc
    score = loaded.model.assess(text).score
    verdict = _verdict(score, loaded.row)
    record.model_version = loaded.row
    record.score = score
    record.verdict = verdict.status
    record.status = _coral_status(verdict.status)
    record.reason = verdict.reason[:255]
    record.save()
    explanation = gettext(
        "Rejected automatically: the comment's toxicity score %(score).2f of model %(model)s is above "
        "the site's threshold."
    ) % {"score": score, "model": loaded.row.version}
    return PhaseAnswer(body=_answer(record.status, explanation), record=record)


def _verdict(score: float, model_version: ModelVersion) -> Verdict:
    """The site policy's verdict on the score (a Coral story is no article of
    Stammtisch's: no article policy applies). One query."""
    config = policy_config(article_id=None, model_version=model_version)
    return decide_with_rules(
        Facts(score=score), PolicyConfig(thresholds=config.thresholds, auto_reject=config.auto_reject)
    )


def _unscored(record: CoralDecision, reason: str) -> PhaseAnswer:
    record.verdict = CoralDecision.Verdict.UNSCORED
    record.status = CoralDecision.Status.NONE
    record.reason = reason
    record.save()
    return PhaseAnswer(body=None, record=record)


def verdict_counts(queryset: QuerySet[CoralDecision]) -> list[dict[str, Any]]:
    """The filtered decisions counted per verdict and answered status, labelled."""
    verdicts = dict(CoralDecision.Verdict.choices)
    statuses = dict(CoralDecision.Status.choices)
    rows = queryset.order_by().values("verdict", "status").annotate(count=Count("id"))
    return [
        {
            "verdict": verdicts.get(row["verdict"], row["verdict"]),
            "status": statuses.get(row["status"], row["status"]),
            "count": row["count"],
        }
        for row in sorted(rows, key=lambda row: (row["verdict"], row["status"]))
    ]
