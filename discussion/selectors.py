"""Reads of the discussion. Who may see which comment is decided here and only here.

Published comments are public. Their author also sees their own comments that
wait (pending, held: shown as pending) or were rejected; removed comments are
seen by nobody. A comment that is not published but has published replies is
shown in threads as a placeholder, without author and text, so that the replies
keep their place. So is a removed comment without an author: one its reader
deleted with their account, kept in its place (ACCOUNT_DELETION_COMMENTS, see
discussion.services.comments_of_author_erase). Text of comments that are not
published never leaves the database on the thread's path: its column is nulled
in SQL.
"""

import base64
import binascii
import copy
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, TextField, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from accounts.models import ReaderProfile, SsoIdentity
from accounts.selectors import badges_shown
from articles.models import Article
from discussion.models import SHOWN_TO_READERS, Comment, Reaction
from web.errors import Forbidden, InvalidInput, NotFound

# Largest id a database integer column holds; larger ids from a client cannot exist.
MAX_ID = 2**63 - 1
MAX_COUNT = 2**31 - 1

Status = Comment.Status
Viewer = User | AnonymousUser

SORTS = ("newest", "oldest", "top")


def comment_shown(*, status: str, published_revision: int | None) -> bool:
    """Whether readers see a comment in this state (SHOWN_TO_READERS): it is
    published, or it was and an edit of it waits or was rejected."""
    return status == Status.PUBLISHED or (
        published_revision is not None and status in Comment.WAITING_EDIT_STATUSES
    )


def comments_visible_to(*, user: Viewer) -> QuerySet[Comment]:
    """Published comments for everyone (with their published text while an edit
    waits: comment_as_seen); an author also sees their own comments that are still
    waiting or were rejected. Removed comments are seen by nobody."""
    visible = SHOWN_TO_READERS
    if user.is_authenticated:
        visible |= Q(author=user) & ~Q(status=Status.REMOVED)
    return Comment.objects.filter(visible)


def comment_as_seen(comment: Comment, *, user: Viewer) -> Comment:
    """The comment as ``user`` sees it: its author sees it as it is; anyone else
    sees a comment whose edit waits or was rejected at its published revision and
    text, as published (a copy; the row is not changed)."""
    if comment.status == Status.PUBLISHED or comment.published_revision is None:
        return comment
    if user.is_authenticated and comment.author_id == user.pk:
        return comment
    seen = copy.copy(comment)
    seen.status = Status.PUBLISHED
    seen.body = comment.published_body
    seen.revision = comment.published_revision
    return seen


def status_shown(status: str) -> str:
    # A held comment waits for a human; its author sees it as still pending.
    return Status.PENDING if status == Status.HELD else status


def _valid_id(comment_id: int) -> bool:
    return 0 < comment_id <= MAX_ID


def comment_get(*, comment_id: int, user: Viewer) -> Comment:
    comment = (
        comments_visible_to(user=user)
        .select_related("author__reader_profile", "author__sso_identity", "article")
        .filter(pk=comment_id)
        .first()
        if _valid_id(comment_id)
        else None
    )
    if comment is None:
        raise NotFound(gettext("No such comment."))
    return comment_as_seen(comment, user=user)


def comment_get_published(*, comment_id: int) -> Comment:
    """A comment everyone can see, as they see it (comment_as_seen: a report is of
    the published text); reactions and reports are for these only. Others, the
    caller's own waiting comments included, are 404 like invisible ones."""
    return comment_get(comment_id=comment_id, user=AnonymousUser())


def comment_get_own(*, comment_id: int, user: User) -> Comment:
    """The caller's own comment in any status, removed included, to change it.

    Someone else's comment that the caller can see is a 403; one they cannot see
    is a 404, exactly as for a comment that does not exist.
    """
    if not _valid_id(comment_id):
        raise NotFound(gettext("No such comment."))
    comment = Comment.objects.select_related("article").filter(pk=comment_id, author=user).first()
    if comment is not None:
        return comment
    if comments_visible_to(user=user).filter(pk=comment_id).exists():
        raise Forbidden(gettext("You can only change your own comments."), code="not_author")
    raise NotFound(gettext("No such comment."))


