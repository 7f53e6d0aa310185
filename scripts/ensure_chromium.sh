#!/usr/bin/env bash
# Make sure the system Chromium used by the browser tests (tests/e2e) is installed.
#
# The e2e tests drive Debian's /usr/bin/chromium through Playwright. Never use
# `playwright install` (it downloads a browser build from a CDN).
#
#   /usr/bin/chromium present          -> exit 0
#   root, or passwordless sudo + apt   -> apt-get install chromium (Debian package), exit 0
#   otherwise                          -> explain; exit 0 (tests are skipped), or 1 if CI=true
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure_chromium: $CHROMIUM is installed."
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        SUDO="none"
    fi
fi

if [ "$SUDO" != "none" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: installing the Debian chromium package ..."
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
    if [ -x "$CHROMIUM" ]; then
        echo "ensure_chromium: installed $("$CHROMIUM" --version 2>/dev/null | tail -n 1)"
        exit 0
    fi
    echo "ensure_chromium: apt-get finished but $CHROMIUM is still missing." >&2
else
    echo "ensure_chromium: $CHROMIUM is missing and cannot be installed here" \
         "(needs root or passwordless sudo, and apt-get)." >&2
    echo "  Install it yourself: sudo apt-get install --no-install-recommends chromium" >&2
fi

case "${CI:-}" in
    [Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss])
        echo "ensure_chromium: CI=${CI}, so a missing browser is an error." >&2
        exit 1 ;;
esac
echo "ensure_chromium: the browser tests (tests/e2e) will be skipped." >&2
exit 0
