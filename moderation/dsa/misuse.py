"""Misuse (DSA Art. 23): readers who often post manifestly illegal content and
notifiers who often send manifestly unfounded notices are warned, then suspended for
a set time. Switched on per site (SitePolicy.misuse_enabled).

What counts, within the site policy's ``misuse_window_days`` before now:

- for a reader, the statements of reasons about their comments that a moderator
  marked manifestly illegal and that no appeal revoked;
- for a notifier (their email address, in any case), their notices a moderator
  found manifestly unfounded, by when they were sent.

Whoever reaches ``misuse_threshold`` is a candidate. A moderator decides case by
case (Art. 23(3)): first a warning, then, if the misuse goes on (something more is
counted after the warning) while that warning stands, a suspension of
``misuse_suspension_days``. A warning stands from when it was given until a
suspension follows it or it is older than the window: each suspension needs a fresh
warning before it (Art. 23(1) "after having issued a prior warning"). Every step is
a MisuseStep, written in the transaction of its effect, and told to the person by
mail. Counting works with misuse switched off (the admin shows it); the steps do not.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from moderation.decisions import ReaderAction, reader_moderate
from moderation.dsa.mail import absolute, mail_send
from moderation.dsa.statements import dsa_details
from moderation.models import MisuseStep, Notice, SitePolicy, StatementOfReasons
from moderation.policy.rules import site_policy
from web.errors import Conflict, InvalidInput

logger = logging.getLogger(__name__)
Subject = MisuseStep.Subject
Kind = MisuseStep.Kind


def notices_suspended_until(email: str, *, now: datetime | None = None) -> datetime | None:
    """Until when notices from this address are not processed; None when they are."""
    if not email:
        return None
    now = now or timezone.now()
    return (
        MisuseStep.objects.filter(
            subject=Subject.NOTICES,
            kind=Kind.SUSPENSION,
            notifier_email__iexact=email,
            until__gt=now,
        )
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )


# --- Counting ----------------------------------------------------------------


def _since(policy: SitePolicy, now: datetime) -> datetime:
    return now - timedelta(days=policy.misuse_window_days)


def _illegal_statements(since: datetime) -> QuerySet[StatementOfReasons]:
    return StatementOfReasons.objects.filter(
        manifestly_illegal=True, revoked_at__isnull=True, created_at__gte=since, reader__isnull=False
    )


def _unfounded_notices(since: datetime) -> QuerySet[Notice]:
    return Notice.objects.filter(manifestly_unfounded=True, created_at__gte=since).exclude(notifier_email="")


def reader_misuse_count(*, reader_id: int, now: datetime | None = None) -> int:
    """How many of this reader's comments were manifestly illegal within the window
    (revoked statements left out). One query for the policy, one for the count."""
    since = _since(site_policy(), now or timezone.now())
    return _illegal_statements(since).filter(reader_id=reader_id).count()


def notifier_misuse_count(*, email: str, now: datetime | None = None) -> int:
    """How many notices from this address (any case) were manifestly unfounded within
    the window."""
    if not email:
        return 0
    since = _since(site_policy(), now or timezone.now())
    return _unfounded_notices(since).filter(notifier_email__iexact=email).count()


def _standing_warning(steps: list[MisuseStep], since: datetime) -> MisuseStep | None:
    """The warning a suspension may follow: the latest step (``steps`` newest first)
    that is a warning given within the window, with no suspension after it."""
    for step in steps:
        if step.kind == Kind.SUSPENSION:
            return None
        if step.kind == Kind.WARNING:
            return step if step.created_at >= since else None
    return None


@dataclass(frozen=True)
class MisuseCandidate:
    """A reader (subject content) or a notifier's address (subject notices) at or
    over the threshold, with the steps taken so far."""

    subject: str
    count: int
    reader: User | None
    email: str
    last_counted: datetime
    last_warning: datetime | None
    standing_warning: datetime | None
    suspended_until: datetime | None

    @property
    def may_suspend(self) -> bool:
        """What a suspension requires: a standing warning, more counted after it, and
        no suspension for misuse lasting now."""
        return (
            self.standing_warning is not None
            and self.last_counted > self.standing_warning
            and self.suspended_until is None
        )


def _current_suspension(steps: list[MisuseStep], now: datetime) -> datetime | None:
    ends = [step.until for step in steps if step.kind == Kind.SUSPENSION and step.until and step.until > now]
    return max(ends, default=None)


def _candidate(
    subject: str, row: dict[str, Any], steps: list[MisuseStep], since: datetime, now: datetime, **who: Any
) -> MisuseCandidate:
    standing = _standing_warning(steps, since)
    return MisuseCandidate(
        subject=subject,
        count=row["count"],
        reader=who.get("reader"),
        email=who.get("email", ""),
        last_counted=row["last"],
        last_warning=max((step.created_at for step in steps if step.kind == Kind.WARNING), default=None),
        standing_warning=standing.created_at if standing else None,
        suspended_until=_current_suspension(steps, now),
    )


def misuse_candidates(*, now: datetime | None = None) -> list[MisuseCandidate]:
    """Readers, then notifiers, at or over the site's threshold within its window,
    most counted first. Works with misuse switched off. Six queries."""
    policy = site_policy()
    now = now or timezone.now()
    since = _since(policy, now)
    threshold = max(policy.misuse_threshold, 1)
    readers = list(
        _illegal_statements(since)
        .order_by()
        .values("reader_id")
        .annotate(count=Count("id"), last=Max("created_at"))
        .filter(count__gte=threshold)
        .order_by("-count", "reader_id")
    )
    users = User.objects.in_bulk([row["reader_id"] for row in readers])
    reader_steps: dict[int, list[MisuseStep]] = {}
    for step in MisuseStep.objects.filter(subject=Subject.CONTENT, reader_id__in=users).order_by(
        "-created_at", "-id"
    ):
        reader_steps.setdefault(step.reader_id or 0, []).append(step)
    notifiers = list(
        _unfounded_notices(since)
        .annotate(address=Lower("notifier_email"))
        .order_by()
        .values("address")
        .annotate(count=Count("id"), last=Max("created_at"))
        .filter(count__gte=threshold)
        .order_by("-count", "address")
    )
    notifier_steps: dict[str, list[MisuseStep]] = {}
    for step in (
        MisuseStep.objects.filter(subject=Subject.NOTICES)
        .annotate(address=Lower("notifier_email"))
        .filter(address__in=[row["address"] for row in notifiers])
        .order_by("-created_at", "-id")
    ):
        notifier_steps.setdefault(step.notifier_email.lower(), []).append(step)
    return [
        _candidate(
            Subject.CONTENT,
            row,
            reader_steps.get(row["reader_id"], []),
            since,
            now,
            reader=users[row["reader_id"]],
        )
        for row in readers
        if row["reader_id"] in users
    ] + [
        _candidate(
            Subject.NOTICES, row, notifier_steps.get(row["address"], []), since, now, email=row["address"]
        )
        for row in notifiers
    ]


# --- Steps -------------------------------------------------------------------


class MisuseTaken(NamedTuple):
    """A step written, and whether its mail was handed to the mail server."""

    step: MisuseStep
    mailed: bool


@dataclass(frozen=True)
class _Target:
    subject: str
    reader: User | None
    email: str

    def steps(self) -> list[MisuseStep]:
        steps = MisuseStep.objects.filter(subject=self.subject)
        if self.reader is not None:
            steps = steps.filter(reader=self.reader)
        else:
            steps = steps.filter(notifier_email__iexact=self.email)
        return list(steps.order_by("-created_at", "-id"))

    def count(self, now: datetime) -> int:
        if self.reader is not None:
            return reader_misuse_count(reader_id=self.reader.pk, now=now)
        return notifier_misuse_count(email=self.email, now=now)

    def counted_after(self, moment: datetime) -> bool:
        """Whether anything counted for misuse came after ``moment``."""
        if self.reader is not None:
            return _illegal_statements(moment).filter(reader=self.reader, created_at__gt=moment).exists()
        return (
            _unfounded_notices(moment)
            .filter(notifier_email__iexact=self.email, created_at__gt=moment)
            .exists()
        )


def _target(subject: str, reader: User | None, email: str) -> _Target:
    if subject == Subject.CONTENT:
        if reader is None:
            raise InvalidInput(gettext("Name the reader whose content is counted."), field="reader")
        return _Target(subject, reader, "")
    if subject == Subject.NOTICES:
        email = email.strip().lower()
        if not email:
            raise InvalidInput(gettext("Give the notifier's email address."), field="email")
        return _Target(subject, None, email)
    raise InvalidInput(
        gettext("Choose one of the subjects %(subjects)s.") % {"subjects": ", ".join(Subject.values)},
        field="subject",
    )


def _enabled_policy() -> SitePolicy:
    policy = site_policy()
    if not policy.misuse_enabled:
        raise Conflict(
            gettext(
                "Misuse handling (DSA Art. 23) is switched off in the site policy; nobody can be warned "
                "or suspended for misuse."
            ),
            code="misuse_off",
        )
    return policy


def _counted(target: _Target, policy: SitePolicy, now: datetime) -> int:
    count = target.count(now)
    if count < max(policy.misuse_threshold, 1):
        raise Conflict(
            gettext(
                "Only %(count)d counted within %(days)d days; the site policy counts %(threshold)d as often."
            )
            % {"count": count, "days": policy.misuse_window_days, "threshold": policy.misuse_threshold},
            code="below_threshold",
        )
    return count


def misuse_warn(
    *, subject: str, moderator: User, reason: str, reader: User | None = None, email: str = ""
) -> MisuseTaken:
    """Warn a reader (subject content) or a notifier (subject notices, by ``email``)
    who reached the threshold, and tell them by mail. Conflict when misuse is
    switched off or the count is below the threshold."""
    target = _target(subject, reader, email)
    policy = _enabled_policy()
    now = timezone.now()
    count = _counted(target, policy, now)
    step = MisuseStep.objects.create(
        subject=target.subject,
        kind=Kind.WARNING,
        reader=target.reader,
        notifier_email=target.email,
        count=count,
        moderator=moderator,
        reason=reason.strip()[:255],
        created_at=now,
    )
    return MisuseTaken(step, _mail(step, policy))


def _ground_of(reader: User, since: datetime) -> str:
    """The legal ground the reader's counted content broke most often."""
    grounds = Counter(
        _illegal_statements(since)
        .filter(reader=reader)
        .exclude(legal_ground="")
        .values_list("legal_ground", flat=True)
    )
    return grounds.most_common(1)[0][0] if grounds else "other"


