# tests/sip/tm/lib.sh: the helpers of tests/sip/tm/run.sh (sourced by it):
# processes, the proxies under test, the far ends and the caller, reading
# what they recorded, and PASS/FAIL lines.
#
# Globals set by run.sh: ROUTEC, SIPUA, KAMAILIO, KAMAILIO_MODULES, TM (this
# folder), tmp (scratch folder); per target: T (kamailio, jit or bin), PROXY,
# RPC, UAS_PORT, CALLER; per scenario: SC (its name), d (its folder), CID (its
# Call-ID).

pass=0 fail=0 pids=""

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# is WHAT GOT WANT: one check of the scenario running
is() {
	if [ "$2" = "$3" ]; then
		ok "$T $SC: $1"
	else
		ko "$T $SC: $1" "got [$2], want [$3]"
	fi
}

# ---- processes ----------------------------------------------------------

# alive PID: running (an exited child stays a zombie until waited for).
# Read from /proc with shell builtins: starting a process costs ~20 ms on a
# loaded machine, and this runs in every polling loop.
alive() {
	st=""
	[ -r "/proc/$1/stat" ] && { read -r st; } 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	case $st in "" | Z* | X*) return 1 ;; esac
	return 0
}

forget() {
	l=""
	for p in $pids; do [ "$p" = "$1" ] || l="$l $p"; done
	pids=$l
}

# stop PID...: TERM, up to 5 s, then KILL; their children too (Kamailio's
# processes, listed before their parent goes; STOP_KIDS=0: they have none)
stop() {
	kids=""
	if [ "${STOP_KIDS:-1}" = 1 ]; then
		for p in "$@"; do kids="$kids $(pgrep -P "$p" 2>/dev/null)"; done
	fi
	kill "$@" 2>/dev/null
	i=0
	while [ $i -lt 50 ]; do
		up=""
		for p in "$@"; do alive "$p" && up=1; done
		[ -n "$up" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # one pid per word
	for p in "$@" $kids; do alive "$p" && kill -9 "$p" 2>/dev/null; done
	for p in "$@"; do
		wait "$p" 2>/dev/null
		forget "$p"
	done
	return 0
}

# bound ADDR...: wait (at most 3 s) until a UDP socket is bound to each
# ADDR; prints those still missing
bound() {
	i=0
	while :; do
		l=$(ss -Hlun 2>/dev/null)
		missing=""
		for a in "$@"; do
			case $l in *" $a "*) ;; *) missing="$missing $a" ;; esac
		done
		[ -n "$missing" ] || return 0
		[ $i -lt 30 ] || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "$missing"
	return 1
}

# port_free PORT: nothing bound to it on 127.0.0.1
port_free() {
	! ss -Hlun "sport = :$1" 2>/dev/null | grep -q .
}

# ---- the proxy under test ------------------------------------------------

# proxy_start SCRIPT [NAME=VALUE]...: the proxy of target $T on $PROXY with
# the defines given (Kamailio's -A, routec's -D), log in $tmp/$T/proxy.log.
# Returns 1 when it does not answer an OPTIONS within ~15 s; $why says why.
proxy_start() {
	script=$1
	shift
	defs=""
	log=$tmp/$T/proxy.log
	: >"$log"
	set -- LISTEN_ADDR="udp:127.0.0.1:$PROXY" "$@"
	case $T in
	kamailio)
		for a in "$@"; do defs="$defs -A $a"; done
		mkdir -p "$tmp/$T/run"
		# shellcheck disable=SC2086 # one define per word
		"$KAMAILIO" -DD -E -f "$script" -L "$KAMAILIO_MODULES" -Y "$tmp/$T/run" -m 64 -M 8 \
			-l "udp:127.0.0.1:$PROXY" $defs >"$log" 2>&1 &
		;;
	jit)
		for a in "$@"; do defs="$defs -D $a"; done
		# shellcheck disable=SC2086
		"$ROUTEC" run -l "udp:127.0.0.1:$PROXY" -n 2 -E $defs "$script" >"$log" 2>&1 &
		;;
	bin)
		for a in "$@"; do defs="$defs -D $a"; done
		# shellcheck disable=SC2086
		if ! "$ROUTEC" build $defs "$script" -o "$tmp/$T/proxy.bin" >"$log" 2>&1; then
			why=$(compile_errors "$log")
			return 1
		fi
		"$tmp/$T/proxy.bin" -l "udp:127.0.0.1:$PROXY" -n 2 -E >"$log" 2>&1 &
		;;
	esac
	PROXY_PID=$!
	pids="$pids $PROXY_PID"
	i=0
	while [ $i -lt 50 ] && alive "$PROXY_PID"; do
		if "$SIPUA" send --to "127.0.0.1:$PROXY" --bind "127.0.0.1:$CALLER" --msg "$TM/scn/options.sip" \
			--set user=ping --set call_id="probe-$T-$i" --timeout 300 --expect 200 --quiet \
			>/dev/null 2>&1; then
			return 0
		fi
		i=$((i + 1))
	done
	if alive "$PROXY_PID"; then
		why="no answer to OPTIONS within 15 s: $(tail -n 3 "$log" | tr '\n' '|')"
		stop "$PROXY_PID"
	else
		wait "$PROXY_PID" 2>/dev/null
		forget "$PROXY_PID"
		why=$(compile_errors "$log")
	fi
	return 1
}

