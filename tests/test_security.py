"""Staff accounts and the operator's view: login lockout, two-factor login, the
admin's address, metrics for internal scrapers only, structured logs, CORS, the
client's address behind proxies, and the Content-Security-Policy of every page."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.logs import JsonFormatter
from moderation.permissions import moderators_group
from tests.factories import CommentFactory, UserFactory, authenticator_for, current_code, wrong_code

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-test-password"  # UserFactory's


def test_api_logins_lock_after_repeated_failures(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="leserin")
    client = APIClient()
    wrong = {"username": "leserin", "password": "falsch"}
    assert [client.post("/api/auth/token/", wrong, format="json").status_code for _ in range(3)] == [
        400,
        400,
        429,
    ]
    locked = client.post("/api/auth/token/", {"username": "leserin", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert int(locked["Retry-After"]) == 15 * 60
    # The lock holds for this account from this address only.
    elsewhere = APIClient(REMOTE_ADDR="203.0.113.9")
    assert (
        elsewhere.post(
            "/api/auth/token/", {"username": "leserin", "password": PASSWORD}, format="json"
        ).status_code
        == 200
    )


def test_admin_logins_lock_after_repeated_failures(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="mod", is_staff=True)
    client = Client()
    for _ in range(3):
        client.post("/admin/login/", {"username": "mod", "password": "falsch"})
    locked = client.post("/admin/login/", {"username": "mod", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_with_an_authenticator_must_give_its_code() -> None:
    staff = UserFactory(username="mod", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client = Client()
    refused = client.post("/admin/login/?next=/admin/", {"username": "mod", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    accepted = client.post(
        "/admin/login/?next=/admin/",
        {"username": "mod", "password": PASSWORD, "otp_token": current_code(device)},
    )
    assert accepted.status_code == 302 and accepted["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_turns_nothing_on() -> None:
    staff = UserFactory(username="mod", is_staff=True)
    client = Client()
    client.force_login(staff)
    client.get("/admin/two-factor/")
    device = TOTPDevice.objects.get(user=staff)
    response = client.post("/admin/two-factor/", {"token": wrong_code(device)})
    assert "Dieser Code stimmt nicht" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_without_an_authenticator_the_password_is_enough_unless_required(settings) -> None:
    UserFactory(username="mod", is_staff=True, is_superuser=True)
    client = Client()
    client.post("/admin/login/", {"username": "mod", "password": PASSWORD})
    assert client.get("/admin/").status_code == 200
    settings.OTP_REQUIRED_FOR_STAFF = True
    assert client.get("/admin/").status_code == 302, "a session without a second factor no longer counts"


def test_staff_set_up_their_authenticator_themselves(settings) -> None:
    staff = UserFactory(username="mod", is_staff=True)
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/two-factor/")
    assert "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert client.post("/admin/two-factor/", {"token": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    settings.OTP_REQUIRED_FOR_STAFF = True
    assert client.get("/admin/").status_code == 200, "this session was verified with the new device"


def test_totp_enroll_gives_staff_a_fresh_device(capsys) -> None:
    staff = UserFactory(username="mod", is_staff=True)
    TOTPDevice.objects.create(user=staff, name="old", confirmed=True)
    call_command("totp_enroll", "mod", "--no-qr")
    assert "otpauth://totp/" in capsys.readouterr().out
    assert list(TOTPDevice.objects.filter(user=staff).values_list("name", "confirmed")) == [("app", True)]


def test_the_admin_can_live_at_another_address(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), "ADMIN_PATH": "redaktion"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.urls import reverse; print(reverse('admin:index'))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "/redaktion/"


def test_metrics_for_internal_scrapers(settings, active_model) -> None:
    CommentFactory.create_batch(2, status="published")
    CommentFactory(status="held")
    response = Client().get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'stammtisch_comments{status="published"} 2.0' in text
    assert 'stammtisch_comments{status="held"} 1.0' in text
    assert 'stammtisch_model_info{version="coldstart-test"} 1.0' in text
    assert "stammtisch_http_request_duration_seconds_bucket" in text
    assert "stammtisch_queue_depth" in text


def test_metrics_refuse_other_networks_unless_given_the_token(settings) -> None:
    outside = Client(REMOTE_ADDR="198.51.100.7")
    assert outside.get("/metrics").status_code == 403
    settings.METRICS_TOKEN = "geheimes-token"
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer falsch").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer geheimes-token").status_code == 200


def test_json_logs_are_one_object_per_line() -> None:
    record = logging.makeLogRecord(
        {
            "name": "moderation",
            "levelname": "INFO",
            "msg": "comment %s: %s",
            "args": (7, "published"),
            "comment_id": 7,
        }
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"], entry["comment_id"]) == (
        "INFO",
        "moderation",
        "comment 7: published",
        7,
    )


def test_cors_lets_configured_news_sites_call_the_api(settings, article) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://www.zeitung.example"]
    client = Client()
    url = f"/api/articles/{article.slug}/comments/"
    preflight = client.options(
        url,
        HTTP_ORIGIN="https://www.zeitung.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )
    assert preflight["Access-Control-Allow-Origin"] == "https://www.zeitung.example"
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    other = client.get(url, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other


def moderator_account() -> Any:
    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(moderators_group())
    return moderator


def token_client(otp: str) -> APIClient:
    """A client with the token that mod gets with the password and this code."""
    login = {"username": "mod", "password": PASSWORD, "otp": otp}
    client = APIClient()
    token = client.post("/api/auth/token/", login, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_with_two_factor_required_a_token_got_with_the_password_alone_does_not_reach_the_moderation_api(
    settings,
) -> None:
    moderator = moderator_account()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=moderator).key}")
    assert client.get("/api/moderation/queues/held/").status_code == 200
    settings.OTP_REQUIRED_FOR_STAFF = True
    assert client.get("/api/moderation/queues/held/").status_code == 403


def test_with_two_factor_required_a_token_got_with_the_code_reaches_the_moderation_api(settings) -> None:
    settings.OTP_REQUIRED_FOR_STAFF = True
    device = authenticator_for(moderator_account())
    assert token_client(current_code(device)).get("/api/moderation/queues/held/").status_code == 200


def test_a_new_authenticator_ends_what_tokens_got_with_the_old_one_may_do() -> None:
    device = authenticator_for(moderator_account())
    client = token_client(current_code(device))
    call_command("totp_enroll", "mod", "--no-qr")  # the phone was lost
    response = client.get("/api/moderation/queues/held/")
    assert (response.status_code, response.json()["code"]) == (403, "second_factor_needed")


def test_once_staff_have_an_authenticator_a_session_without_its_code_does_not_reach_the_moderation_api() -> (
    None
):
    moderator = moderator_account()
    client = Client()
    client.force_login(moderator)  # signed in before the app was set up
    authenticator_for(moderator)
    assert client.get("/api/moderation/queues/held/").status_code == 403


def test_a_session_signed_in_with_the_code_reaches_the_moderation_api() -> None:
    device = authenticator_for(moderator_account())
    client = Client()
    client.post("/admin/login/", {"username": "mod", "password": PASSWORD, "otp_token": current_code(device)})
    assert client.get("/api/moderation/queues/held/").status_code == 200


def test_lockouts_see_the_readers_address_behind_the_proxy(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    UserFactory(username="mod", is_staff=True)
    wrong = {"username": "mod", "password": "falsch"}
    attacker = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(2):
        attacker.post("/api/auth/token/", wrong, format="json")
    moderator = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    response = moderator.post("/api/auth/token/", {"username": "mod", "password": PASSWORD}, format="json")
    assert response.status_code == 200, "the proxy's address is not the attacker's"


def test_metrics_through_a_proxy_are_not_internal() -> None:
    assert Client(HTTP_X_FORWARDED_FOR="198.51.100.7").get("/metrics").status_code == 403


def test_health_tells_outsiders_only_yes_or_no(settings, redis_url, active_model) -> None:
    settings.REDIS_URL = redis_url
    outside = Client(REMOTE_ADDR="198.51.100.7").get("/api/health/").json()
    assert outside == {
        "ok": True,
        "checks": {"database": {"ok": True}, "broker": {"ok": True}, "model": {"ok": True}},
    }
    inside = Client().get("/api/health/").json()
    assert inside["checks"]["model"]["version"] == "coldstart-test" and "pending" in inside


def test_a_forged_forwarded_address_does_not_escape_the_lockout(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    UserFactory(username="mod", is_staff=True)
    wrong = {"username": "mod", "password": "falsch"}
    answers = [
        APIClient(REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .post("/api/auth/token/", wrong, format="json")
        .status_code
        for n in range(3)
    ]
    assert answers == [400, 429, 429]


@pytest.mark.parametrize(
    ("peer", "expected"),
    [
        # A client that is no proxy of ours forges the header: one address, throttled.
        ("198.51.100.66", [400, 400, 429]),
        # Behind our proxy: three readers, one try each.
        ("10.0.0.2", [400, 400, 400]),
    ],
    ids=["forged-header", "behind-the-proxy"],
)
def test_the_throttle_counts_the_address_the_trusted_proxies_vouch_for(
    settings, peer: str, expected: list[int]
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "2/min"}
    answers = [
        APIClient(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .post("/api/auth/token/", {"username": f"konto{n}", "password": "falsch"}, format="json")
        .status_code
        for n in range(3)
    ]
    assert answers == expected


def proxy_warnings() -> list[str]:
    return [
        message.id
        for message in run_checks(include_deployment_checks=True)
        if message.id == "stammtisch.W001"
    ]


def test_check_deploy_warns_of_a_proxy_count_without_proxy_networks(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = []
    assert proxy_warnings() == ["stammtisch.W001"]


def test_check_deploy_accepts_a_proxy_count_with_its_networks(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    assert proxy_warnings() == []


def test_logins_from_many_addresses_lock_the_account_itself(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 4
    UserFactory(username="mod", is_staff=True)
    wrong = {"username": "mod", "password": "falsch"}
    answers = [
        APIClient(REMOTE_ADDR=f"198.51.100.{n}").post("/api/auth/token/", wrong, format="json").status_code
        for n in range(1, 5)
    ]
    assert answers == [400, 400, 400, 429]
    right = {"username": "mod", "password": PASSWORD}
    response = APIClient(REMOTE_ADDR="203.0.113.9").post("/api/auth/token/", right, format="json")
    assert response.status_code == 429


def test_admin_logins_from_many_addresses_lock_the_account_itself(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 4
    UserFactory(username="mod", is_staff=True)
    for n in range(1, 5):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post("/admin/login/", {"username": "mod", "password": "falsch"})
    moderator = Client(REMOTE_ADDR="203.0.113.9")
    response = moderator.post("/admin/login/", {"username": "mod", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in moderator.session


def test_the_admin_login_form_is_throttled_per_address(settings) -> None:
    settings.THROTTLE_ENABLED = True
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "3/min"}
    client = Client(REMOTE_ADDR="198.51.100.7")
    answers = [
        client.post("/admin/login/", {"username": f"konto{n}", "password": "falsch"}) for n in range(4)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.post("/admin/login/", {"username": "konto", "password": "falsch"}).status_code == 200


def test_the_api_docs_load_only_files_of_this_site() -> None:
    page = Client().get("/api/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(urls) == 5, "favicon, stylesheet, Swagger UI's two scripts and ours"
    assert [url for url in urls if not url.startswith("/") or url.startswith("//")] == []


def test_the_api_docs_files_are_served() -> None:
    client = Client()
    urls = re.findall(r'(?:src|href)="([^"]+)"', client.get("/api/docs/").content.decode())
    assert {url: client.get(url.replace("&amp;", "&")).status_code for url in urls} == dict.fromkeys(
        urls, 200
    )


def policy_of(response: HttpResponse) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: values for name, *values in directives}


def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="mod", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "signed_in"),
    [
        ("/admin/login/", False),
        ("/admin/", True),
        ("/admin/moderation/statistics/", True),
        ("/articles/{slug}/", False),
        ("/api/docs/", False),
        ("/api/articles/", False),
        ("/api/articles/{slug}/comments/", False),
    ],
)
def test_every_kind_of_page_runs_scripts_of_this_site_only(url: str, signed_in: bool, article) -> None:
    client = staff_client() if signed_in else Client()
    response = client.get(url.format(slug=article.slug))
    assert response.status_code == 200
    assert policy_of(response)["script-src"] == ["'self'"]


def test_the_policy_forbids_plugins_foreign_bases_and_forms_and_framing(article) -> None:
    policy = policy_of(Client().get(f"/articles/{article.slug}/"))
    assert {name: policy[name] for name in ("object-src", "base-uri", "form-action", "frame-ancestors")} == {
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
