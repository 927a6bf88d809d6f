"""Writes to the discussion: comments and their status, edits, reactions, reports,
and what becomes of them when their reader deletes the account."""

import copy
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from accounts.services import reader_ensure_may_write, text_clean
from articles.models import Article
from articles.selectors import article_comments_open
from discussion.dispatch import comment_request_scoring
from discussion.models import SHOWN_TO_READERS, Comment, CommentRevision, Reaction, Report
from discussion.selectors import (
    MAX_ID,
    comment_editable_until,
    comment_get_own,
    comment_get_published,
    comment_shown,
)
from discussion.signals import comment_created, comment_reported, comment_status_changed
from web.errors import Conflict, Forbidden, InvalidInput, NotFound

Status = Comment.Status

# Replies deeper than this are refused: the depth column is a small integer, and no
# conversation needs a thousand levels.
MAX_REPLY_DEPTH = 1000
REPORT_NOTE_MAX_LENGTH = 500
AUTHOR = "author"


def comment_clean_body(raw: str) -> str:
    """The body as stored: see text_clean; 1 to COMMENT_MAX_LENGTH characters."""
    body = text_clean(raw, field="body", max_length=settings.COMMENT_MAX_LENGTH)
    if not body:
        raise InvalidInput(gettext("A comment needs some text."), field="body")
    return body


# --- Comments -------------------------------------------------------------


def _parent_for_reply(*, article: Article, parent_id: int) -> Comment:
    parent = (
        Comment.objects.filter(SHOWN_TO_READERS, pk=parent_id, article=article).first()
        if 0 < parent_id <= MAX_ID
        else None
    )
    if parent is None:
        raise InvalidInput(
            gettext("The comment replied to does not exist in this article's discussion."), field="parent"
        )
    if parent.depth >= MAX_REPLY_DEPTH:
        raise InvalidInput(
            gettext("Replies cannot nest deeper than %(depth)d levels; reply further up.")
            % {"depth": MAX_REPLY_DEPTH},
            field="parent",
        )
    return parent


def _ensure_open(article: Article) -> None:
    if not article_comments_open(article=article):
        raise Forbidden(gettext("Comments are closed for this article."), code="comments_closed")


def comment_create(*, article: Article, author: User, body: str, parent_id: int | None = None) -> Comment:
    """Store a new comment as pending and, once committed, hand it to moderation.

    The article must take comments, the author may not be banned or suspended, and
    the parent must be a published comment of the same article.
    """
    reader_ensure_may_write(user=author)
    _ensure_open(article)
    body = comment_clean_body(body)
    parent = _parent_for_reply(article=article, parent_id=parent_id) if parent_id is not None else None
    with transaction.atomic():
        comment = Comment.objects.create(
            article=article,
            author=author,
            parent=parent,
            root=(parent.root or parent) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            body=body,
        )
        comment_created.send(sender=Comment, comment=comment)
        comment_request_scoring(comment_id=comment.pk)
    return comment


def comment_set_featured(*, comment_id: int, featured: bool, by: User | None = None) -> Comment | None:
    """Make a published comment an editors' pick (``featured``), or no longer one.

    Returns the comment as it was before, or None when nothing changed: it is
    already (not) a pick, or, to feature it, it is not published. The conditional
    UPDATE is the claim, as in comment_change_status; call it inside the
    transaction that writes the audit entry. A pick that stops being published
    keeps its mark (readers do not see it as a pick) until it is unfeatured.
    """
    claim = Comment.objects.filter(pk=comment_id, featured_at__isnull=featured)
    if featured:
        claim = claim.filter(status=Status.PUBLISHED)
    before = claim.first()
    if before is None:
        return None
    changes: dict[str, object] = (
        {"featured_at": timezone.now(), "featured_by": by}
        if featured
        else {"featured_at": None, "featured_by": None}
    )
    if claim.filter(status=before.status).update(**changes) != 1:
        return None
    return before


