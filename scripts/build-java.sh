#!/usr/bin/env bash
# Builds the JDK-only Java server (java-threads and java-virtual-threads share it) into
# servers/java-threads/build/: the classes (package wsarena) and build/jdk.json, the stamp the spec reads
# (javaHome, feature version) so availability() never has to run `java -version`.
#
#   bash scripts/build-java.sh             build
#   bash scripts/build-java.sh --test      instead compile into a temporary directory and run
#                                          wsarena.SelfTest (WORK vectors, request checks, handshake,
#                                          frame rules); test/servers/java-threads.test.ts runs this
#   bash scripts/build-java.sh --find-jdk  print the JDK home this script would use; exit 1 if none
#
# The JDK: $WSARENA_JAVA_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64 if it has bin/javac, else the
# highest-version JDK with bin/javac under /usr/lib/jvm, else javac on PATH. It must be 17 or newer. The
# classes are compiled with --release 17, so they run on 17 (java-threads only) and 21+ (both servers).
#
# Without a JDK this prints how to install one and exits 0, so setup on a machine without Java still
# succeeds (the servers are then listed as unavailable); with CI=true a missing JDK exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=servers/java-threads/src
OUT=servers/java-threads/build
INSTALL_HINT="install with: apt-get install -y openjdk-17-jdk-headless (java-virtual-threads needs JDK 21+, e.g. Temurin 21 or 25)"

mode=build
case "${1:-}" in
  "") ;;
  --test) mode=test ;;
  --find-jdk) mode=find ;;
  *) echo "usage: bash scripts/build-java.sh [--test|--find-jdk]" >&2; exit 2 ;;
esac

# Feature version (17, 21, 25, …) of the JDK at $1, from `javac -version` ("javac 17.0.15"; old "1.8.0").
jdk_feature() {
  local v
  v="$("$1/bin/javac" -version 2>&1 | awk '/^javac /{print $2; exit}')" || return 1
  [ -n "$v" ] || return 1
  v="${v#1.}"
  echo "${v%%[.+-]*}"
}

find_jdk() {
  if [ -n "${WSARENA_JAVA_HOME:-}" ]; then
    [ -x "$WSARENA_JAVA_HOME/bin/javac" ] && { echo "$WSARENA_JAVA_HOME"; return 0; }
    echo "java: WSARENA_JAVA_HOME=$WSARENA_JAVA_HOME has no bin/javac" >&2
    return 1
  fi
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/javac ]; then
    echo /usr/lib/jvm/temurin-25-jdk-amd64
    return 0
  fi
  local best="" best_feature=0 dir feature
  for dir in /usr/lib/jvm/*/; do
    dir="${dir%/}"
    [ -L "$dir" ] && continue # Debian's java-1.17.0-openjdk-amd64 -> java-17-openjdk-amd64
    [ -x "$dir/bin/javac" ] || continue
    feature="$(jdk_feature "$dir" 2>/dev/null || echo 0)"
    if [ "$feature" -gt "$best_feature" ]; then best="$dir"; best_feature="$feature"; fi
  done
  if [ -n "$best" ]; then echo "$best"; return 0; fi
  if command -v javac >/dev/null 2>&1; then
    dirname "$(dirname "$(readlink -f "$(command -v javac)")")"
    return 0
  fi
  return 1
}

missing() {
  echo "java-threads: $1; $INSTALL_HINT"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
}

if ! JAVA_HOME_DIR="$(find_jdk)"; then
  [ "$mode" = find ] && exit 1
  missing "no JDK with javac found (looked at \$WSARENA_JAVA_HOME, /usr/lib/jvm/*, PATH)"
fi
FEATURE="$(jdk_feature "$JAVA_HOME_DIR" || echo 0)"
if [ "$FEATURE" -lt 17 ]; then
  [ "$mode" = find ] && exit 1
  missing "the JDK at $JAVA_HOME_DIR is version $FEATURE; 17 or newer is needed"
fi
if [ "$mode" = find ]; then
  echo "$JAVA_HOME_DIR"
  exit 0
fi

compile() {
  "$JAVA_HOME_DIR/bin/javac" --release 17 -Xlint:all -Werror -encoding UTF-8 -d "$1" "$SRC"/wsarena/*.java
}

if [ "$mode" = test ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  compile "$tmp"
  "$JAVA_HOME_DIR/bin/java" -cp "$tmp" wsarena.SelfTest protocol/work-vectors.json
  exit 0
fi

version="$("$JAVA_HOME_DIR/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/^ *java.runtime.version =/{print $2; exit}')"
vendor="$("$JAVA_HOME_DIR/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/^ *java.vendor =/{print $2; exit}')"
# Build in a temporary directory and swap it in, so a failed compile leaves the previous build intact.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
compile "$tmp"
printf '{"javaHome":"%s","feature":%s,"version":"%s","vendor":"%s","release":17}\n' \
  "$JAVA_HOME_DIR" "$FEATURE" "${version:-unknown}" "${vendor:-unknown}" >"$tmp/jdk.json"
chmod 755 "$tmp"
rm -rf "$OUT"
mv "$tmp" "$OUT"
echo "java-threads: built $OUT with $JAVA_HOME_DIR (Java ${version:-$FEATURE}); java-virtual-threads $([ "$FEATURE" -ge 21 ] && echo available || echo "needs JDK 21+")"
