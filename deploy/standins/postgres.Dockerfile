# A stand-in for the official postgres:15 image, for deploy/e2e.sh on machines that cannot pull
# it (no registry): Debian 12's PostgreSQL 15 on the local python:3.11-slim stand-in, started as
# the official image starts (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB; data in
# /var/lib/postgresql/data; every address, password auth). Never used where the real one pulls.
FROM python:3.11-slim
# hadolint ignore=DL3008
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
EXPOSE 5432
ENTRYPOINT ["sh", "/usr/local/bin/postgres-entrypoint.sh"]
