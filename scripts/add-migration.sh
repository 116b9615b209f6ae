#!/usr/bin/env bash
# Adds a migration with the same name for both providers (SQLite and PostgreSQL).
# Usage: scripts/add-migration.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/add-migration.sh NAME}"
dotnet tool restore >/dev/null
dotnet build src/FineTuneStudio.Cli -v q -nologo >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --no-build \
    --project src/FineTuneStudio.Core --startup-project src/FineTuneStudio.Cli \
    --context "${provider}StudioDbContext" --output-dir "Data/Migrations/${provider}"
done
