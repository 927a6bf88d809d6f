"""The transparency report (DSA Art. 15/24) counts what happened in a period: the
figures equal what the test made, in the command, its CSV and the admin page. The
report speaks the site's language (German) as the admin shows it; the command
prints it in English; the CSV names its sections and columns by stable keys."""

import csv
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from discussion.models import Comment
from moderation.decisions import comment_decide, reader_moderate
from moderation.dsa.report import transparency_report
from moderation.models import Appeal, MisuseStep, Notice, StatementOfReasons
from moderation.permissions import moderators_group
from moderation.services import comment_moderate, site_policy_update
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

INSULT = "§ 185 StGB: insult (Beleidigung)"  # as the command prints it
BELEIDIGUNG = "§ 185 StGB: Beleidigung"  # as a moderator reads it
VOLKSVERHETZUNG = "§ 130 StGB: Volksverhetzung"


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="moderatorin", is_staff=True)
    user.groups.add(moderators_group())
    return user


def notice_about(comment: Comment, ground: str, *, hours_ago: float, **fields: Any) -> Notice:
    return Notice.objects.create(
        comment=comment,
        comment_revision=1,
        legal_ground=ground,
        explanation="Beleidigung",
        notifier_email="melder@example.net",
        good_faith=True,
        created_at=timezone.now() - timedelta(hours=hours_ago),
        **fields,
    )


@pytest.fixture
def period_data(active_model, moderator) -> dict[str, Any]:
    """Three notices (one actioned after 10 h, one refused after 20 h with automated
    means, one open), an old notice outside the period, four restrictions on the
    site's own initiative, three appeals and three misuse steps."""
    now = timezone.now()
    noticed = CommentFactory()
    actioned = notice_about(noticed, "stgb_185", hours_ago=30)
    comment_decide(
        comment_id=noticed.pk,
        moderator=moderator,
        action="remove",
        reason="insult",
        legal_ground="stgb_185",
        notice_id=actioned.pk,
    )
    Notice.objects.filter(pk=actioned.pk).update(
        status=Notice.Status.ACTIONED, decided_at=actioned.created_at + timedelta(hours=10)
    )
    refused = notice_about(CommentFactory(), "stgb_185", hours_ago=40)
    Notice.objects.filter(pk=refused.pk).update(
        status=Notice.Status.REFUSED,
        decided_at=refused.created_at + timedelta(hours=20),
        automated_means=True,
    )
    notice_about(CommentFactory(), "stgb_130", hours_ago=2)
    notice_about(CommentFactory(), "stgb_130", hours_ago=24 * 400)  # long before the period

    site_policy_update(source="command", publish_below=0.0, reject_above=0.0, new_account_hold_count=0)
    rejected = CommentFactory(status=Comment.Status.PENDING)
    comment_moderate(comment_id=rejected.pk)  # fully automated
    comment_decide(comment_id=CommentFactory().pk, moderator=moderator, action="remove", reason="spam")
    reader = UserFactory()
    reader_moderate(
        reader=reader,
        moderator=moderator,
        action="suspend",
        reason="Beleidigungen",
        until=now + timedelta(days=7),
    )
    reader_moderate(reader=reader, moderator=moderator, action="ban", reason="Drohungen")

    on_notice = StatementOfReasons.objects.get(notice=actioned)
    banned = StatementOfReasons.objects.get(restriction="banned")
    Appeal.objects.create(
        statement=on_notice,
        text="Das war Satire.",
        status=Appeal.Status.REVERSED,
        created_at=now - timedelta(hours=6),
        decided_at=now - timedelta(hours=1),
        decided_by=UserFactory(username="zweite", is_staff=True),
    )
    StatementOfReasons.objects.filter(pk=on_notice.pk).update(revoked_at=now - timedelta(hours=1))
    Appeal.objects.create(statement=banned, text="Bitte entsperren.")
    Appeal.objects.create(
        notice=refused,
        text="Der Kommentar ist strafbar.",
        status=Appeal.Status.UPHELD,
        created_at=now - timedelta(hours=16),
        decided_at=now - timedelta(hours=1),
    )
    MisuseStep.objects.create(subject="content", kind="warning", reader=reader, count=2)
    MisuseStep.objects.create(
        subject="content", kind="suspension", reader=reader, count=3, until=now + timedelta(days=14)
    )
    MisuseStep.objects.create(subject="notices", kind="warning", notifier_email="melder@example.net", count=5)
    today = timezone.localdate()
    return {"start": today - timedelta(days=30), "end": today}


def rows(report: Any, key: str) -> dict[str, list[Any]]:
    return {row[0]: row[1:] for row in report.table(key).rows}


def test_notices_by_ground_and_the_median_time_to_decide(period_data) -> None:
    report = transparency_report(**period_data)
    assert rows(report, "notices_by_ground") == {
        VOLKSVERHETZUNG: [1, 0, 0, 1],  # received, actioned, refused, open
        BELEIDIGUNG: [2, 1, 1, 0],
        "alle Rechtsgrundlagen": [3, 1, 1, 1],
    }
    summary = dict(report.summary)
    assert summary["eingegangene Meldungen"] == 3
    assert summary["Median der Stunden von der Meldung bis zur Entscheidung"] == 15.0
    assert summary["mit automatisierten Mitteln entschiedene Meldungen"] == 1


def test_own_initiative_restrictions_by_type_and_automation(period_data) -> None:
    own = rows(transparency_report(**period_data), "own_initiative")
    # fully, partially, not automated, total; the removal on the notice is not own initiative
    assert own["Kommentar nicht veröffentlicht"] == [1, 0, 0, 1]
    assert own["Kommentar entfernt"] == [0, 0, 1, 1]
    assert own["Konto befristet gesperrt"] == [0, 0, 1, 1]
    assert own["Konto dauerhaft gesperrt"] == [0, 0, 1, 1]
    assert own["alle Beschränkungen"] == [1, 0, 3, 4]


