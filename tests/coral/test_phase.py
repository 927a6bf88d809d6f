"""Coral Talk's external moderation phase, called as Coral calls it (tests/coral/coral.py):
signed with one or two secrets, the answer in Coral's shape for each verdict of the
site policy, every refusal a quick JSON error, and every decision recorded."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from moderation.coral.services import plain_text
from moderation.coral.signatures import secret_create
from moderation.models import CoralDecision, ModelVersion, SitePolicy
from tests.coral.coral import (
    INSULT,
    KIND,
    NEW_COMMENT,
    NEW_REPLY,
    coral_body,
    coral_signature,
    post,
    post_raw,
    request_with,
)

pytestmark = pytest.mark.django_db

SECRET = "empsec_" + "0123456789abcdef" * 4
OLD_SECRET = "empsec_" + "fedcba9876543210" * 4


@pytest.fixture
def secret(active_model) -> str:
    secret_create(name="Coral, Phase Stammtisch", secret=SECRET)
    return SECRET


def thresholds(publish_below: float, reject_above: float, auto_reject: bool = True) -> None:
    SitePolicy.objects.update_or_create(
        pk=1,
        defaults={"publish_below": publish_below, "reject_above": reject_above, "auto_reject": auto_reject},
    )


# --- Each verdict ------------------------------------------------------------------


def test_a_harmless_comment_gets_no_opinion_so_corals_own_premoderation_still_applies(secret: str) -> None:
    thresholds(0.9, 0.95)

    response = post(request_with(KIND), secret)

    assert response.status_code == 204
    assert response.content == b""
    record = CoralDecision.objects.get()
    assert (record.verdict, record.status) == ("published", "")
    assert record.score is not None and record.score < 0.9


def test_a_harmless_comment_is_approved_when_the_site_wants_it(secret: str, settings) -> None:
    settings.CORAL_APPROVE_LOW_SCORES = True
    thresholds(0.9, 0.95)

    response = post(request_with(KIND), secret)

    assert response.status_code == 200
    assert response.json() == {"status": "APPROVED", "actions": [], "tags": []}
    assert CoralDecision.objects.get().status == "APPROVED"


def test_an_insult_above_the_reject_threshold_is_rejected_with_a_flag_and_a_reason(secret: str) -> None:
    thresholds(0.05, 0.5)

    response = post(request_with(INSULT), secret)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "REJECTED"
    assert answer["actions"] == [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]
    assert answer["tags"] == []
    action = answer["moderationAction"]
    assert action["status"] == "REJECTED"
    assert action["rejectionReason"]["code"] == "OFFENSIVE"  # one of Coral's REJECTION_REASON_CODE
    assert "coldstart-test" in action["rejectionReason"]["detailedExplanation"]
    record = CoralDecision.objects.get()
    assert (record.verdict, record.status) == ("rejected", "REJECTED")
    assert record.score >= 0.5
    assert "reject threshold 0.50" in record.reason


def test_the_uncertain_band_is_withheld_and_flagged_as_corals_own_toxicity_filter_does(secret: str) -> None:
    thresholds(0.0, 1.0)

    response = post(request_with(KIND), secret)

    assert response.status_code == 200
    assert response.json() == {
        "status": "SYSTEM_WITHHELD",
        "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}],
        "tags": [],
    }
    assert CoralDecision.objects.get().verdict == "held"


def test_the_uncertain_band_can_go_to_corals_premoderation_queue(secret: str, settings) -> None:
    settings.CORAL_HOLD_STATUS = "PREMOD"
    thresholds(0.0, 1.0)

    assert post(request_with(KIND), secret).json()["status"] == "PREMOD"


def test_without_auto_reject_a_high_score_is_held_not_rejected(secret: str) -> None:
    thresholds(0.05, 0.5, auto_reject=False)

    answer = post(request_with(INSULT), secret).json()

    assert answer["status"] == "SYSTEM_WITHHELD"
    assert "moderationAction" not in answer
    assert "auto-reject off" in CoralDecision.objects.get().reason


def test_the_verdict_follows_the_configured_thresholds_when_the_site_policy_sets_none(
    secret: str, settings
) -> None:
    SitePolicy.objects.update_or_create(pk=1, defaults={"publish_below": None, "reject_above": None})
    settings.MODERATION_PUBLISH_BELOW, settings.MODERATION_REJECT_ABOVE = 0.0, 1.0
    settings.MODERATION_THRESHOLDS_FROM_ENV = {
        "MODERATION_PUBLISH_BELOW": True,
        "MODERATION_REJECT_ABOVE": True,
    }

    assert post(request_with(KIND), secret).json()["status"] == "SYSTEM_WITHHELD"


def test_an_edit_is_scored_and_recorded_as_an_edit(secret: str) -> None:
    thresholds(0.05, 0.5)

    response = post(request_with(INSULT, action="EDIT"), secret)

    assert response.json()["status"] == "REJECTED"
    assert CoralDecision.objects.get().action == "EDIT"


def test_an_html_body_is_scored_on_its_text(secret: str) -> None:
    thresholds(0.05, 0.5)
    html = "<p>Du bist ein <b>dummer</b> Idiot<br>und ein <i>Vollpfosten</i>.</p>"

    post(request_with(INSULT), secret)
    post(request_with(html), secret)

    plain, marked = CoralDecision.objects.order_by("pk")
    assert marked.status == "REJECTED"
    # Tags, not words: the same text scores (nearly) the same, markup or not.
    assert marked.score == pytest.approx(plain.score, abs=0.1)


# --- Authors and bodies left to Coral -----------------------------------------------


@pytest.mark.parametrize("role", ["STAFF", "MODERATOR", "ADMIN"])
def test_the_newsrooms_own_people_are_left_to_coral(secret: str, role: str) -> None:
    thresholds(0.05, 0.5)

    response = post(request_with(INSULT, role=role), secret)

    assert response.status_code == 204
    record = CoralDecision.objects.get()
    assert (record.verdict, record.status, record.score, record.author_role) == ("unscored", "", None, role)


def test_members_are_scored_like_commenters(secret: str) -> None:
    thresholds(0.05, 0.5)

    assert post(request_with(INSULT, role="MEMBER"), secret).json()["status"] == "REJECTED"


def test_a_comment_without_text_gets_no_opinion(secret: str) -> None:
    response = post(request_with("<p><br></p>"), secret)

    assert response.status_code == 204
    assert CoralDecision.objects.get().reason == "no text to score"


# --- The record ----------------------------------------------------------------------


def test_the_record_holds_corals_ids_the_model_and_the_verdict_but_not_the_text(
    secret: str, active_model: ModelVersion
) -> None:
    thresholds(0.05, 0.5)

    post(request_with(INSULT, reply=True), secret)

    record = CoralDecision.objects.get()
    assert record.action == "NEW"
    assert record.tenant_id == NEW_REPLY["tenantID"]
    assert record.tenant_domain == "localhost"
    assert record.site_id == NEW_REPLY["site"]["id"]
    assert record.story_id == NEW_REPLY["story"]["id"]
    assert record.story_url == NEW_REPLY["story"]["url"]
    assert record.author_id == NEW_REPLY["author"]["id"]
    assert record.parent_id == NEW_REPLY["comment"]["parentID"]
    assert record.model_version == active_model
    assert record.secret is not None and record.secret.secret == SECRET
    assert record.text == ""


def test_the_text_is_kept_only_when_the_site_allows_it(secret: str, settings) -> None:
    settings.CORAL_STORE_TEXT = True

    post(request_with(INSULT), secret)

    assert CoralDecision.objects.get().text == INSULT


def test_a_top_level_comment_has_no_parent(secret: str) -> None:
    post(NEW_COMMENT, secret)

    assert CoralDecision.objects.get().parent_id == ""


# --- Signatures ------------------------------------------------------------------------


def test_the_documented_example_signed_as_coral_signs_it_is_accepted(secret: str) -> None:
    body = coral_body(NEW_COMMENT)
    assert body.startswith(b'{\n  "action": "NEW",\n  "comment": {\n    "body"')  # pretty-printed

    assert post_raw(body, coral_signature(body, secret)).status_code in (200, 204)


def test_umlauts_are_signed_as_the_raw_utf8_bytes(secret: str) -> None:
    body = coral_body(request_with("Schöne Grüße aus Köln – danke für den Artikel!"))
    assert "ö".encode() in body

    assert post_raw(body, coral_signature(body, secret)).status_code in (200, 204)


def test_during_rotation_coral_signs_with_both_secrets_and_either_one_here_is_enough(active_model) -> None:
    old = secret_create(name="alt", secret=OLD_SECRET)

    assert post(NEW_COMMENT, OLD_SECRET, SECRET).status_code in (200, 204)  # only the old one here
    old.is_active = False
    old.save()
    secret_create(name="neu", secret=SECRET)

    assert post(NEW_COMMENT, OLD_SECRET, SECRET).status_code in (200, 204)  # only the new one here
    assert post(NEW_COMMENT, OLD_SECRET).status_code == 403  # the old one is off


def test_a_rotated_secret_past_its_expiry_is_refused(active_model) -> None:
    secret_create(name="alt", secret=OLD_SECRET, expires_at=timezone.now() - timedelta(seconds=1))
    secret_create(name="neu", secret=SECRET, expires_at=timezone.now() + timedelta(hours=1))

    assert post(NEW_COMMENT, OLD_SECRET).json()["code"] == "signature_invalid"
    assert post(NEW_COMMENT, SECRET).status_code in (200, 204)


def test_a_tampered_body_is_refused_and_nothing_recorded(secret: str) -> None:
    signed = coral_body(request_with(KIND))
    tampered = signed.replace(b"COMMENTER", b"STAFF")

    response = post_raw(tampered, coral_signature(signed, secret))

    assert response.status_code == 403
    assert response.json()["code"] == "signature_invalid"
    assert not CoralDecision.objects.exists()


def test_the_same_data_compacted_is_not_what_coral_signed(secret: str) -> None:
    signed = coral_body(NEW_COMMENT)
    compact = b'{"action":"NEW"' + signed[len(b'{\n  "action": "NEW"') :]

    assert post_raw(compact, coral_signature(signed, secret)).status_code == 403


def test_a_secret_unknown_here_is_refused(secret: str) -> None:
    response = post(NEW_COMMENT, "empsec_" + "ab" * 32)

    assert response.status_code == 403
    assert response.json()["code"] == "signature_invalid"


@pytest.mark.parametrize("header", [None, "", "sha1=abc", "sha256=", "ü" * 10])
def test_an_unsigned_request_is_refused(secret: str, header: str | None) -> None:
    response = post_raw(coral_body(NEW_COMMENT), header)

    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("signature_missing", "signature_invalid")
    assert not CoralDecision.objects.exists()


def test_no_signature_at_all_is_401(secret: str) -> None:
    response = post_raw(coral_body(NEW_COMMENT), None)

    assert response.status_code == 401
    assert "X-Coral-Signature" in response.json()["detail"]  # named in any language


def test_without_an_active_secret_every_request_is_refused(active_model) -> None:
    row = secret_create(name="aus", secret=SECRET)
    row.is_active = False
    row.save()

    response = post(NEW_COMMENT, SECRET)

    assert response.status_code == 403
    assert response.json()["code"] == "no_active_secret"


def test_the_secrets_last_use_is_noted(secret: str) -> None:
    post(NEW_COMMENT, secret)

    assert CoralDecision.objects.get().secret.last_used_at is not None


# --- Bad input ---------------------------------------------------------------------------


def _signed(body: bytes) -> tuple[bytes, str]:
    return body, coral_signature(body, SECRET)


def test_malformed_json_is_a_400(secret: str) -> None:
    response = post_raw(*_signed(b'{"action": "NEW",'))

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        (("action",), {"action"}),
        (("comment", "body"), {"comment": {"body"}}),
        (("author", "role"), {"author": {"role"}}),
        (("story", "id"), {"story": {"id"}}),
        (("site",), {"site"}),
        (("tenantID",), {"tenantID"}),
    ],
)
def test_a_missing_field_is_a_400_naming_it(secret: str, remove: tuple[str, ...], expected: object) -> None:
    data = request_with(KIND)
    container = data
    for key in remove[:-1]:
        container = container[key]
    del container[remove[-1]]

    response = post(data, secret)

    assert response.status_code == 400
    errors = response.json()
    named = {key: set(value) for key, value in errors.items()} if isinstance(expected, dict) else set(errors)
    assert named == expected
    assert not CoralDecision.objects.exists()


def test_an_unknown_action_is_a_400_naming_it(secret: str) -> None:
    response = post(request_with(KIND, action="DELETE"), secret)

    assert response.status_code == 400
    assert set(response.json()) == {"action"}


def test_a_body_that_is_not_an_object_is_a_400(secret: str) -> None:
    response = post(["NEW"], secret)

    assert response.status_code == 400


def test_an_unpaired_surrogate_is_a_400(secret: str) -> None:
    response = post_raw(*_signed(coral_body(NEW_COMMENT).replace(b"Here's", b"\\ud800")))

    assert response.status_code == 400


def test_without_a_model_the_answer_is_a_clear_503_which_coral_skips(secret: str, active_model) -> None:
    ModelVersion.objects.update(is_active=False)

    response = post(request_with(KIND), secret)

    assert response.status_code == 503
    assert response.json()["code"] == "no_model"
    assert not CoralDecision.objects.exists()


def test_only_post_is_answered(secret: str, client) -> None:
    assert client.get("/api/coral/phase/").status_code == 405


def test_a_body_that_is_not_json_is_a_415(secret: str) -> None:
    body = b"action=NEW"
    response = Client().post(
        "/api/coral/phase/",
        body,
        content_type="text/plain",
        HTTP_X_CORAL_SIGNATURE=coral_signature(body, SECRET),
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_body_over_the_limit_is_a_413(secret: str, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = coral_body(request_with("Sehr lang. " * 400))

    response = post_raw(body, coral_signature(body, SECRET))

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("<p>Erste Zeile<br>zweite Zeile</p><p>Absatz</p>", "Erste Zeile\nzweite Zeile\nAbsatz"),
        ('<p>Siehe <a href="https://example.org">hier</a> &amp; dort</p>', "Siehe hier & dort"),
        ("<blockquote>Zitat</blockquote>Antwort", "Zitat\nAntwort"),
        ("Wenn a < b und b > c, dann …", "Wenn a < b und b > c, dann …"),
        ("Ganz ohne Markup &amp; so", "Ganz ohne Markup &amp; so"),
    ],
)
def test_the_text_of_corals_html_format(body: str, text: str) -> None:
    assert plain_text(body) == text
