# tests/sip/registrar/path.sh: sourced by run.sh (its helpers: start_proxy,
# stop_proxy, ok, ko, $SIPUA, $tmp, $D).  The proxy of path.cfg on one target:
#
#   path fork   alice has three bindings: A (q 0.9) registered through two
#               Path headers, C (q 0.7) through a Path of two URIs and one
#               more header, B (q 0.5) without Path.  t_relay() forks to all:
#               A's INVITE goes to A's first Path hop with
#               "Route: <A's Path vector>" right below our Via, C's to C's
#               hop with C's, B's straight to B with no Route; the CANCEL
#               to C carries C's Route too
#   stateless   forward() (user sl): the INVITE goes to the Path hop with the
#               Path as Route
#   serial      t_load_contacts/t_next_contacts over three bindings (q 0.5,
#               1.0, 0.8, registered in that order) that all answer 486: the
#               R-URI lookup chose (q 1.0) is tried first, then 0.8, then 0.5
#   flows       one device registered over two flows (one +sip.instance,
#               reg-id 1 and 2) and another device: the first group sends to
#               one flow and the other device; when the flow answers 486,
#               t_next_contact_flow() in event_route[tm:branch-failure]
#               tries the second flow: every far end gets one INVITE
#
# path_target TARGET PORT UA_BASE: UA_BASE .. UA_BASE+6 are the far ends.
# path_diff: every recorded request's header names and Route lines, and the
# serial order, are Kamailio's.

PATH_SCRIPT=$D/path.cfg
FLOW_I='+sip.instance="<urn:uuid:00000000-0000-1000-8000-000000000001>"'

# shape FILE: the first request of each method in a record (a retransmission
# is not counted) as its method, its header names in order and its Route lines:
# what stays when branches, tags and ports are left out
shape() {
	awk '/^----$/ { first = 1; next }
		first || NR == 1 { split($0, w, " "); skip = (w[1] in seen); seen[w[1]] = 1
			if (!skip) print "-- " w[1]; first = 0; next }
		skip { next }
		/^Route:/ { print; next }
		/^[A-Za-z-]+:/ { sub(/:.*/, ""); print }' "$1" 2>/dev/null
}

# the first request of a record: its lines up to "----"
first_req() { sed '/^----$/q' "$1" 2>/dev/null; }

# busy_call USER OUT PORT...: far ends on 127.0.0.1:PORT... answer INVITEs
# with 486 (each records to $dir/f<PORT>.rec), the caller's INVITE to USER
# must end with 486 (its output in $dir/OUT); the far ends are waited for
busy_call() {
	user=$1 out=$2
	shift 2
	us=""
	for p in "$@"; do
		rm -f "$dir/f$p.rec"
		"$SIPUA" uas --bind "127.0.0.1:$p" --count 1 --code INVITE=486 --timeout 6000 \
			--record "$dir/f$p.rec" --quiet >/dev/null 2>&1 &
		us="$us $!"
	done
	pids="$pids $us"
	sleep 0.3
	"$SIPUA" send --to "127.0.0.1:$port" --msg "$D/msgs/invite.sip" --set "ruser=$user" \
		--expect 486 --timeout 5000 >"$dir/$out" 2>&1
	brc=$?
	for u in $us; do wait "$u" 2>/dev/null; forget "$u"; done
	return $brc
}

