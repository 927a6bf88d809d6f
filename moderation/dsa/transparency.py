"""Statements of reasons for the EU DSA Transparency Database (Art. 24(5)): each as
the database's record, without personal data, exported as JSON Lines and, where the
site has a token, submitted in batches.

What a record leaves out, on purpose:

- the comment's text, the author's and the notifier's names and addresses, any link
  to the comment or the account (``content_id``, ``source_identity``);
- the moderator's own words (``StatementOfReasons.explanation``): they are written
  for the author, in German, and may name the people the comment is about. The
  explanations in the record are built in English from the grounds' codes alone.

A statement later reversed on appeal (``revoked_at``) is still a record: the
restriction was imposed and the author was told. If it is exported after the
reversal its facts say so; a record already submitted stays as it was (the database
takes no corrections).

Submission (``statements_submit``) follows the database's API: ``POST statements``
with up to 100 records, all or nothing. 201: every one is in. 422: the errors come
indexed by position (``statement_<n>``) and none was stored; the faulty ones keep
their error in ``submission_error`` and are not sent again until someone clears it,
the others go in the next call. A duplicate ``puid`` means an earlier call got
through without us hearing the answer: ``GET statement/existing-puid/<puid>``
confirms it (302) and the statement counts as submitted. 5xx and network errors
raise ``TransparencyUnavailable`` for the task to retry later.
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation

from moderation.dsa.grounds import legal_ground, terms_ground
from moderation.dsa.mail import absolute
from moderation.models import StatementOfReasons

logger = logging.getLogger(__name__)

Restriction = StatementOfReasons.Restriction
Automation = StatementOfReasons.Automation

# Rejected: the comment never appeared and never will; removed: it was taken down.
# Both are "content removed" for the database. A comment held beyond the site's
# review period is still there and may yet be published once a moderator looks at
# it: readers cannot reach it, which is what "content disabled" (access disabled,
# not deleted) says; "removed" would overstate it.
VISIBILITY = {
    Restriction.REJECTED: "DECISION_VISIBILITY_CONTENT_REMOVED",
    Restriction.REMOVED: "DECISION_VISIBILITY_CONTENT_REMOVED",
    Restriction.HELD: "DECISION_VISIBILITY_CONTENT_DISABLED",
}
ACCOUNT = {
    Restriction.SUSPENDED: "DECISION_ACCOUNT_SUSPENDED",
    Restriction.BANNED: "DECISION_ACCOUNT_TERMINATED",
}
AUTOMATED_DECISION = {
    Automation.FULLY: "AUTOMATED_DECISION_FULLY",
    Automation.PARTIALLY: "AUTOMATED_DECISION_PARTIALLY",
    Automation.NOT_AUTOMATED: "AUTOMATED_DECISION_NOT_AUTOMATED",
}
# The database's largest batch.
BATCH_SIZE = 100
TIMEOUT_SECONDS = 30

_WHAT = {
    Restriction.REJECTED: "A comment submitted to the comment section of a news site was not published.",
    Restriction.REMOVED: "A comment published in the comment section of a news site was removed.",
    Restriction.HELD: (
        "A comment submitted to the comment section of a news site has been withheld from readers "
        "for longer than the site's review period while it awaits a moderator's review."
    ),
    Restriction.BANNED: "A reader's account for the comment section of a news site was terminated.",
}
_AUTOMATION = {
    Automation.FULLY: "The decision was taken by automated means, without human review.",
    Automation.PARTIALLY: "A moderator took the decision after automated means had flagged the content.",
    Automation.NOT_AUTOMATED: "A moderator took the decision without automated means.",
}


def _day(moment: datetime) -> str:
    """The date in the site's time zone, as the database writes dates."""
    return timezone.localdate(moment).isoformat()


def _language(statement: StatementOfReasons) -> str:
    """The comment's language is its article's; an account's, the site's."""
    comment = statement.comment
    code = comment.article.language if comment is not None else settings.LANGUAGE_CODE
    return code.split("-")[0].upper()


