#!/bin/sh
# bench/calls.sh: routec against Kamailio 5.6 as a stateful proxy and as a
# registrar, side by side, with whole calls.
#
#   sh bench/calls.sh stateful    bench/stateful.cfg: t_relay + record_route +
#                                 failure_route; INVITE-200-ACK-BYE calls
#   sh bench/calls.sh registrar   bench/registrar.cfg: REGISTER (save) and calls
#                                 to registered users (lookup, then t_relay)
#
# The same script runs in a `routec build` binary and in Kamailio, each with
# PROXY_CHILDREN (2) workers, each on its own loopback ports (55000-59999)
# with its own build/uas behind it.  Both stay up for the whole run; the
# rounds alternate which one goes first.  Per round, each phase runs for one
# proxy, then for the other:
#   closed loop  build/loadgen --closed N: calls/s (REGISTERs/s), p50/p99 of
#                the transactions (INVITE->200 and BYE->200 for calls);
#   open loop    --rate R: p50/p99 at a load both carry, and the proxy's CPU
#                time (utime+stime from /proc/PID/stat, over Kamailio's whole
#                process tree) before and after, divided by the calls (the
#                REGISTERs) started: CPU microseconds per call.  For calls the
#                window ends SETTLE s after the load, so the work a transaction
#                costs when its wait timer (5 s) frees it is counted too.
# Before the open-loop call phase both proxies rest SETTLE s, so none is
# still freeing earlier transactions when its CPU is read.  Memory: PSS from
# smaps_rollup (summed over Kamailio's processes: its shared memory counts
# once) when the first round's open loop stops (before any closed loop:
# Kamailio's shared-memory pages, once touched, stay resident, so later it
# shows its high-water mark), and the peak, sampled every second.  Prints
# every round, the medians, the ratios routec/Kamailio and the issues' goals.
# Figures only: exits 0 whatever it measured.  When routec cannot run the
# script yet it says "routec: not available (why)" and prints Kamailio's
# figures alone.  docs/bench.md says more.
#
# Environment (all optional):
#   ROUTEC=build/routec  LOADGEN=build/loadgen  UAS=build/uas  KAMAILIO=kamailio
#   KAMAILIO_MODULES=/usr/lib/x86_64-linux-gnu/kamailio/modules
#   KAMAILIO_SHM=1024 (MB, -m: its transactions live in shared memory)
#   KAMAILIO_ARGS=''  PROXY_CHILDREN=2  CALLS_RUNS=3
#   CALLS_CLOSED=32  CALLS_CLOSED_SECS=4  CALLS_RATE=500  CALLS_RATE_SECS=6  CALLS_SETTLE=6
#   REG_CLOSED=32  REG_RATE=2000  REG_USERS=1000
# shellcheck disable=SC2046,SC2086 # pid lists are split into words on purpose
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh

WHAT=${1:-stateful}
ROUTEC=${ROUTEC:-build/routec}
LOADGEN=${LOADGEN:-build/loadgen}
UAS=${UAS:-build/uas}
KAMAILIO=${KAMAILIO:-kamailio}
KAMAILIO_MODULES=${KAMAILIO_MODULES:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
KAMAILIO_SHM=${KAMAILIO_SHM:-1024}
KAMAILIO_ARGS=${KAMAILIO_ARGS:-}
CHILDREN=${PROXY_CHILDREN:-2}
RUNS=${CALLS_RUNS:-3}
CLOSED=${CALLS_CLOSED:-32}
CLOSED_SECS=${CALLS_CLOSED_SECS:-4}
RATE=${CALLS_RATE:-500}
RATE_SECS=${CALLS_RATE_SECS:-6}
SETTLE=${CALLS_SETTLE:-6}
REG_CLOSED=${REG_CLOSED:-32}
REG_RATE=${REG_RATE:-2000}
USERS=${REG_USERS:-1000}

case $WHAT in
stateful)
	CFG=${STATEFUL_CFG:-bench/stateful.cfg}
	PHASES="call_open call_closed"
	echo
	echo "== stateful: t_relay + record_route + failure_route ($CFG), INVITE-200-ACK-BYE calls," \
		"routec build against kamailio, $CHILDREN workers each" ;;
