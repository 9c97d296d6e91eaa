#!/bin/sh
# tests/sip/semantics.sh: tests/sip/scripts/semantics.cfg logs "T<n> value"
# lines for Kamailio's value, operator and control-flow rules.  The same
# script runs on Kamailio 5.6, through `routec run` and as a `routec build`
# binary; one request each; every T line of routec must equal Kamailio's.
# Ends with "semantics: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
case "$B" in *-san) export ROUTEC_CFLAGS="-fsanitize=address,undefined" ;; esac
SIPUA=$B/sipua
SCRIPT=tests/sip/scripts/semantics.cfg
MODDIR=/usr/lib/x86_64-linux-gnu/kamailio/modules
tmp=$(mktemp -d /tmp/routec-sem.XXXXXX)
pass=0 fail=0 pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

[ -x "$SIPUA" ] || make --no-print-directory "$SIPUA" >/dev/null 2>&1
if ! command -v kamailio >/dev/null 2>&1; then
	ko kamailio "not installed (make test installs it)"
	echo "semantics: $pass passed, $fail failed"
	exit 1
fi
base=$((7100 + ($$ % 200) * 4))

# run NAME PORT CMD...: start, send one OPTIONS, stop; T lines to $tmp/NAME.t
run() {
	name=$1 port=$2
	shift 2
	"$@" >"$tmp/$name.log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	i=0
	until "$SIPUA" send --to "127.0.0.1:$port" --msg tests/sip/msgs/options.sip \
		--set proxy="127.0.0.1:$port" --set maxfwd=70 --expect 200 --timeout 300 --quiet 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 20 ] && break
		kill -0 "$pid" 2>/dev/null || break
	done
	sleep 0.3
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -o ' T[0-9]* .*' "$tmp/$name.log" | sed 's/^ //' >"$tmp/$name.t"
}

run kamailio "$base" kamailio -DD -E -f "$SCRIPT" -L "$MODDIR" -Y "$tmp" -m 64 -M 8 \
	-l "udp:127.0.0.1:$base"
run jit $((base + 1)) "$ROUTEC" run -l "udp:127.0.0.1:$((base + 1))" -n 1 -E "$SCRIPT"
if "$ROUTEC" build "$SCRIPT" -o "$tmp/proxy" >"$tmp/build.log" 2>&1; then
	run bin $((base + 2)) "$tmp/proxy" -l "udp:127.0.0.1:$((base + 2))" -n 1 -E
else
	: >"$tmp/bin.t"
	ko "bin build" "$(cat "$tmp/build.log")"
fi

n=$(wc -l <"$tmp/kamailio.t")
if [ "$n" -lt 35 ]; then
	ko "kamailio reference" "only $n T lines (see its log below)"
	tail -n 5 "$tmp/kamailio.log"
fi
for mode in jit bin; do
	while IFS= read -r line; do
		key=${line%% *}
		got=$(grep -x -- "$key .*" "$tmp/$mode.t" | tr '\n' '|')
		want=$(grep -x -- "$key .*" "$tmp/kamailio.t" | tr '\n' '|')
		if [ "$got" = "$want" ]; then
			ok "$mode $line"
		else
			ko "$mode $key" "Kamailio: '$want' routec: '$got'"
		fi
	done <"$tmp/kamailio.t"
	# nothing routec printed that Kamailio did not
	extra=$(grep -vxF -f "$tmp/kamailio.t" "$tmp/$mode.t" | head -n 3)
	if [ -z "$extra" ]; then ok "$mode no extra T lines"; else ko "$mode extra T lines" "$extra"; fi
done
echo "semantics: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
