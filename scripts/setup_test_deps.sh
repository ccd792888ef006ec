#!/usr/bin/env bash
# Installs what the test suite drives besides Python packages, once:
#  - Debian's chromium (headless browser tests via Playwright's Python package)
#  - node tools from the npm registry, pinned in package.json (axe-core, vnu-jar, Cypher linter)
# Safe to run repeatedly; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium for the browser tests" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "chromium is missing; install Debian's chromium package (browser tests will fail)" >&2
  fi
fi

if [ -f package.json ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
    echo "installing node test tools (package.json)" >&2
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
    touch node_modules
  fi
fi
