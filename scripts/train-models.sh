#!/bin/sh
# Regenerate the shipped models in models/ from the data sets and fixed
# seeds.  Training is deterministic (fixed-order sums, seeded random
# numbers, results independent of the thread count), so each file comes
# out bit for bit the same on the same platform (x86-64, glibc libm).
#
# usage: scripts/train-models.sh [--check] [--only NAME] [HECATE]
#   --check      train into a temporary directory and compare with models/
#                byte for byte instead of replacing them
#   --only NAME  just one model (e.g. mnist-cryptonets)
#   HECATE       the hecate binary (default: build/src/cli/hecate)
# Needs the data sets: scripts/get-data.sh.  Takes about 15 minutes on an
# idle 2-core machine (CryptoNets shapes ~2 min each, deeper ones ~4-5 min,
# the logistic regressions seconds); proportionally longer when shared.
set -eu
cd "$(dirname "$0")/.."

check=0 only=
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=1 ;;
	--only) shift; only=$1 ;;
	-h|--help) sed -n '2,/^set/p' "$0" | grep '^#' | cut -c3-; exit 0 ;;
	*) break ;;
	esac
	shift
done
hecate=${1:-build/src/cli/hecate}
[ -x "$hecate" ] || { echo "train-models: $hecate not built (meson setup build && ninja -C build)" >&2; exit 1; }

out=models
if [ "$check" -eq 1 ]; then
	out=$(mktemp -d)
fi
mkdir -p "$out"

# name | command (the model file is appended as --out)
models='
mnist-cryptonets|train --dataset mnist --arch cryptonets --epochs 20 --seed 1 --shift 1
fashion-mnist-cryptonets|train --dataset fashion-mnist --arch cryptonets --epochs 20 --seed 1 --shift 1 --flip --wd 0.05
mnist-deep|train --dataset mnist --arch deep --epochs 20 --seed 1 --shift 1
fashion-mnist-deep|train --dataset fashion-mnist --arch deep --epochs 20 --seed 1 --shift 1 --flip --wd 0.05
mnist-3v8-lr|train-lr --task mnist-3v8 --degree 3 --seed 1
fashion-tshirt-shirt-lr|train-lr --task fashion-tshirt-shirt --degree 3 --seed 1
'

status=0
while IFS='|' read -r name cmd; do
	[ -n "$name" ] || continue
	[ -z "$only" ] || [ "$only" = "$name" ] || continue
	echo "== $name: hecate $cmd" >&2
	start=$(date +%s)
	# shellcheck disable=SC2086 # cmd is a word list on purpose
	"$hecate" $cmd --out "$out/$name.hcm" || exit 1
	echo "== $name: $(($(date +%s) - start)) s" >&2
	if [ "$check" -eq 1 ]; then
		if cmp -s "$out/$name.hcm" "models/$name.hcm"; then
			echo "== $name: identical to models/$name.hcm" >&2
		else
			echo "== $name: DIFFERS from models/$name.hcm (new file kept in $out)" >&2
			status=1
		fi
	fi
done <<LIST
$models
LIST
if [ "$check" -eq 1 ] && [ "$status" -eq 0 ]; then
	rm -rf "$out"
fi
exit "$status"
