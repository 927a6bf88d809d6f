"""config.env: settings read from the environment fail loudly on bad values."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_choice, env_networks, env_rate


@pytest.mark.parametrize("value", ["10/min", "1/s", "100/hour", "5000/day", "3/second"])
def test_rates_drf_understands(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("THROTTLE_RATE_X", value)
    assert env_rate("THROTTLE_RATE_X", "1/min") == value


@pytest.mark.parametrize("value", ["10", "ten/min", "10/week", "10 / min", "-1/min"])
def test_bad_rates_name_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("THROTTLE_RATE_X", value)
    with pytest.raises(ImproperlyConfigured, match="THROTTLE_RATE_X"):
        env_rate("THROTTLE_RATE_X", "1/min")


def test_unset_rate_takes_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THROTTLE_RATE_X", raising=False)
    assert env_rate("THROTTLE_RATE_X", "7/hour") == "7/hour"


def test_choice_must_be_one_of_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMENT_MODE", "sometimes")
    with pytest.raises(ImproperlyConfigured, match="COMMENT_MODE='sometimes' must be one of post, pre, off"):
        env_choice("COMMENT_MODE", "post", ["post", "pre", "off"])
    monkeypatch.setenv("COMMENT_MODE", "pre")
    assert env_choice("COMMENT_MODE", "post", ["post", "pre", "off"]) == "pre"


def test_networks_are_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXY_NETWORKS", "10.0.0.0/8, 172.16.0.0/33")
    with pytest.raises(ImproperlyConfigured, match=re.escape("TRUSTED_PROXY_NETWORKS: '172.16.0.0/33'")):
        env_networks("TRUSTED_PROXY_NETWORKS", [])
