"""A throw-away Stammtisch for benchmarks: its own data folder, SQLite (or
DATABASE_URL), Redis, Celery workers and gunicorn, all on free ports.

``settings`` picks the settings module (bench.settings adds benchmark-only views);
``worker=False`` and ``model=False`` leave out what a read benchmark does not need;
``workers`` is the number of worker processes (each a Celery worker of
concurrency 1, as `docker compose up --scale worker=N` runs them)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from config import local_redis
from config.launcher import find_redis_server, start_checkout_redis, wait_for_redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BenchStack:
    def __init__(
        self,
        *,
        web_workers: int = 2,
        worker: bool = True,
        workers: int = 1,
        model: bool = True,
        settings: str = "config.settings",
    ) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="stammtisch-bench-"))
        self.web_port = free_port()
        self.web_workers = web_workers
        self.workers = workers if worker else 0
        self.with_model = model
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "DATA_DIR": str(self.folder),
            "REDIS_URL": local_redis.url(self.folder),
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-" + "x" * 50,
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_ENABLED": "false",
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.worker_processes: list[subprocess.Popen[bytes]] = []
        self.base_url = f"http://127.0.0.1:{self.web_port}"

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def _spawn(self, *command: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def start(self) -> None:
        os.environ.update(self.env)  # this process reads the same database
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("import_articles")
        if self.with_model:
            self.manage("train_model", "--if-none-active", "--activate", "--folds", "0")
        redis_server = find_redis_server()
        assert redis_server, "no redis-server"
        self.processes.append(start_checkout_redis(redis_server, self.folder))
        wait_for_redis(self.env["REDIS_URL"])
        self._start_workers()
        # Preloaded, as config/gunicorn_conf.py runs it in production.
        self.web_master = self._spawn(
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.web_port}",
            "--workers",
            str(self.web_workers),
            "--preload",
            "--log-level",
            "warning",
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.base_url}/api/articles/", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _start_workers(self) -> None:
        for number in range(self.workers):
            self.worker_processes.append(
                self._spawn(
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "moderation,maintenance,webhooks",
                    "-c",
                    "1",
                    "-n",
                    f"bench{number}@%h",
                    "-l",
                    "WARNING",
                    "--without-mingle",
                    "--without-gossip",
                )
            )

    def restart_workers(self, **env: str) -> None:
        """Stop the worker processes (a warm shutdown: they finish what they run) and
        start as many again with ``env`` added to their environment; returns once
        they answer a ping."""
        for process in self.worker_processes:
            process.send_signal(signal.SIGTERM)
        for process in self.worker_processes:
            process.wait(60)
        self.worker_processes = []
        self.env.update(env)
        self._start_workers()
        self.wait_for_workers()

    def wait_for_workers(self, timeout: float = 60) -> None:
        """Until every worker process answers a ping (started and consuming)."""
        from config.celery import app

        deadline = time.monotonic() + timeout
        while len(app.control.ping(timeout=1.0) or []) < self.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"fewer than {self.workers} workers answered")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()

    def remove(self) -> None:
        """Delete the data folder (database, logs); after stop()."""
        shutil.rmtree(self.folder, ignore_errors=True)
