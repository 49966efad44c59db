#!/bin/sh
# Install what is missing, build, and run every test twice: a release build
# (gcc) and a sanitizer build (clang, AddressSanitizer + UndefinedBehavior-
# Sanitizer, assertions on, -O2 -g so the HE-sized tests finish), both with
# -Werror; then install the library and build the
# examples against the installed copy.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {
	dir=$1
	shift
	echo "== $dir: $*" >&2
	rm -rf "$dir"
	meson setup "$dir" --werror "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; exit 1; }
	ninja -C "$dir" >"$dir.build.log" 2>&1 || { cat "$dir.build.log"; exit 1; }
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs"
}

CC=gcc run_suite build-test-release -Dbuildtype=release
CC=clang run_suite build-test-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false

if [ -x scripts/test-examples.sh ]; then
	scripts/test-examples.sh build-test-release
fi
echo "test.sh: all tests passed" >&2