registrar)
	CFG=${REGISTRAR_CFG:-bench/registrar.cfg}
	PHASES="reg_closed reg_open call_open call_closed"
	echo
	echo "== registrar: save/lookup in memory ($CFG), REGISTER refreshes of $USERS users and calls" \
		"to them, routec build against kamailio, $CHILDREN workers each" ;;
*)
	echo "usage: sh bench/calls.sh stateful|registrar" >&2
	exit 2 ;;
esac

# --- prerequisites ------------------------------------------------------------

skip() { echo "  skipped: $*"; exit 0; }
for t in "$LOADGEN" "$UAS"; do
	[ -x "$t" ] || skip "$t not built (make sip-tools)"
done
[ -r "$CFG" ] || skip "$CFG not readable"
HAVE_KAM=1 HAVE_R=1 WHY_R=''
command -v "$KAMAILIO" >/dev/null 2>&1 || HAVE_KAM=0
[ -d "$KAMAILIO_MODULES" ] || HAVE_KAM=0

tmp=$(mktemp -d /tmp/routec-calls-bench.XXXXXX) || exit 1
bench_traps

base=$(free_ports 55000 59999) || skip "no four free UDP ports found in 55000-59999"
R_PORT=$base R_UAS=$((base + 1)) K_PORT=$((base + 2)) K_UAS=$((base + 3))

echo "  machine: $(machine)"
echo "  before: load average $(load_avg), cpu busy $(cpu_busy) over 1 s (all cores)"

# --- starting -----------------------------------------------------------------

# probe PORT UAS_PORT: one call (stateful) or one REGISTER and one call to that
# user (registrar) through the proxy; prints what failed, if anything.
probe() {
	if [ "$WHAT" = registrar ]; then
		"$LOADGEN" --to "127.0.0.1:$1" --method REGISTER --users 1 --contact "127.0.0.1:$2" \
			--count 1 --wait 300 >"$tmp/probe.out" 2>&1
		[ "$(get status_2xx "$tmp/probe.out")" = 1 ] || { echo "REGISTER not answered 200"; return; }
		"$LOADGEN" --to "127.0.0.1:$1" --method INVITE --users 1 --count 1 --wait 300 >"$tmp/probe.out" 2>&1
	else
		"$LOADGEN" --to "127.0.0.1:$1" --method INVITE --count 1 --wait 300 >"$tmp/probe.out" 2>&1
	fi
	[ "$(get calls "$tmp/probe.out")" = 1 ] || echo "a call did not complete" \
		"($(get status_2xx "$tmp/probe.out") 2xx, $(get status_other "$tmp/probe.out") other, $(get timeouts "$tmp/probe.out") timeouts)"
}

# ready PORT UAS_PORT PID LOG: the probe passes within ~50 tries; else prints
# why (with the log's tail) and fails.
ready() {
	i=0
	while [ $i -lt 50 ]; do
		why=$(probe "$1" "$2")
		[ -z "$why" ] && return 0
		kill -0 "$3" 2>/dev/null || { why="it exited"; break; }
		sleep 0.2
		i=$((i + 1))
	done
	echo "$why; its log:" >"$tmp/why"
	tail -n 8 "$4" | sed 's/^/      /' >>"$tmp/why"
	return 1
}

# routec: `routec build` compiles the script; a function the runtime does not
# have yet is a compile-time error, reported here and not fatal.
if ! "$ROUTEC" help 2>/dev/null | grep -q '^  build '; then
	HAVE_R=0 WHY_R="no 'routec build' in $ROUTEC"
elif ! "$ROUTEC" build -D PROXY_PORT="$R_PORT" -D UAS_PORT="$R_UAS" "$CFG" -o "$tmp/proxy" >"$tmp/build.log" 2>&1; then
	HAVE_R=0 WHY_R="routec build failed: $(grep -m 1 'error' "$tmp/build.log" || head -n 1 "$tmp/build.log")"
