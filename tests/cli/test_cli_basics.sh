#!/bin/sh
# hecate / hecate-bench basics: --help, --version, cpu, kernel forcing,
# usage errors.  Usage: test_cli_basics.sh HECATE HECATE_BENCH
set -u
HECATE=$1
BENCH=$2
. "$(dirname "$0")/checks.sh"

check "hecate --help" 0 "$HECATE" --help
expect_in "help lists cpu" "cpu"
check "hecate --version" 0 "$HECATE" --version
expect_in "version" "hecate 0."
check "hecate without command" 2 "$HECATE"
check "unknown command" 2 "$HECATE" frobnicate
expect_in "unknown command message" "unknown command"
check "hecate cpu --help" 0 "$HECATE" cpu --help
check "hecate cpu" 0 "$HECATE" cpu
expect_in "cpu selected kernel" "selected:"
check "forced portable" 0 env HECATE_KERNEL=portable "$HECATE" cpu
expect_in "forced portable is used" "selected:  portable"
check "bogus kernel" 1 env HECATE_KERNEL=bogus "$HECATE" cpu
expect_in "bogus kernel message" "not a kernel"
for k in avx2 avx512; do
	if "$HECATE" cpu | grep -q "$k (yes)"; then
		check "forced $k" 0 env HECATE_KERNEL=$k "$HECATE" cpu
		expect_in "forced $k is used" "selected:  $k"
	else
		check "forced $k on a CPU without it" 1 env HECATE_KERNEL=$k "$HECATE" cpu
		expect_in "forced $k message" "does not support"
	fi
done
check "params --help" 0 "$HECATE" params --help
check "params preset" 0 "$HECATE" params --preset ckks-n14
expect_in "params chain" "Q chain:    9 primes"
expect_in "params security" "security:   128 bits"
check "params depth" 0 "$HECATE" params --depth 5 --precision 35
expect_in "params why" "why:"
check "params unknown preset" 1 "$HECATE" params --preset nope
expect_in "params preset list" "ckks-n13"
check "params impossible depth" 1 "$HECATE" params --depth 30 --precision 50 --security 256
check "params no args" 2 "$HECATE" params
check "params bfv" 0 "$HECATE" params --scheme bfv
expect_in "params bfv scheme" "scheme:     BFV"
expect_in "params bfv t" "t:          1032193"
check "params bfv t" 0 "$HECATE" params --scheme bfv --t 65537
expect_in "params bfv given t" "t:          65537"
check "params bfv wrong preset" 2 "$HECATE" params --scheme bfv --preset ckks-n13
check "params bfv depth" 2 "$HECATE" params --scheme bfv --depth 3
check "params bad t" 1 "$HECATE" params --scheme bfv --t 1125899906842624
check "params bad scheme" 2 "$HECATE" params --scheme bgv
check "params bad number" 2 "$HECATE" params --depth x
check "bench --help" 0 "$BENCH" --help
check "bench without family" 2 "$BENCH"
check "bench unknown family" 2 "$BENCH" nope
check "bench bad --n" 2 "$BENCH" --n x ntt
check "bench ntt json" 0 "$BENCH" --json --reps 3 --n 1024 --bits 30 ntt
expect_in "bench json fields" '"bench":"ntt.fwd","n":1024,"bits":30,"kernel":'
expect_in "bench json median" '"median_ns":'

finish cli-basics
