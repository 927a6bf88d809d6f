"""Statements of reasons as EU DSA Transparency Database records: valid by the
database's field rules, without personal data, exported as JSON Lines and submitted
in batches to a (local, scripted) database."""

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

import moderation
from articles.models import Article
from discussion.models import Comment
from moderation.decisions import comment_decide, reader_moderate
from moderation.dsa.statements import statements_for_long_holds
from moderation.dsa.transparency import statement_record, statements_submit
from moderation.models import Notice, StatementOfReasons
from moderation.services import comment_moderate, site_policy_update
from moderation.tasks import dsa_submit_statements
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(moderation.__file__).parent / "dsa" / "schema" / "statement.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def assert_valid(record: dict[str, Any]) -> None:
    """The schema, and the database's date rules a schema cannot state."""
    errors = [f"{list(e.path)}: {e.message}" for e in VALIDATOR.iter_errors(record)]
    assert not errors, errors
    assert record["content_date"] >= "2000-01-01"
    assert record["application_date"] >= "2020-01-01"
    for field in ("end_date_account_restriction", "end_date_visibility_restriction"):
        if field in record:
            assert record[field] >= record["application_date"]


@pytest.fixture
def moderator() -> User:
    return UserFactory(username="moderatorin.schulz", email="schulz@zeitung.example", is_staff=True)


def thresholds(publish_below: float, reject_above: float) -> None:
    site_policy_update(
        source="command", publish_below=publish_below, reject_above=reject_above, new_account_hold_count=0
    )


def by_restriction() -> dict[str, StatementOfReasons]:
    return {s.restriction: s for s in StatementOfReasons.objects.select_related("comment__article")}


@pytest.fixture
def decisions(active_model, moderator) -> dict[str, Any]:
    """One of each kind of restriction, made by the services that make them, with
    names, addresses and texts that must not reach the database."""
    author = UserFactory(username="hans.maier", email="hans.maier@example.org")
    thresholds(0.0, 0.0)
    rejected = CommentFactory(author=author, status=Comment.Status.PENDING, body="Rejected Geheimtext eins")
    comment_moderate(comment_id=rejected.pk)  # the classifier rejects it alone

    thresholds(0.0, 1.0)
    held = CommentFactory(author=author, status=Comment.Status.PENDING, body="Held Geheimtext zwei")
    comment_moderate(comment_id=held.pk)  # held for a moderator …
    comment_decide(  # … who rejects it as an insult, illegal under § 185 StGB
        comment_id=held.pk,
        moderator=moderator,
        action="reject",
        reason="insult",
        legal_ground="stgb_185",
        explanation="Sie nennen Frau Petra Schmidt eine Betrügerin.",
        expected_revision=1,
    )

    english = ArticleFactory(language=Article.Language.ENGLISH)
    noticed = CommentFactory(article=english, author=author, body="Noticed Geheimtext drei")
    notice = Notice.objects.create(
        comment=noticed,
        comment_revision=1,
        legal_ground="stgb_130",
        explanation="Volksverhetzung gegen Nachbarn",
        notifier_name="Erika Mustermann",
        notifier_email="erika@example.net",
        good_faith=True,
    )
    comment_decide(
        comment_id=noticed.pk, moderator=moderator, action="remove", reason="spam", notice_id=notice.pk
    )

    waiting = CommentFactory(author=author, status=Comment.Status.PENDING, body="Waiting Geheimtext vier")
    comment_moderate(comment_id=waiting.pk)
    statements_for_long_holds(now=timezone.now() + timedelta(days=3))

    suspended = UserFactory(username="klaus.kritisch", email="klaus@example.com")
    until = timezone.now() + timedelta(days=7)
    reader_moderate(
        reader=suspended, moderator=moderator, action="suspend", reason="Beleidigt Frau Schmidt", until=until
    )
    reader_moderate(reader=author, moderator=moderator, action="ban", reason="Drohungen gegen Herrn Lehmann")
    return {"until": until, "people": [author, suspended, moderator], "notice": notice}


def test_every_kind_of_restriction_is_a_valid_record(decisions) -> None:
    statements = by_restriction()
    assert set(statements) == {"rejected", "removed", "held", "suspended", "banned"}
    for statement in statements.values():
        assert_valid(statement_record(statement))