else
	start_uas "$R_UAS"
	R_UAS_PID=$UAS_PID
	"$tmp/proxy" -l "udp:127.0.0.1:$R_PORT" -n "$CHILDREN" -E >"$tmp/routec.log" 2>&1 &
	R_PID=$!
	PIDS="$PIDS $R_PID"
	if ! ready "$R_PORT" "$R_UAS" "$R_PID" "$tmp/routec.log"; then
		HAVE_R=0 WHY_R="the proxy did not work: $(cat "$tmp/why")"
		kill "$R_PID" 2>/dev/null
		R_PID=''
	fi
fi

if [ $HAVE_KAM = 1 ]; then
	mkdir -p "$tmp/kamailio-run"
	start_uas "$K_UAS"
	K_UAS_PID=$UAS_PID
	"$KAMAILIO" -DD -E -f "$CFG" -L "$KAMAILIO_MODULES" -Y "$tmp/kamailio-run" -m "$KAMAILIO_SHM" -M 8 \
		-n "$CHILDREN" $KAMAILIO_ARGS -A PROXY_PORT="$K_PORT" -A UAS_PORT="$K_UAS" >"$tmp/kamailio.log" 2>&1 &
	KAM_PID=$!
	PIDS="$PIDS $KAM_PID"
	if ready "$K_PORT" "$K_UAS" "$KAM_PID" "$tmp/kamailio.log"; then
		KAM_TREE=$(tree_pids "$KAM_PID" | tr '\n' ' ')
		KAM_VERSION=$("$KAMAILIO" -v 2>/dev/null | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p')
	else
		HAVE_KAM=0
		echo "  kamailio: not available: $(cat "$tmp/why")"
	fi
else
	echo "  kamailio: not available: $KAMAILIO or $KAMAILIO_MODULES not installed (sh mk/deps.sh bench)"
fi

PROXIES=''
[ $HAVE_R = 1 ] && PROXIES=routec
[ $HAVE_KAM = 1 ] && PROXIES="$PROXIES kamailio"
if [ $HAVE_R = 1 ]; then
	echo "  routec: $(wc -c <"$tmp/proxy" | awk '{ printf "%.0f KB", $1 / 1024 }') binary, -n $CHILDREN" \
		"(threads in one process), udp:127.0.0.1:$R_PORT, uas :$R_UAS"
else
	echo "  routec: not available ($WHY_R)"
fi
[ $HAVE_KAM = 1 ] && echo "  kamailio ${KAM_VERSION:-?}: -n $CHILDREN -m $KAMAILIO_SHM -M 8${KAMAILIO_ARGS:+ $KAMAILIO_ARGS}," \
	"$(echo $KAM_TREE | wc -w) processes, udp:127.0.0.1:$K_PORT, uas :$K_UAS"
[ -n "$PROXIES" ] || exit 0

port_of() { if [ "$1" = routec ]; then echo "$R_PORT"; else echo "$K_PORT"; fi; }
uas_of() { if [ "$1" = routec ]; then echo "$R_UAS"; else echo "$K_UAS"; fi; }
pids_of() { if [ "$1" = routec ]; then echo "$R_PID"; else echo "$KAM_TREE"; fi; }

IDLE_R='' IDLE_K=''
[ -n "$R_PID" ] && IDLE_R=$(pss_kb "$R_PID")
[ -n "$KAM_TREE" ] && IDLE_K=$(pss_kb $KAM_TREE)
start_sampler

# CPU each proxy spends doing nothing (timer threads and processes), over
# IDLE_SECS before any load, in ms per second: part of every CPU-per-call
# figure below, which the report shows separately.  The window starts SETTLE
# s after the probe calls: their transactions wait 5 s, and routec's tm timer
# ticks only while one is armed.
IDLE_SECS=5
sleep "$SETTLE"
r0=0 k0=0
[ -n "$R_PID" ] && r0=$(run_ns "$R_PID")
[ -n "$KAM_TREE" ] && k0=$(run_ns $KAM_TREE)
sleep $IDLE_SECS
idle_ms() { awk -v a="$1" -v b="$2" -v s=$IDLE_SECS 'BEGIN { printf "%.2f", (b - a) / 1e6 / s }'; }
IDLE_CPU_R='' IDLE_CPU_K=''
[ -n "$R_PID" ] && IDLE_CPU_R=$(idle_ms "$r0" "$(run_ns "$R_PID")")
[ -n "$KAM_TREE" ] && IDLE_CPU_K=$(idle_ms "$k0" "$(run_ns $KAM_TREE)")

# The registrar's users: each registered once, their contact the proxy's UAS.
if [ "$WHAT" = registrar ]; then
	for p in $PROXIES; do
		"$LOADGEN" --to "127.0.0.1:$(port_of $p)" --method REGISTER --users "$USERS" \
			--contact "127.0.0.1:$(uas_of $p)" --count "$USERS" --closed 16 >"$tmp/reg.out" 2>&1
		echo "  $p: $USERS users registered ($(get status_2xx "$tmp/reg.out") answered 2xx," \
			"$(get status_other "$tmp/reg.out") other, $(get timeouts "$tmp/reg.out") timeouts)"
	done
fi

# --- measuring ----------------------------------------------------------------

# loadgen_args PHASE: what loadgen sends in PHASE, without the load shape.
loadgen_args() {
	case $1 in
	reg_*) echo "--method REGISTER --users $USERS --contact 127.0.0.1:$(uas_of "$2")" ;;
	call_*) if [ "$WHAT" = registrar ]; then echo "--method INVITE --users $USERS"; else echo "--method INVITE"; fi ;;
	esac
}

