"""Requests as Coral Talk sends them to an external moderation phase, written from
its documentation (docs/docs/external-moderation-phases.md, docs/docs/webhooks.md)
and its fetcher (server/src/core/server/services/fetch/fetch.ts):

- the body is ``JSON.stringify(data, null, 2)``: pretty-printed with two spaces,
  ``": "`` between key and value, non-ASCII characters as they are, in UTF-8;
- ``Content-Type: application/json``, ``User-Agent: Coral Moderation/<version>``;
- ``X-Coral-Signature``: ``sha256=`` and the hex HMAC-SHA256 of those bytes under
  each active secret (the secret string itself is the key), joined with commas.

Written here from that description, not taken from Coral's code."""

import copy
import hashlib
import hmac
import json
from typing import Any

from django.test import Client

URL = "/api/coral/phase/"
USER_AGENT = "Coral Moderation/9.11.8"

# The documentation's two examples: a new comment on a story, a new reply.
NEW_COMMENT: dict[str, Any] = {
    "action": "NEW",
    "comment": {"body": "Here's a comment!", "parentID": None},
    "author": {"id": "baf4e943-3594-4fcc-b2ba-3e8de7a76352", "role": "COMMENTER"},
    "story": {
        "id": "245b3856-b0a0-4d2f-a6bb-58c71f18d6a6",
        "url": "http://localhost:1313/posts/a-story-url/",
    },
    "site": {"id": "a4bede88-2d2c-4424-bc18-4322a9e285a6"},
    "tenantID": "19ba5794-7eeb-4d46-a81b-c00c61672501",
    "tenantDomain": "localhost",
}
NEW_REPLY: dict[str, Any] = {
    **copy.deepcopy(NEW_COMMENT),
    "comment": {"body": "Here's a reply!", "parentID": "d79b787f-f406-49a0-a179-72e3652e54be"},
}

INSULT = "Du bist ein dummer Idiot und ein Vollpfosten."
KIND = "Danke für den ausführlichen Bericht, sehr gut recherchiert."


def request_with(body: str, *, action: str = "NEW", role: str = "COMMENTER", reply: bool = False) -> dict:
    data = copy.deepcopy(NEW_REPLY if reply else NEW_COMMENT)
    data["action"] = action
    data["comment"]["body"] = body
    data["author"]["role"] = role
    return data


def coral_body(data: Any) -> bytes:
    """What JSON.stringify(data, null, 2) gives, in UTF-8."""
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def coral_signature(body: bytes, *secrets: str) -> str:
    return ",".join(
        "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() for secret in secrets
    )


def post_raw(body: bytes, signature: str | None, **headers: str):
    extra = {"HTTP_USER_AGENT": USER_AGENT, **headers}
    if signature is not None:
        extra["HTTP_X_CORAL_SIGNATURE"] = signature
    return Client().post(URL, body, content_type="application/json", **extra)


def post(data: Any, *secrets: str):
    """Coral's request: the body pretty-printed and signed with each secret."""
    body = coral_body(data)
    return post_raw(body, coral_signature(body, *secrets))
