#!/usr/bin/env bash
# Installs Debian's faketime (libfaketime), used by `make test` to run the suites with the system clock
# moved ahead. Nothing to do where it is already installed.
set -euo pipefail
exec "$(dirname "$0")/install_debian_package.sh" faketime faketime \
    "the test suites also run with the clock moved ahead"
