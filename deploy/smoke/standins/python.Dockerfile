# Stand-in for python:3.11-slim where no image registry is reachable: Debian
# bookworm's Python 3.11 in a virtual environment whose bin/ is on PATH, so that
# `pip install`, `python`, `gunicorn` and `celery` behave as in the official image.
ARG BASE=stammtisch-standin/debian:bookworm
FROM ${BASE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /usr/local/python
ENV PATH=/usr/local/python/bin:$PATH \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    LANG=C.UTF-8
CMD ["python3"]
