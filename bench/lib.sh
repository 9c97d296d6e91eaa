# bench/lib.sh: what the side-by-side benches (bench/proxy.sh, bench/calls.sh)
# share: /proc readers, free loopback ports, the processes they start and stop,
# the peak-memory sampler, medians and the table of figures.  Sourced, not run.
#
# The including script sets $tmp (a private directory) and, as it starts them,
# PIDS (every background process, by pid), R_PID (the routec proxy) and
# KAM_PID/KAM_TREE (Kamailio's main process and all its processes), then calls
# bench_traps once: everything is stopped by pid on exit, never by name.
# shellcheck shell=sh
# shellcheck disable=SC2046,SC2086 # pid lists are split into words on purpose
# shellcheck disable=SC2317 # cleanup runs from the EXIT trap
# shellcheck disable=SC2034,SC2154 # variables shared with the including script

HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
PIDS='' R_PID='' KAM_PID='' KAM_TREE='' SAMPLER_PID=''

# --- /proc readers ------------------------------------------------------------

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# Percent of CPU time not idle over the next second, all cores together.
cpu_busy() {
	s1=$(head -n 1 /proc/stat)
	sleep 1
	s2=$(head -n 1 /proc/stat)
	printf '%s\n%s\n' "$s1" "$s2" | awk '
		{ t = 0; for (i = 2; i <= NF; i++) t += $i; tot[NR] = t; idle[NR] = $5 + $6 }
		END { dt = tot[2] - tot[1]; if (dt <= 0) print "?"; else printf "%.0f%%", 100 * (1 - (idle[2] - idle[1]) / dt) }'
}

machine() {
	echo "$(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u | head -n 1), Linux $(uname -r)"
}

# tree_pids ROOT: ROOT and all its descendants (Kamailio forks its workers).
tree_pids() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
		{ pid = $1; sub(/.*\) /, ""); pp[pid] = $2 }
		END {
			in_tree[root] = 1; print root
			for (pass = 0; pass < 4; pass++)
				for (p in pp)
					if (!(p in in_tree) && (pp[p] in in_tree)) { in_tree[p] = 1; print p }
		}'
}

# cpu_ticks PID...: utime+stime (clock ticks) of the processes, threads included
# (a process's figures in /proc/PID/stat include its threads, dead ones too).
cpu_ticks() {
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
		awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

# run_ns PID...: nanoseconds on a CPU of the processes' live threads
# (schedstat): finer than cpu_ticks, but a thread that ended is not counted,
# so only for a quiet process whose threads stay.
run_ns() {
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
		awk '{ t += $1 } END { printf "%.0f\n", t }'
}

# pss_kb PID...: proportional set size, summed (shared pages counted once).
pss_kb() {
	for p in "$@"; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done |
		awk '/^Pss:/ { t += $2 } END { print t + 0 }'
}

# mb KB: kilobytes as megabytes, one decimal ("" stays "").
mb() { awk -v k="${1:-}" 'BEGIN { if (k == "") print ""; else printf "%.1f", k / 1024 }'; }

# --- ports --------------------------------------------------------------------

# udp_busy PORT: something listens on it (any address).
udp_busy() {
	awk -v p="$(printf '%04X' "$1")" 'FNR > 1 { split($2, a, ":"); if (a[2] == p) f = 1 } END { exit !f }' \
		/proc/net/udp /proc/net/udp6 2>/dev/null
}

# free_ports FIRST LAST: prints the first port of four consecutive free UDP
# ports within FIRST..LAST (tried from a pid-dependent place), or nothing.
free_ports() {
	n=$((($2 - $1 + 1) / 4)) i=0
	while [ $i -lt 20 ]; do
		b=$(($1 + (($$ + i * 37) % n) * 4))
		if ! udp_busy $b && ! udp_busy $((b + 1)) && ! udp_busy $((b + 2)) && ! udp_busy $((b + 3)); then
			echo $b
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}

# --- processes ----------------------------------------------------------------

# is_kam PID: still a kamailio process (not a recycled pid)?
is_kam() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = kamailio ]; }