def _facts(statement: StatementOfReasons, ground_text: str) -> str:
    if statement.restriction == Restriction.SUSPENDED:
        what = "A reader's account for the comment section of a news site was suspended" + (
            f" until {_day(statement.end_date)}." if statement.end_date else "."
        )
    else:
        what = _WHAT[Restriction(statement.restriction)]
    facts = [what, ground_text]
    if statement.source == StatementOfReasons.Source.NOTICE:
        facts.append("The decision followed a notice of illegal content (DSA Art. 16).")
    else:
        facts.append("The site acted on its own initiative.")
    facts.append(
        "Automated means (a text classifier or word lists) detected the content."
        if statement.automated_detection
        else "The content was not detected by automated means."
    )
    facts.append(_AUTOMATION[Automation(statement.automated_decision)])
    if statement.manifestly_illegal:
        facts.append("The moderator considered the content manifestly illegal.")
    if statement.revoked_at:
        facts.append(f"The decision was reversed on internal appeal on {_day(statement.revoked_at)}.")
    return " ".join(facts)[:5000]


def statement_record(statement: StatementOfReasons) -> dict[str, Any]:
    """The statement as a Transparency Database record (a dict ready for JSON),
    without personal data. Reads ``statement.comment.article`` (select them along)."""
    record: dict[str, Any] = {}
    restriction = Restriction(statement.restriction)
    if restriction in VISIBILITY:
        record["decision_visibility"] = [VISIBILITY[restriction]]
    else:
        record["decision_account"] = ACCOUNT[restriction]
        record["account_type"] = "ACCOUNT_TYPE_PRIVATE"
        if statement.end_date is not None:
            record["end_date_account_restriction"] = _day(statement.end_date)
    with translation.override("en"):
        if statement.ground == StatementOfReasons.Ground.ILLEGAL:
            legal = legal_ground(statement.legal_ground)
            label = str(legal.label)
            ground_text = f"The content was assessed as illegal under German law: {label}."
            record.update(
                decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
                illegal_content_legal_ground=label[:500],
                illegal_content_explanation=(
                    f"A moderator assessed the content of the comment as an offence under {label}."
                )[:2000],
                category=legal.category,
            )
            if legal.keyword:
                record["category_specification"] = [legal.keyword]
        else:
            terms = terms_ground(statement.terms_ground)
            label = str(terms.label)
            ground_text = f"The content was found incompatible with the site's discussion rules: {label}."
            record.update(
                decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT",
                incompatible_content_ground=label[:500],
                incompatible_content_explanation=(
                    f"The content breaks the discussion rules (Netiquette) the site's terms of use "
                    f"set out for comments. {label}."
                )[:2000],
                incompatible_content_illegal="Yes" if statement.manifestly_illegal else "No",
                category=terms.category,
            )
            reference = absolute(settings.NETIQUETTE_URL)
            # Only a full address is a URL to the database; without SITE_URL the rules'
            # path alone would be refused, so the optional field is left out.
            if reference.startswith(("https://", "http://")):
                record["decision_ground_reference_url"] = reference[:500]
    record.update(
        content_type=["CONTENT_TYPE_TEXT"],
        territorial_scope=list(settings.DSA_TERRITORIAL_SCOPE),
        content_language=_language(statement),
        content_date=_day(statement.content_date),
        application_date=_day(statement.created_at),
        decision_facts=_facts(statement, ground_text),
        source_type=(
            "SOURCE_ARTICLE_16"
            if statement.source == StatementOfReasons.Source.NOTICE
            else "SOURCE_VOLUNTARY"
        ),
        automated_detection="Yes" if statement.automated_detection else "No",
        automated_decision=AUTOMATED_DECISION[Automation(statement.automated_decision)],
        puid=str(statement.puid),
    )
    return record


def statements_for_export(
    *, since: date | None = None, until: date | None = None, unsubmitted: bool = False
) -> QuerySet[StatementOfReasons]:
    """Statements decided from ``since`` to ``until`` (days in the site's time zone,
    both included), oldest first; ``unsubmitted``: only those not yet in the database."""
    statements = StatementOfReasons.objects.select_related("comment__article").order_by("created_at", "id")
    if since is not None:
        statements = statements.filter(created_at__date__gte=since)
    if until is not None:
        statements = statements.filter(created_at__date__lte=until)
    if unsubmitted:
        statements = statements.filter(submitted_at__isnull=True)
    return statements


def statement_records(statements: QuerySet[StatementOfReasons]) -> Iterator[dict[str, Any]]:
    """The records of ``statements``, read in chunks so that a year fits in memory."""
    for statement in statements.iterator(chunk_size=500):
        yield statement_record(statement)


