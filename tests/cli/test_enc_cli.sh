#!/bin/sh
# The encrypted-classification commands end to end on one image made here:
# keygen, encrypt, classify (in a directory holding no secret key),
# decrypt, info, --dry-run; and on bad input: a wrong key file, a
# ciphertext for another parameter set or model, truncated and corrupt
# files, an image of the wrong size or format, a missing data set — each a
# clear error, a non-zero exit, and no existing file touched.  Key files
# are created 0600 and never overwritten.  Needs no data set.
# Usage: test_enc_cli.sh HECATE MAKE_MODEL MODELS_DIR
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
HECATE=$(abs "$1")
MAKE_MODEL=$(abs "$2")
MODELS=$(abs "$3")
model=$MODELS/mnist-cryptonets.hcm
if [ ! -f "$model" ]; then
	echo "SKIP: $model is missing"
	exit 77
fi
. "$(dirname "$0")/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { # description, command...: a shell condition
	desc=$1
	shift
	if "$@"; then pass=$((pass + 1)); else echo "FAIL: $desc"; fail=$((fail + 1)); fi
}
keep() { printf 'an existing file\n' > "$1"; } # a file a failed run must not touch
kept() { [ "$(cat "$1")" = "an existing file" ]; }

# A 28x28 "1" (a light bar on black, MNIST's convention), a 30x20 image,
# and a file that is no image.
pgm() { # width height
	awk -v w="$1" -v h="$2" 'BEGIN { print "P2"; print w " " h; print 255
		for (y = 0; y < h; y++) { s = ""
			for (x = 0; x < w; x++) s = s ((x >= 12 && x <= 15 && y >= 4 && y <= 23) ? 255 : 0) " "
			print s } }'
}
pgm 28 28 > "$tmp/one.pgm"
pgm 30 20 > "$tmp/wide.pgm"
printf 'not an image\n' > "$tmp/text.png"
client=$tmp/client keys=$tmp/client/keys server=$tmp/server
mkdir -p "$client" "$server"

for c in keygen encrypt classify decrypt; do
	check "$c --help" 0 "$HECATE" "$c" --help
	expect_in "$c --help usage" "usage: hecate $c"
done
check "keygen without options" 2 "$HECATE" keygen
check "keygen without --out" 2 "$HECATE" keygen --model "$model"
check "encrypt without --out" 2 "$HECATE" encrypt --keys "$keys" --model "$model" "$tmp/one.pgm"
check "encrypt images and data set" 2 "$HECATE" encrypt --keys "$keys" --model "$model" --out "$tmp/x" \
	"$tmp/one.pgm" --dataset mnist --index 0
check "encrypt --index without --dataset" 2 "$HECATE" encrypt --keys "$keys" --model "$model" --out "$tmp/x" --index 0
check "encrypt empty range" 2 "$HECATE" encrypt --keys "$keys" --model "$model" --out "$tmp/x" --dataset mnist \
	--index 5..2
check "classify without keys" 2 "$HECATE" classify --model "$model" "$tmp/x.ct" --out "$tmp/y.ct"
check "decrypt without keys" 2 "$HECATE" decrypt "$tmp/y.ct"
check "keygen for a model that is no CNN" 1 "$HECATE" keygen --model "$MODELS/mnist-3v8-lr.hcm" --out "$tmp/lr"
expect_in "keygen no CNN message" "convolution"

# ---- client: keys ----
check "keygen" 0 "$HECATE" keygen --model "$model" --out "$keys"
expect_in "keygen prints parameters" "security:"
expect_in "keygen prints key sizes" "eval keys:"
expect_in "keygen prints the time" "time:"
ok "secret.key is mode 0600" [ "$(stat -c %a "$keys/secret.key")" = 600 ]
ok "eval.keys written" [ -s "$keys/eval.keys" ]
cp "$keys/secret.key" "$tmp/secret.copy"
check "keygen refuses an existing secret key" 1 "$HECATE" keygen --model "$model" --out "$keys"
expect_in "keygen refusal message" "refusing to overwrite"
ok "secret.key unchanged" cmp -s "$keys/secret.key" "$tmp/secret.copy"
ok "no temporary files left" [ "$(ls -A "$keys" | wc -l)" -eq 2 ]
check "info secret.key" 0 "$HECATE" info "$keys/secret.key"
expect_in "info names the secret key" "secret.key"
check "info eval.keys" 0 "$HECATE" info "$keys/eval.keys"
expect_in "info names the eval keys" "eval.keys"

