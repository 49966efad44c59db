#!/bin/sh
# Install what Hecate needs on Debian 12 (run as root), skipping what is
# already there, then fetch the data sets.  Safe to run repeatedly.
set -eu
cd "$(dirname "$0")/.."

PKGS="gcc clang meson ninja-build pkg-config check libgmp-dev libomp-dev zlib1g-dev libpng-dev libjpeg-dev dataset-fashion-mnist"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing" >&2
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: these packages are missing and installing them needs root:$missing" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

if [ -x scripts/get-data.sh ]; then
	scripts/get-data.sh
fi
