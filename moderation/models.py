import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import SECTION_MAX_LENGTH, Article
from discussion.models import Comment, status_label


class ModelVersion(models.Model):
    """One trained classifier in the registry. At most one is active."""

    version = models.CharField(max_length=64, unique=True, verbose_name=_("version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    file_name = models.CharField(
        max_length=255, help_text=_("Relative to MODELS_DIR."), verbose_name=_("file name")
    )
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    size_bytes = models.PositiveBigIntegerField(default=0, verbose_name=_("size bytes"))
    training_data = models.JSONField(
        default=list,
        help_text=_("Datasets the model was trained on, with counts."),
        verbose_name=_("training data"),
    )
    params = models.JSONField(default=dict, verbose_name=_("params"))
    metrics = models.JSONField(
        default=dict, help_text=_("Cross-validated measures at training time."), verbose_name=_("metrics")
    )
    is_active = models.BooleanField(default=False, verbose_name=_("is active"))
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))
    # Set by a worker that could not load this model, cleared when one could; shown by health.
    load_error = models.TextField(blank=True, verbose_name=_("load error"))

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return self.version


class ImmutableRecord(models.Model):
    """A row written once: saving it again or deleting it is refused."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("Audit entries are immutable.")


class AuditEntry(ImmutableRecord):
    """An immutable record of one status change of a comment: who, from, to, why."""

    class Actor(models.TextChoices):
        MODEL = "model", _("model")
        MODERATOR = "moderator", _("moderator")
        AUTHOR = "author", _("author")
        SYSTEM = "system", _("system")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="audit_entries", verbose_name=_("comment")
    )
    comment_revision = models.PositiveIntegerField(verbose_name=_("comment revision"))
    actor = models.CharField(max_length=16, choices=Actor.choices, verbose_name=_("actor"))
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderator"),
    )
    model_version = models.ForeignKey(
        ModelVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("model version"),
    )
    from_status = models.CharField(max_length=16, verbose_name=_("from status"))
    to_status = models.CharField(max_length=16, verbose_name=_("to status"))
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    score = models.FloatField(null=True, blank=True, verbose_name=_("score"))
    details = models.JSONField(
        default=dict, blank=True, help_text=_("Explanation and rule hits."), verbose_name=_("details")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["comment", "created_at"], name="audit_comment_idx")]

    def __str__(self) -> str:
        return gettext("Comment %(id)s: %(from)s → %(to)s by %(actor)s") % {
            "id": self.comment_id,
            "from": status_label(self.from_status),
            "to": status_label(self.to_status),
            "actor": self.get_actor_display(),
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A reason lists every rule that fired, and readers' text can make that long;
        # the full list is in details, the column keeps what fits.
        self.reason = self.reason[:255]
        super().save(*args, **kwargs)


class ScoringState(models.Model):
    """How often the machine has tried to decide a comment's current revision, and
    when it was last handed to the queue. Bounds retries of a comment that cannot be
    scored and keeps the sweeper from re-sending what is already on its way."""

    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("comment")
    )
    revision = models.PositiveIntegerField(verbose_name=_("revision"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("enqueued at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("scoring state")
        verbose_name_plural = _("scoring states")

    def __str__(self) -> str:
        return gettext("Comment %(id)s, revision %(revision)s: %(attempts)s attempts") % {
            "id": self.comment_id,
            "revision": self.revision,
            "attempts": self.attempts,
        }


class SitePolicy(models.Model):
    """The site's moderation policy, one row, edited in the admin. Articles may
    override the thresholds, auto-reject and the report limit (ArticlePolicy), and
    choose their own comment mode (Article.comment_mode)."""

    comment_mode = models.CharField(
        max_length=8,
        blank=True,
        choices=[
            (mode.value, mode.label) for mode in Article.CommentMode if mode != Article.CommentMode.DEFAULT
        ],
        help_text=_("For articles whose mode is “site default”. Empty: the COMMENT_MODE setting."),
        verbose_name=_("comment mode"),
    )

    publish_below = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Empty: the active model's recommendation (or MODERATION_PUBLISH_BELOW)."),
        verbose_name=_("publish below"),
    )
    reject_above = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Empty: the active model's recommendation (or MODERATION_REJECT_ABOVE)."),
        verbose_name=_("reject above"),
    )
    auto_reject = models.BooleanField(
        default=True,
        help_text=_("Off: comments above the reject threshold are held, first in the queue."),
        verbose_name=_("auto reject"),
    )
    new_account_hold_count = models.PositiveIntegerField(
        default=0,
        help_text=_("A new reader's first N comments wait for a human (0: off)."),
        verbose_name=_("new account hold count"),
    )
    trusted_after_approved = models.PositiveIntegerField(
        default=5,
        help_text=_(
            "Readers with this many approved comments and none rejected publish on score alone (suspect "
            "words, spam signals and the new-account rule do not hold them; 0: nobody)."
        ),
        verbose_name=_("trusted after approved"),
    )
    report_threshold = models.PositiveIntegerField(
        default=3,
        help_text=_("This many open reports move a published comment to the reported queue."),
        verbose_name=_("report threshold"),
    )
    max_links = models.PositiveIntegerField(
        default=2, help_text=_("More links than this: held as possible spam."), verbose_name=_("max links")
    )
    repeat_window_minutes = models.PositiveIntegerField(
        default=60,
        help_text=_("The same text again from the same reader within this time: held as possible spam."),
        verbose_name=_("repeat window minutes"),
    )
    max_comments_per_minute = models.PositiveIntegerField(
        default=5,
        help_text=_("A reader posting faster than this: held as possible spam."),
        verbose_name=_("max comments per minute"),
    )
    # The Digital Services Act: a comment section is a hosting service (notices and
    # statements of reasons always apply); appeals and misuse are an online
    # platform's duties, which many news sites do not carry (DSA Recital 13).
    notice_deadline_hours = models.PositiveIntegerField(
        default=24,
        help_text=_("Notices of illegal content still open after this long are shown as overdue."),
        verbose_name=_("notice deadline hours"),
    )
    held_statement_after_hours = models.PositiveIntegerField(
        default=48,
        help_text=_(
            "A comment held longer than this is a restriction: its author gets a statement of reasons "
            "(0: never)."
        ),
        verbose_name=_("held statement after hours"),
    )
    appeals_enabled = models.BooleanField(
        default=True,
        help_text=_("Authors and notifiers may appeal decisions for six months (DSA Art. 20)."),
        verbose_name=_("appeals enabled"),
    )
    misuse_enabled = models.BooleanField(
        default=False,
        help_text=_(
            "Count readers who often post manifestly illegal content and notifiers who often send "
            "manifestly unfounded notices; warn, then suspend them (DSA Art. 23)."
        ),
        verbose_name=_("misuse enabled"),
    )
    misuse_threshold = models.PositiveIntegerField(
        default=3,
        help_text=_("This many manifestly illegal comments or unfounded notices count as often."),
        verbose_name=_("misuse threshold"),
    )
    misuse_window_days = models.PositiveIntegerField(
        default=180, help_text=_("Within this many days."), verbose_name=_("misuse window days")
    )
    misuse_suspension_days = models.PositiveIntegerField(
        default=14,
        help_text=_("How long a suspension for misuse lasts."),
        verbose_name=_("misuse suspension days"),
    )
    notify_authors = models.BooleanField(
        default=False,
        help_text=_(
            "Mail readers about their own comments: published after waiting for a moderator, rejected, "
            "replied to. Readers can turn it off for themselves."
        ),
        verbose_name=_("notify authors"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("site policy")
        verbose_name_plural = _("site policy")

    def __str__(self) -> str:
        return gettext("Site policy")


class ArticlePolicy(models.Model):
    """Per-article exceptions to the site policy; empty fields follow the site."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="moderation_policy", verbose_name=_("article")
    )
    publish_below = models.FloatField(null=True, blank=True, verbose_name=_("publish below"))
    reject_above = models.FloatField(null=True, blank=True, verbose_name=_("reject above"))
    auto_reject = models.BooleanField(null=True, blank=True, verbose_name=_("auto reject"))
    report_threshold = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("report threshold"))

    class Meta:
        verbose_name = _("article policy")
        verbose_name_plural = _("article policies")

    def __str__(self) -> str:
        return gettext("Policy for %(article)s") % {"article": self.article}