def test_restrictions_map_to_the_database_decisions(decisions) -> None:
    records = {kind: statement_record(s) for kind, s in by_restriction().items()}
    assert records["removed"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert records["held"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert records["suspended"]["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert records["suspended"]["account_type"] == "ACCOUNT_TYPE_PRIVATE"
    assert (
        records["suspended"]["end_date_account_restriction"]
        == timezone.localdate(decisions["until"]).isoformat()
    )
    assert records["banned"]["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert "end_date_account_restriction" not in records["banned"]
    assert "decision_visibility" not in records["banned"]


def test_automation_source_and_grounds_are_as_decided(decisions) -> None:
    records = {kind: statement_record(s) for kind, s in by_restriction().items()}
    fully = records["held"]  # the sweeper's statement of the long hold the classifier made
    assert (fully["automated_detection"], fully["automated_decision"]) == ("Yes", "AUTOMATED_DECISION_FULLY")

    illegal = next(statement_record(s) for s in StatementOfReasons.objects.filter(ground="illegal"))
    assert illegal["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert illegal["illegal_content_legal_ground"] == "§ 185 StGB: insult (Beleidigung)"
    assert illegal["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert illegal["category_specification"] == ["KEYWORD_DEFAMATION"]
    assert illegal["automated_decision"] == "AUTOMATED_DECISION_PARTIALLY"

    removed = records["removed"]
    assert removed["source_type"] == "SOURCE_ARTICLE_16"
    assert "source_identity" not in removed
    assert removed["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert removed["incompatible_content_ground"] == "Netiquette: advertising and spam"
    assert removed["incompatible_content_illegal"] == "No"
    assert removed["category"] == "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    assert (removed["automated_detection"], removed["automated_decision"]) == (
        "No",
        "AUTOMATED_DECISION_NOT_AUTOMATED",
    )
    assert records["banned"]["source_type"] == "SOURCE_VOLUNTARY"


def test_language_dates_scope_and_puid(decisions, settings) -> None:
    statements = by_restriction()
    records = {kind: statement_record(s) for kind, s in statements.items()}
    assert records["removed"]["content_language"] == "EN"  # the article is in English
    assert records["held"]["content_language"] == "DE"
    assert records["banned"]["content_language"] == settings.LANGUAGE_CODE.upper()
    assert records["removed"]["content_type"] == ["CONTENT_TYPE_TEXT"]
    assert records["removed"]["application_date"] == timezone.localdate().isoformat()
    assert records["removed"]["puid"] == str(statements["removed"].puid)
    assert len(records["removed"]["territorial_scope"]) == 30  # EU and EEA
    settings.DSA_TERRITORIAL_SCOPE = ["AT", "DE"]
    assert statement_record(statements["removed"])["territorial_scope"] == ["AT", "DE"]


def test_the_netiquette_is_referenced_only_by_a_full_address(decisions, settings) -> None:
    removed = by_restriction()["removed"]
    settings.SITE_URL = ""
    assert "decision_ground_reference_url" not in statement_record(removed)
    settings.SITE_URL = "https://zeitung.example"
    record = statement_record(removed)
    assert record["decision_ground_reference_url"] == "https://zeitung.example/netiquette/"
    assert_valid(record)


def test_no_personal_data_reaches_a_record(decisions) -> None:
    text = json.dumps([statement_record(s) for s in StatementOfReasons.objects.all()], ensure_ascii=False)
    forbidden = ["Geheimtext", "Schmidt", "Lehmann", "Mustermann", "erika@", "Volksverhetzung gegen"]
    for person in decisions["people"]:
        forbidden += [person.username, person.email]
    found = [word for word in forbidden if word.lower() in text.lower()]
    assert found == []


def test_a_decision_reversed_on_appeal_is_still_a_record_that_says_so(decisions) -> None:
    removed = by_restriction()["removed"]
    removed.revoked_at = timezone.now()
    removed.save(update_fields=["revoked_at"])
    record = statement_record(removed)
    assert_valid(record)
    assert "reversed on internal appeal" in record["decision_facts"]


def test_the_command_writes_json_lines_by_date_and_submission(decisions, tmp_path) -> None:
    out = StringIO()
    call_command("export_statements", stdout=out, stderr=StringIO())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == StatementOfReasons.objects.count() == 6  # two rejections
    for record in lines:
        assert_valid(record)

    StatementOfReasons.objects.filter(restriction="banned").update(submitted_at=timezone.now())
    target = tmp_path / "statements.jsonl"
    err = StringIO()
    call_command("export_statements", "--unsubmitted", "--output", str(target), stderr=err)
    assert len(target.read_text().splitlines()) == 5
    assert "5 statements exported" in err.getvalue()

    # The sweeper's statement of the long hold is dated three days ahead (its `now`).
    today, tomorrow = timezone.localdate(), timezone.localdate() + timedelta(days=1)
    out = StringIO()
    call_command("export_statements", "--since", tomorrow.isoformat(), stdout=out, stderr=StringIO())
    assert [json.loads(line)["decision_visibility"] for line in out.getvalue().splitlines()] == [
        ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    ]
    out = StringIO()
    call_command("export_statements", "--until", today.isoformat(), stdout=out, stderr=StringIO())
    assert len(out.getvalue().splitlines()) == 5


def test_the_command_refuses_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("export_statements", "--since", "31.01.2025")


# --- Submission to a local stand-in of the database -------------------------------


class FakeDatabase:
    """The Transparency Database's statements API on a local port: records each call,
    answers POSTs from a script (status, body), then 201; knows some puids."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, Any]]] = []
        self.known_puids: set[str] = set()
        database = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                database.calls.append(
                    {"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body}
                )
                status, answer = database.script.pop(0) if database.script else (201, {"statements": []})
                self._answer(status, answer)

            def do_GET(self) -> None:
                database.calls.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                puid = self.path.rsplit("/", 1)[-1]
                if puid in database.known_puids:
                    self._answer(302, {"puid": puid})
                else:
                    self._answer(404, {"message": "statement of reason not found"})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/"

    def posts(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["method"] == "POST"]


@pytest.fixture
def database(settings, monkeypatch) -> Iterator[FakeDatabase]:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    fake = FakeDatabase()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    settings.DSA_TRANSPARENCY_URL = fake.url
    settings.DSA_TRANSPARENCY_TOKEN = "X|test-token"
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        thread.join()


def make_statements(count: int) -> list[StatementOfReasons]:
    """Suspension statements as the audit door writes them, made in bulk."""
    reader = UserFactory()
    now = timezone.now()
    StatementOfReasons.objects.bulk_create(
        StatementOfReasons(
            restriction="suspended",
            reader=reader,
            ground="terms",
            terms_ground="account",
            automated_detection=False,
            automated_decision="not_automated",
            content_date=reader.date_joined,
            created_at=now + timedelta(seconds=n),
        )
        for n in range(count)
    )
    return list(StatementOfReasons.objects.order_by("created_at", "id"))


def test_statements_go_in_batches_of_at_most_100_with_the_token(database) -> None:
    make_statements(250)
    result = statements_submit()
    posts = database.posts()
    assert [len(call["body"]["statements"]) for call in posts] == [100, 100, 50]
    assert {call["path"] for call in posts} == {"/api/v1/statements"}
    headers = posts[0]["headers"]
    assert headers["Authorization"] == "Bearer X|test-token"
    assert headers["Accept"] == headers["Content-Type"] == "application/json"
    for record in posts[0]["body"]["statements"]:
        assert_valid(record)
    assert result.submitted == 250
    assert not StatementOfReasons.objects.filter(submitted_at__isnull=True).exists()
    statements_submit()
    assert len(database.posts()) == 3  # nothing left to send


def test_without_a_token_nothing_is_sent(database, settings) -> None:
    settings.DSA_TRANSPARENCY_TOKEN = ""
    make_statements(3)
    dsa_submit_statements.apply()
    assert database.calls == []
    assert StatementOfReasons.objects.filter(submitted_at__isnull=True).count() == 3


def test_a_failing_database_is_retried_by_the_task(database) -> None:
    make_statements(2)
    database.script = [(500, {"message": "Server Error"})]
    dsa_submit_statements.apply()
    assert len(database.posts()) == 2  # the failed call and the retry
    assert database.posts()[0]["body"] == database.posts()[1]["body"]
    assert not StatementOfReasons.objects.filter(submitted_at__isnull=True).exists()


def test_an_unreachable_database_leaves_everything_unsubmitted(settings) -> None:
    from moderation.dsa.transparency import TransparencyUnavailable

    settings.DSA_TRANSPARENCY_URL = "http://127.0.0.1:9/api/v1/"  # the discard port: nobody listens
    settings.DSA_TRANSPARENCY_TOKEN = "X|test-token"
    make_statements(1)
    with pytest.raises(TransparencyUnavailable):
        statements_submit()
    assert StatementOfReasons.objects.filter(submitted_at__isnull=True).count() == 1


def test_a_refused_record_keeps_its_error_and_the_others_go_through(database) -> None:
    statements = make_statements(3)
    errors = {"category": ["The selected category is invalid."]}
    database.script = [(422, {"message": "invalid", "errors": {"statement_1": errors}})]
    result = statements_submit()
    # None of the first call was stored; the two good ones went again, alone.
    assert [len(call["body"]["statements"]) for call in database.posts()] == [3, 2]
    assert (result.submitted, result.failed) == (2, 1)
    refused = StatementOfReasons.objects.get(pk=statements[1].pk)
    assert refused.submitted_at is None
    assert json.loads(refused.submission_error) == errors
    statements_submit()
    assert len(database.posts()) == 2  # the refused one is not sent again blindly


def test_a_duplicate_puid_already_in_the_database_counts_as_submitted(database) -> None:
    there, lost = make_statements(2)
    database.known_puids = {str(there.puid)}
    duplicate = {"puid": ["The identifier given is not unique within this platform."]}
    database.script = [(422, {"errors": {"statement_0": duplicate, "statement_1": duplicate}})]
    statements_submit()
    gets = [call["path"] for call in database.calls if call["method"] == "GET"]
    assert gets == [
        f"/api/v1/statement/existing-puid/{there.puid}",
        f"/api/v1/statement/existing-puid/{lost.puid}",
    ]
    there.refresh_from_db()
    lost.refresh_from_db()
    assert there.submitted_at is not None and there.submission_error == ""
    assert lost.submitted_at is None and "not unique" in lost.submission_error


def test_the_submission_task_routes_to_the_maintenance_queue(settings) -> None:
    assert dsa_submit_statements.name.startswith("moderation.dsa_")
    entry = settings.CELERY_BEAT_SCHEDULE["submit-dsa-statements"]
    assert entry["task"] == dsa_submit_statements.name
    assert entry["schedule"] == 3600.0
