"""The Redis that belongs to one checkout: a unix socket and a password under its
data folder.

Each checkout (each DATA_DIR) gets its own Redis, reachable only through
``DATA_DIR/redis/redis.sock`` (no TCP port, socket mode 700) and only with the
password generated once into ``DATA_DIR/redis/password`` (mode 600). Two
checkouts on one machine therefore never share a broker, a cache or throttle
counters, and a Redis started by something else can never pass for ours: it would
have to know the password. The password is handed to redis-server in a config
file, never on a command line that ``ps`` shows, and never printed.

Django settings, the launcher and the test helpers read the same paths from here.
"""

import os
import secrets
import socket
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

# sun_path holds 108 bytes on Linux (104 on macOS), the terminating NUL included.
MAX_SOCKET_PATH = 100


def redis_dir(data_dir: Path) -> Path:
    return data_dir / "redis"


def socket_path(data_dir: Path) -> Path:
    return redis_dir(data_dir) / "redis.sock"


def password(data_dir: Path) -> str:
    """This checkout's Redis password, created on first use (atomically, mode 600)."""
    folder = redis_dir(data_dir)
    path = folder / "password"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of this checkout was first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(candidate + "\n")
    return candidate


def url(data_dir: Path, db: int = 0) -> str:
    """A redis-py URL for this checkout's Redis."""
    return f"unix://:{quote(password(data_dir), safe='')}@{socket_path(data_dir)}?db={db}"


def redacted(redis_url: str) -> str:
    """The URL with its password replaced, for messages and logs."""
    parts = urlsplit(redis_url)
    if parts.password is None:
        return redis_url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def with_db(redis_url: str, db: int) -> str:
    """The same server, another database number (redis://…/N, or ?db=N for sockets)."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("db="))
        return urlunsplit(parts._replace(query=f"{query}&db={db}" if query else f"db={db}"))
    return urlunsplit(parts._replace(path=f"/{db}"))


def celery_url(redis_url: str) -> str:
    """Celery's (kombu's) spelling of a redis-py URL: kombu knows unix sockets as
    ``redis+socket://`` and the database number as ``virtual_host``."""
    parts = urlsplit(redis_url)
    if parts.scheme != "unix":
        return redis_url
    db = next((p[3:] for p in parts.query.split("&") if p.startswith("db=")), "0")
    return urlunsplit(parts._replace(scheme="redis+socket", query=f"virtual_host={db}"))


def config_text(data_dir: Path) -> str:
    """redis-server's configuration: the socket only, the password, an append-only
    file fsynced every second under DATA_DIR/redis/."""
    secret = password(data_dir)
    return "\n".join(
        [
            "port 0",
            f'unixsocket "{socket_path(data_dir)}"',
            "unixsocketperm 700",
            f'dir "{redis_dir(data_dir)}"',
            f'requirepass "{secret}"',
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            "daemonize no",
            "loglevel warning",
            "",
        ]
    )


def write_config(data_dir: Path) -> Path:
    path = redis_dir(data_dir) / "redis.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(config_text(data_dir))
    os.chmod(path, 0o600)
    return path


def socket_answers(path: Path) -> bool:
    """Whether something accepts connections on the unix socket (ours or not)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True
