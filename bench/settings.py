"""The product's settings plus benchmark-only URLs (bench/urls.py). Only benchmarks
start a server with DJANGO_SETTINGS_MODULE=bench.settings."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
