#!/bin/sh
# Encrypted logistic-regression training end to end on a tiny fake MNIST
# made here: encrypt-dataset (keys created, then reused), train-encrypted
# in a directory holding no secret key, decrypt-model, then eval on the
# result; --help; and bad input — a wrong task, a missing data set, too
# many iterations, keys of another run, truncated and wrong files — each a
# clear error, a non-zero exit, and no existing output touched.
# Usage: test_lr_cli.sh HECATE
set -u
HECATE=$1
case $HECATE in /*) ;; *) HECATE=$(pwd)/$HECATE ;; esac
. "$(dirname "$0")/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
same() { # description, file, saved checksum
	if [ "$(cksum < "$2")" = "$3" ]; then pass=$((pass + 1)); else echo "FAIL: $1: $2 changed"; fail=$((fail + 1)); fi
}

# 48 random 28x28 images labelled 3, 8, 3, 8, ... as both splits of a fake
# "mnist" (random pixels: the point is the plumbing, not the accuracy).
d=$tmp/data/mnist
mkdir -p "$d"
{ printf '\000\000\010\003\000\000\000\060\000\000\000\034\000\000\000\034'; head -c 37632 /dev/urandom; } > "$d/train-images-idx3-ubyte"
{ printf '\000\000\010\001\000\000\000\060'
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24; do printf '\003\010'; done; } > "$d/train-labels-idx1-ubyte"
cp "$d/train-images-idx3-ubyte" "$d/t10k-images-idx3-ubyte"
cp "$d/train-labels-idx1-ubyte" "$d/t10k-labels-idx1-ubyte"

for c in encrypt-dataset train-encrypted decrypt-model; do
	check "$c --help" 0 "$HECATE" "$c" --help
	expect_in "$c --help usage" "usage: hecate $c"
done
check "encrypt-dataset without options" 2 "$HECATE" encrypt-dataset
check "encrypt-dataset wrong task" 2 "$HECATE" encrypt-dataset --keys "$tmp/k" --task cifar --out "$tmp/x.cts"
expect_in "wrong task named" "unknown task 'cifar'"
# A Fashion-MNIST without T-shirts or shirts: the task's classes are missing.
cp -r "$d" "$tmp/data/fashion-mnist"
check "encrypt-dataset task classes missing" 1 "$HECATE" encrypt-dataset --keys "$tmp/k" --task fashion-tshirt-shirt \
	--data "$tmp/data" --out "$tmp/x.cts"
expect_in "missing classes named" "no images labelled 0 or 6"
test ! -e "$tmp/k/secret.key" && pass=$((pass + 1)) || { echo "FAIL: keys made for a failed run"; fail=$((fail + 1)); }
check "train-encrypted without options" 2 "$HECATE" train-encrypted
check "decrypt-model without options" 2 "$HECATE" decrypt-model

# The client: keys for 2 iterations (128-bit, N = 2^14 or 2^15) and the data.
check "encrypt-dataset" 0 "$HECATE" encrypt-dataset --keys "$tmp/k" --task mnist-3v8 --iters 2 --limit 40 \
	--data "$tmp/data" --out "$tmp/train.cts"
expect_in "encrypt-dataset reports" "40 mnist training images"
case $(stat -c %a "$tmp/k/secret.key") in 600) pass=$((pass + 1)) ;; *) echo "FAIL: secret.key mode"; fail=$((fail + 1)) ;; esac
sk=$(cksum < "$tmp/k/secret.key")
# Existing keys are reused, never replaced.
check "encrypt-dataset again, existing keys" 0 "$HECATE" encrypt-dataset --keys "$tmp/k" --task mnist-3v8 \
	--limit 40 --data "$tmp/data" --out "$tmp/train2.cts"
expect_in "keys reused" "existing"
same "secret key kept" "$tmp/k/secret.key" "$sk"
check "existing keys hold fewer iterations" 1 "$HECATE" encrypt-dataset --keys "$tmp/k" --task mnist-3v8 --iters 5 \
	--limit 40 --data "$tmp/data" --out "$tmp/x.cts"
expect_in "iterations refused" "at most 2 iterations"

# The server: only eval.keys and the data, no secret key anywhere near.
mkdir "$tmp/srv"
cp "$tmp/k/eval.keys" "$tmp/train.cts" "$tmp/srv/"
cd "$tmp/srv" || exit 1
echo old > model.ct
old=$(cksum < model.ct)
check "train-encrypted too many iterations" 1 "$HECATE" train-encrypted --eval-keys eval.keys train.cts --iters 3 \
	--out model.ct
expect_in "maximum named" "at most 2 iterations"
same "failed training keeps the output" model.ct "$old"
head -c 400000 train.cts > cut.cts
check "train-encrypted truncated data" 1 "$HECATE" train-encrypted --eval-keys eval.keys cut.cts --iters 2 --out model.ct
expect_in "truncation named" "truncated"
same "truncated input keeps the output" model.ct "$old"
check "train-encrypted data as keys" 1 "$HECATE" train-encrypted --eval-keys train.cts train.cts --iters 2 --out model.ct
check "train-encrypted" 0 "$HECATE" train-encrypted --eval-keys eval.keys train.cts --iters 2 --out model.ct
expect_in "per-iteration time" "iteration   2/2"
expect_in "no secret key" "no secret key involved"
ls "$tmp/srv" | grep -q secret && { echo "FAIL: a secret key on the server"; fail=$((fail + 1)); }
cd "$tmp" || exit 1

# Keys of another run (same parameters): refused by the server and by
# decrypt-model.
check "encrypt-dataset other keys" 0 "$HECATE" encrypt-dataset --keys "$tmp/k2" --task mnist-3v8 --iters 2 \
	--limit 40 --data "$tmp/data" --out "$tmp/train-k2.cts"
check "train-encrypted mismatched keys" 1 "$HECATE" train-encrypted --eval-keys "$tmp/k2/eval.keys" \
	"$tmp/train.cts" --iters 2 --out "$tmp/m2.ct"
expect_in "mismatch named" "keys"
check "decrypt-model mismatched keys" 1 "$HECATE" decrypt-model --keys "$tmp/k2" "$tmp/srv/model.ct" --out "$tmp/m.hcm"
test ! -e "$tmp/m.hcm" && pass=$((pass + 1)) || { echo "FAIL: output of a failed decrypt"; fail=$((fail + 1)); }

# The client opens the model; eval reads it.
check "decrypt-model data set" 1 "$HECATE" decrypt-model --keys "$tmp/k" "$tmp/train.cts" --out "$tmp/m.hcm"
expect_in "not a model" "data set"
check "decrypt-model" 0 "$HECATE" decrypt-model --keys "$tmp/k" "$tmp/srv/model.ct" --out "$tmp/m.hcm"
check "eval decrypted model" 0 "$HECATE" eval "$tmp/m.hcm" --data "$tmp/data"
expect_in "eval accuracy" "accuracy"
check "info decrypted model" 0 "$HECATE" info "$tmp/m.hcm"
expect_in "note records the schedule" "encrypted training"

finish cli-lr
