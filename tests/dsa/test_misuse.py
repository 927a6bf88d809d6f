"""Misuse (DSA Art. 23): readers who often post manifestly illegal content and
notifiers who often send manifestly unfounded notices are counted, warned, then
suspended for a set time; every step is logged and told by mail."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import formats, timezone, translation

from accounts.models import ReaderProfile
from accounts.services import reader_ensure_may_write
from discussion.models import Comment
from moderation.decisions import comment_decide
from moderation.dsa.misuse import (
    misuse_candidates,
    misuse_policy_text,
    misuse_suspend,
    misuse_warn,
    notices_suspended_until,
    notifier_misuse_count,
    reader_misuse_count,
)
from moderation.models import MisuseStep, Notice, StatementOfReasons
from moderation.permissions import moderators_group
from moderation.services import site_policy_update
from tests.factories import CommentFactory, UserFactory
from web.errors import Conflict, Forbidden

pytestmark = pytest.mark.django_db

PAGE = "/admin/moderation/misuse/"
CONTENT, NOTICES = MisuseStep.Subject.CONTENT, MisuseStep.Subject.NOTICES


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="moderatorin", is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def author() -> User:
    return UserFactory(username="wiederholer", email="wiederholer@example.org")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The refusals below are matched in English, whatever language a test before
    this one left active (the site's default is German)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def misuse_on() -> None:
    site_policy_update(
        source="command",
        misuse_enabled=True,
        misuse_threshold=2,
        misuse_window_days=30,
        misuse_suspension_days=14,
    )


def illegal_comment(author: User, moderator: User, *, days_ago: int = 0, manifestly: bool = True) -> Comment:
    """A comment of ``author`` that a moderator removed as (manifestly) illegal."""
    comment = CommentFactory(author=author)
    comment_decide(
        comment_id=comment.pk,
        moderator=moderator,
        action="remove",
        reason="hate",
        legal_ground="stgb_130",
        manifestly_illegal=manifestly,
    )
    if days_ago:
        StatementOfReasons.objects.filter(comment=comment).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return comment


def unfounded_notice(
    email: str, *, days_ago: int = 0, unfounded: bool = True, language: str = "de"
) -> Notice:
    comment = CommentFactory()
    return Notice.objects.create(
        comment=comment,
        comment_revision=comment.revision,
        legal_ground="stgb_185",
        explanation="Das gefällt mir nicht.",
        notifier_email=email,
        good_faith=True,
        language=language,
        status=Notice.Status.REFUSED,
        manifestly_unfounded=unfounded,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


# --- Counting ----------------------------------------------------------------


def test_a_reader_counts_manifestly_illegal_comments_within_the_window_only(author, moderator) -> None:
    illegal_comment(author, moderator)
    illegal_comment(author, moderator, days_ago=29)
    illegal_comment(author, moderator, days_ago=31)
    illegal_comment(author, moderator, manifestly=False)
    assert reader_misuse_count(reader_id=author.pk) == 2


def test_a_statement_revoked_on_appeal_is_not_counted(author, moderator) -> None:
    illegal_comment(author, moderator)
    revoked = illegal_comment(author, moderator)
    StatementOfReasons.objects.filter(comment=revoked).update(revoked_at=timezone.now())
    assert reader_misuse_count(reader_id=author.pk) == 1


def test_a_notifier_counts_unfounded_notices_by_address_in_any_case_within_the_window() -> None:
    unfounded_notice("Melder@Example.org")
    unfounded_notice("melder@example.org", days_ago=10)
    unfounded_notice("melder@example.org", days_ago=40)
    unfounded_notice("melder@example.org", unfounded=False)
    unfounded_notice("andere@example.org")
    assert notifier_misuse_count(email="MELDER@example.org") == 2


def test_candidates_are_those_at_or_over_the_threshold(author, moderator) -> None:
    below = UserFactory(username="einmal")
    illegal_comment(below, moderator)
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    unfounded_notice("melder@example.org")
    unfounded_notice("Melder@example.org")
    unfounded_notice("einmal@example.org")
    candidates = misuse_candidates()
    assert [(c.subject, c.reader, c.email, c.count) for c in candidates] == [
        (CONTENT, author, "", 2),
        (NOTICES, None, "melder@example.org", 2),
    ]
    assert all(c.last_warning is None and c.suspended_until is None for c in candidates)
    assert not any(c.may_suspend for c in candidates)


def test_listing_candidates_takes_six_queries_however_many_there_are(
    author, moderator, django_assert_num_queries
) -> None:
    for reader in (author, UserFactory(username="zweite")):
        illegal_comment(reader, moderator)
        illegal_comment(reader, moderator)
        misuse_warn(subject=CONTENT, reader=reader, moderator=moderator, reason="x")
    for address in ("a@example.org", "b@example.org"):
        unfounded_notice(address)
        unfounded_notice(address)
    with django_assert_num_queries(6):
        candidates = misuse_candidates()
    assert len(candidates) == 4
    assert all(c.last_warning is not None for c in candidates if c.subject == CONTENT)


# --- Warning, then suspension ------------------------------------------------


def test_a_suspension_without_a_prior_warning_is_refused(author, moderator) -> None:
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    with pytest.raises(Conflict, match="Warn first"):
        misuse_suspend(subject=CONTENT, reader=author, moderator=moderator, reason="Volksverhetzung")
    assert not MisuseStep.objects.exists()
    reader_ensure_may_write(user=author)


def test_a_warning_below_the_threshold_is_refused(author, moderator) -> None:
    illegal_comment(author, moderator)
    with pytest.raises(Conflict, match="Only 1 counted"):
        misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="Volksverhetzung")


def test_a_reader_warned_who_goes_on_is_suspended_with_a_statement_of_reasons(author, moderator) -> None:
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    warning, _ = misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="Volksverhetzung")
    assert (warning.kind, warning.count, warning.until) == ("warning", 2, None)
    with pytest.raises(Conflict, match="Nothing more was counted after the warning"):
        misuse_suspend(subject=CONTENT, reader=author, moderator=moderator, reason="Weiter so")
    illegal_comment(author, moderator)

    suspension, _ = misuse_suspend(subject=CONTENT, reader=author, moderator=moderator, reason="Weiter so")

    assert (suspension.kind, suspension.count) == ("suspension", 3)
    assert suspension.until - suspension.created_at == timedelta(days=14)
    with pytest.raises(Forbidden) as refused:
        reader_ensure_may_write(user=author)
    assert refused.value.code == "suspended"
    statement = StatementOfReasons.objects.get(reader=author, restriction="suspended")
    assert statement.end_date == suspension.until
    assert (statement.ground, statement.legal_ground) == ("illegal", "stgb_130")
    assert statement.reader_audit_entry.until == suspension.until
    [candidate] = misuse_candidates()
    assert candidate.suspended_until == suspension.until
    assert not candidate.may_suspend


def test_a_second_suspension_needs_a_fresh_warning(author, moderator) -> None:
    for _ in range(2):
        illegal_comment(author, moderator)
    misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="erste Warnung")
    illegal_comment(author, moderator)
    first, _ = misuse_suspend(subject=CONTENT, reader=author, moderator=moderator, reason="gesperrt")
    MisuseStep.objects.filter(pk=first.pk).update(until=timezone.now() - timedelta(minutes=1))
    illegal_comment(author, moderator)
    with pytest.raises(Conflict, match="Warn first"):
        misuse_suspend(subject=CONTENT, reader=author, moderator=moderator, reason="wieder")


def test_a_suspended_notifier_has_notices_refused_until_the_date(moderator) -> None:
    unfounded_notice("melder@example.org")
    unfounded_notice("melder@example.org")
    misuse_warn(subject=NOTICES, email="Melder@Example.org", moderator=moderator, reason="Meinung")
    unfounded_notice("melder@example.org")

    suspension, _ = misuse_suspend(
        subject=NOTICES, email="melder@example.org", moderator=moderator, reason="x"
    )

    assert suspension.notifier_email == "melder@example.org"
    assert notices_suspended_until("MELDER@example.org") == suspension.until
    assert notices_suspended_until("melder@example.org", now=suspension.until) is None


def test_with_misuse_switched_off_steps_are_refused_but_counting_goes_on(author, moderator) -> None:
    site_policy_update(source="command", misuse_enabled=False)
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    with pytest.raises(Conflict, match="switched off") as refused:
        misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="x")
    assert refused.value.code == "misuse_off"
    with pytest.raises(Conflict, match="switched off"):
        misuse_suspend(subject=CONTENT, reader=author, moderator=moderator, reason="x")
    assert [c.count for c in misuse_candidates()] == [2]
    assert not MisuseStep.objects.exists()


def test_a_misuse_step_cannot_be_changed_or_deleted(author, moderator) -> None:
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    step, _ = misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="x")
    step.reason = "anders"
    with pytest.raises(ValueError, match="immutable"):
        step.save()
    with pytest.raises(ValueError, match="immutable"):
        step.delete()


# --- Mails -------------------------------------------------------------------


def test_the_reader_is_told_of_the_warning_and_the_suspension(
    author, moderator, mailoutbox, settings
) -> None:
    settings.LANGUAGE_CODE = "en"  # the reader's mails are in the site's language
    settings.SITE_URL = "https://zeitung.example"
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    _, mailed = misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="Incitement")
    assert mailed
    illegal_comment(author, moderator)
    suspension, _ = misuse_suspend(subject=CONTENT, reader=author, moderator=moderator, reason="Again")

    warning, suspended = mailoutbox
    assert warning.to == suspended.to == ["wiederholer@example.org"]
    assert warning.subject == "Warning: manifestly illegal comments"
    assert "Within the last 30 days, 2 of your comments were removed" in warning.body
    assert "suspended from writing for 14 days" in warning.body
    assert "The moderator's note: Incitement" in warning.body
    assert "appeal each of these decisions" in warning.body
    assert settings.DSA_OUT_OF_COURT_URL in warning.body
    assert "https://zeitung.example/netiquette/" in warning.body
    assert suspended.subject == "Your account is suspended from writing"
    assert "3 of your comments were removed" in suspended.body
    with translation.override("en"):
        until = formats.date_format(timezone.localtime(suspension.until), "DATETIME_FORMAT")
    assert f"from {until} you can write again" in suspended.body
    assert "appeal this suspension" in suspended.body


def test_a_notifier_is_told_in_the_language_of_their_last_notice(moderator, mailoutbox, settings) -> None:
    settings.LANGUAGE_CODE = "de"
    settings.SITE_URL = ""
    site_policy_update(source="command", appeals_enabled=False)
    unfounded_notice("melder@example.org", days_ago=2)
    unfounded_notice("melder@example.org", language="en")
    misuse_warn(subject=NOTICES, email="melder@example.org", moderator=moderator, reason="")
    [mail] = mailoutbox
    assert mail.to == ["melder@example.org"]
    assert mail.subject == "Warning: manifestly unfounded notices"
    assert "2 notices of illegal content you sent from this address were manifestly unfounded" in mail.body
    assert "notices from this address may not be processed for 14 days" in mail.body
    assert "appeal" not in mail.body
    assert "moderator's note" not in mail.body


def test_the_step_stands_when_there_is_nobody_to_mail(moderator, mailoutbox) -> None:
    silent = UserFactory(username="ohne-adresse", email="")
    illegal_comment(silent, moderator)
    illegal_comment(silent, moderator)
    step, mailed = misuse_warn(subject=CONTENT, reader=silent, moderator=moderator, reason="x")
    assert not mailed
    assert MisuseStep.objects.filter(pk=step.pk).exists()
    assert mailoutbox == []


def test_the_policy_text_follows_the_live_settings() -> None:
    site_policy_update(source="command", misuse_threshold=5, misuse_window_days=90, misuse_suspension_days=7)
    text = misuse_policy_text("en")
    assert "5 times or more within 90 days" in text
    assert "We first warn by email" in text
    assert "for 7 days" in text
    assert "{%" not in text and "{{" not in text


# --- Admin -------------------------------------------------------------------


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_page_shows_candidates_with_warn_and_a_disabled_suspend(author, moderator) -> None:
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    page = logged_in(moderator).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    row = re.search(r"<tr>\s*<td><a [^>]*>wiederholer</a>.*?</tr>", html, re.S)
    assert row is not None
    assert "<td>2</td>" in row.group(0)
    assert re.search(r'value="warn">Verwarnen', row.group(0))
    assert re.search(r'value="suspend" disabled title="Zuerst verwarnen"', row.group(0))
    assert "2 times or more within 30 days" in html  # the policy text, from the live settings


def test_warning_and_suspending_from_the_admin_page(author, moderator, mailoutbox) -> None:
    client = logged_in(moderator)
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    form = {"subject": CONTENT, "reader": author.pk, "reason": "Volksverhetzung"}
    client.post(PAGE, {**form, "step": "suspend"})
    assert not MisuseStep.objects.exists()  # refused: not warned

    answer = client.post(PAGE, {**form, "step": "warn"}, follow=True)

    assert answer.status_code == 200
    assert "Warnung für wiederholer; per E-Mail mitgeteilt." in answer.content.decode()
    illegal_comment(author, moderator)
    client.post(PAGE, {**form, "step": "suspend"})
    assert list(MisuseStep.objects.values_list("kind", flat=True)) == ["suspension", "warning"]
    page = client.get(PAGE).content.decode()
    assert re.search(r'value="suspend" disabled title="Derzeit gesperrt"', page)


def test_the_admin_page_says_when_misuse_is_off_and_offers_no_step(author, moderator) -> None:
    site_policy_update(source="command", misuse_enabled=False)
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    html = logged_in(moderator).get(PAGE).content.decode()
    assert "Das Vorgehen gegen Missbrauch ist in der" in html
    assert 'value="warn" disabled' in html


def test_the_misuse_page_and_its_log_speak_german_to_a_moderator(author, moderator) -> None:
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    client = logged_in(moderator)

    page = client.get(PAGE).content.decode()
    assert "<h1>Missbrauch (DSA Art. 23)</h1>" in page
    assert "<th>Leserkonto oder meldende Person</th>" in page
    assert "offensichtlich rechtswidrige Kommentare" in page
    assert "Die Missbrauchsregeln für die Netiquette" in page
    misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="x")
    log = client.get("/admin/moderation/misusestep/").content.decode()
    assert "Schritt gegen Missbrauch zum Ansehen auswählen" in log
    assert ">Gegenstand<" in log and "offensichtlich rechtswidrige Inhalte" in log


def test_the_admin_page_is_forbidden_to_staff_who_do_not_moderate_and_to_readers(author) -> None:
    clerk = UserFactory(username="redaktion", is_staff=True)
    assert logged_in(clerk).get(PAGE).status_code == 403
    answer = logged_in(author).get(PAGE)  # a reader: not staff, sent to the login
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    assert logged_in(author).post(PAGE, {"step": "warn"}).status_code == 302
    assert not MisuseStep.objects.exists()


def test_the_log_of_steps_is_read_only_in_the_admin(author, moderator) -> None:
    illegal_comment(author, moderator)
    illegal_comment(author, moderator)
    step, _ = misuse_warn(subject=CONTENT, reader=author, moderator=moderator, reason="x")
    client = logged_in(moderator)
    listing = client.get("/admin/moderation/misusestep/")
    assert listing.status_code == 200
    assert "wiederholer" in listing.content.decode()
    change = client.get(f"/admin/moderation/misusestep/{step.pk}/change/")
    assert change.status_code == 200
    assert 'name="reason"' not in change.content.decode()
    assert client.post(f"/admin/moderation/misusestep/{step.pk}/change/", {"reason": "y"}).status_code == 403
    assert client.get(f"/admin/moderation/misusestep/{step.pk}/delete/").status_code == 403
    assert client.get("/admin/moderation/misusestep/add/").status_code == 403
    assert MisuseStep.objects.get().reason == "x"


def test_the_reader_page_shows_the_manifestly_illegal_count(author, moderator) -> None:
    illegal_comment(author, moderator)
    profile = ReaderProfile.objects.get_or_create(user=author)[0]
    html = logged_in(moderator).get(f"/admin/accounts/readerprofile/{profile.pk}/change/").content.decode()
    field = re.search(
        r'class="form-row field-manifestly_illegal">.*?<div class="readonly">(\d+)</div>', html, re.S
    )
    assert field is not None and field.group(1) == "1"


def test_the_index_links_the_misuse_page_for_moderators(moderator) -> None:
    html = logged_in(moderator).get("/admin/").content.decode()
    assert f'href="{PAGE}"' in html
