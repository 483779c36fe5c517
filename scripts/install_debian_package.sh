#!/usr/bin/env bash
# Installs one Debian package with apt-get (as root, or through sudo) unless its program is already
# there: install_debian_package.sh <program path or name> <package> <why, for the log line>.
set -euo pipefail
program=$1 package=$2 why=$3
if command -v "$program" >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
echo "Installing Debian's $package ($why)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$package"
