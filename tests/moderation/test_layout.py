"""The shape of the moderation app: a few core modules at the top, everything else
in its wing, so that the flat folder cannot grow back."""

from pathlib import Path

import moderation

CORE = {
    "__init__.py",
    "models.py",
    "services.py",
    "decisions.py",
    "selectors.py",
    "api.py",
    "tasks.py",
    "receivers.py",
    # The audit log's one door: services, decisions, receivers and the model registry
    # (a wing) all write through it, so it sits below them all, beside the models.
    "audit.py",
    "permissions.py",
    "apps.py",
    "urls.py",
}
FOLDERS = {"classifier", "management", "migrations", "templates", "static"}
WINGS = {
    "policy",
    "modelops",
    "statistics",
    "admin",
    "privacy",
    "dsa",
    "perspective",
    "coral",
    "webhooks",
    "finding",
    "notifications",
}


def test_the_top_of_moderation_holds_only_the_core_modules_and_the_wings() -> None:
    top = Path(moderation.__file__).parent
    entries = {entry.name for entry in top.iterdir() if entry.name != "__pycache__" and entry.name[0] != "."}
    assert entries == CORE | FOLDERS | WINGS