class TransparencyUnavailable(Exception):
    """The database did not answer or failed (5xx): try again later."""


class TransparencyRefused(Exception):
    """The database refused the call itself (401, 403, another 4xx): a wrong token or
    address, which retrying will not cure; someone must look."""


@dataclass
class Submission:
    submitted: int = 0
    failed: int = 0
    calls: int = 0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The database answers an existing puid with 302: an answer, not a redirect."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _call(method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """(status, parsed JSON body or None) of one call to the database."""
    url = settings.DSA_TRANSPARENCY_URL + path
    if not url.startswith(("https://", "http://")):
        raise TransparencyRefused(f"DSA_TRANSPARENCY_URL is not an http(s) address: {url}")
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Authorization": f"Bearer {settings.DSA_TRANSPARENCY_TOKEN}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (OSError, ValueError) as error:  # URLError, timeouts, refused connections
        raise TransparencyUnavailable(f"{method} {path}: {error}") from error
    if status >= 500:
        raise TransparencyUnavailable(f"{method} {path}: HTTP {status}")
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed


def _already_there(puid: str) -> bool:
    status, _ = _call("GET", f"statement/existing-puid/{quote(puid, safe='')}")
    if status == 302:
        return True
    if status == 404:
        return False
    raise TransparencyRefused(f"existing-puid answered HTTP {status}")


def _only_duplicate_puid(errors: Any) -> bool:
    return isinstance(errors, dict) and set(errors) == {"puid"}


def _record_refusals(batch: list[StatementOfReasons], answer: Any, now: datetime) -> Submission:
    """After a 422: mark what is in the database already, keep each refusal's reasons."""
    result = Submission()
    errors = answer.get("errors") if isinstance(answer, dict) else None
    indexed = {
        int(key.removeprefix("statement_")): value
        for key, value in (errors if isinstance(errors, dict) else {}).items()
        if isinstance(key, str) and key.startswith("statement_") and key[10:].isdigit()
    }
    indexed = {index: value for index, value in indexed.items() if index < len(batch)}
    if len(batch) == 1 and errors and not indexed:
        indexed = {0: errors}  # the errors of a single record may come unindexed
    if not indexed:
        # An answer we cannot attribute: hold the whole batch back rather than loop.
        indexed = dict.fromkeys(range(len(batch)), answer)
    for index, reasons in indexed.items():
        statement = batch[index]
        if _only_duplicate_puid(reasons) and _already_there(str(statement.puid)):
            changed = StatementOfReasons.objects.filter(pk=statement.pk, submitted_at__isnull=True).update(
                submitted_at=now, submission_error=""
            )
            result.submitted += changed
        else:
            StatementOfReasons.objects.filter(pk=statement.pk).update(
                submission_error=json.dumps(reasons, ensure_ascii=False)[:5000]
            )
            result.failed += 1
    return result


def statements_submit(*, batch_size: int = BATCH_SIZE) -> Submission:
    """Submit every statement not yet in the database and not refused before, in
    calls of at most 100; does nothing without ``DSA_TRANSPARENCY_TOKEN``.

    Idempotent: a statement is marked submitted by a conditional update after the
    database confirmed it, and a resent one is recognised by its puid. Raises
    ``TransparencyUnavailable`` (retry later) and ``TransparencyRefused`` (a person
    must look); what was confirmed before stays marked."""
    result = Submission()
    if not settings.DSA_TRANSPARENCY_TOKEN:
        return result
    batch_size = max(1, min(batch_size, BATCH_SIZE))
    pending = statements_for_export(unsubmitted=True).filter(submission_error="")
    while batch := list(pending[:batch_size]):
        status, answer = _call("POST", "statements", {"statements": [statement_record(s) for s in batch]})
        result.calls += 1
        now = timezone.now()
        if status == 201:
            result.submitted += StatementOfReasons.objects.filter(
                pk__in=[s.pk for s in batch], submitted_at__isnull=True
            ).update(submitted_at=now, submission_error="")
        elif status == 422:
            refused = _record_refusals(batch, answer, now)
            result.submitted += refused.submitted
            result.failed += refused.failed
        else:
            raise TransparencyRefused(f"POST statements answered HTTP {status}: {answer}")
    if result.failed:
        logger.warning("the Transparency Database refused %d statements", result.failed)
    return result