def misuse_suspend(
    *, subject: str, moderator: User, reason: str, reader: User | None = None, email: str = ""
) -> MisuseTaken:
    """Suspend, for the site policy's ``misuse_suspension_days``, a reader (from
    writing: a restriction through moderation.decisions.reader_moderate, with its
    audit entry and statement of reasons on the ground of illegal content) or a
    notifier (their notices are refused: notices_suspended_until), and tell them by
    mail. Refused (Conflict) when misuse is switched off, below the threshold,
    without a standing warning, with nothing counted after that warning, or while a
    suspension for misuse lasts. The step and its effect are one transaction."""
    target = _target(subject, reader, email)
    policy = _enabled_policy()
    now = timezone.now()
    count = _counted(target, policy, now)
    steps = target.steps()
    since = _since(policy, now)
    warning = _standing_warning(steps, since)
    if warning is None:
        raise Conflict(
            gettext(
                "Warn first: a suspension for misuse needs a prior warning (DSA Art. 23(1)), given within "
                "the last %(days)d days and after any earlier suspension."
            )
            % {"days": policy.misuse_window_days},
            code="not_warned",
        )
    if not target.counted_after(warning.created_at):
        warned = timezone.localtime(warning.created_at)
        raise Conflict(
            gettext(
                "Nothing more was counted after the warning of %(date)s: "
                "a suspension answers misuse that goes on after the warning."
            )
            % {"date": date_format(warned, "DATE_FORMAT")},
            code="not_since_warning",
        )
    current = _current_suspension(steps, now)
    if current is not None:
        raise Conflict(
            gettext("Already suspended for misuse until %(until)s.")
            % {"until": date_format(timezone.localtime(current), "DATETIME_FORMAT")},
            code="suspended",
        )
    if policy.misuse_suspension_days == 0:
        raise Conflict(
            gettext("The site policy sets no length for a suspension for misuse."), code="no_duration"
        )
    until = now + timedelta(days=policy.misuse_suspension_days)
    reason = reason.strip()[:255]
    with transaction.atomic():
        if target.reader is not None:
            with translation.override(settings.LANGUAGE_CODE):
                why = gettext(
                    "Frequent manifestly illegal content: %(count)s comments within %(days)s days, "
                    "after a warning (DSA Art. 23). %(reason)s"
                ) % {"count": count, "days": policy.misuse_window_days, "reason": reason}
            reader_moderate(
                reader=target.reader,
                moderator=moderator,
                action=ReaderAction.SUSPEND,
                until=until,
                reason=why,
                dsa=dsa_details(legal_ground=_ground_of(target.reader, since), explanation=why),
            )
        step = MisuseStep.objects.create(
            subject=target.subject,
            kind=Kind.SUSPENSION,
            reader=target.reader,
            notifier_email=target.email,
            count=count,
            until=until,
            moderator=moderator,
            reason=reason,
            created_at=now,
        )
    return MisuseTaken(step, _mail(step, policy))


