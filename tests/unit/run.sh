#!/bin/sh
# Unit tests: each tests/unit/*_test.c is a standalone program that prints
# its checks and ends with "N passed, N failed".  Built against the
# front-end library of the current build ($B).
set -u
: "${B:=build}"
san=""
case "$B" in *-san) san="-fsanitize=address,undefined -fno-sanitize-recover=all" ;; esac
cc=${CC:-cc}
pass=0 fail=0
mkdir -p "$B/unit"
for src in tests/unit/*_test.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	extra=$(sed -n 's|^/\* build: \(.*\) \*/$|\1|p' "$src" | head -n 1)
	# the build line names build/; a sanitizer run uses its own build directory
	extra=$(echo "$extra" | sed "s|build/|$B/|g")
	if ! $cc -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror $san -I"$B/gen" -Igrammar -Icompiler \
		-Iruntime/include -Iruntime -o "$B/unit/$name" "$src" $extra "$B/libfront.a" -lpcre2-8; then
		echo "FAIL $name: does not build"
		fail=$((fail + 1))
		continue
	fi
	out=$("$B/unit/$name" 2>&1)
	rc=$?
	line=$(printf '%s\n' "$out" | tail -n 1)
	p=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
	f=$(echo "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
	if [ -z "$p" ]; then
		echo "FAIL $name: no summary (exit $rc)"
		printf '%s\n' "$out" | tail -n 20
		fail=$((fail + 1))
		continue
	fi
	[ "$f" -ne 0 ] || [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -v '^PASS\|^ok' | tail -n 30
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "unit $name: $p passed, $f failed"
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