# compile_errors LOG: what stopped routec, in one line (the functions it does
# not implement yet, else the first errors)
compile_errors() {
	ni=$(sed -n "s/.*'\([a-z0-9_]*\)' is not implemented by routec's runtime yet.*/\1/p" "$1" | sort -u |
		tr '\n' ' ' | sed 's/ $//')
	if [ -n "$ni" ]; then
		echo "not yet implemented: $ni"
	elif grep -q -i 'error' "$1"; then
		grep -m 3 -i 'error' "$1" | tr '\n' '|'
	elif [ -s "$1" ]; then
		tail -n 2 "$1" | tr '\n' '|'
	else
		echo "exited, no output"
	fi
}

# proxy_stop: stop it; a sanitizer report in a routec log is a failure
proxy_stop() {
	[ -n "${PROXY_PID:-}" ] || return 0
	stop "$PROXY_PID"
	PROXY_PID=""
	if [ "$T" != kamailio ] && grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$tmp/$T/proxy.log"; then
		ko "$T sanitizer ($1)" "$(grep -m 2 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$tmp/$T/proxy.log" | tr '\n' '|')"
	fi
	cat "$tmp/$T/proxy.log" >>"$tmp/$T/proxy-all.log"
}

# ---- far ends and the caller ---------------------------------------------

# uas NAME N [sipua uas options]: a far end on 127.0.0.N:$UAS_PORT recording
# what it receives in $d/NAME.rec (its output, "[lost]" lines included, in
# $d/NAME.out)
uas() {
	name=$1 addr=127.0.0.$2:$UAS_PORT
	shift 2
	"$SIPUA" uas --bind "$addr" --timeout 20000 --record "$d/$name.rec" "$@" >"$d/$name.out" 2>&1 &
	UAS_PIDS="$UAS_PIDS $!"
	UAS_ADDRS="$UAS_ADDRS $addr"
	pids="$pids $!"
}

# caller FILE USER: the scenario tests/sip/tm/scn/FILE from $CALLER to the
# proxy, Request-URI user USER, once every far end listens; a failing
# statement is a FAIL line
caller() {
	# shellcheck disable=SC2086 # one address per word
	if [ -n "$UAS_ADDRS" ] && ! missing=$(bound $UAS_ADDRS); then
		ko "$T $SC: far ends listening" "nothing bound to$missing after 3 s"
	fi
	UAS_ADDRS=""
	if "$SIPUA" scenario "$TM/scn/$1" --to "127.0.0.1:$PROXY" --bind "127.0.0.1:$CALLER" \
		--set user="$2" --set call_id="$CID" --timeout 8000 --record "$d/caller.rec" \
		>"$d/caller.out" 2>&1; then
		ok "$T $SC: caller's scenario $1"
	else
		ko "$T $SC: caller's scenario $1" "$(grep -m 1 'error' "$d/caller.out" | sed 's/^[^ ]*: error: //')"
	fi
}

