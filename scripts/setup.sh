#!/usr/bin/env bash
# One-step setup on a fresh machine: Debian packages the servers and tests need (when root), npm
# dependencies from the lock file, the TypeScript build, and the Go reference server.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Go + gorilla/websocket for the go-goroutines server, Chromium for the dashboard's
# browser test, iproute2 for the distributed-run test's network namespaces. Installed only when missing,
# since apt is slow even when there is nothing to do.
APT_PACKAGES=(golang-go golang-github-gorilla-websocket-dev chromium iproute2)
# A JDK (17+) for java-threads, only when none is installed: a preinstalled Temurin or other JDK is used as is.
bash scripts/build-java.sh --find-jdk >/dev/null 2>&1 || APT_PACKAGES+=(openjdk-17-jdk-headless)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (servers needing them will be listed as unavailable): ${missing[*]}"
    echo "setup: install them with: sudo apt-get install -y ${missing[*]}"
  fi
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "setup: build"
npm run --silent build

if [ -f scripts/build-go.sh ]; then
  bash scripts/build-go.sh
fi
bash scripts/build-java.sh
echo "setup: done. Try: npx wsarena servers"
