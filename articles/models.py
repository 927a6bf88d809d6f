from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone


class Article(models.Model):
    class Language(models.TextChoices):
        GERMAN = "de", "Deutsch"
        ENGLISH = "en", "English"

    class CommentMode(models.TextChoices):
        DEFAULT = "default", "site default"
        POST = "post", "post-moderation (scored, clear cases decide themselves)"
        PRE = "pre", "pre-moderation (every comment waits for a moderator)"
        OFF = "off", "closed"

    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    teaser = models.TextField(blank=True)
    # Ordered blocks as imported: [{"type": "paragraph" | "subheading", "text": "…"}].
    body = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.GERMAN)
    published_at = models.DateTimeField(default=timezone.now)
    comment_mode = models.CharField(max_length=8, choices=CommentMode.choices, default=CommentMode.DEFAULT)
    comments_close_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(36500)],
        help_text="Close the discussion this many days after publication; empty: the site default, 0: never.",
    )
    # Number of published comments, kept by discussion.services in the same
    # transaction as every status change, so lists need no COUNT over comments.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    source_file = models.CharField(
        max_length=255, blank=True, help_text="File the article was imported from."
    )
    source_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title
