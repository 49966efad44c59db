#!/bin/sh
# Install what is missing, build, and run Hecate's main job: private
# classification of real MNIST test images.  The client makes keys and
# encrypts; the server, in a directory holding no secret key, classifies
# the ciphertexts; the client decrypts.  For each image it prints the true
# label, the decrypted label and the plaintext model's label, and the time
# of each step.
#
# With --batch it then classifies the whole MNIST test set (10,000 images)
# in the throughput layout, one image per slot, 8192 a batch, and prints the
# agreement with the plaintext model and the images per second.
#
# usage: scripts/demo.sh [IMAGES] [--batch]   (default 5: the first IMAGES test images)
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build >/dev/null

batch=0
images=5
for arg in "$@"; do
	case $arg in
	--batch) batch=1 ;;
	*[!0-9]* | '') echo "usage: scripts/demo.sh [IMAGES] [--batch]" >&2; exit 2 ;;
	*) images=$arg ;;
	esac
done
hecate=$(pwd)/build/src/cli/hecate
model=$(pwd)/models/mnist-cryptonets.hcm
data=$(pwd)/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
client=$work/client server=$work/server
mkdir -p "$client" "$server"

now() { date +%s.%N; }
took() { echo "$1 $2" | awk '{ printf "%.2f s", $2 - $1 }'; }
step() { printf '\n== %s\n' "$1"; }

"$hecate" cpu | grep -e 'selected:' || true

step "client: hecate keygen (secret key stays here; eval.keys goes to the server)"
t0=$(now)
"$hecate" keygen --model "$model" --out "$client/keys"
t_keygen=$(took "$t0" "$(now)")

step "client: hecate encrypt the first $images MNIST test images"
t0=$(now)
"$hecate" encrypt --keys "$client/keys" --model "$model" --dataset mnist --data "$data" \
	--index "0..$((images - 1))" --out "$client/x.ct" --labels "$client/labels.txt"
t_encrypt=$(took "$t0" "$(now)")

step "server: hecate classify, in a directory with no secret key"
cp "$model" "$client/keys/eval.keys" "$client/x.ct" "$server/"
echo "server holds: $(cd "$server" && ls | tr '\n' ' ')"
t0=$(now)
(cd "$server" && "$hecate" classify --model mnist-cryptonets.hcm --eval-keys eval.keys x.ct --out y.ct)
t_classify=$(took "$t0" "$(now)")
cp "$server/y.ct" "$client/"

step "client: hecate decrypt (true label, decrypted label, plaintext model's label)"
t0=$(now)
"$hecate" decrypt --keys "$client/keys" "$client/y.ct" --labels "$client/labels.txt"
t_decrypt=$(took "$t0" "$(now)")

step "summary"
printf 'image  true  decrypted  plaintext\n'
"$hecate" decrypt --keys "$client/keys" "$client/y.ct" --labels "$client/labels.txt" --json |
	sed 's/.*"image":\([0-9]*\),"label":\([0-9]*\),.*"true":\([0-9]*\),"plaintext":\([0-9]*\).*/\1 \3 \2 \4/' |
	awk '{ printf "%5d  %4d  %9d  %9d%s\n", $1, $2, $3, $4, ($2 == $3 && $3 == $4) ? "" : "   <-" }'
printf '\nwall time per step (%s images; the commands above print their own breakdown):\n' "$images"
printf '  keygen    %s\n  encrypt   %s\n  classify  %s\n  decrypt   %s\n' \
	"$t_keygen" "$t_encrypt" "$t_classify" "$t_decrypt"

[ "$batch" = 1 ] || exit 0

step "throughput layout: the whole MNIST test set, one image per slot (hecate keygen --layout batch)"
"$hecate" keygen --model "$model" --out "$client/bkeys" --layout batch | grep -e 'plan:' -e 'eval keys:'
t0=$(now)
"$hecate" encrypt --keys "$client/bkeys" --model "$model" --dataset mnist --data "$data" \
	--index 0..9999 --out "$client/bx.ct" --labels "$client/blabels.txt"
t_bencrypt=$(took "$t0" "$(now)")
cp "$client/bkeys/eval.keys" "$server/beval.keys"
mv "$client/bx.ct" "$server/bx.ct"
t0=$(now)
(cd "$server" && "$hecate" classify --model mnist-cryptonets.hcm --eval-keys beval.keys bx.ct --out by.ct)
t_bclassify=$(took "$t0" "$(now)")
rm -f "$server/bx.ct"
mv "$server/by.ct" "$client/by.ct"
"$hecate" decrypt --keys "$client/bkeys" "$client/by.ct" --labels "$client/blabels.txt" | tail -3
printf '\nwall time, 10,000 images: encrypt %s, classify %s (the classify line above gives images/s)\n' \
	"$t_bencrypt" "$t_bclassify"
