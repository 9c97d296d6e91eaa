#!/bin/sh
# tests/sip/registrar/run.sh: a registrar and the proxy in front of its users
# (samples/registrar.cfg), end to end on loopback, run on Kamailio 5.6 (the
# reference), on `routec run` (jit) and on a `routec build` binary (bin):
#
#   register, refresh, a second device, a query     REGISTERs from build/sipua
#   bad values                                      empty Expires, Expires: abc,
#                                                   Expires: 4294967296, ;q=abc,
#                                                   a lower CSeq, * with Expires 10
#   fork       two devices of one user both ring (parallel fork by t_relay);
#              the one that answers gets the call, the other a CANCEL
#   404        an INVITE to an unknown user
#   star       Contact: * with Expires: 0 removes every binding
#   expiry     a 3 s binding disappears after usrloc's timer, which runs
#              event_route[usrloc:contact-expired] (its xlog line)
#   sipsak     sipsak's usrloc mode (-U) registers; a request to the user
#              comes back to sipsak through the proxy; -U -x 0 unregisters,
#              and the user is unknown again.  sipsak 0.9.8.1's -U -I and -U -M
#              crash before they send (upstream issues #95 and #97), and -U
#              with -b/-e writes a second REGISTER over the first in one
#              datagram: those modes are not used.
#   rpc        routec only: ul.lookup and the registrar/usrloc statistics
#   q order    three bindings, two refreshed with another q: routec keeps them
#              by q, Kamailio 5.6 puts a refreshed one in ascending position
#              (recorded on the kamailio target; docs/registrar.md)
# then the differential: for every REGISTER scenario, routec (jit and bin)
# must answer with Kamailio's status code and list the same bindings (same
# URIs and q in the same order, expires within 2 s; for the two q-change
# scenarios the same set).
# Then path.sh (path.cfg): Path sent as Route headers by t_relay (each branch
# its own) and forward(), the CANCEL along it; a serial fork where the R-URI
# has the highest q; t_next_contact_flow over two flows of one device; and
# its differential (headers and Route lines of every request, serial order).
# And the persistence test (routec only, db_mode 1 and 2, jit and bin):
# 1,000 bindings registered, the proxy stopped and started again, all 1,000
# answered with their expiry; the SQLite file passes PRAGMA integrity_check.
#
# Ports: proxies and UAs in a block of ten in 9100-9999 (sipsak 0.9.8.1 cuts
# five-digit ports short), the persistence test in 40000-44999.
# Env: ROUTEC, B (build dir with sipua), KAMAILIO, KAMAILIO_MODULES,
#   REG_TARGETS (default "kamailio jit bin"), REG_KEEP=1 (keep the records).
# Ends with "sip-registrar: N passed, N failed"; exit 1 on a failure.
set -u
cd "$(dirname "$0")/../../.." || exit 1
: "${ROUTEC:=build/routec}" "${B:=build}"
: "${KAMAILIO:=kamailio}" "${KAMAILIO_MODULES:=/usr/lib/x86_64-linux-gnu/kamailio/modules}"
: "${REG_TARGETS:=kamailio jit bin}"
case "$B" in *-san) export ROUTEC_CFLAGS="-fsanitize=address,undefined" ;; esac
SIPUA=$B/sipua
D=tests/sip/registrar
SCRIPT=samples/registrar.cfg
tmp=$(mktemp -d /tmp/routec-reg.XXXXXX) || exit 1
pass=0 fail=0 pids=""

