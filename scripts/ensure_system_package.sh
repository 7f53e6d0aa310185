#!/usr/bin/env bash
# Make sure a Debian package the tests need is installed:  ensure_system_package.sh BINARY PACKAGE WHAT
#
#   BINARY present                     -> exit 0
#   root, or passwordless sudo + apt   -> apt-get install PACKAGE (no recommends), exit 0
#   otherwise                          -> explain; exit 0 (those tests are skipped), or 1 if CI=true
# Used by ensure_chromium.sh (the browser tests) and ensure_nginx.sh (the replica pool's balancer).
set -euo pipefail

BINARY=$1
PACKAGE=$2
WHAT=$3
NAME=$(basename "$BINARY")

if [ -x "$BINARY" ]; then
    echo "ensure_$NAME: $BINARY is installed."
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
    echo "ensure_$NAME: installing the Debian $PACKAGE package ..."
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # policy-rc.d-style systems may refuse to start the service: the tests start their own processes
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$PACKAGE"
    if [ -x "$BINARY" ]; then
        echo "ensure_$NAME: installed $PACKAGE."
        exit 0
    fi
    echo "ensure_$NAME: apt-get finished but $BINARY is still missing." >&2
else
    echo "ensure_$NAME: $BINARY is missing and cannot be installed here" \
         "(needs root or passwordless sudo, and apt-get)." >&2
    echo "  Install it yourself: sudo apt-get install --no-install-recommends $PACKAGE" >&2
fi

case "${CI:-}" in
    [Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss])
        echo "ensure_$NAME: CI=${CI}, so a missing $PACKAGE is an error." >&2
        exit 1 ;;
esac
echo "ensure_$NAME: $WHAT will be skipped." >&2
exit 0
