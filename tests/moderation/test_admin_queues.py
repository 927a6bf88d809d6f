"""The moderators' workplace in the admin, as a moderator uses it."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from discussion.models import Comment, Report
from moderation.models import AuditEntry, ModelVersion, ReaderAuditEntry, SettingsAuditEntry, SitePolicy
from moderation.permissions import moderators_group
from moderation.services import site_policy_update
from tests.factories import CommentFactory, UserFactory, model_with_site_mix_measures, scored_by_model

pytestmark = pytest.mark.django_db

HELD = "/admin/moderation/heldcomment/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def moderator() -> User:
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(moderators_group())
    return user


@pytest.fixture
def moderator_client(moderator: User) -> Client:
    return logged_in(moderator)


def held_with_assessment(body: str, score: float, **fields: Any) -> Comment:
    comment = CommentFactory(status=Comment.Status.HELD, score=score, body=body, **fields)
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=comment.revision,
        actor="model",
        from_status="pending",
        to_status="held",
        reason="grey zone",
        score=score,
        details={
            "explanation": [{"feature": "vollpfosten", "kind": "word", "weight": 1.7}],
            "rules": [f"score {score:.2f} between 0.35 and 0.85", "suspect term 'Vollpfosten'"],
            "word_hits": [],
        },
    )
    return comment


def test_the_index_shows_every_queue_with_its_count(moderator_client: Client) -> None:
    CommentFactory.create_batch(2, status=Comment.Status.HELD)
    CommentFactory(status=Comment.Status.PENDING, status_changed_at=timezone.now() - timedelta(minutes=5))
    CommentFactory(status=Comment.Status.PENDING)  # fresh: the pipeline is working on it
    page = moderator_client.get("/admin/").content.decode()
    assert "Zurückgehaltene Kommentare (2)" in page
    assert "Gemeldete Kommentare (0)" in page
    assert "Wartende Kommentare (hängen) (1)" in page
    assert "Statistik" in page


def test_the_held_queue_shows_why_and_in_priority_order(
    moderator_client: Client, django_assert_max_num_queries
) -> None:
    mild = held_with_assessment("Na ja, geht so.", 0.4)
    harsh = held_with_assessment("Du Vollpfosten hast keine Ahnung.", 0.8)
    for _ in range(20):
        held_with_assessment("Noch einer.", 0.5)
    with django_assert_max_num_queries(20):
        response = moderator_client.get(HELD)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(f"#{harsh.pk} ·") < page.index(f"#{mild.pk} ·")
    assert '<mark class="weight" title="model: +1.70">Vollpfosten</mark>' in page
    # The rules as stored ("score 0.80 between 0.35 and 0.85"), in the admin's language.
    assert "verdächtiger Begriff &#x27;Vollpfosten&#x27;" in page
    assert "Bewertung 0,80 zwischen 0,35 und 0,85" in page
    assert "0 freigegeben · 0 abgelehnt" in page
    assert 'style="width:80%"' in page


def test_a_reported_comment_is_in_its_own_queue_with_the_reasons(moderator_client: Client) -> None:
    site_policy_update(source=SettingsAuditEntry.Source.ADMIN, report_threshold=2)
    comment = CommentFactory(status=Comment.Status.HELD, report_count=2)
    for reason in ("spam", "spam"):
        Report.objects.create(comment=comment, reporter=UserFactory(), reason=reason, comment_revision=1)
    assert f"#{comment.pk} ·" not in moderator_client.get(HELD).content.decode()
    page = moderator_client.get("/admin/moderation/reportedcomment/").content.decode()
    assert f"#{comment.pk} ·" in page
    assert "2 × Spam" in page


def test_user_text_is_escaped_in_the_queue(moderator_client: Client) -> None:
    held_with_assessment('<script>alert("x")</script> Vollpfosten', 0.6)
    page = moderator_client.get(HELD).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_one_click_approve_from_the_queue(moderator_client: Client, moderator) -> None:
    comment = held_with_assessment("Vollpfosten? Nein, nur ein Scherz.", 0.5)
    response = moderator_client.post(
        f"{HELD}{comment.pk}/decide/?expected_status=held&revision=1&next={HELD}", {"decision": "approve"}
    )
    assert response.status_code == 302 and response["Location"] == HELD
    comment.refresh_from_db()
    assert comment.status == "published"
    assert AuditEntry.objects.filter(comment=comment, moderator=moderator, to_status="published").exists()


def test_the_queue_offers_other_as_the_reason_to_reject(moderator_client: Client) -> None:
    comment = held_with_assessment("Vollpfosten? Nein, nur ein Scherz.", 0.5)
    page = moderator_client.get(HELD).content.decode()
    select = re.search(rf'<select name="reason_{comment.pk}".*?</select>', page, re.DOTALL)
    assert select is not None
    assert re.findall(r'<option value="(\w+)" selected>', select.group()) == ["other"]


def test_one_click_reject_without_a_chosen_reason_records_other(moderator_client: Client) -> None:
    comment = held_with_assessment("Kauft meine Uhren!", 0.5)
    moderator_client.post(
        f"{HELD}{comment.pk}/decide/?expected_status=held&revision=1", {"decision": "reject"}
    )
    comment.refresh_from_db()
    assert comment.status == "rejected"
    assert AuditEntry.objects.get(comment=comment, actor="moderator").reason == "other"


def test_approving_from_the_queue_without_the_revision_seen_changes_nothing(moderator_client: Client) -> None:
    comment = held_with_assessment("Vollpfosten? Nein, nur ein Scherz.", 0.5)
    response = moderator_client.post(
        f"{HELD}{comment.pk}/decide/?expected_status=held&next={HELD}", {"decision": "approve"}, follow=True
    )
    assert "Geben Sie die Fassung des Textes an, die Sie freigeben." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "held"


def test_bulk_reject_with_a_reason(moderator_client: Client) -> None:
    comments = [held_with_assessment(f"Kommentar {n}", 0.6) for n in range(3)]
    keep = held_with_assessment("bleibt", 0.6)
    response = moderator_client.post(
        HELD, {"action": "reject_insult", "_selected_action": [c.pk for c in comments]}, follow=True
    )
    assert "ablehnen: 3 kommentare" in response.content.decode().lower()
    assert set(Comment.objects.filter(pk__in=[c.pk for c in comments]).values_list("status", flat=True)) == {
        "rejected"
    }
    assert AuditEntry.objects.filter(actor="moderator", reason="insult").count() == 3
    keep.refresh_from_db()
    assert keep.status == "held"


def test_moderators_cannot_edit_text_or_audit_entries(moderator_client: Client) -> None:
    comment = held_with_assessment("Originaltext", 0.5)
    response = moderator_client.post(f"{HELD}{comment.pk}/change/", {"body": "geändert"})
    assert response.status_code == 403
    entry = AuditEntry.objects.get(comment=comment)
    assert (
        moderator_client.post(f"/admin/moderation/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert moderator_client.get(f"/admin/discussion/comment/{comment.pk}/change/").status_code == 200
    comment.refresh_from_db()
    assert comment.body == "Originaltext"
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_reader_cannot_enter_the_workplace(reader) -> None:
    client = logged_in(reader)
    assert client.get(HELD).status_code == 302  # to the login page
    comment = CommentFactory(status=Comment.Status.HELD)
    client.post(f"{HELD}{comment.pk}/decide/", {"decision": "approve"})
    comment.refresh_from_db()
    assert comment.status == "held"


def test_staff_without_the_moderator_group_cannot_decide() -> None:
    client = logged_in(UserFactory(is_staff=True))
    comment = CommentFactory(status=Comment.Status.HELD)
    assert client.post(f"{HELD}{comment.pk}/decide/", {"decision": "approve"}).status_code == 403
    comment.refresh_from_db()
    assert comment.status == "held"


def test_restricting_a_reader_from_the_admin(moderator_client: Client, reader) -> None:
    from accounts.services import reader_profile_get_or_create

    profile = reader_profile_get_or_create(user=reader)
    until = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    response = moderator_client.post(
        "/admin/accounts/readerprofile/",
        {
            "action": "restrict",
            "_selected_action": [profile.pk],
            "apply": "1",
            "restriction": "suspend",
            "until": until,
            "reason": "Beleidigungen",
        },
        follow=True,
    )
    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.suspension_reason == "Beleidigungen" and profile.suspended_until is not None
    assert "suspend: 1 readers" in response.content.decode().lower()
    assert ReaderAuditEntry.objects.get(reader=reader).reason == "Beleidigungen"


def test_a_moderator_may_not_restrict_staff_accounts_from_the_admin(moderator_client: Client, reader) -> None:
    from accounts.services import reader_profile_get_or_create

    administrator = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    profiles = [reader_profile_get_or_create(user=user) for user in (reader, administrator)]
    response = moderator_client.post(
        "/admin/accounts/readerprofile/",
        {
            "action": "restrict",
            "_selected_action": [profile.pk for profile in profiles],
            "apply": "1",
            "restriction": "ban",
            "reason": "Beleidigungen",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Chefin: Nur ein Administrator" in response.content.decode()
    assert list(ReaderAuditEntry.objects.values_list("reader__username", flat=True)) == ["leserin"]


def test_restricting_needs_a_reason_and_a_date(moderator_client: Client, reader) -> None:
    from accounts.services import reader_profile_get_or_create

    profile = reader_profile_get_or_create(user=reader)
    response = moderator_client.post(
        "/admin/accounts/readerprofile/",
        {"action": "restrict", "_selected_action": [profile.pk], "apply": "1", "restriction": "suspend"},
    )
    assert "Eine Sperre braucht ein Enddatum." in response.content.decode()
    profile.refresh_from_db()
    assert profile.suspended_until is None


def test_the_statistics_page_draws_its_charts(moderator_client: Client) -> None:
    for status, actor in [
        ("published", "model"),
        ("rejected", "model"),
        ("held", "model"),
        ("published", "moderator"),
    ]:
        comment = CommentFactory(status=status, score=0.5)
        AuditEntry.objects.create(
            comment=comment,
            comment_revision=1,
            actor=actor,
            from_status="pending" if actor == "model" else "held",
            to_status=status,
            reason="x",
        )
    response = moderator_client.get("/admin/moderation/statistics/?days=7")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<figure class="chart">') == 4
    assert "Kommentare pro Tag, nach Ergebnis" in page
    assert re.search(r"Ohne Menschen entschieden:\s*<strong>67 %</strong>", page)
    assert "Zurückgehaltene am Ende jedes Tages" in page


def test_statistics_need_the_audit_permission(reader) -> None:
    assert logged_in(UserFactory(is_staff=True)).get("/admin/moderation/statistics/").status_code == 403


def test_bulk_decisions_skip_comments_edited_since_the_page_was_shown(moderator_client: Client) -> None:
    seen = held_with_assessment("gesehen", 0.6)
    edited = held_with_assessment("vorher", 0.6)
    Comment.objects.filter(pk=edited.pk).update(revision=2, body="nachher, ungelesen")
    response = moderator_client.post(
        HELD,
        {
            "action": "approve_selected",
            "_selected_action": [seen.pk, edited.pk],
            f"revision_{seen.pk}": "1",
            f"revision_{edited.pk}": "1",
        },
        follow=True,
    )
    assert "1 schon entschieden" in response.content.decode()
    assert Comment.objects.get(pk=seen.pk).status == "published"
    assert Comment.objects.get(pk=edited.pk).status == "held"


def test_a_suspension_must_end_in_the_future(moderator_client: Client, reader) -> None:
    from accounts.services import reader_profile_get_or_create

    profile = reader_profile_get_or_create(user=reader)
    response = moderator_client.post(
        "/admin/accounts/readerprofile/",
        {
            "action": "restrict",
            "_selected_action": [profile.pk],
            "apply": "1",
            "restriction": "suspend",
            "until": "2001-01-01 10:00",
            "reason": "alt",
        },
    )
    assert "Eine Sperre muss in der Zukunft enden." in response.content.decode()


# --- the site's mix ---------------------------------------------------------


@pytest.fixture
def model_with_mix_measures() -> ModelVersion:
    return model_with_site_mix_measures()


def test_the_statistics_estimate_the_sites_mix_and_recommend_thresholds(
    moderator_client: Client, model_with_mix_measures: ModelVersion
) -> None:
    # 15 % flagged = 80 % of the offensive and 5 % of the acceptable: 13.3 % offensive
    scored_by_model(model_with_mix_measures, [0.9] * 45 + [0.1] * 255)
    page = moderator_client.get("/admin/moderation/statistics/").content.decode()
    assert re.search(
        r"Von den 300 Kommentaren, die das aktive Modell \(mix-model\) bewertet hat, "
        r"sind etwa\s*<strong>13 %</strong>",
        page,
    )
    assert "empfohlen für 13 % anstößige" in page
    assert "<td>0,37</td>" in page  # publish below, for 13 % (numbers as the admin's language writes them)
    assert "keine (95 % Präzision lassen sich bei dieser Mischung nicht zeigen)" in page
    assert "<td>0,03</td><td>0,94</td>" in page  # the thresholds now
    assert "use_site_mix" not in page  # moderators see it, administrators set it


def test_an_administrator_sets_the_thresholds_for_the_sites_mix(
    model_with_mix_measures: ModelVersion,
) -> None:
    scored_by_model(model_with_mix_measures, [0.9] * 100 + [0.1] * 200)  # 33 % flagged: 38 % offensive
    admin = logged_in(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    assert "use_site_mix" in admin.get("/admin/moderation/statistics/").content.decode()

    response = admin.post("/admin/moderation/statistics/", {"action": "use_site_mix", "days": "7"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/moderation/statistics/?days=7#site-mix"
    policy = SitePolicy.objects.get()
    assert (policy.publish_below, policy.reject_above) == (0.12, 0.99)
    entry = SettingsAuditEntry.objects.get()
    assert (entry.user.username, entry.changes) == (
        "chefin",
        {"publish_below": {"before": None, "after": 0.12}, "reject_above": {"before": None, "after": 0.99}},
    )
    assert "38 % offensive" in entry.reason
    page = admin.get("/admin/moderation/statistics/?days=7").content.decode()
    assert "<td>0,12</td><td>0,99</td>" in page


def test_moderators_may_not_set_the_thresholds(moderator_client: Client, model_with_mix_measures) -> None:
    scored_by_model(model_with_mix_measures, [0.1] * 300)
    response = moderator_client.post("/admin/moderation/statistics/", {"action": "use_site_mix"})
    assert response.status_code == 403
    assert not SitePolicy.objects.filter(publish_below__isnull=False).exists()


def test_too_few_scored_comments_estimate_nothing(model_with_mix_measures: ModelVersion) -> None:
    scored_by_model(model_with_mix_measures, [0.9] * 20 + [0.1] * 100)
    admin = logged_in(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    page = admin.get("/admin/moderation/statistics/").content.decode()
    assert "hat in diesen Tagen 120 Kommentare bewertet; 200 sind nötig" in page
    response = admin.post("/admin/moderation/statistics/", {"action": "use_site_mix"}, follow=True)
    assert "Zu wenige bewertete Kommentare" in response.content.decode()
    assert not SitePolicy.objects.filter(publish_below__isnull=False).exists()