def comment_author_get(*, comment_id: int) -> User:
    """The author of any comment, for moderators acting on it; NotFound when the
    comment does not exist or its author deleted their account."""
    comment = (
        Comment.objects.select_related("author").filter(pk=comment_id).first()
        if _valid_id(comment_id)
        else None
    )
    if comment is None:
        raise NotFound(gettext("No such comment."))
    if comment.author is None:
        raise NotFound(gettext("The author of this comment deleted their account."), code="author_deleted")
    return comment.author


def comment_editable_until(*, comment: Comment) -> datetime | None:
    """The end of the author's edit window; None when editing is off."""
    window = settings.COMMENT_EDIT_WINDOW_SECONDS
    return comment.created_at + timedelta(seconds=window) if window else None


def author_name(*, username: str | None, display_name: str | None) -> str | None:
    """How an author is shown: the display name, else the username; None if the account is gone."""
    return display_name or username or None


def comment_author_badges(*, comment: Comment) -> list[str]:
    """The badges the publisher gave the comment's author (accounts' badges_shown);
    no query when the comment was read with ``author__sso_identity``."""
    if comment.author is None:
        return []
    staff = comment.author.is_staff
    try:
        identity = comment.author.sso_identity
    except SsoIdentity.DoesNotExist:
        return badges_shown(role=None, badges=None, staff=staff)
    return badges_shown(role=identity.role, badges=identity.badges, staff=staff)


def comment_author_name(*, comment: Comment) -> str | None:
    if comment.author is None:
        return None
    try:
        display_name = comment.author.reader_profile.display_name
    except ReaderProfile.DoesNotExist:
        display_name = ""
    return author_name(username=comment.author.get_username(), display_name=display_name)


# --- Cursors --------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the sort key of its last comment and its id."""

    sort: str  # the list's order (a key of _ORDER): a thread's sort, or "own"
    created_at: datetime
    id: int
    like_count: int = 0  # as readers see it: Comment.shown_like_count


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_CURSOR_LENGTH = 200


def cursor_encode(cursor: Cursor) -> str:
    micros = (cursor.created_at - _EPOCH) // timedelta(microseconds=1)
    raw = json.dumps([cursor.sort, micros, cursor.id, cursor.like_count], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _is_int(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def cursor_decode(raw: str, *, sort: str) -> Cursor:
    """The cursor a client sent back; anything but a cursor made by cursor_encode for
    the same sort order is an InvalidInput naming ``cursor``."""
    invalid = InvalidInput(
        gettext("The cursor is not valid; start again from the first page."), field="cursor"
    )
    if not raw or len(raw) > _MAX_CURSOR_LENGTH:
        raise invalid
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        value = json.loads(decoded.decode("utf-8"))
    except (binascii.Error, ValueError):
        raise invalid from None
    if not (isinstance(value, list) and len(value) == 4):
        raise invalid
    cursor_sort, micros, comment_id, like_count = value
    if cursor_sort not in _ORDER or not (
        _is_int(micros, -(2**62), 2**62)
        and _is_int(comment_id, 1, MAX_ID)
        and _is_int(like_count, 0, MAX_COUNT)
    ):
        raise invalid
    if cursor_sort != sort:
        raise InvalidInput(
            gettext("The cursor belongs to another list (%(sort)s); start again from the first page.")
            % {"sort": cursor_sort},
            field="cursor",
        )
    try:
        created_at = _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise invalid from None
    return Cursor(sort=sort, created_at=created_at, id=comment_id, like_count=like_count)


_ORDER = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    # Most liked first; among equals the earlier comment, which said it first.
    "top": ("-shown_like_count", "created_at", "id"),
    # The author's own comments, newest first: a list of its own, so that a thread's
    # cursor is not taken for a position in it, nor the other way round.
    "own": ("-created_at", "-id"),
    # An article's editors' picks, latest pick first; the cursor's time is featured_at.
    "featured": ("-featured_at", "-id"),
}


def _after(cursor: Cursor) -> Q:
    """Everything after the cursor in its sort order: a keyset condition, so a page
    deep in the thread costs what the first one costs and new comments never shift it.

    Each condition starts with a plain bound on the leading sort column (e.g.
    ``created_at >= cursor``) that the OR after it already implies: SQLite derives
    no index range from an OR of bound parameters, and without the bound it walks
    the thread's index from its start to the cursor on every deep page."""
    if cursor.sort == "featured":
        return Q(featured_at__lte=cursor.created_at) & (
            Q(featured_at__lt=cursor.created_at) | Q(featured_at=cursor.created_at, id__lt=cursor.id)
        )
    if _ORDER[cursor.sort][0] == "-created_at":
        return Q(created_at__lte=cursor.created_at) & (
            Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id)
        )
    later = Q(created_at__gt=cursor.created_at) | Q(created_at=cursor.created_at, id__gt=cursor.id)
    if cursor.sort == "oldest":
        return Q(created_at__gte=cursor.created_at) & later
    return Q(shown_like_count__lte=cursor.like_count) & (
        Q(shown_like_count__lt=cursor.like_count) | (Q(shown_like_count=cursor.like_count) & later)
    )


