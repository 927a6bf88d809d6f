"""A statement of reasons as its addressee reads it (DSA Art. 17(3) and (4)): which
restriction, the facts, the ground, what automation did, and the redress open to
them, in the language active when called (the API's request, the mail's recipient).
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils import formats
from django.utils.translation import gettext as _

from moderation.dsa.grounds import legal_ground, terms_ground
from moderation.models import Appeal, StatementOfReasons
from moderation.policy.rules import site_policy

# Art. 20(1): appeals are open for at least six months after the decision is told.
APPEAL_WINDOW = timedelta(days=183)

Restriction = StatementOfReasons.Restriction
Automation = StatementOfReasons.Automation


def appeal_open_until(statement: StatementOfReasons, *, appeals_enabled: bool) -> datetime | None:
    """Until when the statement's addressee may appeal; None when the site's appeals
    are off (site policy) or the decision was already reversed."""
    if statement.revoked_at is not None or not appeals_enabled:
        return None
    return statement.created_at + APPEAL_WINDOW


def _restriction(statement: StatementOfReasons) -> str:
    if statement.restriction == Restriction.REJECTED:
        return _("Your comment was not published.")
    if statement.restriction == Restriction.REMOVED:
        return _("Your comment was removed.")
    if statement.restriction == Restriction.HELD:
        return _("Your comment is withheld until a moderator has looked at it.")
    if statement.restriction == Restriction.SUSPENDED and statement.end_date:
        until = formats.date_format(statement.end_date, "DATETIME_FORMAT")
        return _("Your account may not write comments until %(until)s.") % {"until": until}
    return _("Your account may no longer write comments.")


def _facts(statement: StatementOfReasons) -> str:
    if statement.source == StatementOfReasons.Source.NOTICE:
        found = _("Someone notified us that the content is illegal, and we checked it.")
    elif statement.automated_detection:
        found = _("Our automatic filter flagged the content.")
    elif statement.comment_id is None:
        found = _("A moderator reviewed the comments written from your account.")
    else:
        found = _("A moderator reviewed the content on our own initiative.")
    if statement.automated_decision == Automation.FULLY:
        decided = _("The decision was taken by automated means, without a human.")
    elif statement.automated_decision == Automation.PARTIALLY:
        decided = _("A moderator took the decision, supported by the automatic filter.")
    else:
        decided = _("A moderator took the decision without automated means.")
    return f"{found} {decided}"


def _ground(statement: StatementOfReasons) -> str:
    terms = str(terms_ground(statement.terms_ground).label)
    if statement.ground == StatementOfReasons.Ground.ILLEGAL:
        return _("Illegal content: %(law)s. It also breaks our discussion rules (%(terms)s).") % {
            "law": legal_ground(statement.legal_ground).label,
            "terms": terms,
        }
    return _("It breaks our discussion rules: %(terms)s.") % {"terms": terms}


def statement_explained(
    statement: StatementOfReasons, *, appeals_enabled: bool | None = None
) -> dict[str, Any]:
    """The statement as plain values for the API, the widget and the mails; the texts
    in the active language. ``appeal`` is the latest appeal against it, if any.
    ``appeals_enabled``: the site policy's, read here when not given (a caller that
    explains many statements reads it once)."""
    if appeals_enabled is None:
        appeals_enabled = site_policy().appeals_enabled
    until = appeal_open_until(statement, appeals_enabled=appeals_enabled)
    # .all(), so that a caller's prefetch of the appeals serves it.
    appeal = max(statement.appeals.all(), key=lambda a: (a.created_at, a.pk), default=None)
    return {
        "id": str(statement.puid),
        "restriction": statement.restriction,
        "restriction_text": _restriction(statement),
        "comment": statement.comment_id,
        "article": statement.comment.article.slug if statement.comment is not None else None,
        "comment_revision": statement.comment_revision,
        "ground": statement.ground,
        "legal_ground": statement.legal_ground or None,
        "terms_ground": statement.terms_ground,
        "terms_ground_text": str(terms_ground(statement.terms_ground).label),
        "ground_text": _ground(statement),
        "explanation": statement.explanation,
        "facts": _facts(statement),
        "source": statement.source,
        "automated_detection": statement.automated_detection,
        "automated_decision": statement.automated_decision,
        "decided_at": statement.created_at,
        "end_date": statement.end_date,
        "revoked_at": statement.revoked_at,
        "appeal": None if appeal is None else appeal_explained(appeal),
        "redress": redress(appealable_until=until, appealed=appeal is not None),
    }


def appeal_explained(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "status": appeal.status,
        "submitted_at": appeal.created_at,
        "decided_at": appeal.decided_at,
        "explanation": appeal.explanation,
    }


def redress(*, appealable_until: datetime | None, appealed: bool = False) -> dict[str, Any]:
    """The ways to challenge a decision (Art. 17(3)(f)): the site's own appeal while
    it is open, certified out-of-court dispute settlement, and the courts."""
    parts = []
    if appealable_until is not None and not appealed:
        parts.append(
            _("You can appeal this decision free of charge until %(until)s; a different moderator decides.")
            % {"until": formats.date_format(appealable_until, "DATE_FORMAT")}
        )
    parts.append(
        _("You can also turn to a certified out-of-court dispute settlement body (%(url)s) or to the courts.")
        % {"url": settings.DSA_OUT_OF_COURT_URL}
    )
    return {
        "appealable_until": None if appealed else appealable_until,
        "text": " ".join(parts),
        "out_of_court_url": settings.DSA_OUT_OF_COURT_URL,
        "netiquette_url": settings.NETIQUETTE_URL,
    }


def comment_statement_for_author(*, comment_id: int, user: User | AnonymousUser) -> dict[str, Any] | None:
    """The standing statement about a comment, for its author only (the hook the
    discussion's comment API calls through COMMENT_STATEMENT_READER)."""
    if not user.is_authenticated:
        return None
    statement = (
        StatementOfReasons.objects.filter(comment_id=comment_id, reader=user)
        .select_related("comment__article")
        .order_by("-created_at", "-id")
        .first()
    )
    return None if statement is None else statement_explained(statement)
