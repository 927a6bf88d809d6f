"""Bring the production stack up with `docker compose` and use it as a reader would.

    python deploy/smoke/compose_smoke.py [--standins auto|always|never] [--workers 2]
        [--datasets DIR] [--keep]

Builds the image, starts docker-compose.yml under its own project name on a free
port, and checks, printing one line per step: every service up and healthy, the
seed article served, a reader registered, a civil comment published and an insult
not, a comment posted while every worker is stopped and Redis restarted decided
once the workers are back, /metrics answering inside the web container and refusing
outside, the admin behind its login. Everything is removed again (volumes too)
unless --keep is given. Exit status 0 when every check passed.

Where no image registry is reachable, `--standins` builds stand-ins for the three
public images the stack uses (python:3.11-slim, postgres:15, redis:7) from Debian
bookworm with debootstrap (root needed) and passes them through PYTHON_IMAGE,
POSTGRES_IMAGE and REDIS_IMAGE; the project's own Dockerfile and compose file are
used as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STANDINS = Path(__file__).resolve().parent / "standins"
PROJECT = "stammtisch-smoke"
BASE_IMAGE = "stammtisch-standin/debian:bookworm"
STANDIN_IMAGES = {
    "PYTHON_IMAGE": ("python:3.11-slim", "stammtisch-standin/python:3.11", "python.Dockerfile"),
    "POSTGRES_IMAGE": ("postgres:15", "stammtisch-standin/postgres:15", "postgres.Dockerfile"),
    "REDIS_IMAGE": ("redis:7", "stammtisch-standin/redis:7", "redis.Dockerfile"),
}
CIVIL = "Danke für den Artikel, eine sachliche und lesenswerte Zusammenfassung."
INSULT = "Du bist ein dummer Vollidiot, halt endlich deine Fresse, du Arschloch."


class SmokeError(Exception):
    pass


def step(message: str) -> None:
    print(f"· {message}", flush=True)


def run(*args: str, env: dict[str, str] | None = None, check: bool = True, quiet: bool = False):
    result = subprocess.run(
        args,
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
    )
    if check and result.returncode != 0:
        output = f"\n{result.stdout}" if quiet and result.stdout else ""
        raise SmokeError(f"{' '.join(args)} exited with {result.returncode}{output}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- images -------------------------------------------------------------------------------


def registry_reachable() -> bool:
    for public, _, _ in STANDIN_IMAGES.values():
        if run("docker", "image", "inspect", public, check=False, quiet=True).returncode == 0:
            continue
        if run("docker", "pull", "-q", public, check=False, quiet=True).returncode != 0:
            return False
    return True


def build_standins() -> dict[str, str]:
    if run("docker", "image", "inspect", BASE_IMAGE, check=False, quiet=True).returncode != 0:
        if shutil.which("debootstrap") is None:
            raise SmokeError("stand-in images need debootstrap (apt-get install debootstrap)")
        with tempfile.TemporaryDirectory(prefix="stammtisch-rootfs-") as rootfs:
            step("debootstrap Debian bookworm for the stand-in images")
            os.chmod(rootfs, 0o755)  # noqa: S103 - it becomes the image's /
            run(
                "debootstrap",
                "--variant=minbase",
                "bookworm",
                rootfs,
                "http://deb.debian.org/debian",
                quiet=True,
            )
            # The machine's own extra certificate authorities (an egress proxy's, say),
            # so that apt and pip inside the images trust what the host trusts.
            extra = Path("/usr/local/share/ca-certificates")
            target = Path(rootfs, "usr/local/share/ca-certificates")
            target.mkdir(parents=True, exist_ok=True)
            for cert in extra.glob("*.crt") if extra.is_dir() else ():
                shutil.copy(cert, target / cert.name)
            bundle = Path("/etc/ssl/certs/ca-certificates.crt")
            if bundle.is_file():
                Path(rootfs, "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
                shutil.copy(bundle, Path(rootfs, "etc/ssl/certs/ca-certificates.crt"))
            tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
            imported = subprocess.run(
                ["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, stdout=subprocess.DEVNULL
            )
            tar.wait()
            if imported.returncode != 0 or tar.returncode != 0:
                raise SmokeError("docker import of the bookworm root file system failed")
    images = {}
    for variable, (public, standin, dockerfile) in STANDIN_IMAGES.items():
        step(f"stand-in for {public}: {standin}")
        run(
            "docker",
            "build",
            "-q",
            "-t",
            standin,
            "-f",
            str(STANDINS / dockerfile),
            str(STANDINS),
            quiet=True,
        )
        images[variable] = standin
    return images


# --- HTTP ---------------------------------------------------------------------------------


class Client:
    def __init__(self, port: int) -> None:
        self.base = f"http://localhost:{port}"
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | str]:
        headers = {"Accept": "application/json", "X-Forwarded-Proto": "https"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def expect(self, status: int, method: str, path: str, body: dict | None = None):
        got, payload = self.call(method, path, body)
        if got != status:
            raise SmokeError(f"{method} {path}: expected {status}, got {got}: {str(payload)[:300]}")
        return payload


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(what: str, probe, timeout: float, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SmokeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def moderation_status(moderator: Client, comment_id: int, slug: str) -> str:
    """The comment's state as moderators see it: in the thread, in the held or the
    rejected queue, else still pending (the pending queue lists only stuck ones)."""
    thread = moderator.expect(200, "GET", f"/api/articles/{slug}/comments/?sort=newest&limit=100")["results"]
    if any(node["id"] == comment_id for node in thread):
        return "published"
    for queue in ("held", "rejected"):
        items = moderator.expect(200, "GET", f"/api/moderation/queues/{queue}/?limit=200")["results"]
        if any(item["id"] == comment_id for item in items):
            return queue
    return "pending"


def decided(moderator: Client, comment_id: int, slug: str, timeout: float = 90) -> str:
    return wait_for(
        f"a decision on comment {comment_id}",
        lambda: (status := moderation_status(moderator, comment_id, slug)) != "pending" and status,
        timeout,
    )


# --- the stack ----------------------------------------------------------------------------


def compose(env: dict[str, str], *args: str, quiet: bool = False, check: bool = True):
    return run("docker", "compose", "-p", PROJECT, *args, env=env, quiet=quiet, check=check)


def service_states(env: dict[str, str]) -> dict[str, list[dict]]:
    output = compose(env, "ps", "-a", "--format", "json", quiet=True).stdout.strip()
    # One JSON object a line; older Compose releases print one JSON array.
    if output.startswith("["):
        rows = json.loads(output)
    else:
        rows = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    states: dict[str, list[dict]] = {}
    for row in rows:
        states.setdefault(row["Service"], []).append(row)
    return states


def wait_healthy(env: dict[str, str], workers: int) -> None:
    def ready():
        states = service_states(env)
        init = states.get("init", [{}])[0]
        if init.get("State") == "exited" and init.get("ExitCode") != 0:
            raise SmokeError(f"init exited with {init.get('ExitCode')}")
        healthy = all(
            row.get("Health") == "healthy"
            for service in ("postgres", "redis", "web")
            for row in states.get(service, [{}])
        )
        running = len(
            [r for r in states.get("worker", []) if r.get("State") == "running"]
        ) == workers and all(
            states.get(name, [{}])[0].get("State") == "running" for name in ("beat", "trainer")
        )
        return init.get("State") == "exited" and healthy and running

    # init trains the default model first: a few minutes on all the public data.
    wait_for("every service up and healthy", ready, timeout=1200, interval=5)


def check_redis_wants_the_password(env: dict[str, str]) -> None:
    """A client without the password gets no answer from Redis."""
    command = ("exec", "-T", "-e", "REDISCLI_AUTH=", "redis", "redis-cli", "ping")
    answer = compose(env, *command, quiet=True, check=False)
    if "NOAUTH" not in (answer.stdout or ""):
        raise SmokeError(f"Redis answered a client without the password: {(answer.stdout or '').strip()}")
    step("Redis refuses a client without the password")


def exercise(env: dict[str, str], port: int, *, trained_on_public_data: bool) -> None:
    client = Client(port)
    health = client.expect(200, "GET", "/api/health/")
    step(f"health: {health}")

    articles = client.expect(200, "GET", "/api/articles/")["results"]
    slugs = [article["slug"] for article in articles]
    if not slugs:
        raise SmokeError("no articles imported")
    slug = slugs[-1]
    step(f"{len(slugs)} articles served; commenting on {slug}")

    name = f"leser{secrets.randbelow(10**6)}"
    client.token = client.expect(
        201,
        "POST",
        "/api/auth/register/",
        {"username": name, "password": secrets.token_urlsafe(16), "consent": True},
    )["token"]
    step(f"reader {name} registered")

    moderator = Client(port)
    password = secrets.token_urlsafe(16)
    compose(
        env,
        "exec",
        "-T",
        "-e",
        f"DJANGO_SUPERUSER_PASSWORD={password}",
        "web",
        "python",
        "manage.py",
        "createsuperuser",
        "--no-input",
        "--username",
        "redaktion-smoke",
        "--email",
        "redaktion@example.org",
        quiet=True,
    )
    moderator.token = moderator.expect(
        200, "POST", "/api/auth/token/", {"username": "redaktion-smoke", "password": password}
    )["token"]
    step("moderator account created with manage.py createsuperuser in the web container")

    civil = client.expect(202, "POST", f"/api/articles/{slug}/comments/", {"body": CIVIL})["id"]
    insult = client.expect(202, "POST", f"/api/articles/{slug}/comments/", {"body": INSULT})["id"]
    civil_status, insult_status = decided(moderator, civil, slug), decided(moderator, insult, slug)
    step(f"decided by the workers: civil comment → {civil_status}, insult → {insult_status}")
    if civil_status == "rejected" or insult_status == "published":
        raise SmokeError("the model decided the wrong way round")
    if trained_on_public_data and (civil_status, insult_status) != ("published", "rejected"):
        raise SmokeError(
            "trained on the public data, the model should publish the civil comment by itself "
            "and reject the insult"
        )
    if civil_status == "held":
        held = moderator.expect(200, "GET", "/api/moderation/queues/held/?limit=200")["results"]
        revision = next(item["revision"] for item in held if item["id"] == civil)
        moderator.expect(
            200,
            "POST",
            f"/api/moderation/comments/{civil}/decision/",
            {"action": "approve", "expected_status": "held", "revision": revision},
        )
        step("the moderator approved the held civil comment")
    thread = client.expect(200, "GET", f"/api/articles/{slug}/comments/?sort=newest")["results"]
    bodies = [node["body"] for node in thread]
    if CIVIL not in bodies or INSULT in bodies:
        raise SmokeError(f"the thread shows {bodies[:5]}")
    step("the thread shows the civil comment and not the insult")

    compose(env, "stop", "worker", quiet=True)
    waiting = client.expect(
        202, "POST", f"/api/articles/{slug}/comments/", {"body": "Ein zweiter, ruhiger Beitrag."}
    )["id"]
    compose(env, "restart", "redis", quiet=True)
    time.sleep(3)
    if (status := moderation_status(moderator, waiting, slug)) != "pending":
        raise SmokeError(f"with no worker running the comment is {status}")
    step("workers stopped, a comment accepted and pending, Redis restarted")
    compose(env, "start", "worker", quiet=True)
    step(f"workers back: the waiting comment → {decided(moderator, waiting, slug, timeout=180)}")

    metrics = compose(
        env,
        "exec",
        "-T",
        "web",
        "python",
        "-c",
        "import urllib.request;print(urllib.request.urlopen('http://127.0.0.1:8000/metrics').read().decode())",
        quiet=True,
    ).stdout
    for name in ("stammtisch_comments", "stammtisch_decisions", "stammtisch_queue_depth"):
        if name not in metrics:
            raise SmokeError(f"/metrics inside the web container lacks {name}")
    outside, _ = Client(port).call("GET", "/metrics")
    if outside != 403:
        raise SmokeError(f"/metrics from outside answered {outside}, not 403")
    step("/metrics answers inside the web container, 403 from outside")

    admin, _ = Client(port).call("GET", "/admin/")
    if admin != 302:
        raise SmokeError(f"/admin/ answered {admin}, not a redirect to its login")
    step("the admin redirects to its login")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--standins", choices=["auto", "always", "never"], default="auto")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    parser.add_argument(
        "--datasets",
        type=Path,
        help="a DATASETS_DIR to copy into the stack's datasets volume first (the default model trains on it)",
    )
    options = parser.parse_args()

    if run("docker", "compose", "version", check=False, quiet=True).returncode != 0:
        print("docker compose is not installed", file=sys.stderr)
        return 2
    if run("docker", "info", check=False, quiet=True).returncode != 0:
        print("no Docker engine answers (docker info failed)", file=sys.stderr)
        return 2

    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost",
        "PORT": str(port),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "REDIS_PASSWORD": secrets.token_urlsafe(32),
    }
    started = time.monotonic()
    try:
        if options.standins == "always" or (options.standins == "auto" and not registry_reachable()):
            env.update(build_standins())
        compose(env, "build", quiet=True)
        if options.datasets:
            step(f"training data from {options.datasets} copied into the datasets volume")
            compose(
                env,
                *("run", "--rm", "--no-deps", "-v", f"{options.datasets.resolve()}:/import:ro", "init"),
                *("sh", "-c", 'cp -R --no-preserve=mode /import/. "$DATASETS_DIR"/'),
                quiet=True,
            )
        step(f"docker compose up --scale worker={options.workers} on port {port}")
        compose(env, "up", "-d", "--scale", f"worker={options.workers}", quiet=True)
        wait_healthy(env, options.workers)
        step(f"all services healthy after {time.monotonic() - started:.0f} s")
        check_redis_wants_the_password(env)
        init_log = compose(env, "logs", "--no-log-prefix", "init", quiet=True).stdout
        for line in init_log.splitlines():
            line = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line).strip()  # Compose's terminal codes
            if re.match(r"(no public data|training on .* from|model \S+ (is )?active)", line):
                step(f"init: {line}")
        exercise(env, port, trained_on_public_data=bool(options.datasets))
    except SmokeError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        compose(env, "logs", "--tail", "60", check=False)
        return 1
    finally:
        if not options.keep:
            compose(env, "down", "-v", "--remove-orphans", check=False, quiet=True)
    print(f"compose smoke test passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
