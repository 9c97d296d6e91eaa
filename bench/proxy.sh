#!/bin/sh
# bench/proxy.sh: routec against Kamailio 5.6 as a stateless relay, side by side.
#
# The same script (bench/relay.cfg: Max-Forwards check, forward() to the UAS,
# replies relayed by Via) runs in a `routec build` binary and in Kamailio,
# each with the same number of workers (PROXY_CHILDREN, 2), each on its own
# loopback ports with its own build/uas behind it.  Both proxies stay up for
# the whole run; rounds alternate which one goes first.  Each round, for each
# proxy:
#   closed loop  build/loadgen --closed 32 (OPTIONS): requests/s, p50/p99;
#   open loop    --rate 3000 (a rate both carry): p50/p99 at that load, and the
#                proxy's CPU time (utime+stime from /proc/PID/stat, summed over
#                Kamailio's whole process tree) before and after, divided by the
#                requests sent: CPU microseconds per request.  On a 2-core
#                machine the load generator and the UAS compete with the proxy
#                for the cores, so CPU per request is the fair figure; the
#                closed-loop rate depends on who wins the cores.
# Peak memory: PSS from /proc/PID/smaps_rollup (summed over Kamailio's
# processes, so its shared memory counts once), sampled every second.
# Prints medians over PROXY_RUNS rounds and the ratios routec/Kamailio.
# Figures only, never pass/fail: it exits 0 whatever it measured.
#
# Environment (all optional):
#   ROUTEC=build/routec  LOADGEN=build/loadgen  UAS=build/uas  KAMAILIO=kamailio
#   KAMAILIO_MODULES=/usr/lib/x86_64-linux-gnu/kamailio/modules
#   KAMAILIO_ARGS=''   (more options, e.g. '-x tlsf': its allocator, see docs/bench.md)
#   RELAY_CFG=bench/relay.cfg  PROXY_CHILDREN=2  PROXY_RUNS=3
#   PROXY_CLOSED=32  PROXY_CLOSED_SECS=6  PROXY_RATE=3000  PROXY_RATE_SECS=10
# Loopback only; every process it starts is stopped by pid on exit.
# shellcheck disable=SC2046,SC2086 # pid lists are split into words on purpose
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh

