#!/usr/bin/env bash
# Make sure the system Chromium used by the browser tests (tests/e2e, tests/deploy) is installed.
#
# The e2e tests drive Debian's /usr/bin/chromium through Playwright. Never use
# `playwright install` (it downloads a browser build from a CDN).
exec bash "$(dirname "$0")/ensure_system_package.sh" /usr/bin/chromium chromium "the browser tests (tests/e2e)"