# 200 calls each, not counted: first-touch page faults, caches.  Few enough
# that Kamailio's shared memory (whose pages, once touched, stay resident)
# does not reach more than the open loop's load needs before it runs.
for p in $PROXIES; do
	"$LOADGEN" --to "127.0.0.1:$(port_of $p)" $(loadgen_args call_closed $p) --closed 8 \
		--count 200 >/dev/null 2>&1
done

# failures FILE: requests that did not end well (timeouts, non-2xx).
failures() {
	a=$(get timeouts "$1") b=$(get status_other "$1")
	echo $((${a:-0} + ${b:-0}))
}

# measure PROXY PHASE ROUND: one loadgen run; figures appended to
# $tmp/PROXY.PHASE as "round value p50 p99 failures load1 pss_kb": value is
# calls/s or REGISTERs/s (closed loop), CPU us per call or REGISTER (open
# loop); pss_kb, open loop only, the PSS when the load stops.
measure() {
	p=$1 port=$(port_of "$1") args=$(loadgen_args "$2" "$1") l1=$(cut -d' ' -f1 /proc/loadavg) pss=''
	case $2 in
	*_closed)
		n=$CLOSED
		[ "$2" = reg_closed ] && n=$REG_CLOSED
		"$LOADGEN" --to "127.0.0.1:$port" $args --closed "$n" --duration "$CLOSED_SECS" >"$tmp/out" 2>&1
		if [ "$2" = reg_closed ]; then v=$(get throughput "$tmp/out"); else v=$(get calls_per_s "$tmp/out"); fi ;;
	*_open)
		rate=$RATE
		[ "$2" = reg_open ] && rate=$REG_RATE
		t0=$(cpu_ticks $(pids_of "$p"))
		"$LOADGEN" --to "127.0.0.1:$port" $args --rate "$rate" --duration "$RATE_SECS" >"$tmp/out" 2>&1
		# memory at a load both carry: what the last seconds' transactions hold
		pss=$(pss_kb $(pids_of "$p"))
		[ "$2" = call_open ] && sleep "$SETTLE"
		t1=$(cpu_ticks $(pids_of "$p"))
		if [ "$2" = reg_open ]; then
			n=$(get transactions "$tmp/out")
		else
			a=$(get calls "$tmp/out") b=$(get calls_failed "$tmp/out")
			n=$((${a:-0} + ${b:-0}))
		fi
		v=$(awk -v a="$t0" -v b="$t1" -v n="${n:-0}" -v hz="$HZ" \
			'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / hz / n; else print "?" }') ;;
	esac
	echo "$3 ${v:-?} $(get latency_p50_us "$tmp/out") $(get latency_p99_us "$tmp/out") $(failures "$tmp/out") $l1 ${pss:--}" \
		>>"$tmp/$p.$2"
}


