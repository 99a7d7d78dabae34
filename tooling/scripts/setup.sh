#!/usr/bin/env bash
# Sets up a fresh machine for zmq-ts: pnpm at the version package.json pins,
# the Debian packages the interop tests talk to, and the workspace's
# dependencies from the committed lock file. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

export TURBO_TELEMETRY_DISABLED=1
export CI="${CI:-}"

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm@$pnpm_version"
  npm install -g "pnpm@$pnpm_version" --no-fund --no-audit >/dev/null
fi

# Real peers for apps/interop. Listed in tooling/scripts/debian-packages.txt
# (one name a line); installed only when missing, and only where apt exists.
wanted=()
if [ -f tooling/scripts/debian-packages.txt ]; then
  while read -r pkg; do
    case "$pkg" in ''|'#'*) continue ;; esac
    dpkg -s "$pkg" >/dev/null 2>&1 || wanted+=("$pkg")
  done < tooling/scripts/debian-packages.txt
fi
command -v java >/dev/null 2>&1 || wanted+=(default-jdk-headless)
if [ ${#wanted[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: apt-get install ${wanted[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
  else
    echo "setup: no apt-get; interop tests that need ${wanted[*]} will be skipped" >&2
  fi
fi

pnpm install --frozen-lockfile --reporter=append-only
