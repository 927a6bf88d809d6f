from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import Article

# Comments every reader sees: published ones, and published ones whose edit waits
# or was rejected (shown with their published text; see Comment.published_revision).
SHOWN_TO_READERS = Q(status="published") | Q(
    status__in=["pending", "held", "rejected"], published_revision__isnull=False
)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PUBLISHED = "published", _("published")
        HELD = "held", _("held")
        REJECTED = "rejected", _("rejected")
        REMOVED = "removed", _("removed")

    # While an edit of a published comment waits (pending, held) or after it was
    # rejected, readers go on seeing the text that was published: its revision and
    # text are kept here, and the comment stays in its place with its replies and
    # likes. Publishing the edit (or removing the comment) ends it.
    WAITING_EDIT_STATUSES = (Status.PENDING, Status.HELD, Status.REJECTED)

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="comments", verbose_name=_("article")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="comments",
        verbose_name=_("author"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("parent"),
    )
    # The top-level comment of the thread (None for a top-level comment itself), so a
    # page of threads loads all its replies with one query.
    root = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("root")
    )
    depth = models.PositiveSmallIntegerField(default=0, verbose_name=_("depth"))
    body = models.TextField(verbose_name=_("body"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    # Bumped on every edit; a score belongs to one revision of the text.
    revision = models.PositiveIntegerField(default=1, verbose_name=_("revision"))
    score = models.FloatField(
        null=True, blank=True, help_text=_("Offensiveness from the model, 0–1."), verbose_name=_("score")
    )
    # Kept in the same transaction as the reactions and reports they count, so the
    # thread sorts by likes and the queues filter by reports without aggregating.
    published_revision = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("The revision readers see while a later edit waits or after it was rejected."),
        verbose_name=_("published revision"),
    )
    published_body = models.TextField(blank=True, verbose_name=_("published text"))
    like_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("like count"))
    report_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("report count"))
    # The likes readers see: none while the comment is not shown (a placeholder
    # shows none). Threads sort by these, so that neither the order of a page nor
    # its cursor tells anything of the likes of a comment the reader cannot see.
    shown_like_count = models.GeneratedField(
        expression=Case(When(SHOWN_TO_READERS, then=F("like_count")), default=Value(0)),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
        verbose_name=_("shown like count"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    status_changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("status changed at"))
    # An editors' pick: readers see it as one only while it is published, so that a
    # removal or rejection takes it out of the picks without a second write.
    featured_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("featured at"))
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("featured by"),
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "status", "root", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["status", "status_changed_at"], name="comment_queue_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_idx"),
            # Keyset pages of top-level comments (root IS NULL): by time either way,
            # and by likes with time and id as tie-breakers.
            models.Index(fields=["article", "root", "created_at", "id"], name="comment_toplevel_time_idx"),
            models.Index(
                fields=["article", "root", "-shown_like_count", "created_at", "id"],
                name="comment_toplevel_top_idx",
            ),
            # The editors' picks of an article, latest pick first.
            models.Index(fields=["article", "featured_at", "id"], name="comment_featured_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Comment %(id)s on article %(article)s (%(status)s)") % {
            "id": self.pk,
            "article": self.article_id,
            "status": self.get_status_display(),
        }


def status_label(status: str) -> str:
    """A comment status as moderators read it (the stored value if it is no longer one)."""
    return str(Comment.Status(status).label) if status in Comment.Status.values else status


class CommentRevision(models.Model):
    """An earlier text of an edited comment, kept for moderators."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("comment")
    )
    revision = models.PositiveIntegerField(verbose_name=_("revision"))
    body = models.TextField(verbose_name=_("body"))
    created_at = models.DateTimeField(
        help_text=_("When this text was written."), verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("comment revision")
        verbose_name_plural = _("comment revisions")
        ordering = ["comment", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "revision"], name="one_row_per_comment_revision")
        ]

    def __str__(self) -> str:
        return gettext("Comment %(id)s, revision %(revision)s") % {
            "id": self.comment_id,
            "revision": self.revision,
        }


class Reaction(models.Model):
    """A reader's like of a comment; one per reader and comment."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("comment")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="one_reaction_per_user")]

    def __str__(self) -> str:
        return gettext("Reader %(reader)s likes comment %(id)s") % {
            "reader": self.user_id,
            "id": self.comment_id,
        }


class Report(models.Model):
    """A reader's report of one revision of a comment to the moderators; one per
    reader and revision. It stays open across later edits until a moderator decides."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("spam")
        OFFENSIVE = "offensive", _("offensive")
        OFF_TOPIC = "off_topic", _("off topic")
        MISINFORMATION = "misinformation", _("misinformation")
        OTHER = "other", _("other")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(max_length=16, choices=Reason.choices, verbose_name=_("reason"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    comment_revision = models.PositiveIntegerField(
        help_text=_("The revision of the text that was reported."), verbose_name=_("comment revision")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter", "comment_revision"], name="one_report_per_reader_and_revision"
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="report_open_idx")]

    def __str__(self) -> str:
        return gettext("Report of comment %(id)s: %(reason)s") % {
            "id": self.comment_id,
            "reason": self.get_reason_display(),
        }
