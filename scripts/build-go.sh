#!/usr/bin/env bash
# Builds the Go servers into servers/go-goroutines/bin/go-goroutines, offline, in GOPATH mode against
# Debian's packaged gorilla/websocket (no module downloads, no network). One binary serves both Go
# models: go-goroutines by default, go-os-threads with --lock-os-threads (servers/go-os-threads/spec.ts).
#
#   bash scripts/build-go.sh          build the binary
#   bash scripts/build-go.sh --test   instead run go vet and go test (WORK vectors, request checks, flags);
#                                     test/servers/go-goroutines.test.ts runs this
#
# Without Go or gorilla this prints how to install them and exits 0, so setup on a machine without Go
# still succeeds (the server is then listed as unavailable); with CI=true a missing toolchain exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=./servers/go-goroutines
OUT=servers/go-goroutines/bin/go-goroutines
GOPATH_DIR=/usr/share/gocode
GORILLA_DIR="$GOPATH_DIR/src/github.com/gorilla/websocket"
INSTALL_HINT="install with: apt-get install -y golang-go golang-github-gorilla-websocket-dev"

run_tests=false
case "${1:-}" in
  "") ;;
  --test) run_tests=true ;;
  *) echo "usage: bash scripts/build-go.sh [--test]" >&2; exit 2 ;;
esac

missing() {
  echo "go-goroutines: $1; $INSTALL_HINT"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
}
command -v go >/dev/null 2>&1 || missing "Go is not installed"
[ -d "$GORILLA_DIR" ] || missing "gorilla/websocket is not installed ($GORILLA_DIR is missing)"

# GOPATH mode against the Debian source tree; GOFLAGS/GOPROXY cleared so a user's settings cannot turn
# this into a module build that wants the network.
export GO111MODULE=off GOPATH="$GOPATH_DIR" GOFLAGS= GOPROXY=off
# The build cache must be writable; fall back to /tmp when $HOME is unset or read-only.
if [ -z "${GOCACHE:-}" ]; then
  GOCACHE="$(go env GOCACHE 2>/dev/null || true)"
  if [ -z "$GOCACHE" ] || [ "$GOCACHE" = "off" ] || ! mkdir -p "$GOCACHE" 2>/dev/null || [ ! -w "$GOCACHE" ]; then
    GOCACHE="${TMPDIR:-/tmp}/wsarena-go-build"
    mkdir -p "$GOCACHE"
  fi
fi
export GOCACHE

# The ready line reports the gorilla version; GOPATH mode has no go.mod to read it from, so take it
# from the Debian package (upstream part only: 1.5.0-2 -> 1.5.0).
gorilla_version="$(dpkg-query -W -f='${Version}' golang-github-gorilla-websocket-dev 2>/dev/null || true)"
gorilla_version="${gorilla_version%%-*}"
gorilla_version="${gorilla_version#*:}"

if $run_tests; then
  go vet "$PKG"
  go test -count=1 "$PKG"
  exit 0
fi

mkdir -p "$(dirname "$OUT")"
go build -trimpath -ldflags "-X main.gorillaVersion=${gorilla_version:-unknown}" -o "$OUT" "$PKG"
echo "go-goroutines, go-os-threads: built $OUT ($(go version | awk '{print $3}'), gorilla/websocket ${gorilla_version:-unknown})"