def comment_change_status(
    *,
    comment_id: int,
    from_statuses: Iterable[str],
    to_status: str,
    revision: int | None = None,
    score: float | None = None,
    body: str | None = None,
) -> Comment | None:
    """Move a comment to ``to_status`` if it is still in one of ``from_statuses``
    (and still at ``revision``, when given). Returns the comment as it was before
    the change, or None if nothing changed because someone else got there first.

    With ``body``, the text is replaced in the same UPDATE: the revision goes up by
    one, the old score is cleared and edited_at set; a published comment keeps its
    text and revision as the published ones, which readers see until a later
    revision is published (Comment.published_revision).

    The conditional UPDATE is the claim: of two concurrent callers exactly one
    changes the row. Keeps the article's count of comments readers see in step. Must be
    called inside a transaction, which the caller uses to write the audit entry.
    """
    from_statuses = list(from_statuses)
    claim = Comment.objects.filter(pk=comment_id, status__in=from_statuses)
    if revision is not None:
        claim = claim.filter(revision=revision)
    before = claim.first()
    if before is None:
        return None
    now = timezone.now()
    changes: dict[str, object] = {"status": to_status, "status_changed_at": now}
    published_revision = before.published_revision
    if score is not None:
        changes["score"] = score
    if body is not None:
        changes.update(body=body, revision=F("revision") + 1, score=None, edited_at=now)
        if before.status == Status.PUBLISHED:
            # Readers keep seeing this text until the edit is published.
            published_revision = before.revision
            changes.update(published_revision=before.revision, published_body=before.body)
    if to_status == Status.PUBLISHED:
        published_revision = None
        changes.update(published_revision=None, published_body="")
    if claim.filter(status=before.status, revision=before.revision).update(**changes) != 1:
        return None
    was_shown = comment_shown(status=before.status, published_revision=before.published_revision)
    if was_shown != comment_shown(status=to_status, published_revision=published_revision):
        delta = -1 if was_shown else 1
        Article.objects.filter(pk=before.article_id).update(comment_count=F("comment_count") + delta)
    return before


@dataclass(frozen=True)
class StatusClaim:
    """One comment's change in ``comments_change_status``: from ``from_status`` at
    ``revision`` to ``to_status`` with ``score``. With ``to_status`` equal to
    ``from_status`` (held) it stores the score of an unscored revision only, as
    ``comment_score_set`` does."""

    comment_id: int
    revision: int
    from_status: str
    to_status: str
    score: float


@dataclass
class StatusClaims:
    before: list[Comment]  # the comments changed, as they were before
    busy: list[int]  # still in from_status but locked by another transaction: not changed, not waited for


def comments_change_status(*, claims: Sequence[StatusClaim]) -> StatusClaims:
    """``comment_change_status`` and ``comment_score_set`` for many comments at once:
    each claim applies only if its comment is still in ``from_status`` at
    ``revision`` (and, when the status stays, still unscored).

    The rows are read locked (SELECT … FOR NO KEY UPDATE SKIP LOCKED where the
    database has it; SQLite's write transaction holds them all), so the read and the
    UPDATE are one claim, as the conditional UPDATE is for one comment; a row that
    another transaction holds (a moderator deciding it, the sweeper) is skipped, not
    waited for, and reported in ``busy``. Queries: one SELECT, one UPDATE, and one
    UPDATE per article whose published count changes. Must be called inside a
    transaction, which the caller uses to write the audit entries.
    """
    if not claims:
        return StatusClaims(before=[], busy=[])
    rows = Comment.objects.filter(pk__in=[claim.comment_id for claim in claims]).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(
            skip_locked=True, no_key=connection.features.has_select_for_no_key_update
        )
    found = {comment.pk: comment for comment in rows}
    now = timezone.now()
    before: list[Comment] = []
    changed: list[Comment] = []
    busy: list[int] = []
    counts: Counter[int] = Counter()
    for claim in claims:
        comment = found.get(claim.comment_id)
        if comment is None:
            if Comment.objects.filter(
                pk=claim.comment_id, status=claim.from_status, revision=claim.revision
            ).exists():
                busy.append(claim.comment_id)
            continue
        unchanged_status = claim.to_status == claim.from_status
        if (comment.status, comment.revision) != (claim.from_status, claim.revision) or (
            unchanged_status and comment.score is not None
        ):
            continue
        before.append(copy.copy(comment))
        was_shown = comment_shown(status=comment.status, published_revision=comment.published_revision)
        comment.score = claim.score
        if not unchanged_status:
            comment.status = claim.to_status
            comment.status_changed_at = now
        if claim.to_status == Status.PUBLISHED:
            comment.published_revision, comment.published_body = None, ""
        changed.append(comment)
        if was_shown != comment_shown(status=comment.status, published_revision=comment.published_revision):
            counts[comment.article_id] += -1 if was_shown else 1
    if changed:
        Comment.objects.bulk_update(
            changed, ["status", "status_changed_at", "score", "published_revision", "published_body"]
        )
    for article_id, delta in sorted(counts.items()):
        if delta:
            Article.objects.filter(pk=article_id).update(comment_count=F("comment_count") + delta)
    return StatusClaims(before=before, busy=busy)


