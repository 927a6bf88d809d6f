"""A reader's own data, gathered for them to take away (GDPR Art. 15 access, Art. 20
portability): their account, comments with every earlier text, likes, reports, the
decisions taken about their comments and their account, and the notes moderators
wrote about them (personal data about the reader, so theirs to see under Art. 15,
though the discussion never shows them).

Lives in moderation, the top of the app layers, because the decisions are
moderation's audit entries; everything else it reads belongs to the apps below.

What the reader gets is what the site knows about them, and nothing of anyone else:
other readers appear only as the ids of the comments this reader liked or reported,
and whoever decided appears as a role, never by name. Two things stay as the rest
of the API shows them to the author (discussion.selectors.status_shown): a held
comment reads as pending, so holds are not listed as decisions, and pre-moderation
of the account is not listed among the restrictions.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import SsoIdentity
from accounts.selectors import reader_profile_find
from discussion.models import Comment, CommentRevision, Reaction, Report
from discussion.selectors import status_shown
from moderation.models import AuditEntry, ReaderAuditEntry, ReaderNote

# Moderators' actions on an account that the reader is told about (a ban or a
# suspension answers their writes with its reason) and so finds in their data.
TOLD_RESTRICTIONS = (
    ReaderAuditEntry.Action.SUSPEND,
    ReaderAuditEntry.Action.BAN,
    ReaderAuditEntry.Action.LIFT,
)


def reader_data_export(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything the site holds about ``user``, as plain values for the export's output
    serializer. A read only. Nine queries whatever the number of comments, likes,
    reports and decisions (the profile, the link to the publisher's account (SSO),
    the comments with their articles, their earlier texts, the likes, the reports,
    the comments' and the account's audit entries, the moderators' notes)."""
    profile = reader_profile_find(user=user)
    identity = SsoIdentity.objects.filter(user=user).first()
    comments = (
        Comment.objects.filter(author=user)
        .select_related("article")
        .prefetch_related(
            Prefetch("revisions", queryset=CommentRevision.objects.order_by("revision"), to_attr="earlier")
        )
        .order_by("created_at", "id")
    )
    decisions = (
        AuditEntry.objects.filter(comment__author=user)
        .exclude(actor=AuditEntry.Actor.AUTHOR)
        .order_by("created_at", "id")
    )
    restrictions = ReaderAuditEntry.objects.filter(reader=user, action__in=TOLD_RESTRICTIONS).order_by(
        "created_at", "id"
    )
    return {
        "exported_at": now or timezone.now(),
        "account": {
            "username": user.get_username(),
            "display_name": profile.display_name if profile else "",
            "email": user.email or None,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "banned": bool(profile and profile.banned),
            "ban_reason": profile.ban_reason if profile else "",
            "suspended_until": profile.suspended_until if profile else None,
            "suspension_reason": profile.suspension_reason if profile else "",
            "consent": (
                {
                    "given_at": profile.consented_at,
                    "through": profile.consent_source,
                    "netiquette_url": profile.consent_netiquette_url,
                    "privacy_url": profile.consent_privacy_url,
                }
                if profile is not None and profile.consented_at is not None
                else None
            ),
            "language": profile.language if profile else "",
            "author_notifications": profile.author_notifications if profile else True,
        },
        "publisher_account": (
            {
                "id": identity.subject,
                "email": identity.email,
                "username": identity.username,
                "role": identity.role,
                "badges": identity.badges,
                "last_issued_at": identity.last_issued_at,
            }
            if identity is not None
            else None
        ),
        "comments": [
            {
                "id": comment.pk,
                "article": {"slug": comment.article.slug, "title": comment.article.title},
                "parent": comment.parent_id,
                "status": status_shown(comment.status),
                "created_at": comment.created_at,
                "edited_at": comment.edited_at,
                "revision": comment.revision,
                "body": comment.body,
                "earlier_revisions": [
                    {"revision": earlier.revision, "body": earlier.body, "written_at": earlier.created_at}
                    for earlier in comment.earlier
                ],
            }
            for comment in comments
        ],
        "reactions": [
            {"comment": reaction.comment_id, "created_at": reaction.created_at}
            for reaction in Reaction.objects.filter(user=user).order_by("created_at", "id")
        ],
        "reports": [
            {
                "comment": report.comment_id,
                "comment_revision": report.comment_revision,
                "reason": report.reason,
                "note": report.note,
                "created_at": report.created_at,
                "state": "open" if report.resolved_at is None else "resolved",
                "resolved_at": report.resolved_at,
            }
            for report in Report.objects.filter(reporter=user).order_by("created_at", "id")
        ],
        "decisions": [
            {
                "comment": entry.comment_id,
                "comment_revision": entry.comment_revision,
                "from_status": status_shown(entry.from_status),
                "to_status": status_shown(entry.to_status),
                "reason": entry.reason,
                "decided_by": entry.actor,
                "decided_at": entry.created_at,
            }
            for entry in decisions
            # Notes, refused attempts and holds change nothing the author sees.
            if status_shown(entry.from_status) != status_shown(entry.to_status)
        ],
        "restrictions": [
            {
                "action": entry.action,
                "reason": entry.reason,
                "until": entry.until,
                "decided_by": AuditEntry.Actor.MODERATOR.value,
                "decided_at": entry.created_at,
            }
            for entry in restrictions
        ],
        # Who wrote a note appears as a role, as with every decision.
        "moderator_notes": [
            {
                "text": note.text,
                "comment": note.comment_id,
                "written_by": AuditEntry.Actor.MODERATOR.value,
                "written_at": note.created_at,
            }
            for note in ReaderNote.objects.filter(reader=user).order_by("created_at", "id")
        ],
    }
