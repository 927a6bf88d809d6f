"""The transparency report's figures (DSA Art. 15, and Art. 24(1) for platforms) for
a period of days: notices and what became of them, restrictions on the site's own
initiative, statements by ground, appeals, steps against misuse and restrictions of
accounts. The same figures feed the command (a table, CSV) and the admin page.

Counting rules, so that the report can be checked against the tables:

- a notice, an appeal, a statement or a misuse step belongs to the period in which it
  was made (received, decided or taken), days in the site's time zone, both ends in;
  a notice's or an appeal's outcome is its status now;
- the median times are over the notices (appeals) received in the period that have
  been decided, from receipt to decision, in hours;
- "own initiative" is every statement not made on a notice (``source`` voluntary),
  automated or not; statements reversed on appeal still count (they were decisions).

Titles and row and column labels are in the language active when the report is made
(the admin's German; the command's English); each column also has a key, a stable
English identifier the CSV names it by, whatever the language.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation.dsa.grounds import legal_ground, terms_ground
from moderation.models import Appeal, MisuseStep, Notice, StatementOfReasons

Value = int | float | None

# Each automation with its column key.
AUTOMATIONS = [
    (StatementOfReasons.Automation.FULLY, "fully automated"),
    (StatementOfReasons.Automation.PARTIALLY, "partially automated"),
    (StatementOfReasons.Automation.NOT_AUTOMATED, "not automated"),
]

# Column key (the CSV's, stable) → the column's heading for people.
COLUMNS: dict[str, Promise] = {
    "legal ground": _("legal ground"),
    "received": _("received"),
    "actioned": _("actioned"),
    "refused": _("refused"),
    "open": _("open"),
    "restriction": _("restriction"),
    **{key: automation.label for automation, key in AUTOMATIONS},
    "total": _("total"),
    "ground": _("ground"),
    "kind": _("kind"),
    "statements": _("statements"),
    "on notice": _("on notice"),
    "reversed on appeal": _("reversed on appeal"),
    "against": _("against"),
    "upheld": _("upheld"),
    "reversed": _("reversed"),
    "median hours to decide": _("median hours to decide"),
    "subject": _("subject"),
    "warnings": _("warnings"),
    "suspensions": _("suspensions"),
    "readers": _("readers"),
}

_NOTICE_OUTCOMES = (Notice.Status.ACTIONED, Notice.Status.REFUSED, Notice.Status.OPEN)


@dataclass(frozen=True)
class Table:
    """Rows of figures under a title; the first column names the row. ``columns``
    are the columns' keys (see COLUMNS), ``headings`` what people read above them."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def headings(self) -> list[str]:
        return [str(COLUMNS[column]) for column in self.columns]


@dataclass(frozen=True)
class TransparencyReport:
    start: date
    end: date
    summary: list[tuple[str, Value]]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def csv_rows(self) -> list[list[str]]:
        """Long format, one figure a line: section, row, column, value."""
        lines = [["section", "row", "column", "value"]]
        lines += [["summary", name, "value", _text(value)] for name, value in self.summary]
        for table in self.tables:
            for row in table.rows:
                lines += [
                    [table.key, str(row[0]), column, _text(value)]
                    for column, value in zip(table.columns[1:], row[1:], strict=True)
                ]
        return lines


def _text(value: Value) -> str:
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as instants: from the first day's midnight to the one after the last day."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def _median_hours(pairs: list[tuple[datetime, datetime | None]]) -> float | None:
    hours = [(decided - made).total_seconds() / 3600 for made, decided in pairs if decided is not None]
    return round(statistics.median(hours), 1) if hours else None


def _notices(since: datetime, before: datetime) -> tuple[Table, list[tuple[str, Value]]]:
    notices = Notice.objects.filter(created_at__gte=since, created_at__lt=before)
    counts = Counter(
        {
            (row["legal_ground"], row["status"]): row["n"]
            for row in notices.values("legal_ground", "status").annotate(n=Count("id"))
        }
    )
    table = Table(
        "notices_by_ground",
        gettext("Notices of illegal content by legal ground (Art. 16)"),
        ["legal ground", "received", "actioned", "refused", "open"],
    )
    for code in sorted({ground for ground, _status in counts}):
        by_status = [counts[(code, status)] for status in _NOTICE_OUTCOMES]
        table.rows.append([str(legal_ground(code).label), sum(by_status), *by_status])
    table.rows.append([gettext("all grounds"), *[sum(row[i] for row in table.rows) for i in range(1, 5)]])
    decided = notices.filter(decided_at__isnull=False)
    summary: list[tuple[str, Value]] = [
        (gettext("notices received"), notices.count()),
        (gettext("notices decided"), decided.count()),
        (
            gettext("median hours from notice to decision"),
            _median_hours(list(decided.values_list("created_at", "decided_at"))),
        ),
        (gettext("notices decided with automated means"), decided.filter(automated_means=True).count()),
    ]
    return table, summary


def _own_initiative(statements: Any) -> Table:
    counts = Counter(
        {
            (row["restriction"], row["automated_decision"]): row["n"]
            for row in statements.filter(source=StatementOfReasons.Source.VOLUNTARY)
            .values("restriction", "automated_decision")
            .annotate(n=Count("id"))
        }
    )
    table = Table(
        "own_initiative",
        gettext("Restrictions on the site's own initiative, by type and automation"),
        ["restriction", *[key for _automation, key in AUTOMATIONS], "total"],
    )
    for restriction, label in StatementOfReasons.Restriction.choices:
        figures = [counts[(restriction, automation)] for automation, _key in AUTOMATIONS]
        table.rows.append([str(label), *figures, sum(figures)])
    table.rows.append(
        [gettext("all restrictions"), *[sum(row[i] for row in table.rows) for i in range(1, 5)]]
    )
    return table


