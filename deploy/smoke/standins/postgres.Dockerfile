# Stand-in for postgres:15: Debian bookworm's PostgreSQL 15 with an entry point
# that reads POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB on first start and
# keeps its cluster in /var/lib/postgresql/data, as the official image does.
ARG BASE=stammtisch-standin/debian:bookworm
FROM ${BASE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
