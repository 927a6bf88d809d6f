from django.conf import settings
from django.db import models
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
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "status", "root", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["status", "status_changed_at"], name="comment_queue_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_idx"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.article_id} ({self.status})"