# alive PID: running (a zombie does not count)
alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}
forget() {
	l=""
	for p in $pids; do [ "$p" = "$1" ] || l="$l $p"; done
	pids=$l
}
# stop PID...: TERM, up to 10 s, then KILL; Kamailio's children too
stop() {
	kids=""
	for p in "$@"; do kids="$kids $(ps -o pid= --ppid "$p" 2>/dev/null)"; done
	kill "$@" 2>/dev/null
	i=0
	while [ $i -lt 100 ]; do
		up=""
		for p in "$@"; do alive "$p" && up=1; done
		[ -n "$up" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	for p in "$@" $kids; do alive "$p" && kill -9 "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; forget "$p"; done
	return 0
}
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	# shellcheck disable=SC2086 # one pid per word
	[ -z "$pids" ] || stop $pids
	if [ -n "${REG_KEEP:-}" ]; then echo "sip-registrar: records kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP PIPE

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
summary() {
	echo "sip-registrar: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit $?
}

port_free() {
	! grep -qi "^ *[0-9]*: [0-9A-F]*:$(printf '%04X' "$1") " /proc/net/udp 2>/dev/null
}
block_free() { # BASE N
	k=0
	while [ $k -lt "$2" ]; do port_free $(($1 + k)) || return 1; k=$((k + 1)); done
}

[ -x "$SIPUA" ] || make --no-print-directory "$SIPUA" >/dev/null 2>&1 || { ko build "no $SIPUA"; summary; }
[ -x "$ROUTEC" ] || { ko build "no $ROUTEC"; summary; }
if ! command -v "$KAMAILIO" >/dev/null 2>&1; then
	echo "SKIP kamailio: $KAMAILIO is not installed (make test installs it: sh mk/deps.sh test)"
	ko kamailio "not installed: nothing to compare routec with"
	REG_TARGETS=$(echo " $REG_TARGETS " | sed 's/ kamailio / /')
fi
# t_relay comes with tm: without it the fork cannot be tested
STATELESS=""
if ! "$ROUTEC" run -c "$SCRIPT" >"$tmp/compile.log" 2>&1; then
	if grep -q "t_relay.*not implemented" "$tmp/compile.log"; then
		echo "SKIP fork: tm's t_relay is not in this runtime; the sample relays with forward()"
		STATELESS="-D STATELESS_RELAY"
	else
		ko compile "$(head -n 3 "$tmp/compile.log" | tr '\n' ' ')"
		summary
	fi
fi

base=""
k=0
while [ $k -lt 89 ]; do
	b=$((9100 + ((($$ + k) % 89) * 10)))
	if block_free "$b" 10; then base=$b; break; fi
	k=$((k + 1))
done
[ -n "$base" ] || { ko ports "no free block in 9100-9999"; summary; }
DEV_A=$((base + 3)) DEV_B=$((base + 4)) SIPSAK_L=$((base + 5))

# ---- proxies ----------------------------------------------------------------------

# start_proxy TARGET PORT LABEL [NAME=VALUE]...: the sample with those defines;
# PROXY_PID, PROXY_LOG.  The bin target builds once per LABEL.
start_proxy() {
	t=$1 port=$2 label=$3
	shift 3
	PROXY_LOG=$tmp/$t-$label.log
	: >"$PROXY_LOG"
	defs=""
	for d in "$@"; do defs="$defs -D $d"; done
	case $t in
	kamailio)
		kdefs=""
		for d in "$@"; do kdefs="$kdefs -A $d"; done
		mkdir -p "$tmp/kam-$label"
		# shellcheck disable=SC2086 # one define per word
		"$KAMAILIO" -DD -E -f "$SCRIPT" -L "$KAMAILIO_MODULES" -Y "$tmp/kam-$label" -m 64 -M 8 \
			-l "udp:127.0.0.1:$port" $kdefs >"$PROXY_LOG" 2>&1 &
		;;
	jit)
		# shellcheck disable=SC2086
		"$ROUTEC" run -l "udp:127.0.0.1:$port" -n 2 -E $STATELESS $defs "$SCRIPT" >"$PROXY_LOG" 2>&1 &
		;;
	bin)
		if [ ! -x "$tmp/bin-$label" ]; then
			# shellcheck disable=SC2086
			"$ROUTEC" build $STATELESS $defs "$SCRIPT" -o "$tmp/bin-$label" >"$tmp/build-$label.log" 2>&1 ||
				{ cat "$tmp/build-$label.log"; return 1; }
		fi
		"$tmp/bin-$label" -l "udp:127.0.0.1:$port" -n 2 -E >"$PROXY_LOG" 2>&1 &
		;;
	esac
	PROXY_PID=$!
	PROXY_PORT=$port
	pids="$pids $PROXY_PID"
	# ready when it answers a REGISTER query
	i=0
	while [ $i -lt 60 ]; do
		alive "$PROXY_PID" || break
		"$SIPUA" send --to "127.0.0.1:$port" --msg "$D/msgs/query.sip" --set aor=ready --set cseq=1 \
			--expect 200 --timeout 300 --quiet >/dev/null 2>&1 && return 0
		i=$((i + 1))
	done
	tail -n 20 "$PROXY_LOG"
	return 1
}

