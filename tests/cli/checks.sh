# Sourced by the command-line test scripts: counted checks of a command's
# exit code and output.  `check` runs a command and compares its exit code
# (the output is kept in LAST_OUT); `expect_in` looks for a string in it;
# `finish NAME` prints the counts and fails if any check did.
fail=0 pass=0
LAST_OUT=
check() { # description, expected exit code, command...
	desc=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $desc: exit $got, expected $want; output: $out"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	LAST_OUT=$out
}
expect_in() { # description, needle
	case "$LAST_OUT" in
	*"$2"*) pass=$((pass + 1)) ;;
	*) echo "FAIL: $1: output lacks '$2': $LAST_OUT"; fail=$((fail + 1)) ;;
	esac
}
finish() { # name
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
