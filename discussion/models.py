from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.utils import timezone

from articles.models import Article


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        PUBLISHED = "published", "published"
        HELD = "held", "held"
        REJECTED = "rejected", "rejected"
        REMOVED = "removed", "removed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    # The top-level comment of the thread (None for a top-level comment itself), so a
    # page of threads loads all its replies with one query.
    root = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Bumped on every edit; a score belongs to one revision of the text.
    revision = models.PositiveIntegerField(default=1)
    score = models.FloatField(null=True, blank=True, help_text="Offensiveness from the model, 0–1.")
    # Kept in the same transaction as the reactions and reports they count, so the
    # thread sorts by likes and the queues filter by reports without aggregating.
    like_count = models.PositiveIntegerField(default=0, editable=False)
    report_count = models.PositiveIntegerField(default=0, editable=False)
    # The likes readers see: none while the comment is not published (a placeholder
    # shows none). Threads sort by these, so that neither the order of a page nor
    # its cursor tells anything of the likes of a comment the reader cannot see.
    shown_like_count = models.GeneratedField(
        expression=Case(When(status=Status.PUBLISHED, then=F("like_count")), default=Value(0)),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
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
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.article_id} ({self.status})"


class CommentRevision(models.Model):
    """An earlier text of an edited comment, kept for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField(help_text="When this text was written.")

    class Meta:
        ordering = ["comment", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "revision"], name="one_row_per_comment_revision")
        ]

    def __str__(self) -> str:
        return f"Comment {self.comment_id}, revision {self.revision}"


class Reaction(models.Model):
    """A reader's like of a comment; one per reader and comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="one_reaction_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.comment_id}"


class Report(models.Model):
    """A reader's report of one revision of a comment to the moderators; one per
    reader and revision. It stays open across later edits until a moderator decides."""

    class Reason(models.TextChoices):
        SPAM = "spam", "spam"
        OFFENSIVE = "offensive", "offensive"
        OFF_TOPIC = "off_topic", "off topic"
        MISINFORMATION = "misinformation", "misinformation"
        OTHER = "other", "other"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.TextField(blank=True)
    comment_revision = models.PositiveIntegerField(help_text="The revision of the text that was reported.")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter", "comment_revision"], name="one_report_per_reader_and_revision"
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="report_open_idx")]

    def __str__(self) -> str:
        return f"Report of {self.comment_id}: {self.reason}"