def comment_score_set(*, comment_id: int, revision: int, score: float) -> Comment | None:
    """Store the score of a held comment's revision that has none yet (edited while
    held), leaving its status alone. Returns the comment as it was before, or None
    if it has a score, another revision or another status by now. The conditional
    UPDATE is the claim, as in comment_change_status; call it inside the
    transaction that writes the audit entry."""
    claim = Comment.objects.filter(pk=comment_id, status=Status.HELD, revision=revision, score__isnull=True)
    before = claim.first()
    if before is None or claim.update(score=score) != 1:
        return None
    return before


def comment_edit(*, comment_id: int, user: User, body: str, now: datetime | None = None) -> Comment:
    """Replace the text of the user's own comment within the edit window.

    The comment is scored again at the next revision. A held one stays held: it
    waits for a moderator, whatever the new score, so that an edit cannot take it
    out of a queue. Any other goes back to pending. A published one stays in the
    thread, in its place and with its replies and likes, showing its published
    text to everyone but its author until the edit is published; if the edit is
    rejected, the published text stays (comment_change_status). The old text is
    kept as a CommentRevision; reactions and reports stay, open reports open. The
    change is announced with comment_status_changed in the same transaction
    (moderation audits it).
    """
    now = now or timezone.now()
    reader_ensure_may_write(user=user, now=now)
    comment = comment_get_own(comment_id=comment_id, user=user)
    if comment.status == Status.REMOVED:
        raise Conflict(
            gettext("This comment was deleted and can no longer be edited."), code="comment_removed"
        )
    if comment.status == Status.REJECTED:
        raise Conflict(gettext("A rejected comment cannot be edited."), code="comment_rejected")
    _ensure_open(comment.article)
    editable_until = comment_editable_until(comment=comment)
    if editable_until is None:
        raise Forbidden(gettext("Comments cannot be edited on this site."), code="editing_disabled")
    if now >= editable_until:
        minutes = settings.COMMENT_EDIT_WINDOW_SECONDS // 60
        raise Forbidden(
            ngettext(
                "The edit window closed at %(closed)s; comments can be edited for %(minutes)d minute "
                "after posting.",
                "The edit window closed at %(closed)s; comments can be edited for %(minutes)d minutes "
                "after posting.",
                minutes,
            )
            % {
                "closed": date_format(timezone.localtime(editable_until), "DATETIME_FORMAT"),
                "minutes": minutes,
            },
            code="edit_window_closed",
        )
    body = comment_clean_body(body)
    to_status = Status.HELD if comment.status == Status.HELD else Status.PENDING
    with transaction.atomic():
        before = comment_change_status(
            comment_id=comment.pk,
            from_statuses=[comment.status],
            to_status=to_status,
            revision=comment.revision,
            body=body,
        )
        if before is None:
            raise Conflict(
                gettext("The comment changed in the meantime; load it and try again."), code="edit_conflict"
            )
        CommentRevision.objects.create(
            comment_id=comment.pk,
            revision=before.revision,
            body=before.body,
            created_at=before.edited_at or before.created_at,
        )
        comment_status_changed.send(
            sender=Comment,
            comment_id=comment.pk,
            revision=before.revision + 1,
            from_status=before.status,
            to_status=to_status,
            actor=AUTHOR,
            reason="edited by its author",
        )
        comment_request_scoring(comment_id=comment.pk)
    return Comment.objects.select_related("article", "author__reader_profile", "author__sso_identity").get(
        pk=comment.pk
    )


