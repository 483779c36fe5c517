#!/usr/bin/env bash
# Installs Debian's chromium, the headless browser the page tests drive (through playwright, pointed
# at /usr/bin/chromium: no browser download). Nothing to do where it is already installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
echo "Installing Debian's chromium (the unsubscribe page is tested in a headless browser)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
