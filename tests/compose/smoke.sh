#!/usr/bin/env bash
# Compose smoke test: build every image, start the whole stack offline (the bundled replay site,
# a fake Telegram Bot API for the bot), and check it end to end through the published ports:
#   - the web app answers on :8080 (SPA fallback included);
#   - POST /api/login works through nginx; GET /api/cars answers with the token;
#   - scrapyd answers daemonstatus.json (with basic auth) and has the carsensor project deployed;
#   - the scheduler records a finished run against the replay site, with items stored, and the
#     cars show up in /api/cars;
#   - the bot starts with a token and the fake Bot API URL, and polls it;
#   - with SECRET_KEY unset (.env.example), migrate made a signing key of its own in the volume
#     (mode 0600, not in the repository) and the API signs with it: the old example key that
#     earlier versions shipped is refused (401);
#   - the published ports bind to 127.0.0.1;
#   - APP_ENV=production with the .env.example settings refuses to start, naming SECRET_KEY,
#     ADMIN_PASSWORD and POSTGRES_PASSWORD.
# Then `down -v`, whatever happened. Prints PASS/FAIL per check; exits 1 when any check fails.
#
#   bash tests/compose/smoke.sh
# Environment: SMOKE_PROJECT (compose project name; default carsensor-smoke-<pid>),
# SMOKE_WEB_PORT (host port of the web app; default 8080), SMOKE_TIMEOUT (seconds to wait for
# the first finished crawl; default 300), SMOKE_KEEP=1 (leave the stack and its images up),
# SMOKE_SCRAPYD_NODES=N (default 1: `up --scale scrapyd=N`, then check that every node answers,
# that the scheduler found all N through SCRAPYD_DISCOVER and that the shards spread).
set -uo pipefail
cd "$(dirname "$0")/../.."

PROJECT=${SMOKE_PROJECT:-carsensor-smoke-$$}
WEB_PORT=${SMOKE_WEB_PORT:-8080}
CRAWL_TIMEOUT=${SMOKE_TIMEOUT:-300}
NODES=${SMOKE_SCRAPYD_NODES:-1}
WEB="http://127.0.0.1:$WEB_PORT"
SCRAPYD_USER=smoke
SCRAPYD_PASS=smoke-$RANDOM$RANDOM
ADMIN_PASS=carsensor-demo
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0  # the classic builder, as on the stand-in engine

if command -v docker-compose >/dev/null 2>&1; then COMPOSE=(docker-compose)
elif docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
else echo "FAIL: neither docker-compose nor docker compose is installed"; exit 1; fi

