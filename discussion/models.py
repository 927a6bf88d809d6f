from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from articles.models import Article
from discussion.names import display_name_key


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


class ReaderProfile(models.Model):
    """What the discussion knows about a reader beyond the account; created on demand."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_profile"
    )
    display_name = models.CharField(max_length=50, blank=True)
    # display_name_key(display_name), kept by save(): the unique constraint holds on
    # it, so that no two readers show names that look the same. NULL, not "", for no
    # name: NULLs never collide, on SQLite and PostgreSQL alike.
    display_name_key = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=255, blank=True)
    banned = models.BooleanField(default=False)
    ban_reason = models.CharField(max_length=255, blank=True)
    # Every comment of this reader waits for a human, whatever its score.
    always_premoderated = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["display_name_key"], name="unique_display_name")]

    def __str__(self) -> str:
        return self.display_name or str(self.user)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.display_name_key = display_name_key(self.display_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "display_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "display_name_key"}
        super().save(*args, **kwargs)


class UsernameKey(models.Model):
    """display_name_key of an account's username, kept by a receiver on every save of
    the account (every account, staff too, with or without a reader profile). Display
    names and usernames must not look alike either way, and the username column
    cannot be looked up by the key: case folding and NFKC are not SQL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="username_key"
    )
    key = models.TextField(db_index=True)

    def __str__(self) -> str:
        return self.key


class TokenSecondFactor(models.Model):
    """An API token got with the current code of the account's authenticator app as
    well as the password. Only such a token counts as signed in with the second
    factor (the moderation API asks for it). It goes with the token (signing out) and
    with the device (a new one enrolled after a lost phone)."""

    token = models.OneToOneField(
        Token, on_delete=models.CASCADE, primary_key=True, related_name="second_factor"
    )
    device = models.ForeignKey(TOTPDevice, on_delete=models.CASCADE, related_name="+")
    verified_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Token of user {self.token.user_id}, verified by {self.device}"
