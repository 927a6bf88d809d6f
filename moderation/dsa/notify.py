"""Telling people about decisions: the author of restricted content gets its statement
of reasons (Art. 17), an appellant the outcome of the appeal (Art. 20(5)), and a
notifier whose notice an appeal overturned, the new outcome (Art. 16(5)).

Each mail is claimed before it is sent (a conditional UPDATE of its ``*_sent_at``)
so that two senders never send it twice, and released again if sending failed, so
that ``dsa_mails_send_due`` (run every minute by beat) tries again later.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils import timezone

from moderation.dsa.explain import statement_explained
from moderation.dsa.mail import absolute, mail_send
from moderation.models import Appeal, StatementOfReasons

# Mails older than this are no longer tried again: the addressee sees the decision in
# the widget and in their data, and a mail weeks late helps nobody.
RETRY_FOR = timedelta(days=3)


def _claimed(queryset: QuerySet[Any], field: str) -> bool:
    return queryset.filter(**{f"{field}__isnull": True}).update(**{field: timezone.now()}) == 1


def _send_claimed(model: type[Model], pk: int, field: str, send: Callable[[], bool]) -> bool:
    rows = model._default_manager.filter(pk=pk)
    if not _claimed(rows, field):
        return False
    if send():
        return True
    rows.update(**{field: None})
    return False


def statement_notify(*, statement_id: int) -> bool:
    """Mail a statement of reasons to its addressee, if they have an address and the
    site mails authors (DSA_EMAIL_AUTHORS)."""
    statement = StatementOfReasons.objects.select_related("reader").filter(pk=statement_id).first()
    if statement is None or statement.reader is None or not statement.reader.email:
        return False
    if not settings.DSA_EMAIL_AUTHORS:
        return False
    reader = statement.reader

    def send() -> bool:
        return mail_send(
            to=reader.email,
            template="statement",
            context={
                "statement": statement_explained(statement),
                "decisions_url": absolute("/api/me/decisions/"),
            },
            language=settings.LANGUAGE_CODE,
        )

    return _send_claimed(StatementOfReasons, statement.pk, "notified_at", send)


def _appellant_address(appeal: Appeal) -> tuple[str, str]:
    if appeal.notice is not None:
        return appeal.notice.notifier_email, appeal.notice.language
    reader = appeal.statement.reader if appeal.statement is not None else None
    return (reader.email if reader is not None else ""), appeal.language


def appeal_decision_notify(*, appeal_id: int) -> bool:
    """Mail the outcome of an appeal to the appellant; on a reversal of a decision
    that answered a notice, tell the notifier too."""
    appeal = (
        Appeal.objects.select_related("statement__reader", "statement__notice", "notice")
        .filter(pk=appeal_id, decided_at__isnull=False)
        .first()
    )
    if appeal is None:
        return False
    to, language = _appellant_address(appeal)
    context = {"appeal": appeal, "reversed": appeal.status == Appeal.Status.REVERSED}

    def send() -> bool:
        told = mail_send(to=to, template="appeal_decision", context=context, language=language)
        notice = appeal.statement.notice if appeal.statement is not None else None
        if told and context["reversed"] and notice is not None:
            mail_send(
                to=notice.notifier_email,
                template="notice_reversed",
                context={"notice": notice, "appeal": appeal},
                language=notice.language,
            )
        return told

    if not to:
        return False
    return _send_claimed(Appeal, appeal.pk, "decision_sent_at", send)


def dsa_mails_send_due() -> int:
    """Send the statements and appeal outcomes whose mail is still unsent (the first
    try failed, or the process stopped before it); returns how many went out."""
    since = timezone.now() - RETRY_FOR
    sent = 0
    if settings.DSA_EMAIL_AUTHORS:
        for statement_id in StatementOfReasons.objects.filter(
            notified_at__isnull=True, created_at__gte=since, reader__email__gt=""
        ).values_list("pk", flat=True)[:200]:
            sent += statement_notify(statement_id=statement_id)
    for appeal_id in Appeal.objects.filter(decision_sent_at__isnull=True, decided_at__gte=since).values_list(
        "pk", flat=True
    )[:200]:
        sent += appeal_decision_notify(appeal_id=appeal_id)
    return sent