# ---- client: encrypt ----
check "encrypt" 0 "$HECATE" encrypt --keys "$keys" --model "$model" "$tmp/one.pgm" --out "$client/x.ct" \
	--labels "$client/x.labels"
expect_in "encrypt count" "1 image"
check "info x.ct" 0 "$HECATE" info "$client/x.ct"
expect_in "info x.ct kind" "encrypted images"
expect_in "info x.ct checked" "checksums valid"
keep "$client/keep.ct"
check "encrypt wrong image size" 1 "$HECATE" encrypt --keys "$keys" --model "$model" "$tmp/wide.pgm" \
	--out "$client/keep.ct"
expect_in "wrong size message" "28x28"
ok "wrong size: output untouched" kept "$client/keep.ct"
check "encrypt --resize" 0 "$HECATE" encrypt --keys "$keys" --model "$model" "$tmp/wide.pgm" --resize \
	--out "$client/x2.ct"
check "encrypt not an image" 1 "$HECATE" encrypt --keys "$keys" --model "$model" "$tmp/text.png" \
	--out "$client/keep.ct"
ok "not an image: output untouched" kept "$client/keep.ct"
check "encrypt missing image" 1 "$HECATE" encrypt --keys "$keys" --model "$model" "$tmp/none.pgm" \
	--out "$client/keep.ct"
ok "missing image: output untouched" kept "$client/keep.ct"
check "encrypt with eval.keys as the key" 1 "$HECATE" encrypt --keys "$keys/eval.keys" --model "$model" \
	"$tmp/one.pgm" --out "$client/keep.ct"
expect_in "wrong key file message" "eval.keys"
ok "wrong key: output untouched" kept "$client/keep.ct"
check "encrypt without keys" 1 "$HECATE" encrypt --keys "$tmp/nokeys" --model "$model" "$tmp/one.pgm" \
	--out "$client/keep.ct"
expect_in "missing keys message" "hecate keygen"
check "encrypt with a truncated key" 1 sh -c "head -c 100 '$keys/secret.key' > '$tmp/short.key' &&
	'$HECATE' encrypt --keys '$tmp/short.key' --model '$model' '$tmp/one.pgm' --out '$client/keep.ct'"
expect_in "truncated key message" "truncated"
ok "truncated key: output untouched" kept "$client/keep.ct"
if [ ! -d /usr/share/datasets/mnist ]; then
	mkdir -p "$tmp/empty"
	check "encrypt from a missing data set" 1 sh -c "cd '$tmp/empty' && env -u HECATE_DATA '$HECATE' encrypt \
		--keys '$keys' --model '$model' --dataset mnist --index 0..1 --data '$tmp/empty' --out '$client/keep.ct'"
	expect_in "missing data set names the places" "$tmp/empty"
	expect_in "missing data set says how to install" "npm"
	ok "missing data set: output untouched" kept "$client/keep.ct"
fi

# ---- server: a directory with the model, eval.keys and x.ct only ----
cp "$model" "$keys/eval.keys" "$client/x.ct" "$server/"
cd "$server" || exit 1
ok "the server holds no secret key" [ -z "$(ls -A | grep -v -e '^mnist-cryptonets.hcm$' -e '^eval.keys$' -e '^x.ct$')" ]
check "classify" 0 "$HECATE" classify --model mnist-cryptonets.hcm --eval-keys eval.keys x.ct --out y.ct
expect_in "classify count" "1 image"
expect_in "classify time" "time:"
check "info y.ct" 0 "$HECATE" info y.ct
expect_in "info y.ct kind" "encrypted scores"
keep keep.ct
check "classify with the secret key" 1 "$HECATE" classify --model mnist-cryptonets.hcm \
	--eval-keys "$keys/secret.key" x.ct --out keep.ct
expect_in "classify wrong key file message" "secret"
ok "wrong key: output untouched" kept keep.ct
head -c 2000000 eval.keys > short.keys
check "classify with truncated keys" 1 "$HECATE" classify --model mnist-cryptonets.hcm --eval-keys short.keys \
	x.ct --out keep.ct
expect_in "truncated keys message" "truncated"
ok "truncated keys: output untouched" kept keep.ct
head -c 100000 x.ct > short.ct
check "classify a truncated ciphertext" 1 "$HECATE" classify --model mnist-cryptonets.hcm --eval-keys eval.keys \
	short.ct --out keep.ct