r=1
while [ "$r" -le "$RUNS" ]; do
	order=$PROXIES
	[ $((r % 2)) = 0 ] && [ "$HAVE_R$HAVE_KAM" = 11 ] && order="kamailio routec"
	for ph in $PHASES; do
		# the last calls' transactions wait 5 s before they are freed: not in
		# the next CPU window
		[ "$ph" = call_open ] && sleep "$SETTLE"
		for p in $order; do measure "$p" "$ph" "$r"; done
	done
	r=$((r + 1))
done
stop_sampler

# --- report -------------------------------------------------------------------

med() { median_col "$tmp/$1.$2" "$3"; }
rmed() { [ $HAVE_R = 1 ] && med routec "$1" "$2"; }
kmed() { [ $HAVE_KAM = 1 ] && med kamailio "$1" "$2"; }

label() {
	case $1 in
	reg_closed) echo "REGISTER, closed loop ($REG_CLOSED in flight)" ;;
	reg_open) echo "REGISTER at $REG_RATE/s" ;;
	call_closed) echo "calls, closed loop ($CLOSED in flight)" ;;
	call_open) echo "calls at $RATE/s" ;;
	esac
}
unit() {
	case $1 in
	reg_closed) echo "REGISTERs/s" ;;
	reg_open) echo "CPU us/REGISTER" ;;
	call_closed) echo "calls/s" ;;
	call_open) echo "CPU us/call" ;;
	esac
}

echo "  after: load average $(load_avg), cpu busy $(cpu_busy) over 1 s"
echo "  per round: value, p50/p99 us, failed (timeouts + non-2xx), load average (1 min) at its start"
for ph in $PHASES; do
	echo "    $(label "$ph"): $(unit "$ph")"
	for p in $PROXIES; do
		while read -r rd v p50 p99 f l1 pss; do
			printf '      %-8s round %s: %9s  %6s/%-7s  failed %-5s  load %-5s%s\n' "$p" "$rd" "$v" "$p50" \
				"$p99" "$f" "$l1" "$([ "$pss" != - ] && echo "  PSS $(mb "$pss") MB")"
		done <"$tmp/$p.$ph"
	done
done

echo "  medians of $RUNS rounds:"
LINE_W=50
line_head
# idle_share IDLE_MS_PER_S PHASE: the idle CPU's share of a CPU-per-request
# figure of PHASE, in us per call or REGISTER (window: load + settle).
idle_share() {
	[ -n "$1" ] || return 0
	case $2 in
	reg_open) awk -v i="$1" -v r="$REG_RATE" 'BEGIN { printf "%.1f", i * 1000 / r }' ;;
	call_open) awk -v i="$1" -v r="$RATE" -v l="$RATE_SECS" -v s="$SETTLE" \
		'BEGIN { printf "%.1f", i * 1000 * (l + s) / (r * l) }' ;;
	esac
}
for ph in $PHASES; do
	case $ph in *_open) f='%.1f' ;; *) f='%.0f' ;; esac
	line "$(label "$ph"): $(unit "$ph")" "$f" "$(rmed "$ph" 2)" "$(kmed "$ph" 2)"
	case $ph in *_open)
		line "  of which idle CPU (timers)" '%.1f' "$(idle_share "$IDLE_CPU_R" "$ph")" \
			"$(idle_share "$IDLE_CPU_K" "$ph")" ;;
	esac
	line "  latency p50 (us)" '%.0f' "$(rmed "$ph" 3)" "$(kmed "$ph" 3)"
	line "  latency p99 (us)" '%.0f' "$(rmed "$ph" 4)" "$(kmed "$ph" 4)"