# stop_proxy NAME: stop it; a sanitized build must have said nothing
stop_proxy() {
	stop "$PROXY_PID"
	if grep -q "AddressSanitizer\|LeakSanitizer\|runtime error:" "$PROXY_LOG"; then
		ko "$1: sanitizers" "$(grep -m 1 "Sanitizer\|runtime error:" "$PROXY_LOG")"
	fi
}

# ---- requests --------------------------------------------------------------------

# reg NAME AOR CONTACT HDR CALLID CSEQ: one REGISTER; the reply in $dir/NAME.rx
# and one line "NAME|status|contacts" appended to $dir/results.
reg() {
	"$SIPUA" send --to "127.0.0.1:$PROXY_PORT" --msg "$D/msgs/register.sip" --set "aor=$2" \
		--set "contact=$3" --set "hdr=$4" --set "call_id=$5" --set "cseq=$6" --timeout 3000 \
		--record "$dir/$1.rx" --quiet >/dev/null 2>&1
	result "$1"
}
query() { # NAME AOR
	"$SIPUA" send --to "127.0.0.1:$PROXY_PORT" --msg "$D/msgs/query.sip" --set "aor=$2" --set cseq=1 \
		--timeout 3000 --record "$dir/$1.rx" --quiet >/dev/null 2>&1
	result "$1"
}
result() {
	st=$(head -n 1 "$dir/$1.rx" 2>/dev/null | cut -d' ' -f2)
	ct=$(grep -i '^Contact:' "$dir/$1.rx" 2>/dev/null | head -n 1 | sed 's/^[Cc]ontact: *//')
	echo "$1|${st:-none}|$ct" >>"$dir/results"
}
# status NAME / contacts NAME: from results
status_of() { awk -F'|' -v n="$1" '$1 == n { print $2 }' "$dir/results" | tail -n 1; }
contacts_of() { awk -F'|' -v n="$1" '$1 == n { print $3 }' "$dir/results" | tail -n 1; }

# near GOT WANT SLACK [both]: the same bindings (URIs, q, order), each
# ;expires at most 1 s over WANT's and at most SLACK s under it (time passes
# between the REGISTER and the reply that lists it, more so on a loaded
# machine); with "both", SLACK either way
near() {
	awk -v got="$1" -v want="$2" -v slack="$3" -v both="${4:-}" 'BEGIN {
		ng = split(got, g, ", "); nw = split(want, w, ", ")
		if (ng != nw) exit 1
		for (i = 1; i <= ng; i++) {
			gb = g[i]; wb = w[i]
			ge = gb; sub(/.*;expires=/, "", ge); sub(/;.*/, "", ge)
			we = wb; sub(/.*;expires=/, "", we); sub(/;.*/, "", we)
			sub(/;expires=[0-9-]*/, "", gb); sub(/;expires=[0-9-]*/, "", wb)
			if (gb != wb) exit 1
			if (ge - we > (both ? slack : 1) || we - ge > slack) exit 1
		}
	}'
}

