#!/usr/bin/env bash
# Load test of the REST API with wrk: list / get / update examples.
#   scripts/load.sh [DURATION_SECONDS=60] [CONNECTIONS=50]
# Publishes the app (Release), starts it on 127.0.0.1 with a fresh SQLite database and the demo data,
# creates an API token for the ML lead, runs wrk with scripts/load/examples.lua and prints throughput,
# p50/p99 latency, 409 conflicts, other non-2xx answers and socket errors. Exits 1 when any request failed.
# A warm-up run (FTS_LOAD_WARMUP seconds, default 10; 0 skips it) lets the JIT and the query caches settle
# first; its figures are not reported.
# The app runs with Studio:RateLimits:ApiPerMinute raised: one token at 50 connections is far past
# what the per-user API limit allows a person or script in normal use.
set -euo pipefail

duration="${1:-60}"
connections="${2:-50}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${FTS_LOAD_PORT:-5099}"
base="http://127.0.0.1:${port}"
work="$(mktemp -d /tmp/fts-load-XXXXXX)"
password="load-pass-2026"

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing wrk from Debian"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

echo "publishing the app (Release) to $work/app"
dotnet publish "$root/src/FineTuneStudio.Web/FineTuneStudio.Web.csproj" -c Release -o "$work/app" -v q -nologo -clp:ErrorsOnly >/dev/null

app_pid=""
cleanup() {
  if [[ -n "$app_pid" ]]; then kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "starting the app on $base (fresh SQLite database, demo data)"
(
  cd "$work/app"
  ASPNETCORE_ENVIRONMENT=Production \
  Studio__Database__Provider=Sqlite \
  Studio__Database__ConnectionString="Data Source=$work/studio.db" \
  Studio__Demo__Enabled=true \
  Studio__Demo__Password="$password" \
  Studio__Storage__Root="$work/storage" \
  Studio__RateLimits__ApiPerMinute=100000000 \
  Serilog__MinimumLevel__Default=Warning \
  Serilog__WriteTo__1__Args__path="$work/logs/fts-.log" \
  exec dotnet FineTuneStudio.Web.dll --urls "$base"
) >"$work/app.log" 2>&1 &
app_pid=$!

for _ in $(seq 1 240); do
  if curl -fsS "$base/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$app_pid" 2>/dev/null; then echo "the app stopped:"; cat "$work/app.log"; exit 1; fi
  sleep 0.5
done
curl -fsS "$base/health" >/dev/null || { echo "the app did not become healthy"; cat "$work/app.log"; exit 1; }

echo "signing in as lead@demo.local and creating an API token"
jar="$work/cookies"
form_token="$(curl -fsS -c "$jar" -b "$jar" "$base/account/login" | grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | sed 's/.*value="\([^"]*\)"/\1/' | head -1)"
curl -fsS -o /dev/null -c "$jar" -b "$jar" "$base/account/login" \
  --data-urlencode "_handler=login" --data-urlencode "__RequestVerificationToken=$form_token" \
  --data-urlencode "Input.Email=lead@demo.local" --data-urlencode "Input.Password=$password"
token="$(curl -fsS -b "$jar" -H 'Content-Type: application/json' -d '{"name":"load test"}' "$base/api/tokens" | jq -r .secret)"
[[ "$token" == fts_* ]] || { echo "could not create an API token"; exit 1; }

auth=(-H "Authorization: Bearer $token")
project="$(curl -fsS "${auth[@]}" "$base/api/projects" | jq -r '[.[] | select(.name == "Support ticket triage")][0].id')"
dataset="$(curl -fsS "${auth[@]}" "$base/api/datasets?projectId=$project" | jq -r '.[0].id')"
examples="$(curl -fsS "${auth[@]}" "$base/api/datasets/$dataset/examples?pageSize=1" | jq -r .total)"
pages=$(( (examples + 19) / 20 ))
echo "dataset $dataset: $examples examples ($pages pages of 20)"

warmup="${FTS_LOAD_WARMUP:-10}"
export FTS_LOAD_TOKEN="$token" FTS_LOAD_DATASET="$dataset" FTS_LOAD_CONNECTIONS="$connections" FTS_LOAD_PAGES="$pages"
if ((warmup > 0)); then
  echo "warming up for ${warmup}s (not reported)"
  wrk -t "$connections" -c "$connections" -d "${warmup}s" --timeout 10s -s "$root/scripts/load/examples.lua" "$base" >/dev/null
fi

# CPU time the app itself spends per request does not depend on what else runs on the machine.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$app_pid/stat"; }
ticks_before="$(cpu_ticks)"
echo "running wrk: $connections connections for ${duration}s (load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
wrk -t "$connections" -c "$connections" -d "${duration}s" --timeout 10s --latency \
  -s "$root/scripts/load/examples.lua" "$base" | tee "$work/wrk.txt"
ticks_after="$(cpu_ticks)"
requests="$(grep -o '^requests *[0-9]*' "$work/wrk.txt" | awk '{print $2}')"
awk -v t="$((ticks_after - ticks_before))" -v hz="$(getconf CLK_TCK)" -v n="$requests" -v cores="$(nproc)" \
  'BEGIN { ms = t * 1000 / hz / n; printf "app CPU          %.2f ms per request (%.0f req/s if the app had all %d cores)\n", ms, cores * 1000 / ms, cores }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if grep -q "^errors total *0$" "$work/wrk.txt"; then
  echo "load test passed: no errors"
else
  echo "load test FAILED: see the counts above"
  exit 1
fi
