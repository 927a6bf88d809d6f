"""moderation.audit: each kind of audit entry has one writer, and an audited change of
the site policy and its entry commit together. (The active model's entries are in
test_lifecycle, the comments' and readers' in test_decisions and test_receivers.)"""

import os
import re
from pathlib import Path
from unittest import mock

import pytest
from django.forms.models import model_to_dict
from django.test import Client

import moderation
from moderation.models import SettingsAuditEntry, SitePolicy
from moderation.services import site_policy_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(moderation.__file__).resolve().parent.parent
# Making an entry of any kind: creating one through its manager or constructing one
# (to save it later), and writing the admin's own log by hand.
WRITE = re.compile(
    r"(?<!class )\b(?:Reader|Settings)?AuditEntry"
    r"(?:\.objects\.(?:create|bulk_create|get_or_create|update_or_create)\b|\()"
    r"|\bLogEntry\.objects\.log_actions?\b"
)


def project_writes() -> list[tuple[str, str]]:
    """Each place in the project's own source (not its tests) that makes an audit entry."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".") and name not in {"tests", "var"}
        )
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(folder, name)
                found += [
                    (path.relative_to(ROOT).as_posix(), match.group())
                    for match in WRITE.finditer(path.read_text(encoding="utf-8"))
                ]
    return found


def test_each_kind_of_audit_entry_is_written_in_one_place_only() -> None:
    assert project_writes() == [
        ("moderation/audit.py", "AuditEntry.objects.create"),
        # The machine's decisions on a batch of comments, in one INSERT.
        ("moderation/audit.py", "AuditEntry.objects.bulk_create"),
        ("moderation/audit.py", "AuditEntry("),
        ("moderation/audit.py", "ReaderAuditEntry.objects.create"),
        ("moderation/audit.py", "SettingsAuditEntry.objects.create"),
    ]


def test_changing_the_site_policy_audits_the_fields_that_changed() -> None:
    admin = UserFactory(username="chefin", is_staff=True, is_superuser=True)

    site_policy_update(
        source=SettingsAuditEntry.Source.ADMIN, user=admin, report_threshold=5, max_links=2, reason="Wahl"
    )

    entries = SettingsAuditEntry.objects.values_list(
        "subject", "source", "user__username", "changes", "reason"
    )
    assert list(entries) == [
        ("site_policy", "admin", "chefin", {"report_threshold": {"before": 3, "after": 5}}, "Wahl")
    ]


def test_setting_the_site_policy_to_what_it_is_writes_no_entry() -> None:
    site_policy_update(source=SettingsAuditEntry.Source.COMMAND, report_threshold=3, auto_reject=True)

    assert not SettingsAuditEntry.objects.exists()


def test_creating_the_missing_site_policy_audits_every_field_from_nothing() -> None:
    SitePolicy.objects.all().delete()

    site_policy_update(source=SettingsAuditEntry.Source.COMMAND, report_threshold=4)

    created = model_to_dict(SitePolicy(report_threshold=4), exclude=["id"])
    assert SettingsAuditEntry.objects.get().changes == {
        name: {"before": None, "after": value} for name, value in created.items()
    }


def test_when_the_audit_entry_cannot_be_written_the_policy_change_is_undone() -> None:
    with (
        mock.patch.object(SettingsAuditEntry.objects, "create", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        site_policy_update(source=SettingsAuditEntry.Source.COMMAND, report_threshold=5)

    assert SitePolicy.objects.get(pk=1).report_threshold == 3


def test_the_admin_form_audits_the_field_the_administrator_changed() -> None:
    browser = Client()
    browser.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    form = {
        key: value for key, value in model_to_dict(SitePolicy.objects.get(pk=1)).items() if value is not None
    }

    response = browser.post("/admin/moderation/sitepolicy/1/change/", {**form, "max_links": "4"})

    assert response.status_code == 302
    entries = SettingsAuditEntry.objects.values_list("source", "user__username", "changes")
    assert list(entries) == [("admin", "chefin", {"max_links": {"before": 2, "after": 4}})]


def test_the_site_policy_history_in_the_admin_is_its_audit_log() -> None:
    browser = Client()
    browser.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    site_policy_update(source=SettingsAuditEntry.Source.COMMAND, max_links=7)

    history = browser.get("/admin/moderation/sitepolicy/1/history/", follow=True)

    assert "max_links: 2 → 7" in history.content.decode()