# check NAME STATUS CONTACTS: the scenario's result as expected
check() {
	s=$(status_of "$1") c=$(contacts_of "$1")
	if [ "$s" != "$2" ]; then
		ko "$t $1" "status $s, want $2"
	elif ! near "$c" "$3" $(($(date +%s) - T_START + 2)); then
		ko "$t $1" "bindings [$c], want [$3]"
	else
		ok "$t $1 ($2)"
	fi
}

A="sip:alice@127.0.0.1:$DEV_A"
Bc="sip:alice@127.0.0.1:$DEV_B"

run_target() {
	t=$1 port=$2
	dir=$tmp/$t
	mkdir -p "$dir"
	: >"$dir/results"
	start_proxy "$t" "$port" main TIMER=1 MINEXP=2 || { ko "$t start" "the proxy did not start"; return; }
	T_START=$(date +%s) # no binding of this run can have aged more than this

	reg register alice "<$A>;q=0.5" "Expires: 60" cid-a 1
	check register 200 "<$A>;q=0.5;expires=60"
	reg refresh alice "<$A>;q=0.5" "Expires: 120" cid-a 2
	check refresh 200 "<$A>;q=0.5;expires=120"
	reg device2 alice "<$Bc>" "Expires: 60" cid-b 1
	check device2 200 "<$A>;q=0.5;expires=120, <$Bc>;expires=60"
	query query alice
	check query 200 "<$A>;q=0.5;expires=120, <$Bc>;expires=60"

	# bad values, as Kamailio 5.6.3 treats them
	reg exp-empty bob "<sip:bob@127.0.0.1:9>" "Expires:" cid-c 1
	check exp-empty 400 ""
	reg exp-abc bob "<sip:bob@127.0.0.1:9>" "Expires: abc" cid-c 2
	check exp-abc 200 "<sip:bob@127.0.0.1:9>;expires=3600"
	reg exp-wrap bob "<sip:bob@127.0.0.1:8>" "Expires: 4294967296" cid-c 3
	check exp-wrap 200 "<sip:bob@127.0.0.1:9>;expires=3600"
	reg q-abc bob "<sip:bob@127.0.0.1:7>;q=abc" "Expires: 60" cid-c 4
	check q-abc 400 "<sip:bob@127.0.0.1:9>;expires=3600"
	reg cseq-low bob "<sip:bob@127.0.0.1:9>" "Expires: 60" cid-c 1
	check cseq-low 400 "<sip:bob@127.0.0.1:9>;expires=3600"
	reg star-exp bob "*" "Expires: 10" cid-c 5
	check star-exp 400 "" # refused before the AoR is looked at: nothing listed
	if grep -q "^P-Registrar-Error: \* used in contact and expires is not zero" "$dir/star-exp.rx" &&
		grep -q "^P-Registrar-Error: Invalid CSeq number" "$dir/cseq-low.rx"; then
		ok "$t P-Registrar-Error says why"
	else
		ko "$t P-Registrar-Error says why" "$(grep -h P-Registrar "$dir/star-exp.rx" "$dir/cseq-low.rx" | tr '\n' ' ')"
	fi

	# q changes on refresh: routec keeps the list by q; Kamailio 5.6 re-inserts a
	# refreshed contact in ascending position (update_contact_pos), which this
	# records on the kamailio target (docs/registrar.md)
	reg q-1 dave "<sip:dave@127.0.0.1:1>;q=0.5" "Expires: 60" cid-q1 1
	reg q-2 dave "<sip:dave@127.0.0.1:2>;q=0.7" "Expires: 60" cid-q2 1
	reg q-3 dave "<sip:dave@127.0.0.1:3>;q=0.9" "Expires: 60" cid-q3 1
	check q-3 200 "<sip:dave@127.0.0.1:3>;q=0.9;expires=60, <sip:dave@127.0.0.1:2>;q=0.7;expires=60, <sip:dave@127.0.0.1:1>;q=0.5;expires=60"
	reg q-lower dave "<sip:dave@127.0.0.1:3>;q=0.1" "Expires: 60" cid-q3 2
	reg q-raise dave "<sip:dave@127.0.0.1:1>;q=1.0" "Expires: 60" cid-q1 2
	if [ "$t" = kamailio ]; then
		check q-lower 200 "<sip:dave@127.0.0.1:3>;q=0.1;expires=60, <sip:dave@127.0.0.1:2>;q=0.7;expires=60, <sip:dave@127.0.0.1:1>;q=0.5;expires=60"
		check q-raise 200 "<sip:dave@127.0.0.1:3>;q=0.1;expires=60, <sip:dave@127.0.0.1:2>;q=0.7;expires=60, <sip:dave@127.0.0.1:1>;q=1;expires=60"
	else
		check q-lower 200 "<sip:dave@127.0.0.1:2>;q=0.7;expires=60, <sip:dave@127.0.0.1:1>;q=0.5;expires=60, <sip:dave@127.0.0.1:3>;q=0.1;expires=60"
		check q-raise 200 "<sip:dave@127.0.0.1:1>;q=1;expires=60, <sip:dave@127.0.0.1:2>;q=0.7;expires=60, <sip:dave@127.0.0.1:3>;q=0.1;expires=60"
	fi

	# fork: both devices ring, A answers, B is cancelled
	if [ -n "$STATELESS" ] && [ "$t" != kamailio ]; then
		echo "SKIP $t fork: no t_relay in this runtime"
	else
		"$SIPUA" uas --bind "127.0.0.1:$DEV_A" --count 1 --ring 50 --delay 400 --timeout 8000 \
			--record "$dir/uas-a.rec" --quiet >/dev/null 2>&1 &
		ua=$!
		"$SIPUA" uas --bind "127.0.0.1:$DEV_B" --count 1 --ring 50 --delay 5000 --timeout 8000 \
			--record "$dir/uas-b.rec" --quiet >/dev/null 2>&1 &
		ub=$!
		pids="$pids $ua $ub"
		sleep 0.3
		"$SIPUA" send --to "127.0.0.1:$PROXY_PORT" --msg "$D/msgs/invite.sip" --set ruser=alice \
			--expect 200 --timeout 6000 >"$dir/fork.out" 2>&1
		frc=$?
		wait "$ua" 2>/dev/null
		forget "$ua"
		stop "$ub"
		ringing=$(grep -c '^<<< SIP/2.0 180' "$dir/fork.out")
		if [ $frc -eq 0 ] && grep -q '^INVITE sip:alice@127.0.0.1:'"$DEV_A" "$dir/uas-a.rec" &&
			grep -q '^INVITE sip:alice@127.0.0.1:'"$DEV_B" "$dir/uas-b.rec" && [ "$ringing" -ge 1 ]; then
			ok "$t fork: both devices got the INVITE, the caller got 180 and 200"
		else
			ko "$t fork" "caller exit $frc, 180s $ringing, A $(grep -c '^INVITE' "$dir/uas-a.rec" 2>/dev/null), B $(grep -c '^INVITE' "$dir/uas-b.rec" 2>/dev/null)"
		fi
		if grep -q '^CANCEL' "$dir/uas-b.rec"; then
			ok "$t fork: the device that did not answer got a CANCEL"
		else
			ko "$t fork: CANCEL to the other device" "none in its record"
		fi
	fi

	"$SIPUA" send --to "127.0.0.1:$PROXY_PORT" --msg "$D/msgs/invite.sip" --set ruser=nobody \
		--expect 404 --timeout 3000 --quiet >/dev/null 2>&1 &&
		ok "$t unknown user: 404" || ko "$t unknown user" "no 404"

	reg star alice "*" "Expires: 0" cid-a 3
	check star 200 ""
	query star-query alice
	check star-query 200 ""
	"$SIPUA" send --to "127.0.0.1:$PROXY_PORT" --msg "$D/msgs/invite.sip" --set ruser=alice \
		--expect 404 --timeout 3000 --quiet >/dev/null 2>&1 &&
		ok "$t after Contact: *, the user is unknown (404)" || ko "$t after Contact: *" "no 404"

	# expiry: a 3 s binding, the timer runs every second
	reg expiry carol "<sip:carol@127.0.0.1:6>" "Expires: 3" cid-e 1
	check expiry 200 "<sip:carol@127.0.0.1:6>;expires=3"
	i=0 gone=""
	while [ $i -lt 40 ]; do
		sleep 0.25
		query expired carol
		[ "$(contacts_of expired)" = "" ] && { gone=1; break; }
		i=$((i + 1))
	done
	[ -n "$gone" ] && ok "$t expiry: the binding is gone" || ko "$t expiry" "still listed after 10 s"
	i=0
	while [ $i -lt 40 ] && ! grep -q "expired: carol sip:carol@127.0.0.1:6" "$PROXY_LOG"; do
		sleep 0.25
		i=$((i + 1))
	done
	if grep -q "expired: carol sip:carol@127.0.0.1:6" "$PROXY_LOG"; then
		ok "$t event_route[usrloc:contact-expired] ran with \$ulc(exp=>aor), \$ulc(exp=>addr)"
	else
		ko "$t event_route[usrloc:contact-expired]" "no 'expired: carol' in the log"
	fi

	# sipsak: usrloc mode registers; a request to the user loops back to it
	if command -v sipsak >/dev/null 2>&1; then
		sk="sip:sipsak@127.0.0.1:$PROXY_PORT"
		# (its report goes to a terminal only: the exit status says it)
		if sipsak -U -s "$sk" -l "$SIPSAK_L" -x 60 >"$dir/sipsak-reg.out" 2>&1; then
			ok "$t sipsak -U registers (exit 0)"
		else
			ko "$t sipsak -U registers" "exit $?: $(tr '\n' ' ' <"$dir/sipsak-reg.out" | cut -c1-200)"
		fi
		sipsak -vv -s "$sk" -l "$SIPSAK_L" >"$dir/sipsak-call.out" 2>&1
		if grep -q "^OPTIONS sip:sipsak@127.0.0.1:$SIPSAK_L SIP/2.0" "$dir/sipsak-call.out"; then
			ok "$t sipsak's request to itself came back through lookup"
		else
			ko "$t sipsak call to itself" "$(grep -m1 'SIP/2.0' "$dir/sipsak-call.out")"
		fi
		sipsak -U -s "$sk" -l "$SIPSAK_L" -x 0 >"$dir/sipsak-unreg.out" 2>&1
		sipsak -vv -s "$sk" >"$dir/sipsak-404.out" 2>&1
		if grep -q "^SIP/2.0 404" "$dir/sipsak-404.out"; then
			ok "$t sipsak -U -x 0 unregisters: 404 afterwards"
		else
			ko "$t sipsak unregister" "$(grep -m1 'SIP/2.0' "$dir/sipsak-404.out")"
		fi
	else
		echo "SKIP $t sipsak: not installed"
	fi

	# control methods and statistics (routec)
	if [ "$t" != kamailio ]; then
		"$ROUTEC" ctl -p "$PROXY_PID" ul.lookup location "Bob@example.com" >"$dir/ul-lookup.json" 2>&1
		if grep -q '"AoR": *"bob"' "$dir/ul-lookup.json" &&
			grep -q '"Address": *"sip:bob@127.0.0.1:9"' "$dir/ul-lookup.json"; then
			ok "$t ul.lookup location Bob@example.com: bob's binding"
		else
			ko "$t ul.lookup" "$(head -c 200 "$dir/ul-lookup.json")"
		fi
		"$ROUTEC" ctl -p "$PROXY_PID" stats.get_statistics registrar: usrloc: >"$dir/stats.json" 2>&1
		acc=$(sed -n 's/.*registrar:accepted_regs = \([0-9]*\).*/\1/p' "$dir/stats.json")
		rej=$(sed -n 's/.*registrar:rejected_regs = \([0-9]*\).*/\1/p' "$dir/stats.json")
		users=$(sed -n 's/.*usrloc:registered_users = \([0-9]*\).*/\1/p' "$dir/stats.json")
		# rejected: exp-empty, q-abc, cseq-low, star-exp
		if [ "${rej:-x}" = 4 ] && [ "${acc:-0}" -ge 12 ] && [ "${users:-0}" -ge 1 ] &&
			grep -q 'usrloc:location-contacts' "$dir/stats.json"; then
			ok "$t statistics: registrar:accepted_regs $acc, rejected_regs $rej, usrloc:registered_users $users"
		else
			ko "$t statistics" "$(tr '\n' ' ' <"$dir/stats.json" | cut -c1-300)"
		fi
	fi
	stop_proxy "$t"
}

