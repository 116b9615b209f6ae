#!/usr/bin/env bash
# Export benchmark (not a timed test): generates N approved examples in a temporary SQLite file, cuts a
# version (seconds, MB/s, peak memory), then times `fts validate` on the train file.
# Usage: scripts/bench-export.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
DIR="$(mktemp -d /tmp/fts-bench-XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
dotnet build tests/FineTuneStudio.Core.Tests -v q -nologo >/dev/null
FTS_BENCH_EXAMPLES="$N" FTS_BENCH_DIR="$DIR" dotnet test tests/FineTuneStudio.Core.Tests --no-build \
  --filter "FullyQualifiedName~ExportBenchmark" --logger "console;verbosity=detailed" | grep -E "seeded|exported|files|working set|train file"
echo "fts validate on $(wc -l < "$DIR/train.jsonl") lines:"
/usr/bin/time -f "  %e s, peak RSS %M KB" dotnet src/FineTuneStudio.Cli/bin/Debug/net10.0/fts.dll validate "$DIR/train.jsonl" --target openai-chat | grep -E "examples|errors|tokens|epochs"
