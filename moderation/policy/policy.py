"""The moderation policy: pure functions from what is known about a comment to a
verdict. No database, no Django: the services gather the facts, this decides.

Severity wins: any reason to reject beats any reason to hold, which beats
publishing. Every rule that fired is returned, so moderators see all of them.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Thresholds:
    publish_below: float
    reject_above: float


@dataclass(frozen=True)
class PolicyConfig:
    thresholds: Thresholds
    auto_reject: bool = True
    premoderated_article: bool = False


@dataclass(frozen=True)
class Facts:
    """What the services found out about a comment and its author."""

    score: float
    banned_terms: tuple[str, ...] = ()
    suspect_terms: tuple[str, ...] = ()
    spam_signals: tuple[str, ...] = ()  # e.g. "5 links", "same text posted again"
    new_account: bool = False  # among the author's first N comments
    always_premoderated: bool = False  # marked by a moderator
    trusted: bool = False  # a record of approved comments and none rejected


@dataclass(frozen=True)
class Verdict:
    status: str  # "published", "held" or "rejected"
    reason: str
    rules: tuple[str, ...] = field(default_factory=tuple)


def decide(score: float, thresholds: Thresholds) -> Verdict:
    """The verdict of the score alone."""
    return decide_with_rules(Facts(score=score), PolicyConfig(thresholds=thresholds))


def decide_with_rules(facts: Facts, config: PolicyConfig) -> Verdict:
    low, high = config.thresholds.publish_below, config.thresholds.reject_above
    score = facts.score
    reject: list[str] = []
    hold: list[str] = []

    if score >= high:
        message = f"score {score:.2f} ≥ reject threshold {high:.2f}"
        (reject if config.auto_reject else hold).append(
            message + ("" if config.auto_reject else ", auto-reject off")
        )
    elif score >= low:
        hold.append(f"score {score:.2f} between {low:.2f} and {high:.2f}")
    for term in facts.banned_terms:
        message = f"banned term {term!r}"
        (reject if config.auto_reject else hold).append(message)
    if not facts.trusted:
        hold.extend(f"suspect term {term!r}" for term in facts.suspect_terms)
        hold.extend(f"possible spam: {signal}" for signal in facts.spam_signals)
        if facts.new_account:
            hold.append("new account")
    if facts.always_premoderated:
        hold.append("reader is pre-moderated")
    if config.premoderated_article:
        hold.append("pre-moderated article")

    rules = tuple(reject + hold)
    if reject:
        return Verdict("rejected", "; ".join(reject), rules)
    if hold:
        return Verdict("held", "; ".join(hold), rules)
    return Verdict("published", f"score {score:.2f} < publish threshold {low:.2f}", rules)
