import pytest

from moderation.modelops import registry


@pytest.fixture(autouse=True)
def fresh_model_cache() -> None:
    """Each test starts without a cached model: a test database can reuse the ids,
    checksums and file names of an earlier test's model rows."""
    registry._loaded = None
