#!/bin/sh
# bench/run.sh: the figures of `make bench`, side by side with Kamailio.
#
# Figures only, never pass/fail: a bench that fails a build because a
# neighbour was compiling would teach people to ignore it.  Each section is a
# function that prints its own block; a section whose prerequisites are
# missing prints "skipped: <why>" and the others still run.
#
# Environment (all optional):
#   ROUTEC=build/routec  BENCH_FRONT=build/bench-front
#   CFG=/etc/kamailio/kamailio.cfg  KAMAILIO=kamailio
#   FRONT_RUNS=200 (in-process parses)  PROC_RUNS=20 (whole-process runs)
#   SECTIONS="front check sip proxy stateful registrar"
#   and those of bench/proxy.sh and bench/calls.sh (docs/bench.md)
# The whole default run takes about 8 minutes.
set -u

ROUTEC=${ROUTEC:-build/routec}
BENCH_FRONT=${BENCH_FRONT:-build/bench-front}
CFG=${CFG:-/etc/kamailio/kamailio.cfg}
KAMAILIO=${KAMAILIO:-kamailio}
FRONT_RUNS=${FRONT_RUNS:-200}
PROC_RUNS=${PROC_RUNS:-20}
SECTIONS=${SECTIONS:-front check sip proxy stateful registrar}

# --- helpers ------------------------------------------------------------------

# Percent of CPU time not idle over the next second, all cores together.
cpu_busy() {
	s1=$(head -n 1 /proc/stat)
	sleep 1
	s2=$(head -n 1 /proc/stat)
	printf '%s\n%s\n' "$s1" "$s2" | awk '
		{ t = 0; for (i = 2; i <= NF; i++) t += $i; tot[NR] = t; idle[NR] = $5 + $6 }
		END { dt = tot[2] - tot[1]; if (dt <= 0) print "?"; else printf "%.0f%%", 100 * (1 - (idle[2] - idle[1]) / dt) }'
}

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# field NAME LINE: the number after NAME in a bench-front line ("median 0.412 ms").
field() { printf '%s\n' "$2" | sed -n "s/.*$1 \([0-9.]*\).*/\1/p"; }

# row LABEL LINE: one aligned figure row from a bench-front line.
row() {
	printf '  %-44s min %8s  median %8s  p90 %8s ms  (%s runs)\n' "$1" \
		"$(field min "$2")" "$(field median "$2")" "$(field p90 "$2")" \
		"$(printf '%s\n' "$2" | sed -n 's/.* \([0-9]*\) runs.*/\1/p')"
}

# delta A B: A - B in ms, or "?" when either is missing.
delta() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "") print "?"; else printf "%+.3f", a - b }'; }

# ratio A B: A / B to one decimal, or "?" when either is missing.
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "?"; else printf "%.1f", a / b }'; }

# proc LABEL CMD...: time CMD as a whole process; prints a row; sets LAST_MEDIAN, LAST_MIN.
proc() {
	label=$1
	shift
	LAST_MEDIAN='' LAST_MIN=''
	if out=$("$BENCH_FRONT" --exec "$PROC_RUNS" "$@" 2>&1); then
		row "$label" "$out"
		LAST_MEDIAN=$(field median "$out")
		LAST_MIN=$(field min "$out")
	else
		printf '  %-44s failed: %s\n' "$label" "$out"
	fi
}

# --- sections -----------------------------------------------------------------

header() {
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
	[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev+modified"
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u | head -n 1)
	echo "== routec bench, $(date -u '+%Y-%m-%d %H:%M UTC'), git $rev"
	echo "  machine: $(nproc) cpus, ${model:-unknown cpu}, Linux $(uname -r)"
	echo "  at start: load average $(load_avg), cpu busy $(cpu_busy) over 1 s (all cores)"
	echo "  wall-clock figures on a shared machine: read min and median; p90 shows the noise"
}

footer() {
	echo "== end: load average $(load_avg), cpu busy $(cpu_busy) over 1 s"
}

