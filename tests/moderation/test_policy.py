from typing import Any

import pytest

from moderation.policy.policy import Facts, PolicyConfig, Thresholds, Verdict, decide_with_rules

CONFIG = PolicyConfig(thresholds=Thresholds(publish_below=0.3, reject_above=0.9))


def verdict(config: PolicyConfig = CONFIG, **facts: Any) -> Verdict:
    return decide_with_rules(Facts(**{"score": 0.1, **facts}), config)


@pytest.mark.parametrize(("score", "status"), [(0.1, "published"), (0.5, "held"), (0.95, "rejected")])
def test_score_alone(score: float, status: str) -> None:
    assert verdict(score=score).status == status


def test_auto_reject_off_holds_what_would_be_rejected() -> None:
    result = verdict(PolicyConfig(thresholds=CONFIG.thresholds, auto_reject=False), score=0.95)
    assert result.status == "held"
    assert "auto-reject off" in result.reason


def test_banned_term_rejects_even_a_low_score() -> None:
    result = verdict(banned_terms=("arschloch",))
    assert (result.status, result.rules) == ("rejected", ("banned term 'arschloch'",))


def test_banned_term_only_holds_when_auto_reject_is_off() -> None:
    result = verdict(PolicyConfig(thresholds=CONFIG.thresholds, auto_reject=False), banned_terms=("x",))
    assert result.status == "held"


@pytest.mark.parametrize(
    ("facts", "rule"),
    [
        ({"suspect_terms": ("vollpfosten",)}, "suspect term 'vollpfosten'"),
        ({"spam_signals": ("4 links",)}, "possible spam: 4 links"),
        ({"new_account": True}, "new account"),
        ({"always_premoderated": True}, "reader is pre-moderated"),
    ],
)
def test_rules_that_hold(facts: dict, rule: str) -> None:
    result = verdict(**facts)
    assert result.status == "held"
    assert rule in result.rules


def test_trusted_readers_publish_on_score_alone() -> None:
    result = verdict(
        trusted=True, suspect_terms=("vollpfosten",), spam_signals=("4 links",), new_account=True
    )
    assert result.status == "published"


def test_trust_does_not_override_banned_terms_or_a_moderators_mark() -> None:
    assert verdict(trusted=True, banned_terms=("x",)).status == "rejected"
    assert verdict(trusted=True, always_premoderated=True).status == "held"
    assert verdict(trusted=True, score=0.5).status == "held"


def test_pre_moderated_article_holds_everything_that_would_publish() -> None:
    config = PolicyConfig(thresholds=CONFIG.thresholds, premoderated_article=True)
    assert verdict(config).status == "held"
    assert verdict(config, score=0.95).status == "rejected"


def test_every_rule_that_fired_is_listed_and_reject_wins() -> None:
    result = verdict(score=0.95, suspect_terms=("a",), spam_signals=("same text posted again",))
    assert result.status == "rejected"
    assert len(result.rules) == 3