class Term(models.Model):
    """A word-list entry: banned terms reject, suspect terms hold. A trailing * makes a prefix."""

    class Kind(models.TextChoices):
        BANNED = "banned", _("banned (reject)")
        SUSPECT = "suspect", _("suspect (hold)")

    text = models.CharField(max_length=100, unique=True, verbose_name=_("text"))
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("kind"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("word list entry")
        verbose_name_plural = _("word list")
        ordering = ["kind", "text"]

    def __str__(self) -> str:
        return f"{self.text} ({self.kind})"


class ReaderAuditEntry(ImmutableRecord):
    """An immutable record of a moderator's action on a reader account."""

    class Action(models.TextChoices):
        SUSPEND = "suspend", _("suspend")
        BAN = "ban", _("ban")
        LIFT = "lift", _("lift restrictions")
        PREMODERATE = "premoderate", _("always pre-moderate")
        TRUST = "unpremoderate", _("stop pre-moderating")

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reader")
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("moderator")
    )
    action = models.CharField(max_length=16, choices=Action.choices, verbose_name=_("action"))
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    until = models.DateTimeField(null=True, blank=True, verbose_name=_("until"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("reader audit entry")
        verbose_name_plural = _("reader audit entries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.moderator}: {self.get_action_display()} {self.reader}"


class ReaderNote(ImmutableRecord):
    """A moderator's note about a reader, for other moderators: written once, never
    changed or deleted, so that it is its own audit record. Moderators see it in
    the queues and on the reader's page; the reader finds it in their data export
    (GDPR Art. 15), never in the discussion."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reader")
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("moderator")
    )
    text = models.TextField(max_length=2000, verbose_name=_("text"))
    # The comment the note was written beside, if it was written in a queue.
    comment = models.ForeignKey(
        Comment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("comment"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("note on a reader")
        verbose_name_plural = _("notes on readers")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["reader", "created_at"], name="reader_note_idx")]

    def __str__(self) -> str:
        return gettext("%(moderator)s on %(reader)s") % {"moderator": self.moderator, "reader": self.reader}


class SettingsAuditEntry(ImmutableRecord):
    """An immutable record of a change to how the whole site is moderated: a field of
    the site policy, or which model is active. Who: an administrator in the admin, a
    management command or a background task."""

    class Subject(models.TextChoices):
        SITE_POLICY = "site_policy", _("site policy")
        ACTIVE_MODEL = "active_model", _("active model")

    class Source(models.TextChoices):
        ADMIN = "admin", _("admin")
        COMMAND = "command", _("management command")
        TASK = "task", _("background task")

    subject = models.CharField(max_length=16, choices=Subject.choices, verbose_name=_("subject"))
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Each changed field with its value before and after."),
        verbose_name=_("changes"),
    )
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("settings audit entry")
        verbose_name_plural = _("settings audit entries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("%(subject)s changed by %(by)s") % {
            "subject": self.get_subject_display(),
            "by": self.user or self.get_source_display(),
        }


class Notice(models.Model):
    """A notice of illegal content (DSA Art. 16), sent by anyone, signed in or not.
    The notifier follows it (and appeals its outcome) with the secret they were
    given on receipt, of which only the hash is kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACTIONED = "actioned", _("content restricted")
        REFUSED = "refused", _("no action taken")

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False, verbose_name=_("token hash"))
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, related_name="notices", verbose_name=_("comment")
    )
    comment_revision = models.PositiveIntegerField(
        _("comment revision"), help_text=_("The revision of the text the notice is about.")
    )
    comment_url = models.CharField(_("comment URL"), max_length=500, blank=True)
    legal_ground = models.CharField(_("legal ground"), max_length=32)
    legal_ground_other = models.CharField(_("other provision"), max_length=255, blank=True)
    explanation = models.TextField(_("explanation"))
    notifier_name = models.CharField(_("notifier's name"), max_length=200, blank=True)
    notifier_email = models.EmailField(_("notifier's email"), blank=True)
    notifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notifier"),
    )
    good_faith = models.BooleanField(
        _("good faith"), help_text=_("The notifier confirmed the notice is accurate and complete.")
    )
    language = models.CharField(_("language"), max_length=8, default="de")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    receipt_sent_at = models.DateTimeField(_("receipt sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_explanation = models.TextField(_("reasons for the decision"), blank=True)
    # Art. 16(6): whether automated means were used in processing the notice.
    automated_means = models.BooleanField(_("automated means"), default=False)
    manifestly_unfounded = models.BooleanField(_("manifestly unfounded"), default=False)
    decision_sent_at = models.DateTimeField(_("decision sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["status", "created_at"], name="notice_queue_idx")]

    def __str__(self) -> str:
        return gettext("Notice %(reference)s about comment %(id)s") % {
            "reference": str(self.reference)[:8],
            "id": self.comment_id,
        }


class StatementOfReasons(models.Model):
    """Why a comment or an account was restricted (DSA Art. 17), written with the
    audit entry of the restriction in one transaction; what the author is shown and
    told, and what the Transparency Database receives without personal data."""

    class Restriction(models.TextChoices):
        REJECTED = "rejected", _("comment not published")
        REMOVED = "removed", _("comment removed")
        HELD = "held", _("comment withheld")
        SUSPENDED = "suspended", _("account suspended")
        BANNED = "banned", _("account terminated")

    class Ground(models.TextChoices):
        ILLEGAL = "illegal", _("illegal content")
        TERMS = "terms", _("incompatible with the terms")

    class Automation(models.TextChoices):
        FULLY = "fully", _("fully automated")
        PARTIALLY = "partially", _("partially automated")
        NOT_AUTOMATED = "not_automated", _("not automated")

    class Source(models.TextChoices):
        NOTICE = "notice", _("notice of illegal content")
        VOLUNTARY = "voluntary", _("own initiative")

    puid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("puid"))
    restriction = models.CharField(_("restriction"), max_length=16, choices=Restriction.choices)
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, related_name="statements", verbose_name=_("comment")
    )
    comment_revision = models.PositiveIntegerField(_("comment revision"), null=True, blank=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reader"),
    )
    audit_entry = models.OneToOneField(
        AuditEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statement",
        verbose_name=_("audit entry"),
    )
    reader_audit_entry = models.OneToOneField(
        ReaderAuditEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statement",
        verbose_name=_("reader audit entry"),
    )
    ground = models.CharField(_("ground"), max_length=16, choices=Ground.choices)
    legal_ground = models.CharField(_("legal ground"), max_length=32, blank=True)
    terms_ground = models.CharField(_("terms ground"), max_length=32, blank=True)
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("The moderator's words, if any.")
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.VOLUNTARY)
    notice = models.ForeignKey(
        Notice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name=_("notice"),
    )
    automated_detection = models.BooleanField(_("automated detection"))
    automated_decision = models.CharField(_("automated decision"), max_length=16, choices=Automation.choices)
    manifestly_illegal = models.BooleanField(_("manifestly illegal"), default=False)
    end_date = models.DateTimeField(
        _("end date"), null=True, blank=True, help_text=_("When a suspension ends.")
    )
    content_date = models.DateTimeField(
        _("content date"), help_text=_("When the content was written or the account made.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(
        _("revoked at"), null=True, blank=True, help_text=_("Reversed on appeal.")
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submission_error = models.TextField(_("submission error"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("statement of reasons")
        verbose_name_plural = _("statements of reasons")
        indexes = [
            models.Index(fields=["reader", "created_at"], name="statement_reader_idx"),
            models.Index(fields=["submitted_at", "created_at"], name="statement_submission_idx"),
        ]

    def __str__(self) -> str:
        if self.comment_id:
            subject = gettext("comment %(id)s") % {"id": self.comment_id}
        else:
            subject = gettext("account %(id)s") % {"id": self.reader_id}
        return f"{self.get_restriction_display()}: {subject}"


class Appeal(models.Model):
    """A complaint against a decision (DSA Art. 20): an author against a statement of
    reasons, or a notifier against a notice that led to no action. Decided by a human
    who did not take the first decision."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        UPHELD = "upheld", _("decision upheld")
        REVERSED = "reversed", _("decision reversed")

    statement = models.ForeignKey(
        StatementOfReasons,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("statement of reasons"),
    )
    notice = models.ForeignKey(
        Notice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("notice"),
    )
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appellant"),
    )
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, default="de")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    explanation = models.TextField(_("reasons for the decision"), blank=True)
    decision_sent_at = models.DateTimeField(_("decision sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.CheckConstraint(
                condition=Q(statement__isnull=False, notice__isnull=True)
                | Q(statement__isnull=True, notice__isnull=False),
                name="appeal_against_one_decision",
            ),
            # One open appeal per decision at a time.
            models.UniqueConstraint(
                fields=["statement"], condition=Q(status="open"), name="one_open_appeal_per_statement"
            ),
            models.UniqueConstraint(
                fields=["notice"], condition=Q(status="open"), name="one_open_appeal_per_notice"
            ),
        ]

    def __str__(self) -> str:
        if self.statement_id:
            against = gettext("Appeal against statement of reasons %(id)s (%(status)s)")
        else:
            against = gettext("Appeal against notice %(id)s (%(status)s)")
        return against % {"id": self.statement_id or self.notice_id, "status": self.get_status_display()}


class MisuseStep(ImmutableRecord):
    """A step against misuse (DSA Art. 23): a warning, then a suspension for a set
    time, of a reader who often posts manifestly illegal content or of a notifier
    (by email) who often sends manifestly unfounded notices."""

    class Subject(models.TextChoices):
        CONTENT = "content", _("manifestly illegal content")
        NOTICES = "notices", _("manifestly unfounded notices")

    class Kind(models.TextChoices):
        WARNING = "warning", _("warning")
        SUSPENSION = "suspension", _("suspension")

    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reader"),
    )
    notifier_email = models.EmailField(_("notifier's email"), blank=True)
    count = models.PositiveIntegerField(
        _("count"), help_text=_("How many counted within the window when this was taken.")
    )
    until = models.DateTimeField(_("until"), null=True, blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderator"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("misuse step")
        verbose_name_plural = _("misuse steps")
        indexes = [models.Index(fields=["notifier_email", "created_at"], name="misuse_notifier_idx")]

    def __str__(self) -> str:
        return gettext("%(kind)s for %(subject)s") % {
            "kind": self.get_kind_display(),
            "subject": self.get_subject_display(),
        }


class AnalysisKey(models.Model):
    """A client's key for the Perspective-compatible endpoints (moderation.perspective).
    The key itself is shown once, when it is made; only its SHA-256 is kept, and its
    first characters to tell keys apart in the admin."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("The client: a site or an installation.")
    )
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key hash"))
    is_active = models.BooleanField(_("active"), default=True)
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("Requests a minute; more are answered 429."),
    )
    allow_suggestions = models.BooleanField(
        _("may suggest scores"),
        default=False,
        help_text=_("May send comments:suggestscore, which is stored as training data."),
    )
    usage_count = models.PositiveBigIntegerField(_("requests answered"), default=0, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("analysis key")
        verbose_name_plural = _("analysis keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SuggestedScore(models.Model):
    """A label a client's moderators gave a comment, sent with comments:suggestscore:
    offensive when the suggested TOXICITY (or, without it, INSULT) is 0.5 or more.
    Training data for the next model (training_data.decisions_dataset)."""

    text = models.TextField(_("text"))
    offensive = models.BooleanField(_("offensive"))
    key = models.ForeignKey(
        AnalysisKey, on_delete=models.SET_NULL, null=True, related_name="suggestions", verbose_name=_("key")
    )
    community_id = models.CharField(_("community"), max_length=512, blank=True)
    client_token = models.CharField(_("client token"), max_length=512, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suggested score")
        verbose_name_plural = _("suggested scores")

    def __str__(self) -> str:
        label = gettext("offensive") if self.offensive else gettext("acceptable")
        return f"{label} ({self.created_at:%Y-%m-%d})"


class CoralSecret(models.Model):
    """A signing secret of Coral Talk's external moderation phase (moderation.coral).
    Coral makes it (``empsec_`` and hex) and signs every request with each of its
    active secrets; Stammtisch keeps the same string to check the signature, so it is
    kept as it is (an HMAC key cannot be hashed away), and never shown again after
    it was entered. Several may be active at once while Coral rotates them."""

    name = models.CharField(
        _("name"), max_length=100, help_text=_("Where it comes from: the Coral installation and its phase.")
    )
    secret = models.CharField(_("signing secret"), max_length=200, editable=False)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    expires_at = models.DateTimeField(
        _("expires"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: until switched off. When Coral rotates the secret, the time it gives the old one."
        ),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Coral signing secret")
        verbose_name_plural = _("Coral signing secrets")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class CoralDecision(ImmutableRecord):
    """One call of Coral's external moderation phase: what Coral said about the
    comment (its ids, not its text unless CORAL_STORE_TEXT), the score, the policy's
    verdict and the status Stammtisch answered, so that a site can measure them."""

    class Action(models.TextChoices):
        NEW = "NEW", _("new comment")
        EDIT = "EDIT", _("edited comment")

    class Verdict(models.TextChoices):
        PUBLISHED = "published", _("published")
        HELD = "held", _("held")
        REJECTED = "rejected", _("rejected")
        UNSCORED = "unscored", _("not scored")

    class Status(models.TextChoices):
        NONE = "", _("no opinion")
        APPROVED = "APPROVED", _("approved")
        REJECTED = "REJECTED", _("rejected")
        PREMOD = "PREMOD", _("pre-moderated")
        SYSTEM_WITHHELD = "SYSTEM_WITHHELD", _("withheld by the system")

    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    tenant_id = models.CharField(_("Coral tenant"), max_length=255)
    tenant_domain = models.CharField(_("Coral domain"), max_length=255)
    site_id = models.CharField(_("Coral site"), max_length=255)
    story_id = models.CharField(_("Coral story"), max_length=255)
    story_url = models.CharField(_("story URL"), max_length=2000, blank=True)
    author_id = models.CharField(_("Coral author"), max_length=255)
    author_role = models.CharField(_("author's role"), max_length=32)
    parent_id = models.CharField(_("reply to"), max_length=255, blank=True)
    text = models.TextField(_("text"), blank=True, help_text=_("Kept only with CORAL_STORE_TEXT."))
    model_version = models.ForeignKey(
        ModelVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("model version"),
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    status = models.CharField(_("answered status"), max_length=16, choices=Status.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    secret = models.ForeignKey(
        CoralSecret,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signing secret"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Coral phase decision")
        verbose_name_plural = _("Coral phase decisions")

    def __str__(self) -> str:
        return f"{self.action} {self.story_id}: {self.verdict} ({self.created_at:%Y-%m-%d %H:%M})"


class QueueComment(Comment):
    """Comments as the moderation queues show them (the admin's queue pages)."""

    class Meta:
        proxy = True
        permissions = [("moderate_comment", "Can approve, reject, remove and restore comments")]


class HeldComment(QueueComment):
    class Meta:
        verbose_name = _("held comment")
        verbose_name_plural = _("held comments")
        proxy = True


class ReportedComment(QueueComment):
    class Meta:
        verbose_name = _("reported comment")
        verbose_name_plural = _("reported comments")
        proxy = True


class StuckComment(QueueComment):
    class Meta:
        verbose_name = _("pending comment (stuck)")
        verbose_name_plural = _("pending comments (stuck)")
        proxy = True


class RejectedComment(QueueComment):
    class Meta:
        verbose_name = _("recently rejected comment")
        verbose_name_plural = _("recently rejected comments")
        proxy = True


class WebhookEndpoint(models.Model):
    """An address of the site's own systems that is told of events (moderation.webhooks),
    signed as Standard Webhooks sign them. The secret is kept (it signs every request);
    after a rotation the previous one signs too until ``previous_secret_expires_at``."""

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("The events this address is told of; none chosen means all."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=255, blank=True)
    secret = models.CharField(max_length=100, editable=False, verbose_name=_("secret"))
    previous_secret = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("previous secret")
    )
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: the outbox row, written in the transaction that
    raised the event, and its attempts. ``webhook_id`` stays the same across retries,
    so that the receiver can recognise a message it has seen."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    webhook_id = models.UUIDField(_("webhook id"), default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(_("event"), max_length=64)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A message is on its way to a worker since then: the periodic task leaves the
    # delivery alone for a while.
    enqueued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("enqueued at"))
    # An attempt in progress holds the delivery until then; past it, the attempt is
    # taken for lost (its worker died) and the delivery is due again.
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"


class ModeratorSection(models.Model):
    """A section of the newsroom (``Article.section``) a moderator looks after: the
    queues show that moderator the comments on its articles first."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="moderator_sections",
        verbose_name=_("moderator"),
    )
    section = models.CharField(_("section"), max_length=SECTION_MAX_LENGTH)

    class Meta:
        verbose_name = _("moderator section")
        verbose_name_plural = _("moderator sections")
        ordering = ["user", "section"]
        constraints = [
            models.UniqueConstraint(fields=["user", "section"], name="one_row_per_moderator_section")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.section}"


class SavedFilter(models.Model):
    """A moderator's own named view of a queue: the changelist's query string (filters
    and search), checked against what that queue knows when it is saved."""

    class Queue(models.TextChoices):
        HELD = "held", _("held comments")
        REPORTED = "reported", _("reported comments")
        PENDING = "pending", _("pending comments (stuck)")
        REJECTED = "rejected", _("recently rejected comments")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_filters",
        verbose_name=_("moderator"),
    )
    queue = models.CharField(_("queue"), max_length=16, choices=Queue.choices)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query string"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["user", "queue", "name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "queue", "name"], name="one_saved_filter_per_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.queue})"


class AuthorNotification(models.Model):
    """A mail to a reader about one of their comments, made by a decision (its audit
    entry) once the decision committed; one per entry and event. ``sent_at`` is the
    claim: set before sending, cleared again if the mail could not be sent."""

    class Event(models.TextChoices):
        PUBLISHED = "published", _("published after waiting")
        REJECTED = "rejected", _("rejected")
        REPLIED = "replied", _("replied to")
        FEATURED = "featured", _("made an editors' pick")

    entry = models.ForeignKey(
        AuditEntry, on_delete=models.CASCADE, related_name="+", verbose_name=_("decision")
    )
    event = models.CharField(max_length=16, choices=Event.choices, verbose_name=_("event"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="+", verbose_name=_("comment")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("notification to an author")
        verbose_name_plural = _("notifications to authors")
        constraints = [
            models.UniqueConstraint(fields=["entry", "event"], name="one_notification_per_entry_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.recipient_id} about {self.comment_id}"