# Front end: preprocess + parse of one file, in process and as whole commands.
section_front() {
	echo
	echo "== front end: $CFG"
	[ -x "$BENCH_FRONT" ] || { echo "  skipped: $BENCH_FRONT not built (make bench builds it)"; return; }
	[ -r "$CFG" ] || { echo "  skipped: $CFG not readable (Debian package kamailio)"; return; }
	if ! out=$("$BENCH_FRONT" -n "$FRONT_RUNS" "$CFG" 2>&1); then
		printf '  routec front end failed:\n%s\n' "$out" | sed '2,$s/^/    /'
		return
	fi
	front=$(field median "$out")
	echo "  file: $(printf '%s\n' "$out" | sed -n 's/.*(\([0-9]* lines, [0-9]* bytes\)).*/\1/p')"
	row "routec preprocess+parse (in process)" "$out"
	echo "    first (cold) run in the process: $(field 'first run' "$out") ms"
	echo "  target (front-end issue, done-when #4): median under 5 ms:" \
		"$(awk -v m="$front" 'BEGIN { print (m < 5 ? "met" : "NOT met") }')"

	echo "  whole processes (posix_spawn to exit, output to /dev/null):"
	proc "/bin/true (process start-up floor)" /bin/true
	floor=$LAST_MEDIAN floor_min=$LAST_MIN
	if [ -x "$ROUTEC" ]; then
		proc "routec check --syntax-only" "$ROUTEC" check --syntax-only "$CFG"
		check=$LAST_MEDIAN check_min=$LAST_MIN
	else
		echo "  routec check --syntax-only: skipped: $ROUTEC not built"
		check='' check_min=''
	fi
	if command -v "$KAMAILIO" >/dev/null 2>&1; then
		proc "kamailio -c -f (see note)" "$KAMAILIO" -c -f "$CFG"
		kam=$LAST_MEDIAN
	else
		echo "  kamailio -c: skipped: $KAMAILIO not installed (sh mk/deps.sh bench)"
		kam=
	fi
	echo "  note: kamailio -c does more than parse: it dlopens every loadmodule, applies"
	echo "        modparams, looks up functions, resolves listen addresses and sets up"
	echo "        sockets. The honest comparison is process against process (routec check);"
	echo "        the in-process figure is what our front end alone costs."
	echo "  ratios (medians): kamailio -c / routec check process = $(ratio "$kam" "$check")x;" \
		"kamailio -c / routec in-process parse = $(ratio "$kam" "$front")x"
	echo "  routec check --syntax-only minus the /bin/true floor: $(delta "$check" "$floor") ms" \
		"(medians), $(delta "$check_min" "$floor_min") ms (mins)"
}

# The checker (names, types, route-type rules) on top of the front end:
# `routec check` against `routec check --syntax-only`, both whole processes.
section_check() {
	echo
	echo "== checker: routec check on $CFG"
	[ -x "$ROUTEC" ] || { echo "  skipped: $ROUTEC not built"; return; }
	if ! nm "$ROUTEC" 2>/dev/null | grep -q ' T sema_'; then
		echo "  skipped: no checker in $ROUTEC yet (no sema_ symbols; 'routec check' is the parser alone)"
		return
	fi
	proc "routec check --syntax-only" "$ROUTEC" check --syntax-only "$CFG"
	syn=$LAST_MEDIAN syn_min=$LAST_MIN
	proc "routec check (parse + checker)" "$ROUTEC" check "$CFG"
	echo "  checker cost: $(delta "$LAST_MEDIAN" "$syn") ms (medians), $(delta "$LAST_MIN" "$syn_min") ms" \
		"(mins); under load only the mins mean much"
}

# The proxy: routec-built binary against Kamailio under SIP load (bench/loadgen.c
# drives it, bench/uas.c answers). Not written yet: this only names what is missing.
section_proxy() {
	echo
	echo "== proxy: requests per second and latency against kamailio"
	if ! "$ROUTEC" help 2>/dev/null | grep -q '^  build '; then
		echo "  skipped: no runtime yet ('routec build' does not exist)"
		return
	fi
	for t in build/loadgen build/uas; do
		[ -x "$t" ] || { echo "  skipped: $t not built (make sip-tools)"; return; }
	done
	# the stateless relay, a routec build against Kamailio: bench/proxy.sh
	sh bench/proxy.sh
}

# The stateful proxy (tm) and the registrar (usrloc, registrar) against
# Kamailio with whole calls: bench/calls.sh.  It prints Kamailio's figures
# and "routec: not available (why)" while routec cannot run the script yet.
section_stateful() { sh bench/calls.sh stateful; }
section_registrar() { sh bench/calls.sh registrar; }

# The SIP parser against libosip2 (bench/bench_sip.c).
section_sip() {
	echo
	echo "== SIP parser: a 952-byte INVITE, ns per message =="
	if [ -x build/bench-sip ]; then build/bench-sip; else echo "  skipped: build/bench-sip not built"; fi
}

# --- main ---------------------------------------------------------------------

header
for s in $SECTIONS; do
	"section_$s"
done
echo
footer
