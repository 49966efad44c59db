#!/bin/sh
# Install the library from a build directory into a temporary prefix and
# build and run the examples against the installed copy through pkg-config.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
meson install -C "$build" --destdir "$prefix" >/dev/null
root="$prefix$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')"
libdir=$(ls -d "$root"/lib*/ "$root"/lib/*-linux-gnu/ 2>/dev/null | while read -r d; do [ -f "$d/pkgconfig/hecate.pc" ] && echo "$d"; done | head -n1)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$prefix"
for src in examples/*.c; do
	exe="$prefix/$(basename "$src" .c)"
	# shellcheck disable=SC2046
	cc -std=c17 -Wall -Wextra -Werror "$src" -o "$exe" $(pkg-config --cflags --libs --static hecate) -fopenmp
	echo "== $src" >&2
	"$exe"
done
echo "examples: all passed" >&2