# --- Threads --------------------------------------------------------------

# A removed comment without an author keeps its place in the thread as a placeholder.
_KEPT_IN_PLACE = Q(status=Status.REMOVED, author__isnull=True)


def _kept_in_place(row: dict[str, Any]) -> bool:
    return row["status"] == Status.REMOVED and row["author_id"] is None


# The body only of comments readers see: the published text, kept apart while an
# edit waits; other texts are never read on this path.
_SHOWN_BODY = Case(
    When(status=Status.PUBLISHED, then=F("body")),
    When(SHOWN_TO_READERS, then=F("published_body")),
    default=Value(None),
    output_field=TextField(),
)
_ROW_FIELDS = (
    "id",
    "parent_id",
    "root_id",
    "depth",
    "status",
    "published_revision",
    "created_at",
    "edited_at",
    "shown_like_count",
    "author_id",
    "author__username",
    "author__reader_profile__display_name",
    "author__sso_identity__role",
    "author__sso_identity__badges",
    "author__is_staff",
    "featured_at",
)


def _rows(queryset: QuerySet[Comment]) -> QuerySet[Comment, dict[str, Any]]:
    return queryset.annotate(shown_body=_SHOWN_BODY).values(*_ROW_FIELDS, "shown_body")


def _row_shown(row: dict[str, Any]) -> bool:
    return comment_shown(status=row["status"], published_revision=row["published_revision"])


def _node(row: dict[str, Any], *, published_below: int, liked: set[int]) -> dict[str, Any]:
    published = _row_shown(row)
    # The published text's own edits: while a later one waits, whether the
    # published revision was an edit.
    edited = (
        row["edited_at"] is not None
        if row["status"] == Status.PUBLISHED
        else (row["published_revision"] or 1) > 1
    )
    return {
        "id": row["id"],
        "parent": row["parent_id"],
        "depth": row["depth"],
        "removed": not published,
        "author": (
            author_name(
                username=row["author__username"], display_name=row["author__reader_profile__display_name"]
            )
            if published
            else None
        ),
        "author_badges": (
            badges_shown(
                role=row["author__sso_identity__role"],
                badges=row["author__sso_identity__badges"],
                staff=bool(row["author__is_staff"]),
            )
            if published
            else []
        ),
        "body": row["shown_body"] if published else None,
        "created_at": timezone.localtime(row["created_at"]).isoformat(),
        "edited": published and edited,
        "like_count": row["shown_like_count"],
        "liked": published and row["id"] in liked,
        "reply_count": published_below,
        "featured": published and row["featured_at"] is not None,
        "replies": [],
    }


