import pytest
from rest_framework.test import APIClient

from moderation.modelops import registry
from moderation.permissions import moderators_group
from tests.factories import UserFactory, client_for


@pytest.fixture
def moderator_client() -> APIClient:
    """A member of the Moderators group, through the API."""
    moderator = UserFactory(username="moderatorin", is_staff=True)
    moderator.groups.add(moderators_group())
    return client_for(moderator)


@pytest.fixture(autouse=True)
def fresh_model_cache() -> None:
    """Each test starts without a cached model: a test database can reuse the ids,
    checksums and file names of an earlier test's model rows."""
    registry._loaded = None
