#!/bin/sh
# tests/sip/heap.sh: what a proxy does with its heap after a burst of calls
# (docs/architecture.md, rt_heap_setup in runtime/core/main.c).
#
# A `routec build` binary of bench/stateful.cfg (two workers) relays a 2 s
# closed-loop burst of INVITE-200-ACK-BYE calls (build/loadgen) to build/uas.
# Its resident set (VmRSS) is read idle before the burst, once the burst's
# transactions are gone (their 5 s wait timer), then every second.  Asserts:
#   - the burst's heap is kept while calls may come back (at least 8 MB above
#     idle once its transactions are gone), but no more than the 64 MB cap
#     plus what stays allocated (at most 72 MB above idle);
#   - it is given back a minute after the last transaction (RSS within 3 MB
#     of idle between 50 and 80 s after that point), not before.
# Under ASan (B=build-san) the sanitizer's allocator holds the memory, so the
# RSS checks are skipped and only the calls are checked.
# Env: ROUTEC, B.  Ports 39990-39999 (the tm block's last ten).  Ends with
# "heap: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
pass=0 fail=0 pids=""
ok() { echo "PASS heap: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL heap: $1: $2"; fail=$((fail + 1)); }
finish() { echo "heap: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
tmp=$(mktemp -d /tmp/routec-heap.XXXXXX) || exit 1
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	# shellcheck disable=SC2086 # one pid per word
	[ -z "$pids" ] || kill $pids 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP PIPE

san=0
case "$B" in *-san) san=1 export ROUTEC_CFLAGS="-fsanitize=address,undefined" ;; esac
for t in loadgen uas; do
	[ -x "$B/$t" ] || make --no-print-directory B="$B" "$B/$t" >/dev/null 2>&1 || { ko build "no $B/$t"; finish; }
done
port_free() { ! ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
P=""
for p in 39990 39992 39994 39996 39998; do
	if port_free $p && port_free $((p + 1)); then P=$p; break; fi
done
[ -n "$P" ] || { ko ports "no two free ports in 39990-39999"; finish; }
U=$((P + 1))

"$ROUTEC" build -D PROXY_PORT=$P -D UAS_PORT=$U bench/stateful.cfg -o "$tmp/proxy" >"$tmp/build.log" 2>&1 ||
	{ ko build "$(head -n 3 "$tmp/build.log")"; finish; }
"$B/uas" --bind "127.0.0.1:$U" --quiet >/dev/null 2>&1 &
pids="$pids $!"
"$tmp/proxy" -l "udp:127.0.0.1:$P" -n 2 -E >"$tmp/proxy.log" 2>&1 &
proxy=$!
pids="$pids $proxy"
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$proxy/status" 2>/dev/null; }
lg() { "$B/loadgen" --to "127.0.0.1:$P" --method INVITE "$@"; }

# ready: one call goes through; its transactions end 5 s later
i=0
until lg --count 1 --wait 300 2>/dev/null | grep -q '^calls: 1$'; do
	i=$((i + 1))
	if [ $i -ge 50 ] || ! kill -0 "$proxy" 2>/dev/null; then
		ko start "$(tail -n 3 "$tmp/proxy.log")"
		finish
	fi
	sleep 0.2
done
sleep 1
rss0=$(rss)

lg --closed 16 --duration 2 --wait 4000 >"$tmp/burst.out" 2>&1
calls=$(sed -n 's/^calls: //p' "$tmp/burst.out")
failed=$(sed -n 's/^calls_failed: //p' "$tmp/burst.out")
if [ "${calls:-0}" -ge 3000 ] && [ "${failed:-1}" = 0 ]; then
	ok "a burst of $calls calls, none failed"
else
	ko burst "calls ${calls:-?}, failed ${failed:-?}"
fi
# the last call's transactions wait 5 s after its BYE's 200; a second more
sleep 6
t0=$(date +%s)
rss1=$(rss)
if [ "$san" = 1 ]; then
	echo "SKIP heap: RSS under ASan (its allocator keeps freed memory): idle $rss0 kB, after $rss1 kB"
	finish
fi
echo "  RSS idle $rss0 kB, once the burst's transactions are gone $rss1 kB"
if [ "$rss1" -ge $((rss0 + 8192)) ] && [ "$rss1" -le $((rss0 + 73728)) ]; then
	ok "the burst's heap is kept, up to the cap ($(((rss1 - rss0) / 1024)) MB above idle)"
else
	ko kept "RSS $rss0 kB idle, $rss1 kB after the burst (want 8-72 MB more)"
fi

back=""
while [ $(($(date +%s) - t0)) -lt 80 ]; do
	r=$(rss)
	[ -n "$r" ] || break
	if [ "$r" -le $((rss0 + 3072)) ]; then back=$(($(date +%s) - t0)); break; fi
	sleep 1
done
if [ -z "$back" ]; then
	ko "given back" "RSS still $(rss) kB after 80 s (idle: $rss0 kB)"
elif [ "$back" -lt 50 ]; then
	ko "kept a minute" "RSS back to idle after ${back} s already"
else
	ok "the heap is given back a minute after the last transaction (after ${back} s: $r kB)"
fi
finish