done
PR='' PK='' IR='' IK=''
[ $HAVE_R = 1 ] && PR=$(mb "$PEAK_R") && IR=$(mb "$IDLE_R")
[ $HAVE_KAM = 1 ] && PK=$(mb "$PEAK_K") && IK=$(mb "$IDLE_K")
# round1 PROXY PHASE: the PSS (MB) when the first round's open loop stopped.
round1() { [ -s "$tmp/$1.$2" ] && mb "$(awk '$1 == 1 { print $7 }' "$tmp/$1.$2")"; }
AR='' AK=''
[ $HAVE_R = 1 ] && AR=$(round1 routec call_open)
[ $HAVE_KAM = 1 ] && AK=$(round1 kamailio call_open)
line "PSS at $RATE calls/s, round 1 (MB)" '%.1f' "$AR" "$AK"
if [ "$WHAT" = registrar ]; then
	a='' b=''
	[ $HAVE_R = 1 ] && a=$(round1 routec reg_open)
	[ $HAVE_KAM = 1 ] && b=$(round1 kamailio reg_open)
	line "PSS at $REG_RATE REGISTERs/s, round 1 (MB)" '%.1f' "$a" "$b"
fi
line "peak PSS (MB, whole run: closed loops)" '%.1f' "$PR" "$PK"
line "  PSS idle, before the load (MB)" '%.1f' "$IR" "$IK"
line "CPU idle, before the load (ms per s)" '%.2f' "$IDLE_CPU_R" "$IDLE_CPU_K"
[ $HAVE_R = 1 ] || echo "  routec: not available ($WHY_R)"
if [ $HAVE_R = 1 ] && [ $HAVE_KAM = 1 ]; then
	if [ "$WHAT" = stateful ]; then
		echo "  goals: $(goal "CPU/call at most 1/3 of kamailio's" "$(rmed call_open 2)" "$(kmed call_open 2)" le 0.3334);" \
			"$(goal "calls/s at least 2x" "$(rmed call_closed 2)" "$(kmed call_closed 2)" ge 2);"
		echo "         $(goal "PSS at the same rate at most 1/4" "$AR" "$AK" le 0.25)"
		echo "         (the peak follows the closed loop's calls/s: it holds the last 5 s of transactions)"
	else
		echo "  goals: $(goal "CPU/REGISTER at most 1/2 of kamailio's" "$(rmed reg_open 2)" "$(kmed reg_open 2)" le 0.5);" \
			"$(goal "CPU/call at most 1/3" "$(rmed call_open 2)" "$(kmed call_open 2)" le 0.3334)"
	fi
fi
# What reached each UAS, the whole run (probe and warm-up included): a
# registrar's lookup must have sent every call to a registered contact.
for p in $PROXIES; do
	if [ "$p" = routec ]; then uas_counts "$R_UAS_PID" "$R_UAS"; f=$tmp/uas-$R_UAS.out
	else uas_counts "$K_UAS_PID" "$K_UAS"; f=$tmp/uas-$K_UAS.out; fi
	to=''
	[ "$WHAT" = registrar ] && to=" ($(get invite_to_contact "$f") to a registered contact)"
	echo "  uas behind $p: $(get invite "$f") INVITEs$to, $(get ack "$f") ACKs, $(get bye "$f") BYEs"
done
echo "  note: 2 cores are shared by the proxy, build/loadgen and build/uas; calls/s is who"
echo "        wins the cores, CPU us/call is the proxy's own cost (all its threads or"
echo "        processes, user+system, the wait timer's clean-up included); p50/p99 are per"
echo "        transaction (INVITE->200, BYE->200, REGISTER->200)"
exit 0
