"""The queue as a workplace: decisions answered in JSON for queue.js, undo, live
counts, the context of each row (the comment it answers, the thread, the author's
record, the diff since a moderator last saw it), notes on readers and restrictions
from the row."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ReaderProfile
from discussion.models import Comment, CommentRevision, Report
from moderation.decisions import UNDO_SECONDS, comment_decide, comment_undo, reader_moderate
from moderation.models import AuditEntry, ReaderAuditEntry, ReaderNote, StatementOfReasons
from moderation.permissions import moderators_group
from moderation.selectors import word_diff
from tests.factories import ArticleFactory, CommentFactory, UserFactory, client_for, reply_to
from web.errors import Conflict

pytestmark = pytest.mark.django_db

HELD = "/admin/moderation/heldcomment/"
REPORTED = "/admin/moderation/reportedcomment/"
JSON = {"HTTP_ACCEPT": "application/json"}


def moderator_named(name: str) -> User:
    user = UserFactory(username=name, is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def moderator() -> User:
    return moderator_named("mod")


@pytest.fixture
def moderator_client(moderator: User) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


def held(body: str = "Ein strittiger Kommentar.", **fields: object) -> Comment:
    comment: Comment = CommentFactory(status=Comment.Status.HELD, score=0.5, body=body, **fields)
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=comment.revision,
        actor="model",
        from_status="pending",
        to_status="held",
        reason="grey zone",
        score=0.5,
        details={"explanation": [], "rules": ["score 0.50 between 0.35 and 0.85"], "word_hits": []},
    )
    return comment


def decide(client: Client, comment: Comment, decision: str, **fields: str) -> "object":
    return client.post(
        f"{HELD}{comment.pk}/decide/?expected_status=held&revision={comment.revision}",
        {"decision": decision, **fields},
        **JSON,
    )


# --- decisions in JSON ----------------------------------------------------------


def test_a_decision_asked_for_json_answers_json(moderator_client: Client) -> None:
    comment = held()
    response = decide(moderator_client, comment, "reject", **{f"reason_{comment.pk}": "insult"})
    assert response.status_code == 200
    assert response.json() == {"id": comment.pk, "status": "rejected", "action": "reject"}
    assert AuditEntry.objects.filter(comment=comment, to_status="rejected").get().reason == "insult"


def test_a_decision_on_a_comment_decided_meanwhile_answers_409_with_the_message(
    moderator_client: Client, moderator: User
) -> None:
    comment = held()
    comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)
    response = decide(moderator_client, comment, "reject")
    assert response.status_code == 409
    assert response.json()["code"] == "decided"
    assert response.json()["detail"]


def test_a_bad_decision_names_the_field(moderator_client: Client) -> None:
    comment = held()
    response = decide(moderator_client, comment, "publish-now")
    assert response.status_code == 400
    assert list(response.json()) == ["action"]
    response = decide(moderator_client, comment, "reject", **{f"reason_{comment.pk}": "weil"})
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


# --- undo ----------------------------------------------------------------------


def test_undo_puts_the_comment_back_as_it_was_and_is_audited(
    moderator_client: Client, moderator: User
) -> None:
    comment = held()
    decide(moderator_client, comment, "reject", **{f"reason_{comment.pk}": "insult"})
    rejection = AuditEntry.objects.get(comment=comment, to_status="rejected")
    statement = StatementOfReasons.objects.get(audit_entry=rejection)
    assert statement.revoked_at is None

    response = moderator_client.post(f"{HELD}{comment.pk}/undo/", **JSON)

    assert response.status_code == 200
    assert response.json() == {"id": comment.pk, "status": "held", "action": "undo"}
    comment.refresh_from_db()
    assert comment.status == "held" and comment.revision == 1
    undo = AuditEntry.objects.filter(comment=comment).latest("id")
    assert (undo.actor, undo.moderator, undo.from_status, undo.to_status, undo.reason) == (
        "moderator",
        moderator,
        "rejected",
        "held",
        "undo",
    )
    assert undo.details == {"action": "undo", "undoes": rejection.pk}
    statement.refresh_from_db()
    assert statement.revoked_at is not None, "the author is told the rejection was reversed"


def test_undoing_an_approval_opens_the_reports_it_closed_again(moderator_client: Client) -> None:
    comment = held()
    reporter = UserFactory()
    Report.objects.create(comment=comment, reporter=reporter, reason="insult", comment_revision=1)
    response = moderator_client.post(
        f"{REPORTED}{comment.pk}/decide/?expected_status=held&revision=1", {"decision": "approve"}, **JSON
    )
    assert response.json()["status"] == "published"
    assert not Report.objects.filter(resolved_at__isnull=True).exists()

    assert moderator_client.post(f"{REPORTED}{comment.pk}/undo/", **JSON).status_code == 200

    assert Report.objects.get().resolved_at is None
    assert f"#{comment.pk} ·" in moderator_client.get(REPORTED).content.decode(), "back in the reported queue"


def test_undo_after_the_window_is_refused(moderator: User) -> None:
    comment = held()
    comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)
    later = timezone.now() + timedelta(seconds=UNDO_SECONDS + 1)
    with pytest.raises(Conflict) as refused:
        comment_undo(comment_id=comment.pk, moderator=moderator, now=later)
    assert refused.value.code == "not_undoable"
    comment.refresh_from_db()
    assert comment.status == "published"


def test_undo_of_another_moderators_decision_is_refused(moderator: User) -> None:
    comment = held()
    comment_decide(comment_id=comment.pk, moderator=moderator, action="approve", expected_revision=1)
    colleague = Client()
    colleague.force_login(moderator_named("kollegin"))
    response = colleague.post(f"{HELD}{comment.pk}/undo/", **JSON)
    assert response.status_code == 409
    assert response.json()["code"] == "not_undoable"
    assert Comment.objects.get(pk=comment.pk).status == "published"


def test_undo_after_another_change_is_refused(moderator_client: Client, moderator: User) -> None:
    comment = held()
    decide(moderator_client, comment, "approve")
    comment_decide(comment_id=comment.pk, moderator=moderator_named("kollegin"), action="remove")
    response = moderator_client.post(f"{HELD}{comment.pk}/undo/", **JSON)
    assert response.status_code == 409
    assert Comment.objects.get(pk=comment.pk).status == "removed"


def test_undo_of_a_comment_edited_since_is_refused(moderator_client: Client, moderator: User) -> None:
    comment = held()
    decide(moderator_client, comment, "reject")
    # The text changed under the decision (as only a concurrent edit could): no blind undo.
    Comment.objects.filter(pk=comment.pk).update(revision=2, body="Anders.")
    response = moderator_client.post(f"{HELD}{comment.pk}/undo/", **JSON)
    assert response.status_code == 409
    assert Comment.objects.get(pk=comment.pk).status == "rejected"


def test_nothing_to_undo_without_a_decision(moderator_client: Client) -> None:
    comment = held()
    response = moderator_client.post(f"{HELD}{comment.pk}/undo/", **JSON)
    assert response.status_code == 409
    assert moderator_client.post(f"{HELD}999999/undo/", **JSON).status_code == 404


# --- live counts ---------------------------------------------------------------


def test_the_counts_of_every_queue(moderator_client: Client) -> None:
    held()
    held()
    CommentFactory(status=Comment.Status.REJECTED)
    response = moderator_client.get(f"{HELD}counts/")
    assert response.status_code == 200
    assert response.json() == {"held": 2, "reported": 0, "pending": 0, "rejected": 1}


def test_the_counts_are_for_moderators_only() -> None:
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    response = staff.get(f"{HELD}counts/", **JSON)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get(f"{HELD}counts/").status_code == 302, "to the admin's login"


def test_the_queue_page_shows_the_counts_and_loads_its_script(moderator_client: Client) -> None:
    held()
    page = moderator_client.get(HELD).content.decode()
    assert 'data-count="held">1</b>' in page
    assert 'data-counts-url="/admin/moderation/heldcomment/counts/"' in page
    assert "moderation/queue.js" in page
    assert "<kbd>z</kbd>" in page


# --- the row's context ---------------------------------------------------------


def test_a_reply_shows_the_comment_it_answers_and_links_into_the_thread(moderator_client: Client) -> None:
    parent = CommentFactory(
        body="Der Artikel <i>verschweigt</i> die Kosten.", author=UserFactory(username="anna")
    )
    reply = reply_to(parent, status=Comment.Status.HELD, body="Stimmt nicht.")
    page = moderator_client.get(HELD).content.decode()
    assert "Der Artikel &lt;i&gt;verschweigt&lt;/i&gt; die Kosten." in page
    assert f"anna (#{parent.pk})" in page
    assert f'href="/articles/{reply.article.slug}/#comment-{reply.pk}"' in page
    assert reply.article.title[:30] in page


def test_the_thread_link_leads_to_the_article_on_the_newsrooms_site(moderator_client: Client) -> None:
    held = CommentFactory(
        status=Comment.Status.HELD, article=ArticleFactory(url="https://zeitung.example/politik/genf-123")
    )
    page = moderator_client.get(HELD).content.decode()
    assert f'href="https://zeitung.example/politik/genf-123#comment-{held.pk}"' in page


def test_a_long_parent_is_shortened() -> None:
    from moderation.selectors import queue_details

    parent = CommentFactory(body="Wort " * 100)
    reply = reply_to(parent, status=Comment.Status.HELD)
    excerpt = queue_details([reply.pk])[reply.pk]["parent"]["excerpt"]
    assert len(excerpt) == 200 and excerpt.endswith("…")


def test_the_author_line_shows_the_restriction_first_comment_and_latest_note(
    moderator_client: Client, moderator: User
) -> None:
    author = UserFactory(username="bert")
    CommentFactory(author=author, created_at=timezone.now() - timedelta(days=40))
    held(author=author)
    reader_moderate(
        reader=author,
        moderator=moderator,
        action="suspend",
        reason="Beleidigungen",
        until=timezone.now() + timedelta(days=3),
    )
    ReaderNote.objects.create(reader=author, moderator=moderator, text="Schon zweimal verwarnt.")
    page = moderator_client.get(HELD).content.decode()
    first = timezone.localtime(Comment.objects.filter(author=author).earliest("created_at").created_at)
    assert first.strftime("%Y-%m-%d") in page
    assert 'class="queue-restricted" title="Beleidigungen"' in page
    assert "<q>Schon zweimal verwarnt.</q> (mod," in page


def test_an_edited_comment_shows_the_words_changed_since_a_moderator_saw_it(
    moderator_client: Client, moderator: User
) -> None:
    comment = held("Du bist ein Idiot, echt.")
    comment_decide(comment_id=comment.pk, moderator=moderator, action="note", note="erst mal abwarten")
    CommentRevision.objects.create(
        comment=comment, revision=1, body=comment.body, created_at=comment.created_at
    )
    Comment.objects.filter(pk=comment.pk).update(revision=2, body="Du bist ein <b>Schatz</b>, echt.")
    page = moderator_client.get(HELD).content.decode()
    assert "<del>Idiot,</del><ins>&lt;b&gt;Schatz&lt;/b&gt;,</ins> echt." in page


def test_the_diff_starts_from_the_text_first_held_when_no_moderator_saw_it() -> None:
    from moderation.selectors import queue_details

    comment = held("Erste Fassung.")
    CommentRevision.objects.create(
        comment=comment, revision=1, body=comment.body, created_at=comment.created_at
    )
    Comment.objects.filter(pk=comment.pk).update(revision=2, body="Zweite Fassung.")
    details = queue_details([comment.pk])[comment.pk]
    assert details["seen_revision"] == 1
    assert details["diff"] == [("del", "Erste"), ("ins", "Zweite"), ("same", " Fassung.")]


def test_an_unedited_comment_has_no_diff(moderator_client: Client) -> None:
    held("Nie geändert.")
    assert "<ins>" not in moderator_client.get(HELD).content.decode()


def test_word_diff_keeps_the_spaces_and_marks_whole_words() -> None:
    pieces = word_diff("Das ist falsch und dumm.", "Das ist richtig und dumm. Punkt.")
    assert pieces == [
        ("same", "Das ist "),
        ("del", "falsch"),
        ("ins", "richtig"),
        ("same", " und dumm."),
        ("ins", " Punkt."),
    ]
    assert "".join(text for kind, text in pieces if kind != "del") == "Das ist richtig und dumm. Punkt."


def test_the_queue_page_costs_the_same_queries_for_2_rows_as_for_12(moderator_client: Client) -> None:
    def row(n: int) -> None:
        author = UserFactory()
        ReaderProfile.objects.create(user=author, banned=n % 2 == 0, ban_reason="weg")
        ReaderNote.objects.create(reader=author, moderator=UserFactory(), text=f"Notiz {n}")
        parent = CommentFactory(body=f"Eltern {n}")
        comment = reply_to(parent, status=Comment.Status.HELD, author=author, body=f"Antwort {n}")
        CommentRevision.objects.create(
            comment=comment, revision=1, body="vorher", created_at=comment.created_at
        )
        AuditEntry.objects.create(
            comment=comment, comment_revision=1, actor="model", from_status="pending", to_status="held"
        )
        Comment.objects.filter(pk=comment.pk).update(revision=2)
        Report.objects.create(comment=comment, reporter=UserFactory(), reason="spam", comment_revision=1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = moderator_client.get(REPORTED)
        assert page.status_code == 200
        assert page.content.decode().count("<ins>") == Comment.objects.filter(status="held").count()
        return len(captured)

    for n in range(2):
        row(n)
    few = queries()
    for n in range(2, 12):
        row(n)
    assert queries() == few


# --- notes on readers ----------------------------------------------------------


def test_a_note_from_the_queue_row_is_kept_and_shown(moderator_client: Client, moderator: User) -> None:
    comment = held()
    response = moderator_client.post(f"{HELD}{comment.pk}/note/", {"text": "  Provoziert gern.  "}, **JSON)
    assert response.status_code == 200
    assert response.json()["text"] == "Provoziert gern."
    note = ReaderNote.objects.get()
    assert (note.reader, note.moderator, note.comment_id) == (comment.author, moderator, comment.pk)
    with pytest.raises(ValueError):
        note.save()  # immutable: its own audit record
    assert "<q>Provoziert gern.</q>" in moderator_client.get(HELD).content.decode()


def test_an_empty_note_names_the_field(moderator_client: Client) -> None:
    comment = held()
    response = moderator_client.post(f"{HELD}{comment.pk}/note/", {"text": "   "}, **JSON)
    assert response.status_code == 400
    assert list(response.json()) == ["text"]
    response = moderator_client.post(f"{HELD}{comment.pk}/note/", {"text": "x" * 2001}, **JSON)
    assert response.status_code == 400
    assert not ReaderNote.objects.exists()


def test_the_queue_pages_own_form_writes_a_note_too(moderator_client: Client) -> None:
    comment = held()
    response = moderator_client.post(
        f"{HELD}{comment.pk}/note/?next={HELD}", {f"note_text_{comment.pk}": "Ohne Skript."}
    )
    assert response.status_code == 302 and response["Location"] == HELD
    assert ReaderNote.objects.get().text == "Ohne Skript."


def test_notes_on_the_readers_page(moderator_client: Client, moderator: User) -> None:
    reader = UserFactory(username="carla")
    profile = ReaderProfile.objects.create(user=reader)
    url = f"/admin/accounts/readerprofile/{profile.pk}/"
    response = moderator_client.post(f"{url}note/", {"text": "Meldet <b>alles</b>."})
    assert response.status_code == 302
    page = moderator_client.get(f"{url}change/").content.decode()
    assert "Meldet &lt;b&gt;alles&lt;/b&gt;." in page
    assert 'action="/admin/accounts/readerprofile/' in page
    assert ReaderNote.objects.get().moderator == moderator


def test_staff_without_the_moderator_permission_cannot_write_notes() -> None:
    comment = held()
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    assert staff.post(f"{HELD}{comment.pk}/note/", {"text": "x"}, **JSON).status_code == 403
    assert not ReaderNote.objects.exists()


def test_notes_are_in_the_readers_export_but_not_who_wrote_them() -> None:
    reader = UserFactory()
    writer = moderator_named("heimlich")
    ReaderNote.objects.create(reader=reader, moderator=writer, text="Vorsicht bei Migrationsthemen.")
    export = client_for(reader).get("/api/me/export/").json()
    assert [(note["text"], note["written_by"]) for note in export["moderator_notes"]] == [
        ("Vorsicht bei Migrationsthemen.", "moderator")
    ]
    assert "heimlich" not in str(export)


# --- restricting the author from the row -----------------------------------------


def test_ban_from_the_row_stores_the_reason_the_reader_is_given(
    moderator_client: Client, moderator: User
) -> None:
    comment = held()
    response = moderator_client.post(
        f"{HELD}{comment.pk}/restrict/", {"restriction": "ban", "reason": "Wiederholt beleidigend"}, **JSON
    )
    assert response.status_code == 200
    assert response.json()["restriction"] == "ban"
    entry = ReaderAuditEntry.objects.get()
    assert (entry.reader, entry.moderator, entry.action, entry.reason) == (
        comment.author,
        moderator,
        "ban",
        "Wiederholt beleidigend",
    )
    answer = client_for(comment.author).post(
        f"/api/articles/{comment.article.slug}/comments/", {"body": "Noch was."}, format="json"
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "banned"
    assert answer.json()["reason"] == "Wiederholt beleidigend"


def test_suspend_from_the_row_for_some_days(moderator_client: Client) -> None:
    comment = held()
    response = moderator_client.post(
        f"{HELD}{comment.pk}/restrict/", {"restriction": "suspend", "days": "3", "reason": "Abkühlen"}, **JSON
    )
    assert response.status_code == 200
    until = ReaderProfile.objects.get(user=comment.author).suspended_until
    assert until is not None and timedelta(days=2, hours=23) < until - timezone.now() <= timedelta(days=3)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"restriction": "ban", "reason": ""}, "reason"),
        ({"restriction": "lift", "reason": "x"}, "restriction"),
        ({"restriction": "suspend", "reason": "x", "days": "0"}, "days"),
        ({"restriction": "suspend", "reason": "x", "days": "viele"}, "days"),
    ],
)
def test_a_bad_restriction_names_the_field(
    moderator_client: Client, fields: dict[str, str], field: str
) -> None:
    comment = held()
    response = moderator_client.post(f"{HELD}{comment.pk}/restrict/", fields, **JSON)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not ReaderAuditEntry.objects.exists()


def test_a_moderator_cannot_ban_a_colleague_from_the_row(moderator_client: Client) -> None:
    comment = held(author=moderator_named("kollegin"))
    response = moderator_client.post(
        f"{HELD}{comment.pk}/restrict/", {"restriction": "ban", "reason": "x"}, **JSON
    )
    assert response.status_code == 403
    assert response.json()["code"] == "staff_account"
