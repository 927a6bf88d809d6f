"""The moderation policy: pure functions from a score to a verdict."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    publish_below: float
    reject_above: float


@dataclass(frozen=True)
class Verdict:
    status: str  # "published", "held" or "rejected"
    reason: str


def decide(score: float, thresholds: Thresholds) -> Verdict:
    if score >= thresholds.reject_above:
        return Verdict("rejected", f"score {score:.2f} ≥ reject threshold {thresholds.reject_above:.2f}")
    if score < thresholds.publish_below:
        return Verdict("published", f"score {score:.2f} < publish threshold {thresholds.publish_below:.2f}")
    return Verdict(
        "held", f"score {score:.2f} between {thresholds.publish_below:.2f} and {thresholds.reject_above:.2f}"
    )
