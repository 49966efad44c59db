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
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs" || rerun_tracer_crashes "$dir"
}

# A test that failed only because LeakSanitizer's own stop-the-world
# tracer crashed at a process exit ("LeakSanitizer has encountered a fatal
# error", seen once at the exit of a forked Check child: a race in the
# sanitizer runtime, not a leak, which LSan reports as "detected memory
# leaks", nor a failed check) is run once more, alone; any other failure
# fails at once.
rerun_tracer_crashes() {
	names=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
crash = "LeakSanitizer has encountered a fatal error"
names = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["result"] in ("OK", "SKIP", "EXPECTEDFAIL"):
        continue
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    if crash not in out or "detected memory leaks" in out:
        sys.exit(1)
    names.append(t["name"].split(" / ")[-1])
print(" ".join(names))
PY
	) || return 1
	[ -n "$names" ] || return 1
	echo "test.sh: LeakSanitizer's tracer crashed in: $names; running them once more" >&2
	# shellcheck disable=SC2086
	meson test -C "$1" --print-errorlogs $names
}

CC=gcc run_suite build-test-release -Dbuildtype=release
CC=clang run_suite build-test-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false

if [ -x scripts/test-examples.sh ]; then
	scripts/test-examples.sh build-test-release
fi
echo "test.sh: all tests passed" >&2