expect_in "truncated ciphertext message" "truncated"
ok "truncated ciphertext: output untouched" kept keep.ct
head -c 160 x.ct > header.ct
check "classify a header without ciphertexts" 1 "$HECATE" classify --model mnist-cryptonets.hcm \
	--eval-keys eval.keys header.ct --out keep.ct
expect_in "missing ciphertext message" "missing"
cp x.ct corrupt.ct
printf 'XY' | dd of=corrupt.ct bs=1 seek=5000 conv=notrunc 2>/dev/null
if cmp -s x.ct corrupt.ct; then printf 'ZW' | dd of=corrupt.ct bs=1 seek=5000 conv=notrunc 2>/dev/null; fi
check "classify a corrupt ciphertext" 1 "$HECATE" classify --model mnist-cryptonets.hcm --eval-keys eval.keys \
	corrupt.ct --out keep.ct
expect_in "corrupt ciphertext message" "checksum"
check "classify scores instead of images" 1 "$HECATE" classify --model mnist-cryptonets.hcm \
	--eval-keys eval.keys y.ct --out keep.ct
expect_in "scores as input message" "encrypted scores"
ok "bad inputs: output untouched" kept keep.ct

# Another parameter set: a tiny model (depth 3) and its own keys.
check "make a tiny model" 0 "$MAKE_MODEL" "$tmp/tiny.hcm"
check "keygen for the tiny model" 0 "$HECATE" keygen --model "$tmp/tiny.hcm" --out "$tmp/tiny"
check "encrypt for the tiny model" 0 "$HECATE" encrypt --keys "$tmp/tiny" --model "$tmp/tiny.hcm" \
	"$tmp/one.pgm" --out "$tmp/tiny.ct"
# The dry run on the tiny model's keys (the shipped model's costs the same
# but takes longer to calibrate, which matters under a sanitizer).
check "classify --dry-run" 0 "$HECATE" classify --model "$tmp/tiny.hcm" --eval-keys "$tmp/tiny/eval.keys" --dry-run
expect_in "dry-run counts" "rotations"
expect_in "dry-run levels" "levels:"
expect_in "dry-run key bytes" "MB"
expect_in "dry-run estimate" "estimate:"
check "encrypt with keys of another model" 1 "$HECATE" encrypt --keys "$tmp/tiny" --model "$model" \
	"$tmp/one.pgm" --out "$client/keep.ct"
expect_in "keys of another model message" "other parameters"
check "classify a ciphertext made for another model" 1 "$HECATE" classify --model mnist-cryptonets.hcm \
	--eval-keys eval.keys "$tmp/tiny.ct" --out keep.ct
expect_in "other model message" "encrypted for model"
check "classify with keys for other parameters" 1 "$HECATE" classify --model mnist-cryptonets.hcm \
	--eval-keys "$tmp/tiny/eval.keys" x.ct --out keep.ct
expect_in "other parameters message" "holds keys for parameters"
check "classify with another model" 1 "$HECATE" classify --model "$tmp/tiny.hcm" --eval-keys eval.keys x.ct \
	--out keep.ct
ok "other parameters: output untouched" kept keep.ct
ok "the server still holds no secret key" [ -z "$(ls -A | grep -i secret)" ]

# ---- client: decrypt ----
cp y.ct "$client/y.ct"
cd "$client" || exit 1
check "decrypt" 0 "$HECATE" decrypt --keys "$keys" y.ct --labels x.labels
expect_in "decrypt agreement" "agreement:   1 / 1"
check "decrypt --json --model" 0 "$HECATE" decrypt --keys "$keys" y.ct --json --model "$model"
expect_in "decrypt json" '"scores":['
enc=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.*"label":\([0-9]*\).*/\1/p')
check "predict in plaintext" 0 "$HECATE" predict "$model" "$tmp/one.pgm" --json
plain=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.*"label":\([0-9]*\).*/\1/p')
ok "encrypted label $enc = plaintext label $plain" [ -n "$enc" -a "$enc" = "$plain" ]
check "decrypt with eval.keys" 1 "$HECATE" decrypt --keys "$keys/eval.keys" y.ct
expect_in "decrypt wrong key file message" "eval.keys"
check "decrypt with keys for other parameters" 1 "$HECATE" decrypt --keys "$tmp/tiny" y.ct
expect_in "decrypt other parameters message" "parameters"
check "decrypt with another model" 1 "$HECATE" decrypt --keys "$keys" y.ct --model "$tmp/tiny.hcm"
expect_in "decrypt other model message" "model"
check "decrypt images instead of scores" 1 "$HECATE" decrypt --keys "$keys" x.ct
expect_in "decrypt images message" "encrypted images"
head -c 50000 y.ct > short.y
check "decrypt a truncated result" 1 "$HECATE" decrypt --keys "$keys" short.y
expect_in "decrypt truncated message" "truncated"
ok "secret.key still 0600 and unchanged" [ "$(stat -c %a "$keys/secret.key")" = 600 ]
ok "secret.key bytes unchanged" cmp -s "$keys/secret.key" "$tmp/secret.copy"