def _by_ground(statements: Any) -> Table:
    table = Table(
        "statements_by_ground",
        gettext("Statements of reasons by ground (Art. 17)"),
        ["ground", "kind", "statements", "on notice", "reversed on appeal"],
    )
    rows = (
        statements.values("ground", "legal_ground", "terms_ground")
        .annotate(
            n=Count("id"),
            notice=Count("id", filter=Q(source=StatementOfReasons.Source.NOTICE)),
            reversed=Count("id", filter=Q(revoked_at__isnull=False)),
        )
        .order_by("ground", "legal_ground", "terms_ground")
    )
    totals: Counter[tuple[str, str]] = Counter()
    notice: Counter[tuple[str, str]] = Counter()
    reversed_: Counter[tuple[str, str]] = Counter()
    for row in rows:
        if row["ground"] == StatementOfReasons.Ground.ILLEGAL:
            key = (str(legal_ground(row["legal_ground"]).label), gettext("illegal content"))
        else:
            key = (str(terms_ground(row["terms_ground"]).label), gettext("terms of use"))
        totals[key] += row["n"]
        notice[key] += row["notice"]
        reversed_[key] += row["reversed"]
    for key in sorted(totals, key=lambda k: (k[1], k[0])):
        table.rows.append([*key, totals[key], notice[key], reversed_[key]])
    return table


def _appeals(since: datetime, before: datetime) -> tuple[Table, list[tuple[str, Value]]]:
    appeals = Appeal.objects.filter(created_at__gte=since, created_at__lt=before)
    table = Table(
        "appeals",
        gettext("Internal complaints (Art. 20)"),
        ["against", "received", "upheld", "reversed", "open", "median hours to decide"],
    )
    for label, subset in (
        (gettext("restrictions (authors)"), appeals.filter(statement__isnull=False)),
        (gettext("refused notices (notifiers)"), appeals.filter(notice__isnull=False)),
        (gettext("all decisions"), appeals),
    ):
        status = Counter(dict(subset.values_list("status").annotate(n=Count("id"))))
        decided = subset.filter(decided_at__isnull=False)
        table.rows.append(
            [
                label,
                sum(status.values()),
                status[Appeal.Status.UPHELD],
                status[Appeal.Status.REVERSED],
                status[Appeal.Status.OPEN],
                _median_hours(list(decided.values_list("created_at", "decided_at"))),
            ]
        )
    total = table.rows[-1]
    return table, [
        (gettext("appeals received"), total[1]),
        (gettext("median hours to decide an appeal"), total[5]),
    ]


def _misuse(since: datetime, before: datetime) -> Table:
    counts = Counter(
        {
            (row["subject"], row["kind"]): row["n"]
            for row in MisuseStep.objects.filter(created_at__gte=since, created_at__lt=before)
            .values("subject", "kind")
            .annotate(n=Count("id"))
        }
    )
    table = Table(
        "misuse",
        gettext("Steps against misuse (Art. 23)"),
        ["subject", "warnings", "suspensions"],
    )
    for subject, label in MisuseStep.Subject.choices:
        table.rows.append(
            [
                str(label),
                counts[(subject, MisuseStep.Kind.WARNING)],
                counts[(subject, MisuseStep.Kind.SUSPENSION)],
            ]
        )
    return table


def _accounts(statements: Any) -> Table:
    table = Table("accounts", gettext("Restrictions of accounts"), ["restriction", "statements", "readers"])
    for restriction in (StatementOfReasons.Restriction.SUSPENDED, StatementOfReasons.Restriction.BANNED):
        subset = statements.filter(restriction=restriction)
        table.rows.append(
            [
                str(StatementOfReasons.Restriction(restriction).label),
                subset.count(),
                subset.exclude(reader=None).values("reader").distinct().count(),
            ]
        )
    return table


def transparency_report(*, start: date, end: date) -> TransparencyReport:
    """The figures from ``start`` to ``end`` (days, both included), labelled in the
    active language. Read-only; a few grouped queries per table, whatever the
    period's size."""
    since, before = _bounds(start, end)
    statements = StatementOfReasons.objects.filter(created_at__gte=since, created_at__lt=before)
    notices, notice_summary = _notices(since, before)
    appeals, appeal_summary = _appeals(since, before)
    own = _own_initiative(statements)
    summary: list[tuple[str, Value]] = [
        *notice_summary,
        (gettext("statements of reasons"), statements.count()),
        (gettext("restrictions on own initiative"), own.rows[-1][-1]),
        (
            gettext("of them decided by automated means alone"),
            statements.filter(
                source=StatementOfReasons.Source.VOLUNTARY,
                automated_decision=StatementOfReasons.Automation.FULLY,
            ).count(),
        ),
        *appeal_summary,
        (
            gettext("statements submitted to the Transparency Database"),
            statements.filter(submitted_at__isnull=False).count(),
        ),
    ]
    tables = [
        notices,
        own,
        _by_ground(statements),
        appeals,
        _misuse(since, before),
        _accounts(statements),
    ]
    return TransparencyReport(start=start, end=end, summary=summary, tables=tables)


def last_calendar_year(today: date | None = None) -> tuple[date, date]:
    """The period a yearly report covers by default: the last full calendar year."""
    year = (today or timezone.localdate()).year - 1
    return date(year, 1, 1), date(year, 12, 31)
