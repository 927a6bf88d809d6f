"""Looking into the broker: is Redis there, and how many messages wait per queue."""

import redis
from django.conf import settings

QUEUES = ("moderation", "maintenance", "training")


def queue_lengths(queues: tuple[str, ...] = QUEUES) -> dict[str, int]:
    """Messages waiting per Celery queue (a Celery queue on Redis is a list of its
    name). Raises redis.RedisError when the broker does not answer within a second."""
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    return {queue: int(client.llen(queue)) for queue in queues}