tport=$base
for t in $REG_TARGETS; do
	run_target "$t" "$tport"
	tport=$((tport + 1))
done

# Path, the R-URI's q, flows (path.sh): the far ends on a block of their own,
# the same for every target (their ports are in the Route lines compared)
. "$D/path.sh"
ubase=""
k=0
while [ $k -lt 89 ]; do
	b=$((9100 + ((($$ + 44 + k) % 89) * 10)))
	if [ "$b" != "$base" ] && block_free "$b" 10; then ubase=$b; break; fi
	k=$((k + 1))
done
if [ -z "$ubase" ]; then
	ko path "no free block in 9100-9999 for the far ends"
else
	for t in $REG_TARGETS; do
		path_target "$t" $((base + 6)) "$ubase"
	done
	path_diff
fi

# Every reply recorded, parsed alike by routec's parser and libosip2
# (tests/sip/osip_check.c).
[ -x "$B/osip_check" ] || make --no-print-directory "$B/osip_check" >/dev/null 2>&1
for t in jit bin; do
	[ -d "$tmp/$t" ] || continue
	if "$B/osip_check" -q "$tmp/$t"/*.rx "$tmp/$t"/*.rec >"$tmp/osip-$t.out" 2>&1; then
		ok "$t every message recorded parsed alike by routec and libosip2"
	else
		ko "$t osip_check" "$(head -n 3 "$tmp/osip-$t.out" | tr '\n' ' ')"
	fi
done

# ---- the differential ---------------------------------------------------------------

if [ -f "$tmp/kamailio/results" ]; then
	for t in jit bin; do
		[ -f "$tmp/$t/results" ] || continue
		while IFS='|' read -r name kst kct; do
			case $name in expired) continue ;; esac
			dir=$tmp/$t
			rst=$(status_of "$name") rct=$(contacts_of "$name")
			case $name in
			q-lower | q-raise) # the order differs on purpose: compare the sets
				kct=$(echo "$kct" | sed 's/, /\n/g' | sort | paste -sd'|' | sed 's/|/, /g')
				rct=$(echo "$rct" | sed 's/, /\n/g' | sort | paste -sd'|' | sed 's/|/, /g')
				;;
			esac
			# each side was checked against the exact lifetimes above; here
			# the two runs' clocks differ by what each one took
			if [ "$rst" = "$kst" ] && near "$rct" "$kct" 30 both; then
				ok "diff $t $name: $kst, the same bindings as Kamailio"
			else
				ko "diff $t $name" "kamailio $kst [$kct], routec $rst [$rct]"
			fi
		done <"$tmp/kamailio/results"
	done
fi

# ---- persistence ----------------------------------------------------------------------

pbase=""
k=0
while [ $k -lt 499 ]; do
	b=$((40000 + ((($$ + k) % 499) * 10)))
	if block_free "$b" 4; then pbase=$b; break; fi
	k=$((k + 1))
done

# persist TARGET MODE
persist() {
	t=$1 mode=$2
	dir=$tmp/persist-$t-$mode
	mkdir -p "$dir"
	db=$dir/location.db
	label=db$mode
	# 1,000 REGISTERs, each its own AoR, expires 600 + n % 100
	scn=$dir/register.scn
	qscn=$dir/query.scn
	: >"$scn"
	: >"$qscn"
	n=0
	while [ $n -lt 1000 ]; do
		printf 'set aor u%d\nset contact <sip:u%d@127.0.0.1:%d>\nset hdr Expires: %d\nsend REGISTER register.sip\nexpect 200\n' \
			$n $n $((1000 + n)) $((600 + n % 100)) >>"$scn"
		printf 'set aor u%d\nsend REGISTER query.sip\nexpect 200\n' $n >>"$qscn"
		n=$((n + 1))
	done
	cp "$D/msgs/register.sip" "$D/msgs/query.sip" "$dir/"
	rm -f "$tmp/bin-$label"
	start_proxy "$t" "$pbase" "$label" TIMER=1 "DBMODE=$mode" "DBURL=\"sqlite://$db\"" ||
		{ ko "persist $t db_mode $mode start" "the proxy did not start"; return; }
	t0=$(date +%s)
	if "$SIPUA" scenario "$scn" --to "127.0.0.1:$pbase" --timeout 3000 --quiet >"$dir/register.out" 2>&1; then
		ok "persist $t db_mode $mode: 1,000 bindings registered"
	else
		ko "persist $t db_mode $mode register" "$(tail -n 2 "$dir/register.out" | tr '\n' ' ')"
	fi
	stop_proxy "persist $t db_mode $mode"
	rows=$(sqlite3 "$db" 'SELECT count(*) FROM location' 2>&1)
	[ "$rows" = 1000 ] && ok "persist $t db_mode $mode: 1,000 rows in the file after stop" ||
		ko "persist $t db_mode $mode rows" "$rows"
	ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] && ok "persist $t db_mode $mode: PRAGMA integrity_check ok" || ko "persist integrity_check" "$ic"
	start_proxy "$t" "$pbase" "$label" TIMER=1 "DBMODE=$mode" "DBURL=\"sqlite://$db\"" ||
		{ ko "persist $t db_mode $mode restart" "the proxy did not start"; return; }
	"$SIPUA" scenario "$qscn" --to "127.0.0.1:$pbase" --timeout 3000 --quiet --record "$dir/query.rec" \
		>"$dir/query.out" 2>&1
	t1=$(date +%s)
	# every AoR answered with its binding, expires = 600 + n % 100 less the time gone by
	bad=$(awk -v el=$((t1 - t0)) '/^Contact: <sip:u[0-9]+@127.0.0.1:[0-9]+>;expires=/ {
			u = $0; sub(/^Contact: <sip:u/, "", u); sub(/@.*/, "", u)
			e = $0; sub(/.*;expires=/, "", e)
			want = 600 + u % 100
			if (e > want || e < want - el - 2) { print "u" u " expires " e " want " want " - " el; bad++ }
			seen[u] = 1
		}
		END { for (i = 0; i < 1000; i++) if (!(i in seen)) { print "u" i " missing"; bad++ }; exit bad > 0 }' \
		"$dir/query.rec" | head -n 3)
	if [ -z "$bad" ] && [ -s "$dir/query.rec" ]; then
		ok "persist $t db_mode $mode: after a restart all 1,000 bindings are back with their expiry"
	else
		ko "persist $t db_mode $mode reload" "${bad:-no answers}"
	fi
	stop_proxy "persist $t db_mode $mode restart"
	ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] && ok "persist $t db_mode $mode: integrity_check ok after the second run" ||
		ko "persist integrity_check 2" "$ic"
}

if [ -z "$pbase" ]; then
	ko persist "no free block in 40000-44999"
elif ! command -v sqlite3 >/dev/null 2>&1; then
	ko persist "the sqlite3 shell is not installed (sh mk/deps.sh test)"
else
	for t in $REG_TARGETS; do
		[ "$t" = kamailio ] && continue
		persist "$t" 1
		persist "$t" 2
	done
fi

summary
