"""Django's Redis cache with values stored as JSON, never as pickles.

Django's own Redis cache pickles every value but integers, so whoever can write a
key in Redis could run code in the web server on its next read. Our values
(throttle histories: lists of timestamps) are plain data, and JSON holds them all.
A value that is not JSON, such as a planted pickle, reads as a miss and is logged.
"""

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)
_REFUSED = object()


class JsonSerializer:
    def dumps(self, obj: Any) -> bytes | int:
        # Integers stay bare, as in Django's own serializer, so that incr() and decr()
        # work on them inside Redis.
        if type(obj) is int:
            return obj
        return json.dumps(obj, separators=(",", ":")).encode()

    def loads(self, data: bytes) -> Any:
        try:
            return int(data)
        except ValueError:
            pass
        try:
            return json.loads(data)
        except ValueError:  # also UnicodeDecodeError
            logger.warning("cache value refused: %d bytes that are not JSON", len(data))
            return _REFUSED


class JsonRedisCacheClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        options.pop("serializer", None)  # JSON, whatever the settings say
        super().__init__(servers, serializer=JsonSerializer, **options)  # type: ignore[arg-type]  # dumps() keeps integers bare, as Django's own does; the stubs say bytes

    def get(self, key: str | bytes | memoryview, default: Any) -> Any:
        value = super().get(key, default)
        return default if value is _REFUSED else value

    def get_many(self, keys: Iterable[str | bytes | memoryview]) -> dict[str | bytes | memoryview, Any]:
        return {key: value for key, value in super().get_many(keys).items() if value is not _REFUSED}


class JsonRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = JsonRedisCacheClient
