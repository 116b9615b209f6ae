#!/usr/bin/env bash
# Runs every test: unit and data tests (SQLite), HTTP tests against the real host, PostgreSQL
# tests against a local server, and browser tests in Debian's Chromium. Then the HTTP tests and
# the data tests (the *ServiceTests and database classes) once more on PostgreSQL
# (FTS_TEST_PROVIDER=postgres, a throwaway database per app factory / test database).
# Ends with the line "N passed, N failed" summed over all runs.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh || { echo "could not install test dependencies"; exit 1; }
postgres=false
if FTS_TEST_POSTGRES="$(scripts/start-postgres.sh)"; then
  export FTS_TEST_POSTGRES
  postgres=true
else
  echo "PostgreSQL did not start; its tests will fail in CI and be skipped elsewhere"
fi

results="$(pwd)/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet tool restore >/dev/null
status=0
dotnet build FineTuneStudio.sln --nologo -v q -clp:ErrorsOnly || status=$?
if ((status == 0)); then
  # One project after another, each with its own results file: deterministic names, and the
  # browser tests do not compete with the others for the two cores.
  for project in tests/*/*.Tests.csproj; do
    name=$(basename "$project" .csproj)
    dotnet test "$project" --no-build --nologo \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
      --results-directory "$results" "$@" || status=$?
  done

  # The same HTTP and data tests on PostgreSQL. Skipped only outside CI when the server is missing.
  if [[ "$postgres" == true || "${CI:-}" == true ]]; then
    FTS_TEST_PROVIDER=postgres dotnet test tests/FineTuneStudio.Web.Tests/FineTuneStudio.Web.Tests.csproj --no-build --nologo \
      --logger "trx;LogFileName=FineTuneStudio.Web.Tests.postgres.trx" --logger "console;verbosity=minimal" \
      --results-directory "$results" "$@" || status=$?
    FTS_TEST_PROVIDER=postgres dotnet test tests/FineTuneStudio.Core.Tests/FineTuneStudio.Core.Tests.csproj --no-build --nologo \
      --filter "FullyQualifiedName~ServiceTests|FullyQualifiedName~VersionServicesTests|FullyQualifiedName~StudioDbContextTests|FullyQualifiedName~DemoSeederTests" \
      --logger "trx;LogFileName=FineTuneStudio.Core.Tests.postgres.trx" --logger "console;verbosity=minimal" \
      --results-directory "$results" "$@" || status=$?
  fi
fi

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  value() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$(value total); executed=$(value executed); p=$(value passed); f=$(value failed)
  e=$(value error); t=$(value timeout); a=$(value aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done

expected=$(ls tests/*/*.Tests.csproj | wc -l)
if [[ "$postgres" == true || "${CI:-}" == true ]]; then
  expected=$((expected + 2))
fi
if ((files < expected)); then
  echo "only $files of $expected test runs wrote results"
  failed=$((failed + 1))
fi
if ((status != 0 && failed == 0)); then
  # dotnet test failed before or outside any test (build error, crashed host): never report green.
  failed=1
fi

echo "screenshots: tests/FineTuneStudio.Browser.Tests/bin/Debug/net10.0/screenshots/"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
((failed == 0))