path_target() {
	t=$1 port=$2 ub=$3
	E1=$ub E2=$((ub + 1)) DB=$((ub + 2)) SX=$((ub + 3)) SY=$((ub + 4)) SZ=$((ub + 5)) F1=$((ub + 6))
	F2=$((ub + 7)) FO=$((ub + 8))
	dir=$tmp/path-$t
	mkdir -p "$dir"
	saved=$SCRIPT
	SCRIPT=$PATH_SCRIPT
	start_proxy "$t" "$port" path
	rc=$?
	SCRIPT=$saved
	[ $rc -eq 0 ] || { ko "$t path: start" "the proxy did not start"; return; }

	preg() { # AOR CONTACT PATH1 PATH2
		"$SIPUA" send --to "127.0.0.1:$port" --msg "$D/msgs/register-path.sip" --set "aor=$1" \
			--set "contact=$2" --set "path1=$3" --set "path2=$4" --expect 200 --timeout 3000 \
			--quiet >/dev/null 2>&1
	}
	nreg() { # AOR CONTACT CALLID
		"$SIPUA" send --to "127.0.0.1:$port" --msg "$D/msgs/register.sip" --set "aor=$1" \
			--set "contact=$2" --set "hdr=Expires: 60" --set "call_id=$3" --set cseq=1 \
			--expect 200 --timeout 3000 --quiet >/dev/null 2>&1
	}
	P_A="<sip:127.0.0.1:$E1;lr>" P_A2="<sip:core.invalid;lr;x=y>"
	P_C="<sip:127.0.0.1:$E2;lr>, <sip:mid.invalid;lr>" P_C2="<sip:core2.invalid;lr>"
	if preg alice "<sip:alice@127.0.0.1:11>;q=0.9" "$P_A" "$P_A2" &&
		preg alice "<sip:alice@127.0.0.1:12>;q=0.7" "$P_C" "$P_C2" &&
		nreg alice "<sip:alice@127.0.0.1:$DB>;q=0.5" cid-pb &&
		preg sl "<sip:sl@127.0.0.1:13>" "<sip:127.0.0.1:$E1;lr>" "<sip:core.invalid;lr>" &&
		nreg serial "<sip:serial@127.0.0.1:$SY>;q=0.5" cid-sy &&
		nreg serial "<sip:serial@127.0.0.1:$SX>;q=1.0" cid-sx &&
		nreg serial "<sip:serial@127.0.0.1:$SZ>;q=0.8" cid-sz &&
		nreg flow "<sip:flow@127.0.0.1:$F1>;$FLOW_I;reg-id=1;q=0.5, <sip:flow@127.0.0.1:$F2>;$FLOW_I;reg-id=2;q=0.5, <sip:flow@127.0.0.1:$FO>;q=0.5" cid-f; then
		ok "$t path: REGISTERs with Path (Supported: path) answered 200"
	else
		ko "$t path: REGISTERs" "one was not answered 200"
	fi

	# ---- the parallel fork: A answers, C and B are cancelled
	"$SIPUA" uas --bind "127.0.0.1:$E1" --count 1 --ring 50 --delay 400 --timeout 8000 \
		--record "$dir/a.rec" --quiet >/dev/null 2>&1 &
	u1=$!
	"$SIPUA" uas --bind "127.0.0.1:$E2" --count 1 --ring 50 --delay 5000 --linger 500 --timeout 8000 \
		--record "$dir/c.rec" --quiet >/dev/null 2>&1 &
	u2=$!
	"$SIPUA" uas --bind "127.0.0.1:$DB" --count 1 --ring 50 --delay 5000 --linger 500 --timeout 8000 \
		--record "$dir/b.rec" --quiet >/dev/null 2>&1 &
	u3=$!
	pids="$pids $u1 $u2 $u3"
	sleep 0.3
	"$SIPUA" send --to "127.0.0.1:$port" --msg "$D/msgs/invite.sip" --set ruser=alice \
		--expect 200 --timeout 6000 >"$dir/fork.out" 2>&1
	frc=$?
	# each far end ends once its transaction is over (C and B: CANCEL, 487,
	# ACK), or at its timeout
	for u in $u1 $u2 $u3; do wait "$u" 2>/dev/null; forget "$u"; done
	first_req "$dir/a.rec" >"$dir/a.inv"
	first_req "$dir/c.rec" >"$dir/c.inv"
	first_req "$dir/b.rec" >"$dir/b.inv"
	[ $frc -eq 0 ] && ok "$t path fork: the caller got 200 from A through its Path hop" ||
		ko "$t path fork" "caller exit $frc: $(grep '^<<<' "$dir/fork.out" | tr '\n' ' ')"
	want_a="Route: <sip:127.0.0.1:$E1;lr>,<sip:core.invalid;lr;x=y>"
	if grep -q "^INVITE sip:alice@127.0.0.1:11 " "$dir/a.inv" && [ "$(sed -n 3p "$dir/a.inv")" = "$want_a" ] &&
		sed -n 2p "$dir/a.inv" | grep -q "^Via: SIP/2.0/UDP 127.0.0.1:$port;" &&
		[ "$(grep -c '^Route:' "$dir/a.inv")" = 1 ]; then
		ok "$t path fork: A's INVITE went to its first Path hop with its Path as Route, below our Via"
	else
		ko "$t path fork: A's INVITE" "$(head -n 4 "$dir/a.inv" | tr '\n' '|')"
	fi
	want_c="Route: <sip:127.0.0.1:$E2;lr>, <sip:mid.invalid;lr>,<sip:core2.invalid;lr>"
	if grep -q "^INVITE sip:alice@127.0.0.1:12 " "$dir/c.inv" && [ "$(sed -n 3p "$dir/c.inv")" = "$want_c" ]; then
		ok "$t path fork: C's INVITE carries C's own Path (a branch of the fork)"
	else
		ko "$t path fork: C's INVITE" "$(head -n 4 "$dir/c.inv" | tr '\n' '|')"
	fi
	if [ "$(awk '/^CANCEL/ { c = 1 } c && /^Route:/ { print; exit }' "$dir/c.rec")" = "$want_c" ]; then
		ok "$t path fork: the CANCEL to C goes along C's Path too"
	else
		ko "$t path fork: CANCEL to C" "$(awk '/^CANCEL/ { c = 1 } c' "$dir/c.rec" | head -n 4 | tr '\n' '|')"
	fi
	if grep -q "^INVITE sip:alice@127.0.0.1:$DB " "$dir/b.inv" && ! grep -q '^Route:' "$dir/b.inv"; then
		ok "$t path fork: B (no Path) got its INVITE directly, without a Route"
	else
		ko "$t path fork: B's INVITE" "$(head -n 4 "$dir/b.inv" | tr '\n' '|')"
	fi

	# ---- stateless forward()
	busy_call sl sl.out "$E1"
	cp "$dir/f$E1.rec" "$dir/sl.rec" 2>/dev/null
	first_req "$dir/sl.rec" >"$dir/sl.inv"
	if grep -q "^INVITE sip:sl@127.0.0.1:13 " "$dir/sl.inv" &&
		[ "$(sed -n 3p "$dir/sl.inv")" = "Route: <sip:127.0.0.1:$E1;lr>,<sip:core.invalid;lr>" ]; then
		ok "$t path: forward() sends to the Path hop with the Path as Route"
	else
		ko "$t path: forward()" "$(head -n 4 "$dir/sl.inv" | tr '\n' '|')"
	fi

	# ---- serial fork by q: the R-URI's own q counts
	busy_call serial serial.out "$SX" "$SY" "$SZ"
	src=$?
	i=0
	while [ $i -lt 30 ] && [ "$(grep -c 'serial: sip:' "$PROXY_LOG")" -lt 3 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sed -n 's/.*serial: sip:serial@127.0.0.1:\([0-9]*\).*/\1/p' "$PROXY_LOG" | paste -sd' ' >"$dir/serial.order"
	if [ $src -eq 0 ] && [ "$(cat "$dir/serial.order")" = "$SX $SZ $SY" ]; then
		ok "$t serial: q 1.0 (the R-URI after lookup), then 0.8, then 0.5"
	else
		ko "$t serial order" "caller exit $src, order [$(cat "$dir/serial.order")], want [$SX $SZ $SY]"
	fi

	# ---- flows of one device
	busy_call flow flow.out "$F1" "$F2" "$FO"
	frc=$?
	n1=$(grep -c '^INVITE' "$dir/f$F1.rec" 2>/dev/null) n2=$(grep -c '^INVITE' "$dir/f$F2.rec" 2>/dev/null)
	no=$(grep -c '^INVITE' "$dir/f$FO.rec" 2>/dev/null) nl=$(grep -c 'flow: next flow' "$PROXY_LOG")
	if [ $frc -eq 0 ] && [ "$n1" = 1 ] && [ "$n2" = 1 ] && [ "$no" = 1 ] && [ "$nl" = 1 ]; then
		ok "$t flows: t_next_contact_flow tried the device's second flow after the first failed"
	else
		ko "$t flows" "caller exit $frc, INVITEs flow1 $n1 flow2 $n2 other $no, next-flow lines $nl"
	fi
	stop_proxy "$t path"
	for r in a.rec c.rec b.rec sl.rec; do shape "$dir/$r" >"$dir/$r.shape"; done
}

path_diff() {
	k=$tmp/path-kamailio
	[ -d "$k" ] || return 0
	for t in jit bin; do
		r=$tmp/path-$t
		[ -d "$r" ] || continue
		for f in a c b sl; do
			if [ -s "$k/$f.rec.shape" ] && cmp -s "$k/$f.rec.shape" "$r/$f.rec.shape"; then
				ok "diff $t path $f: the requests' headers and Route lines are Kamailio's"
			else
				ko "diff $t path $f" "$(diff "$k/$f.rec.shape" "$r/$f.rec.shape" 2>&1 | head -n 4 | tr '\n' ' ')"
			fi
		done
		if cmp -s "$k/serial.order" "$r/serial.order"; then
			ok "diff $t serial: the order of the serial fork is Kamailio's"
		else
			ko "diff $t serial" "kamailio [$(cat "$k/serial.order")], $t [$(cat "$r/serial.order")]"
		fi
	done
}