# settle: the far ends stop (they linger on timers of their own); then each
# record is cut down to the messages of this scenario's Call-ID (NAME.m): a
# late retransmission of an earlier scenario on the same port is not this
# one's
settle() {
	# shellcheck disable=SC2086
	[ -z "$UAS_PIDS" ] || STOP_KIDS=0 stop $UAS_PIDS
	UAS_PIDS=""
	set -- "$d"/*.rec
	[ -f "$1" ] || return 0
	for f in "$@"; do : >"${f%.rec}.m"; done
	awk -v cid="$CID" '
	FNR == 1 { out = FILENAME; sub(/\.rec$/, ".m", out); buf = ""; keep = 0; body = 0 }
	$0 == "----" { if (keep) printf "%s----\n", buf >>out; buf = ""; keep = 0; body = 0; next }
	{ buf = buf $0 "\n" }
	$0 == "" { body = 1 }
	!body && tolower($0) ~ /^(call-id|i)[ \t]*:/ {
		v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v); if (v == cid) keep = 1 }' "$@"
}

# ---- what was recorded ---------------------------------------------------
# A record (sipua --record) holds messages, CR removed, each ended by "----";
# settle leaves those of this scenario in $d/NAME.m.  Each query is one awk
# (no pipe: every process started counts on a loaded machine).

# nreq NAME METHOD: how many METHOD requests NAME received
nreq() {
	awk -v m="$2" '$0 == "----" { first = 1; next } BEGIN { first = 1 }
		first { if ($1 == m) n++; first = 0 } END { print n + 0 }' "$d/$1.m"
}

# has NAME METHOD: 1 if NAME received a METHOD request, else 0.  For a
# request the proxy may send again when an answer is slow to come on a loaded
# machine (an ACK per retransmitted final response, a CANCEL until its 200).
has() {
	awk -v m="$2" '$0 == "----" { first = 1; next } BEGIN { first = 1 }
		first { if ($1 == m) n = 1; first = 0 } END { print n + 0 }' "$d/$1.m"
}

# hdr NAME METHOD HEADER [N]: the value of HEADER (first of that name) in
# the Nth (default 1) METHOD request NAME received; empty if none
hdr() {
	awk -v m="$2" -v h="$3" -v n="${4:-1}" '
	BEGIN { h = tolower(h) }
	$0 == "----" { first = 1; inhdr = 1; next } BEGIN { first = 1; inhdr = 1 }
	first { first = 0; if ($1 == m) k++; next }
	$0 == "" { inhdr = 0 }
	inhdr && k == n && !done {
		c = index($0, ":"); name = tolower(substr($0, 1, c - 1)); sub(/[ \t]+$/, "", name)
		if (name == h) { v = substr($0, c + 1); sub(/^[ \t]+/, "", v); print v; done = 1 } }' "$d/$1.m"
}

# ruri NAME METHOD [N]: the Request-URI of the Nth METHOD request
ruri() {
	awk -v m="$2" -v n="${3:-1}" '$0 == "----" { first = 1; next } BEGIN { first = 1 }
		first { first = 0; if ($1 == m && ++k == n) print $2 }' "$d/$1.m"
}

# branch NAME METHOD [N]: the branch of the top Via of the Nth METHOD request
branch() {
	hdr "$1" "$2" via "${3:-1}" | sed -n 's/.*;branch=\([^;, ]*\).*/\1/p'
}

# nresp CODE [METHOD]: how many responses CODE (to METHOD, default INVITE)
# the caller received, retransmissions included
nresp() {
	awk -v c="$1" -v m="${2:-INVITE}" '
	$0 == "----" { first = 1; inhdr = 1; code = ""; next } BEGIN { first = 1; inhdr = 1 }
	first { first = 0; if ($1 == "SIP/2.0") code = $2; next }
	$0 == "" { inhdr = 0 }
	inhdr && code == c && tolower($1) == "cseq:" && $3 == m { n++ }
	END { print n + 0 }' "$d/caller.m"
}

# reason CODE [METHOD]: the reason phrase of the first response CODE
reason() {
	awk -v c="$1" -v m="${2:-INVITE}" '
	$0 == "----" { first = 1; inhdr = 1; code = ""; next } BEGIN { first = 1; inhdr = 1 }
	first { first = 0; if ($1 == "SIP/2.0") { code = $2; r = $0; sub(/^SIP\/2\.0 [0-9]+ /, "", r) }; next }
	$0 == "" { inhdr = 0 }
	inhdr && code == c && tolower($1) == "cseq:" && $3 == m && !done { print r; done = 1 }' "$d/caller.m"
}

# codes: the responses the caller received, per method in the order they
# came, the methods in the order of their first response: "INVITE 100 180
# 200, BYE 200".  A response seen before (same method, code and To tag) is a
# retransmission and left out.  Responses to different methods are not
# ordered against each other: a proxy may relay the 487 of a CANCELled INVITE
# before it sends its own 200 to the CANCEL (Kamailio does, now and then).
codes() {
	awk '
	function flush(   k) {
		k = m " " code " " tag
		if (code == "" || (k in seen)) return
		seen[k] = 1
		if (!(m in list)) { order[++n] = m; list[m] = m }
		list[m] = list[m] " " code
	}
	$0 == "----" { flush(); first = 1; inhdr = 1; code = m = tag = ""; next }
	BEGIN { first = 1; inhdr = 1 }
	first { first = 0; if ($1 == "SIP/2.0") code = $2; next }
	$0 == "" { inhdr = 0 }
	inhdr && tolower($1) == "cseq:" { m = $3 }
	inhdr && tolower($0) ~ /^(to|t)[ \t]*:/ && match($0, /;[ \t]*tag=[^;, ]*/) { tag = substr($0, RSTART, RLENGTH) }
	END { for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? ", " : ""), list[order[i]]; print "" }' "$d/caller.m"
}

# lost NAME TEXT: how many "[lost]" lines of NAME's output start with TEXT
lost() {
	grep -c "^<<< \[lost\] $2" "$d/$1.out"
}