def _tree(
    rows: Iterable[dict[str, Any]], *, tops: list[int], base_depth: int, liked: set[int]
) -> list[dict[str, Any]]:
    """Nest ``rows`` (the subtrees under the comments ``tops``, tops included, any
    status, oldest first) into the shape of the thread.

    A comment is shown if it is published, or as a placeholder if it has a shown
    reply or is kept in its place (``_KEPT_IN_PLACE``). Replies nest down to
    THREAD_DISPLAY_DEPTH below ``base_depth``; deeper ones hang flat, oldest first,
    under their ancestor at that depth.
    """
    rows = list(rows)
    by_id = {row["id"]: row for row in rows}
    children: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row["parent_id"] in by_id:
            children[row["parent_id"]].append(row["id"])

    shown: set[int] = set()
    published_below: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: r["depth"], reverse=True):
        kids = children[row["id"]]
        published_below[row["id"]] = sum(published_below[kid] + _row_shown(by_id[kid]) for kid in kids)
        if _row_shown(row) or _kept_in_place(row) or any(kid in shown for kid in kids):
            shown.add(row["id"])

    display_depth = settings.THREAD_DISPLAY_DEPTH
    nodes = {
        row["id"]: _node(row, published_below=published_below[row["id"]], liked=liked)
        for row in rows
        if row["id"] in shown
    }
    # Where each comment hangs: its parent while within the display depth, else the
    # ancestor at the display depth. Parents before children, so anchors are known.
    top_ids = set(tops)
    hangs_under: dict[int, int] = {}
    anchor: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: r["depth"]):
        if row["id"] in top_ids or row["id"] not in shown or row["parent_id"] not in nodes:
            continue
        parent = row["parent_id"]
        relative = row["depth"] - base_depth
        if relative < display_depth:
            hangs_under[row["id"]] = parent
        elif relative == display_depth:
            hangs_under[row["id"]] = parent
            anchor[row["id"]] = row["id"]
        else:
            anchor[row["id"]] = anchor[parent]
            hangs_under[row["id"]] = anchor[parent]
    for row in rows:
        if row["id"] in hangs_under:
            nodes[hangs_under[row["id"]]]["replies"].append(nodes[row["id"]])
    return [nodes[top] for top in tops if top in nodes]


def _liked_ids(*, user: Viewer, scope: Q) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Reaction.objects.filter(scope, user=user).values_list("comment_id", flat=True))


@dataclass(frozen=True)
class ThreadPage:
    results: list[dict[str, Any]]
    next_cursor: str | None


