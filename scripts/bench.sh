#!/usr/bin/env bash
# Benchmarks (not tests): generates datasets of the given sizes and measures import, the example list, export,
# validation and the quality report, each in its own process, on a temporary SQLite file. Prints a Markdown table.
# Usage: scripts/bench.sh [10000 100000 1000000]   (default 10000 100000)
#        scripts/bench.sh judges [1000 10000]       generated eval runs, LLM judge runs and calibration on blind reviews of N pairs
#        scripts/bench.sh evals [20000 100000]      eval sets of N items, Vertex requests out, batch predictions back in as runs
# FTS_BENCH_SKIP=quality leaves a step out.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# The validation floor (OpenAI's cookbook checks, tokens counted by gpt-tokenizer) runs in Node.js; without it that step is skipped.
if command -v npm >/dev/null && [[ ! -d "$root/bench/validate-floor/node_modules/gpt-tokenizer" ]]; then
  npm ci --prefix "$root/bench/validate-floor" --no-audit --no-fund --silent >&2 || echo "could not install the validation floor's gpt-tokenizer; validate-floor is skipped" >&2
fi
dotnet build "$root/bench/FineTuneStudio.Bench" -c Release -v q -nologo -clp:ErrorsOnly >&2
exec dotnet "$root/bench/FineTuneStudio.Bench/bin/Release/net10.0/FineTuneStudio.Bench.dll" "$@"