def comment_delete(*, comment_id: int, user: User) -> None:
    """Remove the user's own comment (soft: the row stays, status removed).

    Its replies stay; the thread shows a placeholder in its place while it has
    published replies. Announced with comment_status_changed in the transaction.
    """
    reader_ensure_may_write(user=user)
    comment = comment_get_own(comment_id=comment_id, user=user)
    waiting_or_shown = [Status.PENDING, Status.PUBLISHED, Status.HELD, Status.REJECTED]
    with transaction.atomic():
        before = comment_change_status(
            comment_id=comment.pk, from_statuses=waiting_or_shown, to_status=Status.REMOVED
        )
        if before is None:
            raise NotFound(gettext("No such comment."))
        comment_status_changed.send(
            sender=Comment,
            comment_id=comment.pk,
            revision=before.revision,
            from_status=before.status,
            to_status=Status.REMOVED,
            actor=AUTHOR,
            reason="deleted by its author",
        )


# --- Reactions ------------------------------------------------------------


def _like_count(comment_id: int) -> int:
    return Comment.objects.filter(pk=comment_id).values_list("like_count", flat=True).get()


def reaction_add(*, comment_id: int, user: User) -> int:
    """Like a published comment; idempotent. Returns the comment's like count.

    The unique constraint makes the like and the count's increment happen at most
    once per reader, even for two concurrent requests.
    """
    reader_ensure_may_write(user=user)
    comment = comment_get_published(comment_id=comment_id)
    if comment.author_id == user.pk:
        raise Forbidden(gettext("You cannot like your own comment."), code="own_comment")
    with transaction.atomic():
        try:
            with transaction.atomic():
                Reaction.objects.create(comment_id=comment.pk, user=user)
        except IntegrityError:
            pass  # liked before: nothing to do
        else:
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
        return _like_count(comment.pk)


def reaction_remove(*, comment_id: int, user: User) -> int:
    """Take back a like; idempotent. Returns the comment's like count."""
    reader_ensure_may_write(user=user)
    comment = comment_get_published(comment_id=comment_id)
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(comment_id=comment.pk, user=user).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") - 1)
        return _like_count(comment.pk)


# --- Reports --------------------------------------------------------------


def report_create(*, comment_id: int, reporter: User, reason: str, note: str = "") -> Report:
    """Store a reader's report of the current revision of a published comment; one
    per reader and revision (a second is a Conflict; after an edit the reader may
    report the new text). Counts it on the comment and sends comment_reported in
    the same transaction, for moderation to act on."""
    reader_ensure_may_write(user=reporter)
    if reason not in Report.Reason.values:
        raise InvalidInput(
            gettext("Give one of the reasons %(reasons)s.") % {"reasons": ", ".join(Report.Reason.values)},
            field="reason",
        )
    note = text_clean(note, field="note", max_length=REPORT_NOTE_MAX_LENGTH)
    comment = comment_get_published(comment_id=comment_id)
    if comment.author_id == reporter.pk:
        raise Forbidden(gettext("You cannot report your own comment."), code="own_comment")
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    comment_id=comment.pk,
                    reporter=reporter,
                    reason=reason,
                    note=note,
                    comment_revision=comment.revision,
                )
        except IntegrityError:
            raise Conflict(
                gettext("You have already reported this comment."), code="already_reported"
            ) from None
        Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
        report_count = Comment.objects.filter(pk=comment.pk).values_list("report_count", flat=True).get()
        comment_reported.send(
            sender=Report,
            report_id=report.pk,
            comment_id=comment.pk,
            reason=reason,
            report_count=report_count,
        )
    return report


def reports_resolve(*, comment_id: int, revision: int) -> list[int]:
    """Mark the open reports of a comment up to this revision as dealt with; returns
    their ids. Reports of earlier texts count: the moderator saw them beside this one.
    Call it inside the transaction of the decision (the ids are read, then closed)."""
    open_reports = Report.objects.filter(
        comment_id=comment_id, comment_revision__lte=revision, resolved_at__isnull=True
    )
    ids = list(open_reports.values_list("id", flat=True))
    if ids:
        open_reports.filter(pk__in=ids).update(resolved_at=timezone.now())
    return ids


def reports_reopen(*, comment_id: int, report_ids: list[int]) -> int:
    """Open again the reports a decision closed, when that decision is undone; returns
    how many. Only reports of this comment that are still closed are touched."""
    return Report.objects.filter(comment_id=comment_id, pk__in=report_ids, resolved_at__isnull=False).update(
        resolved_at=None
    )


