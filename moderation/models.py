from django.conf import settings
from django.db import models
from django.db.models import Q

from discussion.models import Comment


class ModelVersion(models.Model):
    """One trained classifier in the registry. At most one is active."""

    version = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255, help_text="Relative to MODELS_DIR.")
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField(default=0)
    training_data = models.JSONField(
        default=list, help_text="Datasets the model was trained on, with counts."
    )
    params = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict, help_text="Cross-validated measures at training time.")
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Set by a worker that could not load this model, cleared when one could; shown by health.
    load_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return self.version


class AuditEntry(models.Model):
    """An immutable record of one status change of a comment: who, from, to, why."""

    class Actor(models.TextChoices):
        MODEL = "model", "model"
        MODERATOR = "moderator", "moderator"
        AUTHOR = "author", "author"
        SYSTEM = "system", "system"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="audit_entries")
    comment_revision = models.PositiveIntegerField()
    actor = models.CharField(max_length=16, choices=Actor.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=255, blank=True)
    score = models.FloatField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="Explanation and rule hits.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["comment", "created_at"], name="audit_comment_idx")]

    def __str__(self) -> str:
        return f"{self.comment_id}: {self.from_status} → {self.to_status} by {self.actor}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("Audit entries are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("Audit entries are immutable.")


class ScoringState(models.Model):
    """How often the machine has tried to decide a comment's current revision, and
    when it was last handed to the queue. Bounds retries of a comment that cannot be
    scored and keeps the sweeper from re-sending what is already on its way."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, primary_key=True, related_name="+")
    revision = models.PositiveIntegerField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"comment {self.comment_id} r{self.revision}: {self.attempts} attempts"
