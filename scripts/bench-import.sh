#!/usr/bin/env bash
# Import benchmark (not a test): a 100,000-line JSONL file and a 10,000-row CSV imported through the fts CLI
# into a throw-away SQLite database. Prints rows per second and peak memory (max resident set size).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/fts-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT

dotnet build "$root/src/FineTuneStudio.Cli" -c Release -v q -nologo >/dev/null
fts="$root/src/FineTuneStudio.Cli/bin/Release/net10.0/fts.dll"

python3 - "$work" <<'PY'
import json, sys, random
random.seed(7)
work = sys.argv[1]
labels = ["critical", "high", "normal", "low"]
with open(f"{work}/chat.jsonl", "w") as f:
    for i in range(100_000):
        f.write(json.dumps({"messages": [
            {"role": "system", "content": "You sort support tickets by urgency."},
            {"role": "user", "content": f"Ticket {i}: the export page times out after {random.randint(1, 90)} seconds for account {random.randint(1000, 9999)}."},
            {"role": "assistant", "content": random.choice(labels)}]}) + "\n")
with open(f"{work}/tickets.csv", "w") as f:
    f.write("text,label,tags\n")
    for i in range(10_000):
        f.write(f"\"Row {i}: invoice {random.randint(1, 10**6)} was charged twice, please check\",{random.choice(labels)},\"billing;row{i % 10}\"\n")
PY

run() {
  local name="$1" rows="$2"; shift 2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$work/time.txt" dotnet "$fts" import "$@" --db "$work/bench.db" --project Bench --dataset "$name" >"$work/out.txt" 2>"$work/err.txt" \
    || { cat "$work/err.txt"; exit 1; }
  end=$(date +%s.%N)
  local peak
  peak=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'{sys.argv[3]:<8} {int(sys.argv[4]):>7} rows  {s:6.1f} s  {int(sys.argv[4])/s:8.0f} rows/s  peak {int(sys.argv[5])/1024:6.0f} MB  ({sys.argv[6]})')" \
    "$start" "$end" "$name" "$rows" "$peak" "$(tail -1 "$work/out.txt")"
}

echo "file sizes: $(du -h "$work/chat.jsonl" | cut -f1) JSONL, $(du -h "$work/tickets.csv" | cut -f1) CSV"
dotnet "$fts" migrate --db "$work/bench.db" >/dev/null
run jsonl 100000 "$work/chat.jsonl" --format openai-chat
run csv 10000 "$work/tickets.csv" --map user=text,label=label,tags=tags