failures=0
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
say() { printf '[smoke %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started))s"; }

# The settings: .env.example with the offline overrides (a developer's own .env is not read).
ENV_FILE=$(mktemp)
overrides="CARSENSOR_BASE_URL=http://replay:8081
CRAWL_SITE_RATE=20
REPLAY_CARS=120
CRAWL_SHARDS=TO,HO,LG
CRAWL_ALERT_CHAT_IDS=4242
WEB_BASE_URL=http://127.0.0.1:$WEB_PORT
CRAWL_POLL=3
SCRAPYD_USERNAME=$SCRAPYD_USER
SCRAPYD_PASSWORD=$SCRAPYD_PASS
ADMIN_USERNAME=admin
ADMIN_PASSWORD=$ADMIN_PASS
SECRET_KEY=
WEB_PORT=$WEB_PORT
TELEGRAM_BOT_TOKEN=123:abc
TELEGRAM_API_BASE=http://telegram:8082"
{
    grep -v -E "^($(printf '%s\n' "$overrides" | cut -d= -f1 | paste -sd'|'))=" .env.example
    printf '%s\n' "$overrides"
} >"$ENV_FILE"

# Variables exported in this shell would win over the env file: compose runs without them.
clean_env=(-u COMPOSE_FILE -u COMPOSE_PROFILES -u COMPOSE_PROJECT_NAME)
for name in $(grep -oE '^[A-Z_][A-Z0-9_]*' "$ENV_FILE"); do clean_env+=(-u "$name"); done
FILES=(-f docker-compose.yml -f tests/compose/docker-compose.smoke.yml --profile offline --profile bot)
dc() {
    env "${clean_env[@]}" "${COMPOSE[@]}" --env-file "$ENV_FILE" -p "$PROJECT" "${FILES[@]}" "$@"
}

cleanup() {
    local status=$?
    if [ "$failures" -gt 0 ] || [ "$status" -ne 0 ]; then
        say "logs of the failed run (last 40 lines per service):"
        dc logs --no-color --tail=40 2>&1 | sed 's/^/    /'
    fi
    if [ "${SMOKE_KEEP:-0}" = 1 ]; then
        say "SMOKE_KEEP=1: stack left up; remove it with:"
        say "  ${COMPOSE[*]} -p $PROJECT ${FILES[*]} down -v --rmi local"
    else
        say "down -v (and this run's images)"
        local down_started; down_started=$(date +%s)
        dc stop >/dev/null 2>&1 || true
        say "stopped in $(($(date +%s) - down_started))s"
        dc down -v --rmi local --remove-orphans >/dev/null 2>&1 || true
        # The untagged images the build-only stages (egg, web-build) leave behind.
        docker image prune -f --filter label=carsensor-platform.build-stage >/dev/null 2>&1 || true
    fi
    rm -f "$ENV_FILE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

logs() {  # logs <service>: its output so far (read whole: `dc logs | grep -q` trips pipefail)
    dc logs --no-color "$1" 2>/dev/null
}
json() {  # json <python expression over `d`>: evaluate it on the JSON document on stdin
    python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

# ---------------------------------------------------------------------------------------------
say "project $PROJECT, ${COMPOSE[*]} $("${COMPOSE[@]}" version --short 2>/dev/null)"
if dc config -q; then pass "docker-compose.yml (+ smoke overlay) is valid"
else fail "docker-compose.yml is invalid"; exit 1; fi

say "building every image"
build_started=$(date +%s)
if dc build >"${TMPDIR:-/tmp}/$PROJECT-build.log" 2>&1; then
    pass "every image built ($(($(date +%s) - build_started))s)"
    rm -f "${TMPDIR:-/tmp}/$PROJECT-build.log"
else
    tail -40 "${TMPDIR:-/tmp}/$PROJECT-build.log" | sed 's/^/    /'
    fail "build (full log: ${TMPDIR:-/tmp}/$PROJECT-build.log)"
    exit 1
fi
say "up -d --scale scrapyd=$NODES (waits for postgres, migrate, api and scrapyd health)"
up_started=$(date +%s)
if dc up -d --scale "scrapyd=$NODES"; then pass "stack up ($(($(date +%s) - up_started))s)"
else fail "docker-compose up -d"; exit 1; fi
dc images 2>/dev/null | sed 's/^/    /'

container() { dc ps -q "$1" | head -1; }
wait_healthy() {  # wait_healthy <service> <seconds>: every container of the service
    local ids states deadline=$(($(date +%s) + $2))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        ids=$(dc ps -q "$1")
        states=$([ -n "$ids" ] && docker inspect -f '{{.State.Health.Status}}' $ids 2>/dev/null | sort -u)
        [ "$states" = healthy ] && return 0
        sleep 2
    done
    return 1
}
for service in postgres api scrapyd; do
    if wait_healthy "$service" 120; then pass "$service healthy"; else fail "$service not healthy"; fi
done
migrate=$(container migrate)
code=$([ -n "$migrate" ] && docker inspect -f '{{.State.ExitCode}}' "$migrate")
if [ "$code" = 0 ]; then pass "migrate ran and exited 0"; else fail "migrate exit code: ${code:-none}"; fi

# --- web -------------------------------------------------------------------------------------
ok=
for _ in $(seq 30); do
    curl -fsS "$WEB/" -o /dev/null 2>/dev/null && { ok=1; break; }
    sleep 1
done
page=$(curl -fsS "$WEB/" 2>/dev/null)
if [ -n "$ok" ] && grep -q '<div id="root">' <<<"$page"; then pass "web app answers on :$WEB_PORT"
else fail "web app on $WEB/ (got: ${page:0:200})"; fi
if grep -q '<div id="root">' <<<"$(curl -fsS "$WEB/cars/1?sort=price" 2>/dev/null)"; then
    pass "client routes fall back to index.html"
else fail "SPA fallback on $WEB/cars/1"; fi
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$WEB/api/health")" = 200 ]; then
    pass "GET /api/health through nginx: 200"
else fail "GET /api/health through nginx"; fi
# Security headers, from nginx (the app) and from the API behind it.
app_headers=$(curl -sS -D - -o /dev/null "$WEB/")
api_headers=$(curl -sS -D - -o /dev/null "$WEB/api/health")
if grep -qi "^content-security-policy:.*script-src 'self'.*frame-ancestors 'none'" <<<"$app_headers" \
    && grep -qi '^x-content-type-options: nosniff' <<<"$app_headers" \
    && grep -qi '^x-content-type-options: nosniff' <<<"$api_headers" \
    && grep -qi "^content-security-policy: default-src 'none'; frame-ancestors 'none'" <<<"$api_headers"
then pass "security headers on the app and the API through nginx"
else fail "security headers: app: ${app_headers:0:600} api: ${api_headers:0:600}"; fi
docs=$(curl -fsS "$WEB/docs" 2>/dev/null)
if grep -q '/docs/static/' <<<"$docs" && ! grep -Eqi 'cdn\.|jsdelivr|unpkg' <<<"$docs" \
    && [ "$(curl -s -o /dev/null -w '%{http_code}' "$WEB/openapi.json")" = 200 ]; then
    pass "/docs through nginx, from local assets"
else fail "/docs through nginx: ${docs:0:300}"; fi

# --- login and /api/cars through nginx ---------------------------------------------------------
login=$(curl -sS -X POST "$WEB/api/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASS\"}")
token=$(json 'd["access_token"]' <<<"$login" 2>/dev/null)
if [ -n "$token" ]; then pass "POST /api/login through nginx returns an access token"
else fail "POST /api/login: $login"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$WEB/api/cars")
if [ "$code" = 200 ]; then pass "GET /api/cars with the token: 200"; else fail "GET /api/cars: $code"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$WEB/api/cars")
if [ "$code" = 401 ]; then pass "GET /api/cars without a token: 401"; else fail "GET /api/cars unauthenticated: $code"; fi

# --- the signing key, production's refusals, the bound ports -----------------------------------
# The example key that earlier versions shipped (and compose used by default): it must not work.
OLD_EXAMPLE_KEY='dev-only-example-secret-key-change-me-in-production'
forge() {  # FORGE_KEY=<key> forge <user id>: an HS256 access token for 10 minutes, signed with it
    python3 - "$1" <<'PY'
import base64, hashlib, hmac, json, os, sys, time
part = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
now = int(time.time())
body = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(
    json.dumps({"sub": sys.argv[1], "iat": now, "exp": now + 600}).encode())
mac = hmac.new(os.environ["FORGE_KEY"].encode(), body.encode(), hashlib.sha256).digest()
print(body + "." + part(mac))
PY
}
me_with() {  # me_with <token>: the status of GET /api/me
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$WEB/api/me"
}
admin_id=$(curl -sS -H "Authorization: Bearer $token" "$WEB/api/me" | json 'd["id"]' 2>/dev/null)
if grep -q 'generated a random key in /run/carsensor/secret_key' <<<"$(logs migrate)"; then
    pass "migrate generated the signing key (SECRET_KEY unset)"
else fail "migrate did not say it generated the signing key"; fi
mode=$(dc exec -T api stat -c '%a %U' /run/carsensor/secret_key 2>&1 | tr -d '\r')
if [ "$mode" = "600 app" ]; then pass "the key file is mode 600, owned by the API's user"
else fail "the key file's mode and owner: $mode"; fi
key=$(dc exec -T api cat /run/carsensor/secret_key 2>/dev/null | tr -d '\r\n')
if [ "${#key}" -ge 32 ] && ! grep -rqF --exclude-dir=.git --exclude-dir=.venv \
        --exclude-dir=node_modules --exclude-dir=var -- "$key" .; then
    pass "the key (${#key} characters) appears nowhere in the repository"
else fail "the key is missing, short (${#key} characters) or found in the repository"; fi
code=$(me_with "$(FORGE_KEY=$key forge "$admin_id")")
if [ "$code" = 200 ]; then pass "a token signed with the volume's key works: the API uses it"
else fail "GET /api/me with a token signed with the volume's key: $code"; fi
code=$(me_with "$(FORGE_KEY=$OLD_EXAMPLE_KEY forge "$admin_id")")
if [ "$code" = 401 ]; then pass "a token forged with the old example key: 401"
else fail "GET /api/me with a token forged with the old example key: $code"; fi
unset key
absent=(-e APP_ENV=production -e SECRET_KEY_FILE=/run/carsensor/absent)
refusal=$(dc run --rm --no-deps -T "${absent[@]}" migrate python -m api.preflight 2>&1)
status=$?
if [ "$status" = 2 ] && grep -q 'set SECRET_KEY, ADMIN_PASSWORD, POSTGRES_PASSWORD' <<<"$refusal"
then pass "APP_ENV=production with the example settings: migrate refuses, naming what is missing"
else fail "production preflight (exit $status): $(tail -3 <<<"$refusal")"; fi
refusal=$(dc run --rm --no-deps -T "${absent[@]}" api python -c 'import api.main' 2>&1)
status=$?
if [ "$status" != 0 ] && grep -q 'APP_ENV=production needs a secret key' <<<"$refusal"; then
    pass "APP_ENV=production without a key: the API refuses to start"
else fail "the API in production without a key (exit $status): $(tail -3 <<<"$refusal")"; fi
web_bind=$(dc port web 8080 2>/dev/null | tail -1)
scrapyd=$(dc port scrapyd 6800 2>/dev/null | tail -1)
if [ "$web_bind" = "127.0.0.1:$WEB_PORT" ] && [ "${scrapyd%%:*}" = 127.0.0.1 ]; then
    pass "published ports bind to 127.0.0.1 (web $web_bind, scrapyd $scrapyd)"
else fail "published ports: web ${web_bind:-?}, scrapyd ${scrapyd:-?} (want 127.0.0.1)"; fi

# --- scrapyd ---------------------------------------------------------------------------------
if [ "$NODES" -gt 1 ]; then
    answered=0
    for index in $(seq "$NODES"); do
        port=$(dc port --index="$index" scrapyd 6800 2>/dev/null | tail -1)
        curl -fsS -u "$SCRAPYD_USER:$SCRAPYD_PASS" "http://$port/daemonstatus.json" >/dev/null 2>&1 \
            && answered=$((answered + 1))
    done
    if [ "$answered" = "$NODES" ]; then pass "all $NODES scrapyd nodes answer daemonstatus.json"
    else fail "$answered of $NODES scrapyd nodes answer daemonstatus.json"; fi
    line=$(grep -m1 'scheduling ' <<<"$(logs scheduler)")
    found=$(grep -o 'http://[0-9.]*:6800' <<<"$line" | sort -u | wc -l)
    if [ "$found" = "$NODES" ]; then pass "the scheduler discovered $NODES nodes: ${line#*: }"
    else fail "the scheduler found $found of $NODES nodes: ${line:-no startup line}"; fi
fi
status=$(curl -sS -u "$SCRAPYD_USER:$SCRAPYD_PASS" "http://$scrapyd/daemonstatus.json" 2>&1)
if [ "$(json 'd["status"]' <<<"$status" 2>/dev/null)" = ok ]; then
    pass "scrapyd daemonstatus.json on $scrapyd: $status"
else fail "scrapyd daemonstatus.json on ${scrapyd:-?}: $status"; fi
projects=$(curl -sS -u "$SCRAPYD_USER:$SCRAPYD_PASS" "http://$scrapyd/listprojects.json" 2>&1)
if [ "$(json '"carsensor" in d["projects"]' <<<"$projects" 2>/dev/null)" = True ]; then
    pass "scrapyd has the carsensor project deployed: $projects"
else fail "scrapyd listprojects.json: $projects"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$scrapyd/daemonstatus.json")
if [ "$code" = 401 ]; then pass "scrapyd refuses requests without credentials (401)"
else fail "scrapyd without credentials answered $code"; fi

# --- a crawl through the scheduler, scrapyd and the replay site ---------------------------------
psql() {
    dc exec -T postgres sh -c 'psql -qtA -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$0"' "$1" 2>/dev/null
}
say "waiting up to ${CRAWL_TIMEOUT}s for a finished crawl run with items stored"
deadline=$(($(date +%s) + CRAWL_TIMEOUT))
finished=0
while [ "$(date +%s)" -lt "$deadline" ]; do
    finished=$(psql "SELECT count(*) FROM crawl_runs WHERE status = 'finished' AND items_stored > 0" | tr -d '[:space:]')
    [ "${finished:-0}" -gt 0 ] 2>/dev/null && break
    sleep 5
done
psql "SELECT shard, node, status, items_stored, items_dropped, errors FROM crawl_runs ORDER BY id" \
    | sed 's/^/    crawl_runs: /'
if [ "$NODES" -gt 1 ]; then
    spread=$(psql "SELECT count(DISTINCT node) FROM crawl_runs" | tr -d '[:space:]')
    if [ "${spread:-0}" -gt 1 ] 2>/dev/null; then pass "the shards went to $spread different nodes"
    else fail "every shard went to one node (distinct nodes: ${spread:-?})"; fi
fi
if [ "${finished:-0}" -gt 0 ] 2>/dev/null; then
    pass "the scheduler recorded $finished finished run(s) with items stored ($(elapsed) since start)"
else fail "no finished crawl run with items stored within ${CRAWL_TIMEOUT}s"; fi
if grep -q 'replay site with' <<<"$(logs replay)"; then
    pass "the replay site served the crawl (CARSENSOR_BASE_URL=http://replay:8081)"
else fail "the replay site did not start"; fi
cars=$(curl -sS -H "Authorization: Bearer $token" "$WEB/api/cars?page_size=1")
# (`total` may lag by COUNT_CACHE_SECONDS behind the items: the items are what counts.)
first=$(json '" ".join(str(d["items"][0][k]) for k in ("make", "model", "year")) if d["items"] else ""' <<<"$cars" 2>/dev/null)
if [ -n "$first" ]; then
    pass "GET /api/cars lists the crawled cars (first: $first)"
else fail "GET /api/cars has no cars: ${cars:0:200}"; fi

# --- monitoring: the alert, health and metrics --------------------------------------------------
# LG (Lamborghini) has no car on the replay site: its crawl finds none, Spidermon's item count
# check fails, and the alert reaches the fake Bot API through TELEGRAM_API_BASE.
alert=""
deadline=$(($(date +%s) + 120))
while [ "$(date +%s)" -lt "$deadline" ]; do
    alert=$(grep -m1 'sent {.*shard LG' <<<"$(logs telegram)" | sed 's/^[^|]*| //')
    [ -n "$alert" ] && break
    sleep 3
done
if [ -n "$alert" ] && grep -q '"chat_id": "4242"' <<<"$alert" && grep -q 'crawls?run=LG-' <<<"$alert"; then
    pass "a failed check's alert reached the fake Bot API:"
    sed 's/^/    /' <<<"$alert"
else fail "no alert for shard LG on the fake Bot API: $(logs telegram | grep -c '^.*call sendMessage') sendMessage call(s)"; fi
health=$(curl -sS "$WEB/api/health")
if json 'd["status"] in ("ok", "degraded") and "data_age_seconds" in d and d["database"] == "ok"' <<<"$health" | grep -q True; then
    pass "GET /api/health through nginx tells the data's state: ${health:0:300}"
else fail "GET /api/health through nginx: ${health:0:300}"; fi
# The scheduler records LG's end at its next tick, a few seconds after the alert.
deadline=$(($(date +%s) + 60))
while :; do
    metrics=$(curl -sS "$WEB/metrics")
    grep -q '^carsensor_crawl_last_run_monitor_failures{shard="LG"} [1-9]' <<<"$metrics" && break
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 3
done
if grep -q '^carsensor_active_listings [1-9]' <<<"$metrics" \
    && grep -q '^carsensor_crawl_last_complete_timestamp_seconds{shard="TO"} [1-9]' <<<"$metrics" \
    && grep -q '^carsensor_crawl_last_run_monitor_failures{shard="LG"} [1-9]' <<<"$metrics"; then
    pass "GET /metrics through nginx: active listings, the last complete crawls, LG's failed check"
else fail "GET /metrics through nginx: $(grep '^carsensor_' <<<"$metrics" | head -12 | tr '\n' ' ')"; fi

# --- the bot ---------------------------------------------------------------------------------
bot=$(container bot)
running=$([ -n "$bot" ] && docker inspect -f '{{.State.Running}} {{.RestartCount}}' "$bot")
if [ "$running" = "true 0" ]; then pass "bot container running, never restarted"
else fail "bot container state (running, restarts): ${running:-no container}"; fi
if grep -q 'call getUpdates' <<<"$(logs telegram)"; then
    pass "the bot polls the fake Bot API (getUpdates with TELEGRAM_BOT_TOKEN=123:abc)"
else fail "the bot never called getUpdates on the fake Bot API"; fi

# ---------------------------------------------------------------------------------------------
if [ "$failures" -eq 0 ]; then
    say "PASS: compose smoke test ($(elapsed))"
    exit 0
fi
say "FAIL: $failures check(s) failed ($(elapsed))"
exit 1
