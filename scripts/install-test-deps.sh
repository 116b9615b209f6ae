#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages, when missing:
#   chromium    - the browser the Playwright tests drive (/usr/bin/chromium)
#   postgresql  - the server the PostgreSQL tests run against
#   python3     - compiles the TRL recipe a version holds (python3 -m py_compile)
# Safe to run again: it installs nothing that is already there.
set -euo pipefail

need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)

if ((${#need[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing from Debian: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