ROUTEC=${ROUTEC:-build/routec}
LOADGEN=${LOADGEN:-build/loadgen}
UAS=${UAS:-build/uas}
KAMAILIO=${KAMAILIO:-kamailio}
KAMAILIO_MODULES=${KAMAILIO_MODULES:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
KAMAILIO_ARGS=${KAMAILIO_ARGS:-}
RELAY_CFG=${RELAY_CFG:-bench/relay.cfg}
CHILDREN=${PROXY_CHILDREN:-2}
RUNS=${PROXY_RUNS:-3}
CLOSED=${PROXY_CLOSED:-32}
CLOSED_SECS=${PROXY_CLOSED_SECS:-6}
RATE=${PROXY_RATE:-3000}
RATE_SECS=${PROXY_RATE_SECS:-10}

echo
echo "== relay: stateless proxy ($RELAY_CFG), routec build against kamailio, $CHILDREN workers each"

# --- prerequisites ------------------------------------------------------------

skip() { echo "  skipped: $*"; exit 0; }
"$ROUTEC" help 2>/dev/null | grep -q '^  build ' || skip "no 'routec build' in $ROUTEC"
for t in "$LOADGEN" "$UAS"; do
	[ -x "$t" ] || skip "$t not built (make sip-tools)"
done
[ -r "$RELAY_CFG" ] || skip "$RELAY_CFG not readable"
HAVE_KAM=1
command -v "$KAMAILIO" >/dev/null 2>&1 || HAVE_KAM=0
[ -d "$KAMAILIO_MODULES" ] || HAVE_KAM=0

tmp=$(mktemp -d /tmp/routec-proxy-bench.XXXXXX) || exit 1
bench_traps

base=$(free_ports 12000 15999) || skip "no four free UDP ports found"
R_PORT=$base R_UAS=$((base + 1)) K_PORT=$((base + 2)) K_UAS=$((base + 3))

# --- starting -----------------------------------------------------------------

# ready PORT PID LOG: one OPTIONS through the proxy answered (so the UAS is up
# too); gives up after ~50 tries or when PID dies.
ready() {
	i=0
	while [ $i -lt 50 ]; do
		"$LOADGEN" --to "127.0.0.1:$1" --count 1 --wait 200 >/dev/null 2>&1 && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "  the proxy on port $1 did not answer; its log:"
	tail -n 15 "$3" | sed 's/^/    /'
	return 1
}

echo "  machine: $(machine)"
echo "  before: load average $(load_avg), cpu busy $(cpu_busy) over 1 s (all cores)"

if ! "$ROUTEC" build -D PROXY_PORT="$R_PORT" -D UAS_PORT="$R_UAS" "$RELAY_CFG" -o "$tmp/relay" >"$tmp/build.log" 2>&1; then
	echo "  routec build failed:"
	sed 's/^/    /' "$tmp/build.log"
	exit 0
fi
start_uas "$R_UAS"
"$tmp/relay" -l "udp:127.0.0.1:$R_PORT" -n "$CHILDREN" -E >"$tmp/routec.log" 2>&1 &
R_PID=$!
PIDS="$PIDS $R_PID"
ready "$R_PORT" "$R_PID" "$tmp/routec.log" || exit 0

if [ $HAVE_KAM = 1 ]; then
	mkdir -p "$tmp/kamailio-run"
	start_uas "$K_UAS"
	"$KAMAILIO" -DD -E -f "$RELAY_CFG" -L "$KAMAILIO_MODULES" -Y "$tmp/kamailio-run" -m 64 -M 8 \
		-n "$CHILDREN" $KAMAILIO_ARGS -A PROXY_PORT="$K_PORT" -A UAS_PORT="$K_UAS" >"$tmp/kamailio.log" 2>&1 &
	KAM_PID=$!
	PIDS="$PIDS $KAM_PID"
	if ready "$K_PORT" "$KAM_PID" "$tmp/kamailio.log"; then
		KAM_TREE=$(tree_pids "$KAM_PID" | tr '\n' ' ')
		KAM_VERSION=$("$KAMAILIO" -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p')
	else
		HAVE_KAM=0
	fi
else
	echo "  kamailio: skipped: $KAMAILIO or $KAMAILIO_MODULES not installed (sh mk/deps.sh bench)"
fi
PROXIES=routec
[ $HAVE_KAM = 1 ] && PROXIES="routec kamailio"

echo "  routec: $(wc -c <"$tmp/relay" | awk '{ printf "%.0f KB", $1 / 1024 }') binary, -n $CHILDREN" \
	"(threads in one process), udp:127.0.0.1:$R_PORT -> uas :$R_UAS"
[ $HAVE_KAM = 1 ] && echo "  kamailio ${KAM_VERSION:-?}: -n $CHILDREN -m 64 -M 8${KAMAILIO_ARGS:+ $KAMAILIO_ARGS}," \
	"$(echo $KAM_TREE | wc -w) processes, udp:127.0.0.1:$K_PORT -> uas :$K_UAS"
echo "  per round and proxy: --closed $CLOSED for ${CLOSED_SECS} s, then --rate $RATE for ${RATE_SECS} s" \
	"(OPTIONS); rounds: $RUNS; CPU from /proc at $HZ ticks/s"

IDLE_R=$(pss_kb "$R_PID")
IDLE_K=0
[ -n "$KAM_TREE" ] && IDLE_K=$(pss_kb $KAM_TREE)
start_sampler

# --- measuring ----------------------------------------------------------------

port_of() { if [ "$1" = routec ]; then echo "$R_PORT"; else echo "$K_PORT"; fi; }
pids_of() { if [ "$1" = routec ]; then echo "$R_PID"; else echo "$KAM_TREE"; fi; }

# One second of closed loop each, not counted: first-touch page faults, caches.
for p in $PROXIES; do
	"$LOADGEN" --to "127.0.0.1:$(port_of $p)" --closed "$CLOSED" --duration 1 >/dev/null 2>&1
done

# measure PROXY ROUND: one closed-loop and one open-loop run; figures appended
# to $tmp/PROXY.figs as "round tput c50 c99 cpu_us o50 o99 timeouts".
measure() {
	p=$1 port=$(port_of "$1")
	"$LOADGEN" --to "127.0.0.1:$port" --closed "$CLOSED" --duration "$CLOSED_SECS" >"$tmp/closed.out" 2>&1
	t0=$(cpu_ticks $(pids_of "$p"))
	"$LOADGEN" --to "127.0.0.1:$port" --rate "$RATE" --duration "$RATE_SECS" >"$tmp/open.out" 2>&1
	t1=$(cpu_ticks $(pids_of "$p"))
	sent=$(get sent "$tmp/open.out")
	cpu=$(awk -v a="$t0" -v b="$t1" -v n="${sent:-0}" -v hz="$HZ" \
		'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / hz / n; else print "?" }')
	to=$(awk -v a="$(get timeouts "$tmp/closed.out")" -v b="$(get timeouts "$tmp/open.out")" \
		'BEGIN { if (a == "" || b == "") print "?"; else print a + b }')
	echo "$2 $(get throughput "$tmp/closed.out") $(get latency_p50_us "$tmp/closed.out")" \
		"$(get latency_p99_us "$tmp/closed.out") $cpu $(get latency_p50_us "$tmp/open.out")" \
		"$(get latency_p99_us "$tmp/open.out") $to" >>"$tmp/$p.figs"
}

r=1
while [ "$r" -le "$RUNS" ]; do
	order=$PROXIES
	[ $((r % 2)) = 0 ] && [ $HAVE_KAM = 1 ] && order="kamailio routec"
	for p in $order; do measure "$p" "$r"; done
	r=$((r + 1))
done
stop_sampler

# --- report -------------------------------------------------------------------

echo "  after: load average $(load_avg), cpu busy $(cpu_busy) over 1 s"
echo "  per round (tput/s, closed p50/p99 us, CPU us/req at $RATE/s, open p50/p99 us, timeouts):"
for p in $PROXIES; do
	while read -r rd tp c50 c99 cpu o50 o99 to; do
		printf '    %-8s round %s: %8.0f/s  %5s/%-6s  %6s us  %5s/%-6s  %s\n' \
			"$p" "$rd" "$tp" "$c50" "$c99" "$cpu" "$o50" "$o99" "$to"
	done <"$tmp/$p.figs"
done

med() { median_col "$tmp/$1.figs" "$2"; }
kam() { [ $HAVE_KAM = 1 ] && med kamailio "$1"; }
echo "  medians of $RUNS rounds:"
line_head
line "closed loop ($CLOSED in flight): requests/s" '%.0f' "$(med routec 2)" "$(kam 2)"
line "  latency p50 (us)" '%.0f' "$(med routec 3)" "$(kam 3)"
line "  latency p99 (us)" '%.0f' "$(med routec 4)" "$(kam 4)"
line "open loop $RATE/s: proxy CPU us/request" '%.1f' "$(med routec 5)" "$(kam 5)"
line "  latency p50 (us)" '%.0f' "$(med routec 6)" "$(kam 6)"
line "  latency p99 (us)" '%.0f' "$(med routec 7)" "$(kam 7)"
PK=''
[ $HAVE_KAM = 1 ] && PK=$(awk -v k="${PEAK_K:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
line "peak PSS (MB, whole run)" '%.1f' "$(awk -v k="${PEAK_R:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" "$PK"
[ $HAVE_KAM = 1 ] && IK=$(awk -v k="$IDLE_K" 'BEGIN { printf "%.1f", k / 1024 }') || IK=''
line "  PSS idle, before the load (MB)" '%.1f' "$(awk -v k="$IDLE_R" 'BEGIN { printf "%.1f", k / 1024 }')" "$IK"
if [ $HAVE_KAM = 1 ]; then
	echo "  goal: routec CPU/request at most half of kamailio's:" \
		"$(awk -v r="$(med routec 5)" -v k="$(med kamailio 5)" 'BEGIN { print (r != "" && k != "" && r <= k / 2 ? "met" : "NOT met") }');" \
		"p99 at $RATE/s no worse:" \
		"$(awk -v r="$(med routec 7)" -v k="$(med kamailio 7)" 'BEGIN { print (r != "" && k != "" && r <= k ? "met" : "NOT met") }')"
fi
echo "  note: 2 cores are shared by the proxy, build/loadgen and build/uas; requests/s is"
echo "        who wins the cores, CPU us/request is the proxy's own cost (all its threads"
echo "        or processes, user+system, idle wake-ups included)"
exit 0