def test_statements_by_ground_with_notices_and_reversals(period_data) -> None:
    grounds = rows(transparency_report(**period_data), "statements_by_ground")
    assert grounds[BELEIDIGUNG] == ["rechtswidriger Inhalt", 1, 1, 1]
    assert grounds["Netiquette: Werbung und Spam"] == ["Nutzungsbedingungen", 1, 0, 0]
    assert grounds["Netiquette: wiederholte oder schwere Verstöße des Kontos"] == [
        "Nutzungsbedingungen",
        2,
        0,
        0,
    ]
    assert sum(row[1] for row in grounds.values()) == StatementOfReasons.objects.count() == 5


def test_appeals_misuse_and_accounts(period_data) -> None:
    report = transparency_report(**period_data)
    assert rows(report, "appeals") == {
        "Beschränkungen (von Betroffenen)": [2, 0, 1, 1, 5.0],
        "abgelehnte Meldungen (von Meldenden)": [1, 1, 0, 0, 15.0],
        "alle Entscheidungen": [3, 1, 1, 1, 10.0],
    }
    assert rows(report, "misuse") == {
        "offensichtlich rechtswidrige Inhalte": [1, 1],
        "offensichtlich unbegründete Meldungen": [1, 0],
    }
    assert rows(report, "accounts") == {
        "Konto befristet gesperrt": [1, 1],
        "Konto dauerhaft gesperrt": [1, 1],
    }


def test_a_period_without_events_counts_nothing(period_data) -> None:
    report = transparency_report(start=date(2021, 1, 1), end=date(2021, 12, 31))
    assert rows(report, "notices_by_ground") == {"alle Rechtsgrundlagen": [0, 0, 0, 0]}
    assert dict(report.summary)["Median der Stunden von der Meldung bis zur Entscheidung"] is None


def test_the_command_prints_the_tables_and_writes_csv(period_data, tmp_path) -> None:
    target = tmp_path / "report.csv"
    out = StringIO()
    call_command(
        "transparency_report",
        "--from",
        period_data["start"].isoformat(),
        "--to",
        period_data["end"].isoformat(),
        "--csv",
        str(target),
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "Notices of illegal content by legal ground" in text
    assert any(
        line.startswith(INSULT) and line.split()[-4:] == ["2", "1", "1", "0"] for line in text.splitlines()
    )
    with target.open(newline="") as f:
        lines = list(csv.DictReader(f))
    figure = {(row["section"], row["row"], row["column"]): row["value"] for row in lines}
    assert figure[("notices_by_ground", INSULT, "received")] == "2"
    assert figure[("appeals", "all decisions", "median hours to decide")] == "10.0"
    assert figure[("summary", "notices received", "value")] == "3"


def test_the_command_refuses_a_reversed_period() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="after"):
        call_command("transparency_report", "--from", "2025-12-31", "--to", "2025-01-01")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_page_shows_the_figures_charts_and_a_csv_link(period_data, moderator) -> None:
    client = logged_in(moderator)
    assert "Transparenzbericht" in client.get("/admin/").content.decode()
    query = f"?start={period_data['start']}&end={period_data['end']}"
    response = client.get(f"/admin/moderation/transparency/{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert BELEIDIGUNG in page
    assert 'class="figure">3</td>' in page  # notices received
    assert page.count('<img src="data:image/svg+xml;base64,') == 3
    assert "moderation/transparency.css" in page
    stylesheet = finders.find("moderation/transparency.css")
    assert "@media print" in Path(stylesheet).read_text()

    download = client.get(f"/admin/moderation/transparency/csv/{query}")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(StringIO(download.content.decode())))
    # The rows as the moderator reads them, the columns by their stable keys.
    assert {
        "section": "notices_by_ground",
        "row": "alle Rechtsgrundlagen",
        "column": "received",
        "value": "3",
    } in lines


def test_the_admin_page_defaults_to_last_year_and_survives_nonsense(moderator) -> None:
    client = logged_in(moderator)
    year = timezone.localdate().year - 1
    page = client.get("/admin/moderation/transparency/").content.decode()
    assert f"{year}-01-01 bis {year}-12-31" in page
    response = client.get("/admin/moderation/transparency/?start=gestern&end=2025-01-01")
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    response = client.get("/admin/moderation/transparency/?start=2025-12-31&end=2025-01-01")
    assert "Der erste Tag darf nicht nach dem letzten liegen." in response.content.decode()


def test_the_report_page_speaks_german_to_a_moderator(period_data, moderator) -> None:
    query = f"?start={period_data['start']}&end={period_data['end']}"
    page = logged_in(moderator).get(f"/admin/moderation/transparency/{query}").content.decode()
    assert "<h1>Transparenzbericht</h1>" in page
    assert "Meldungen rechtswidriger Inhalte nach Rechtsgrundlage (Art. 16)</h3>" in page
    assert '<th scope="col">Maßnahme ergriffen</th>' in page
    assert '<th scope="row">eingegangene Meldungen</th>' in page
    assert "CSV herunterladen" in page


def test_staff_without_the_moderation_permission_are_refused() -> None:
    client = logged_in(UserFactory(username="redaktion", is_staff=True))
    assert client.get("/admin/moderation/transparency/").status_code == 403
    assert client.get("/admin/moderation/transparency/csv/").status_code == 403
    assert "Transparenzbericht" not in client.get("/admin/").content.decode()
