#!/usr/bin/env bash
# Installs Debian's faketime (libfaketime), used by `make test` to run the suites with the system clock
# moved ahead. Nothing to do where it is already installed.
set -euo pipefail
if command -v faketime >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
echo "Installing Debian's faketime (the test suites also run with the clock moved ahead)..."
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq faketime