# ---- the batch layout: three images, one per slot ----
# A second digit-like image (a "7": top bar and a stroke down) and the
# "1" shifted by two pixels.
awk 'BEGIN { print "P2"; print "28 28"; print 255
	for (y = 0; y < 28; y++) { s = ""
		for (x = 0; x < 28; x++) s = s (((y >= 5 && y <= 7 && x >= 6 && x <= 21) || (y > 7 && y <= 23 && x >= 19 - (y - 8) / 3 && x <= 21 - (y - 8) / 3)) ? 255 : 0) " "
		print s } }' > "$tmp/seven.pgm"
pgm 28 28 | awk 'NR <= 3 { print; next } { print "0 0 " $0 }' | awk 'NR <= 3 { print; next } { $27 = ""; $28 = ""; print }' > "$tmp/shifted.pgm"
bkeys=$tmp/batch/keys bserver=$tmp/batch/server
mkdir -p "$bserver"
cd "$tmp/batch" || exit 1
check "keygen --layout bogus" 2 "$HECATE" keygen --model "$model" --out "$bkeys" --layout bogus
check "keygen --layout batch" 0 "$HECATE" keygen --model "$model" --out "$bkeys" --layout batch
expect_in "keygen batch plan" "batch layout"
expect_in "keygen batch: no rotation keys" "no rotation keys"
check "encrypt batch" 0 "$HECATE" encrypt --keys "$bkeys" --model "$model" "$tmp/one.pgm" "$tmp/seven.pgm" \
	"$tmp/shifted.pgm" --out x.ct --labels x.labels
expect_in "encrypt batch: one per slot" "one per slot: 1 batch of 784"
check "info batch x.ct" 0 "$HECATE" info x.ct
expect_in "info batch layout" "batch layout"
expect_in "info batch checked" "784 ciphertexts"
cp "$model" "$bkeys/eval.keys" x.ct "$bserver/"
cd "$bserver" || exit 1
check "classify batch images with latency keys" 1 "$HECATE" classify --model "$(basename "$model")" \
	--eval-keys "$keys/eval.keys" x.ct --out keep.ct
expect_in "batch vs latency keys message" "different keygen runs"
check "classify --dry-run with batch keys" 1 "$HECATE" classify --model "$(basename "$model")" \
	--eval-keys eval.keys --dry-run
expect_in "dry run batch keys message" "latency layout"
check "classify batch" 0 "$HECATE" classify --model "$(basename "$model")" --eval-keys eval.keys x.ct --out y.ct
expect_in "classify batch summary" "one per slot in 1 batch"
expect_in "classify batch rate" "images/s"
ok "batch server: no secret key" [ -z "$(ls -A | grep -i secret)" ]
head -c 3000000 x.ct > short.ct
check "classify a truncated batch" 1 "$HECATE" classify --model "$(basename "$model")" --eval-keys eval.keys \
	short.ct --out keep2.ct
expect_in "truncated batch message" "truncated"
ok "truncated batch: no output" [ ! -e keep2.ct ]
cd "$tmp/batch" || exit 1
cp "$bserver/y.ct" y.ct
check "info batch y.ct" 0 "$HECATE" info y.ct
expect_in "info batch scores" "10 ciphertexts each"
check "decrypt batch" 0 "$HECATE" decrypt --keys "$bkeys" y.ct --labels x.labels
expect_in "decrypt batch agreement" "agreement:   3 / 3"
check "decrypt batch --json" 0 "$HECATE" decrypt --keys "$bkeys" y.ct --json
ok "decrypt batch: three images" [ "$(printf '%s\n' "$LAST_OUT" | grep -c '"label"')" -eq 3 ]
check "decrypt batch with latency keys" 1 "$HECATE" decrypt --keys "$keys" y.ct
expect_in "decrypt batch other parameters" "parameters"

finish cli-enc