bench_cleanup() {
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	i=0
	while [ $i -lt 30 ]; do         # up to 3 s for a clean stop
		alive=0
		for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
		for p in $KAM_TREE; do is_kam "$p" && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for p in $KAM_TREE; do is_kam "$p" && kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}

bench_traps() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP PIPE
}

# start_uas PORT: a build/uas on 127.0.0.1:PORT, its pid in UAS_PID; it
# prints its counts to $tmp/uas-PORT.out when stopped (uas_counts).
start_uas() {
	"$UAS" --bind "127.0.0.1:$1" --quiet >"$tmp/uas-$1.out" 2>&1 &
	UAS_PID=$!
	PIDS="$PIDS $UAS_PID"
}

# uas_counts PID PORT: stop that uas (SIGTERM) and wait up to 2 s for its counts.
uas_counts() {
	kill "$1" 2>/dev/null
	i=0
	while [ $i -lt 20 ] && ! grep -q '^invite_to_contact:' "$tmp/uas-$2.out" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
}

# Peak PSS of the routec process and of Kamailio's tree, sampled every second
# (bounded: 15 minutes) into $tmp/pss as "routec_kb kamailio_kb".
sampler() {
	rmax=0 kmax=0 n=0
	while [ $n -lt 900 ]; do
		r=0 k=0
		[ -n "$R_PID" ] && r=$(pss_kb "$R_PID")
		[ -n "$KAM_TREE" ] && k=$(pss_kb $KAM_TREE)
		[ "$r" -gt "$rmax" ] && rmax=$r
		[ "$k" -gt "$kmax" ] && kmax=$k
		echo "$rmax $kmax" >"$tmp/pss.new" && mv "$tmp/pss.new" "$tmp/pss"
		sleep 1
		n=$((n + 1))
	done
}
start_sampler() {
	sampler &
	SAMPLER_PID=$!
}
# stop_sampler: sets PEAK_R and PEAK_K (kB).
stop_sampler() {
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
	SAMPLER_PID=''
	PEAK_R=$(cut -d' ' -f1 "$tmp/pss" 2>/dev/null)
	PEAK_K=$(cut -d' ' -f2 "$tmp/pss" 2>/dev/null)
}

# --- figures ------------------------------------------------------------------

# get KEY FILE: a loadgen figure ("key: value" lines).
get() { sed -n "s/^$1: //p" "$2"; }

# median_col FILE N: the median of the numeric values of column N ("" if none).
median_col() {
	[ -s "$1" ] || return 0
	awk -v c="$2" '$c ~ /^[0-9.]+$/ { print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else if (NR) print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# line LABEL FMT ROUTEC KAMAILIO: one row of the table, with routec/kamailio;
# LINE_W is the width of the label column.  line_head prints the column names.
LINE_W=40
line() {
	rv=$(awk -v v="${3:-}" -v f="$2" 'BEGIN { if (v == "") print "-"; else printf f, v }')
	kv=$(awk -v v="${4:-}" -v f="$2" 'BEGIN { if (v == "") print "-"; else printf f, v }')
	printf "  %-${LINE_W}s %12s %12s %10s\n" "$1" "$rv" "$kv" "$(ratio "${3:-}" "${4:-}")"
}
line_head() { printf "  %-${LINE_W}s %12s %12s %10s\n" "" routec kamailio "routec/kam"; }

# goal WHAT ROUTEC KAMAILIO OP FACTOR: "WHAT: met" when ROUTEC OP KAMAILIO*FACTOR
# (OP is le or ge), "NOT met", or "not measured" when a figure is missing.
goal() {
	awk -v w="$1" -v r="${2:-}" -v k="${3:-}" -v op="$4" -v f="$5" 'BEGIN {
		if (r == "" || k == "") { print w ": not measured"; exit }
		ok = op == "le" ? r + 0 <= k * f : r + 0 >= k * f
		print w ": " (ok ? "met" : "NOT met") " (" sprintf("%.2f", k + 0 ? r / k : 0) "x)" }'
}
