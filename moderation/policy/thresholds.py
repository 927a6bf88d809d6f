"""The policy thresholds a model version recommends, and which of them apply."""

from django.conf import settings

from moderation.models import ModelVersion
from moderation.policy.policy import Thresholds


def thresholds_for(model_version: ModelVersion | None) -> Thresholds:
    """Each threshold from the environment when it is set there
    (MODERATION_PUBLISH_BELOW, MODERATION_REJECT_ABOVE), else the one
    ``model_version`` recommends from its evaluation (``metrics["thresholds"]``),
    else the settings' default."""
    recommended = (model_version.metrics or {}).get("thresholds", {}) if model_version else {}
    from_env = settings.MODERATION_THRESHOLDS_FROM_ENV
    publish_below = settings.MODERATION_PUBLISH_BELOW
    reject_above = settings.MODERATION_REJECT_ABOVE
    if not from_env.get("MODERATION_PUBLISH_BELOW") and "publish_below" in recommended:
        publish_below = float(recommended["publish_below"])
    if not from_env.get("MODERATION_REJECT_ABOVE") and "reject_above" in recommended:
        reject_above = float(recommended["reject_above"])
    return Thresholds(publish_below=min(publish_below, reject_above), reject_above=reject_above)