def thread_page(*, article: Article, user: Viewer, sort: str, cursor: str | None, limit: int) -> ThreadPage:
    """One page of an article's thread: top-level comments in ``sort`` order after
    ``cursor``, each with its replies.

    Three queries whatever the thread's size or the cursor's position (the page,
    the replies of its comments by root_id, the reader's likes among them when
    signed in), each served by an index; no OFFSET.
    """
    if sort not in SORTS:
        raise InvalidInput(gettext("Sort by one of %(sorts)s.") % {"sorts": ", ".join(SORTS)}, field="sort")
    after = cursor_decode(cursor, sort=sort) if cursor is not None else None
    has_published_reply = Exists(Comment.objects.filter(SHOWN_TO_READERS, root_id=OuterRef("pk")))
    page_query = Comment.objects.filter(article_id=article.pk, root__isnull=True).filter(
        SHOWN_TO_READERS | Q(has_published_reply) | _KEPT_IN_PLACE
    )
    if after is not None:
        page_query = page_query.filter(_after(after))
    page = list(_rows(page_query.order_by(*_ORDER[sort]))[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    if not page:
        return ThreadPage(results=[], next_cursor=None)

    tops = [row["id"] for row in page]
    replies = list(_rows(Comment.objects.filter(root_id__in=tops).order_by("created_at", "id")))
    liked = _liked_ids(user=user, scope=Q(comment_id__in=tops) | Q(comment__root_id__in=tops))
    results = _tree([*page, *replies], tops=tops, base_depth=0, liked=liked)

    next_cursor = None
    if more:
        last = page[-1]
        next_cursor = cursor_encode(
            Cursor(
                sort=sort, created_at=last["created_at"], id=last["id"], like_count=last["shown_like_count"]
            )
        )
    return ThreadPage(results=results, next_cursor=next_cursor)


def featured_page(*, article: Article, user: Viewer, cursor: str | None, limit: int) -> ThreadPage:
    """One page of an article's editors' picks, latest pick first, each with its
    replies as a thread shows them. Only published picks: one that was rejected or
    removed since is not listed (and not marked ``featured`` in threads).

    Three queries (the page, the threads of its comments, the reader's likes among
    them when signed in); keyset pages on (featured_at, id) by comment_featured_idx.
    """
    after = cursor_decode(cursor, sort="featured") if cursor is not None else None
    page_query = Comment.objects.filter(
        article_id=article.pk, featured_at__isnull=False, status=Status.PUBLISHED
    )
    if after is not None:
        page_query = page_query.filter(_after(after))
    page = list(_rows(page_query.order_by(*_ORDER["featured"]))[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    if not page:
        return ThreadPage(results=[], next_cursor=None)

    roots = {row["root_id"] or row["id"] for row in page}
    rows = list(
        _rows(Comment.objects.filter(Q(pk__in=roots) | Q(root_id__in=roots)).order_by("created_at", "id"))
    )
    liked = _liked_ids(user=user, scope=Q(comment_id__in=roots) | Q(comment__root_id__in=roots))
    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        children[row["parent_id"]].append(row)
    results = []
    for top in page:
        # The pick's own subtree, found through the parent links.
        subtree, frontier = [top], [top["id"]]
        while frontier:
            below = [row for parent in frontier for row in children[parent]]
            subtree.extend(below)
            frontier = [row["id"] for row in below]
        results.extend(_tree(subtree, tops=[top["id"]], base_depth=top["depth"], liked=liked))
    next_cursor = None
    if more:
        last = page[-1]
        next_cursor = cursor_encode(Cursor(sort="featured", created_at=last["featured_at"], id=last["id"]))
    return ThreadPage(results=results, next_cursor=next_cursor)


@dataclass(frozen=True)
class Replies:
    comment_id: int
    reply_count: int
    results: list[dict[str, Any]]


def comment_replies(*, comment_id: int, user: Viewer) -> Replies:
    """All replies below a comment shown in a thread (published, or a placeholder),
    nested as in the thread but counted from this comment,
    so replies deeper than the thread shows are reachable. Three queries."""
    target = (
        Comment.objects.filter(pk=comment_id).values("id", "root_id", "depth").first()
        if _valid_id(comment_id)
        else None
    )
    if target is None:
        raise NotFound(gettext("No such comment."))
    root_id = target["root_id"] or target["id"]
    rows = list(
        _rows(Comment.objects.filter(Q(pk=root_id) | Q(root_id=root_id)).order_by("created_at", "id"))
    )
    # Only this comment's subtree: its descendants, found through the parent links.
    below: set[int] = {comment_id}
    for row in sorted(rows, key=lambda r: r["depth"]):
        if row["parent_id"] in below:
            below.add(row["id"])
    subtree = [row for row in rows if row["id"] in below]
    liked = _liked_ids(user=user, scope=Q(comment_id__in=below - {comment_id}))
    nodes = _tree(subtree, tops=[comment_id], base_depth=target["depth"], liked=liked)
    if not nodes:
        raise NotFound(gettext("No such comment."))
    return Replies(comment_id=comment_id, reply_count=nodes[0]["reply_count"], results=nodes[0]["replies"])


# --- The author's own comments --------------------------------------------


@dataclass(frozen=True)
class OwnPage:
    results: list[Comment]
    next_cursor: str | None


def comments_of_author(*, user: User, cursor: str | None, limit: int) -> OwnPage:
    """The reader's own comments, newest first, in every status they can see."""
    after = cursor_decode(cursor, sort="own") if cursor is not None else None
    query = (
        comments_visible_to(user=user)
        .filter(author=user)
        .select_related("article", "author__reader_profile", "author__sso_identity")
        .order_by(*_ORDER["own"])
    )
    if after is not None:
        query = query.filter(_after(after))
    page = list(query[: limit + 1])
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        next_cursor = cursor_encode(Cursor(sort="own", created_at=page[-1].created_at, id=page[-1].pk))
    return OwnPage(results=page, next_cursor=next_cursor)


@lru_cache(maxsize=4)
def _statement_reader(path: str) -> Callable[..., dict[str, Any] | None]:
    return import_string(path)


def comment_statement_for_author(*, comment_id: int, user: Viewer) -> dict[str, Any] | None:
    """The statement of reasons standing against the comment, for its author (None
    for anyone else, or when there is none). Moderation writes them; the discussion,
    which imports nothing above itself, reads them through the function the setting
    COMMENT_STATEMENT_READER names ("" for none)."""
    path = settings.COMMENT_STATEMENT_READER
    return _statement_reader(path)(comment_id=comment_id, user=user) if path else None
