#!/usr/bin/env bash
# Installs Debian's chromium, the headless browser the page tests drive (through playwright, pointed
# at /usr/bin/chromium: no browser download). Nothing to do where it is already installed.
set -euo pipefail
exec "$(dirname "$0")/install_debian_package.sh" /usr/bin/chromium chromium \
    "the unsubscribe page is tested in a headless browser"
