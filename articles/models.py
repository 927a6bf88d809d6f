from django.core.validators import MaxValueValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SECTION_MAX_LENGTH = 60
SLUG_MAX_LENGTH = 200
URL_MAX_LENGTH = 500


class Article(models.Model):
    class Language(models.TextChoices):
        GERMAN = "de", "Deutsch"
        ENGLISH = "en", "English"

    class CommentMode(models.TextChoices):
        DEFAULT = "default", _("site default")
        POST = "post", _("post-moderation (scored, clear cases decide themselves)")
        PRE = "pre", _("pre-moderation (every comment waits for a moderator)")
        OFF = "off", _("closed")

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, verbose_name=_("slug"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    teaser = models.TextField(blank=True, verbose_name=_("teaser"))
    # Ordered blocks as imported: [{"type": "paragraph" | "subheading", "text": "…"}].
    body = models.JSONField(default=list, blank=True, verbose_name=_("body"))
    language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.GERMAN, verbose_name=_("language")
    )
    # The newsroom's department ("Politik", "Wirtschaft"); moderators are assigned
    # sections and the queues filter and order by it.
    section = models.CharField(
        max_length=SECTION_MAX_LENGTH, blank=True, db_index=True, verbose_name=_("section")
    )
    # Where readers read the article on the newsroom's site, the widget under it:
    # every link to a comment (mails, notices, webhooks, the queues) leads there.
    url = models.URLField(
        max_length=URL_MAX_LENGTH,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "The article's address on the newsroom's site, where the comment widget is embedded; "
            "links to comments lead there. Empty: this service's own article page."
        ),
        verbose_name=_("address on the site"),
    )
    published_at = models.DateTimeField(default=timezone.now, verbose_name=_("published at"))
    comment_mode = models.CharField(
        max_length=8, choices=CommentMode.choices, default=CommentMode.DEFAULT, verbose_name=_("comment mode")
    )
    comments_close_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(36500)],
        help_text=_(
            "Close the discussion this many days after publication; empty: the site default, 0: never."
        ),
        verbose_name=_("comments close after days"),
    )
    # Number of published comments, kept by discussion.services in the same
    # transaction as every status change, so lists need no COUNT over comments.
    comment_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("comment count"))
    source_file = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("File the article was imported from."),
        verbose_name=_("source file"),
    )
    source_sha256 = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("source sha256")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # The admin's "View on site": the newsroom's page of the article, else the demo page.
        from articles.selectors import article_link

        return article_link(slug=self.slug, url=self.url)