# --- Telling -----------------------------------------------------------------


def _mail(step: MisuseStep, policy: SitePolicy) -> bool:
    """Explain the step to the person it concerns: a reader in the site's language,
    a notifier in the language of their last notice. False when it could not be
    sent (logged; the step stands)."""
    if step.reader is not None:
        to, language = step.reader.email, settings.LANGUAGE_CODE
    else:
        to = step.notifier_email
        language = (
            Notice.objects.filter(notifier_email__iexact=step.notifier_email)
            .order_by("-created_at", "-id")
            .values_list("language", flat=True)
            .first()
        ) or settings.LANGUAGE_CODE
    if not to:
        logger.warning("misuse step %s: nobody to tell (no email address)", step.pk)
        return False
    template = "misuse_warning" if step.kind == Kind.WARNING else "misuse_suspension"
    context = {
        "step": step,
        "for_content": step.subject == Subject.CONTENT,
        "count": step.count,
        "threshold": policy.misuse_threshold,
        "window_days": policy.misuse_window_days,
        "suspension_days": policy.misuse_suspension_days,
        "appeals_enabled": policy.appeals_enabled,
        "netiquette_url": absolute(settings.NETIQUETTE_URL),
        "out_of_court_url": settings.DSA_OUT_OF_COURT_URL,
    }
    return mail_send(to=to, template=template, context=context, language=language)


def misuse_policy_text(language: str) -> str:
    """The misuse policy as the terms must state it (DSA Art. 23(4)), from the live
    site policy, in ``language``: for the newsroom to paste into its Netiquette."""
    policy = site_policy()
    context = {
        "threshold": policy.misuse_threshold,
        "window_days": policy.misuse_window_days,
        "suspension_days": policy.misuse_suspension_days,
        "appeals_enabled": policy.appeals_enabled,
    }
    with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        return render_to_string("moderation/dsa/misuse_policy.txt", context).strip() + "\n"
