"""The reasons of audit entries are stored as written and shown in the admin's
language; what is not known is shown as it is."""

import pytest
from django.test import Client
from django.utils import translation

from moderation.admin.reasons import reason_text
from moderation.models import AuditEntry, SettingsAuditEntry
from tests.factories import CommentFactory, UserFactory


@pytest.mark.parametrize(
    ("stored", "german", "english"),
    [
        (
            "score 0.91 ≥ reject threshold 0.86",
            "Bewertung 0,91 ≥ Ablehnungsschwelle 0,86",
            "score 0.91 ≥ reject threshold 0.86",
        ),
        (
            "score 0.91 ≥ reject threshold 0.86, auto-reject off; new account",
            "Bewertung 0,91 ≥ Ablehnungsschwelle 0,86, automatische Ablehnung aus; neues Konto",
            "score 0.91 ≥ reject threshold 0.86, automatic rejection off; new account",
        ),
        ("score 0.12 < publish threshold 0.23", "Bewertung 0,12 < Veröffentlichungsschwelle 0,23", None),
        ("banned term 'arschloch'", "verbotener Begriff 'arschloch'", None),
        ('suspect term "d\'oh"', 'verdächtiger Begriff "d\'oh"', None),
        ("possible spam: 3 links", "möglicher Spam: 3 Links", None),
        ("possible spam: 1 links", "möglicher Spam: 1 Link", "possible spam: 1 link"),
        (
            "possible spam: 4 comments within a minute",
            "möglicher Spam: 4 Kommentare innerhalb einer Minute",
            None,
        ),
        ("possible spam: same text posted again", "möglicher Spam: derselbe Text noch einmal gepostet", None),
        ("reported 1 times", "1-mal gemeldet", "reported 1 time"),
        ("insult", "Beleidigung", None),
        ("approve", "freigeben", None),
        ("approve refused", "freigeben nicht möglich", None),
        ("undo", "rückgängig gemacht", "undone"),
        (
            "could not be scored in 5 attempts: OSError('disk')",
            "in 5 Versuchen nicht bewertbar: OSError('disk')",
            None,
        ),
        ("trained and activated", "trainiert und aktiviert", None),
        (
            "retrained and promoted: challenger not worse than champion: roc_auc 0.7412 ≥ 0.7301",
            "neu trainiert und übernommen: Herausforderer nicht schlechter als das aktive Modell: "
            "roc_auc 0.7412 ≥ 0.7301",
            None,
        ),
        (
            "retrained and promoted: no active model",
            "neu trainiert und übernommen: kein aktives Modell",
            None,
        ),
        (
            "thresholds for 12 % offensive comments (the site's mix, estimated 11.8 % "
            "from 340 scored comments)",
            "Schwellen für 12 % beleidigende Kommentare (die Mischung der Website, geschätzt 11,8 % aus "
            "340 bewerteten Kommentaren)",
            None,
        ),
        ("ein Grund, den niemand kennt", "ein Grund, den niemand kennt", None),
        ("", "", None),
    ],
)
def test_a_stored_reason_reads_in_the_admins_language(stored: str, german: str, english: str | None) -> None:
    with translation.override("de"):
        assert reason_text(stored) == german
    with translation.override("en"):
        assert reason_text(stored) == (stored if english is None else english)


@pytest.mark.django_db
def test_the_audit_log_shows_the_reasons_in_german() -> None:
    comment = CommentFactory()
    AuditEntry.objects.create(
        comment=comment,
        comment_revision=1,
        actor="model",
        from_status="pending",
        to_status="held",
        reason="score 0.50 between 0.23 and 0.86; new account",
        score=0.5,
    )
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    page = client.get("/admin/moderation/auditentry/").content.decode()
    assert "Bewertung 0,50 zwischen 0,23 und 0,86; neues Konto" in page
    assert "score 0.50 between" not in page


@pytest.mark.django_db
def test_the_settings_audit_log_shows_the_reasons_in_german() -> None:
    SettingsAuditEntry.objects.create(
        subject=SettingsAuditEntry.Subject.SITE_POLICY,
        changes={"publish_below": {"before": 0.23, "after": 0.1}},
        source=SettingsAuditEntry.Source.TASK,
        reason="thresholds for 20 % offensive comments (the site's mix, "
        "estimated 19.6 % from 1204 scored comments)",
    )
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    page = client.get("/admin/moderation/settingsauditentry/").content.decode()
    assert (
        "Schwellen für 20 % beleidigende Kommentare (die Mischung der Website, geschätzt 19,6 % aus 1204"
        in page
    )
    assert "offensive comments" not in page
