#!/usr/bin/env bash
# Install Debian's chromium for headless browser tests (idempotent, quiet on success).
# Prints the chromium version at the end.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ ! -x "$CHROMIUM" ]]; then
  SUDO=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo)
    else
      echo "install-chromium: need root or sudo to install chromium" >&2
      exit 1
    fi
  fi

  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  apt() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$log" 2>&1; }
  fail() { cat "$log" >&2; echo "install-chromium: $1 failed" >&2; exit 1; }

  # Only refresh package lists when apt does not know a chromium candidate yet.
  candidate="$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
    apt update -q || fail "apt-get update"
  fi
  if ! apt install -y -q --no-install-recommends chromium; then
    # Stale lists can reference versions no longer on the mirror: update and retry once.
    apt update -q || fail "apt-get update"
    apt install -y -q --no-install-recommends chromium || fail "apt-get install chromium"
  fi
fi

# The /usr/bin/chromium wrapper sources /etc/chromium.d/*, which may print harmless
# warnings; silence them for the version check.
"$CHROMIUM" --version 2>/dev/null