# --- A reader deletes their account ---------------------------------------

ACCOUNT_DELETED = "deleted with the account"


def comments_of_author_erase(*, user: User, keep_in_threads: bool) -> int:
    """Erase every comment of ``user``, whose account is being deleted (GDPR Art. 17);
    returns how many there were. Their text is emptied and their earlier texts are
    deleted. Each one not removed yet is removed through comment_change_status, and
    every one is announced with comment_status_changed as its author's doing,
    ACCOUNT_DELETED (moderation audits it): one removed already gets its entry too,
    which says why its text is gone and keeps a moderator from restoring it empty.

    With ``keep_in_threads`` the comments that were published also lose their author:
    a removed comment without an author keeps its place in its thread as a
    placeholder (discussion.selectors). All the others stay with the account, which
    is left pseudonymous, and are out of the threads like any removed comment (a
    placeholder only above published replies). Replies, and other readers' likes
    and reports of these comments, stay.

    Call it inside the transaction of the deletion. The comments are locked first
    (FOR UPDATE where the database has it; SQLite's IMMEDIATE transactions hold
    every other writer off), so a worker scoring one of them meanwhile finds it
    removed when it comes to write and changes nothing. Four queries at first, then
    at most four per comment (the claim, the update, its article's count, the audit
    entry): the change goes through the one door of status changes."""
    comments = list(
        Comment.objects.select_for_update()
        .filter(author=user)
        .order_by("pk")
        .values_list("pk", "status", "revision")
    )
    CommentRevision.objects.filter(comment__author=user).delete()
    if keep_in_threads:
        Comment.objects.filter(SHOWN_TO_READERS, author=user).update(author=None, body="")
    # The published revision stays named (the count of shown comments follows it
    # below); its text goes with the rest.
    Comment.objects.filter(author=user).update(body="", published_body="")
    for comment_id, status, revision in comments:
        if status != Status.REMOVED:
            # Locked above, so still in this status at this revision.
            comment_change_status(
                comment_id=comment_id, from_statuses=[status], to_status=Status.REMOVED, revision=revision
            )
        comment_status_changed.send(
            sender=Comment,
            comment_id=comment_id,
            revision=revision,
            from_status=status,
            to_status=Status.REMOVED,
            actor=AUTHOR,
            reason=ACCOUNT_DELETED,
        )
    return len(comments)


def reactions_of_user_remove(*, user: User) -> int:
    """Take back every like of ``user``, whose account is being deleted, whatever the
    liked comment's status now (reaction_remove is for published comments and readers
    who may write); returns how many. Each liked comment's count goes down by one, in
    the same transaction. Three queries: the likes are locked first, so that a
    reaction_remove at the same time waits and then finds nothing to count."""
    likes = Reaction.objects.filter(user=user)
    list(likes.select_for_update().values_list("pk", flat=True))
    Comment.objects.filter(pk__in=likes.values("comment_id")).update(like_count=F("like_count") - 1)
    deleted, _ = likes.delete()
    return deleted


def reports_of_reporter_anonymize(*, user: User) -> int:
    """Detach the reports ``user`` made from the account being deleted; returns how
    many stay. They stay with their comments, reasons and notes for the moderators,
    from nobody (reporter NULL), and each anonymous open report counts as one reader
    towards the report threshold (moderation.decisions.comment_check_reports). So
    that the reader still counts once, of their open reports of one comment (of
    several revisions) only the latest stays; the comment's report count goes down
    by the others. Four queries."""
    mine = Report.objects.filter(reporter=user)
    open_reports = mine.filter(resolved_at__isnull=True)
    later = open_reports.filter(
        comment_id=OuterRef("comment_id"), comment_revision__gt=OuterRef("comment_revision")
    )
    superseded = open_reports.filter(Exists(later))
    per_comment = (
        superseded.filter(comment_id=OuterRef("pk")).values("comment_id").annotate(n=Count("pk")).values("n")
    )
    Comment.objects.filter(pk__in=superseded.values("comment_id")).update(
        report_count=F("report_count") - Subquery(per_comment)
    )
    superseded.delete()
    return mine.update(reporter=None)
