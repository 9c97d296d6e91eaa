#!/bin/sh
# tests/corpus/check_vs_kamailio.sh: `routec check` (the full checker) against
# `kamailio -c` (Kamailio 5.6.3) on /etc/kamailio/kamailio.cfg and every example under
# /usr/share/doc/kamailio/examples (*.cfg, *.cfg.sample).
#
# Each file is checked on a copy (the examples directory is copied whole, so relative
# includes resolve) whose module paths are normalized and nothing else, as
# kamailio-syntax.sh does: `mpath=`/`loadpath` -> the installed module directory,
# `loadmodule "dir/x[.so]"` -> "x.so". Then, from the copy's directory:
#     timeout 20 kamailio -c -L MODDIR -f BASENAME        and     routec check BASENAME
# Kamailio's verdict:
#   ok       "config file ok"
#   error    a script fault: a parse error (with "file, line L"), "error at cfg line L",
#            an unbalanced #!ifdef, "bad config file". Missing module files ("could not
#            find module") and missing included files are script faults too, except a
#            missing module that is part of Kamailio 5.6 all the same (routec knows it:
#            a package not installed, or print, which Debian does not package): that
#            "failed to load module", and a modparam() of that module, are an
#            environment problem and are ignored. The line
#            Kamailio names first is the one routec must name (a stray #!endif:
#            Kamailio's warning names the line after the directive, the directive's
#            line is used); an unclosed #!ifdef has no line.
#   env      Kamailio failed without any of the above (e.g. a listen address it cannot
#            resolve after parsing, a module not installed): treated as ok.
# Pass: ok/env -> routec exits 0 (warnings are fine);
#       error  -> routec exits 1 and reports an error on the line Kamailio names first
#                 (same file name and line); without a line only exit 1 is required.
# Files listed in check-differences.txt ("PATH REASON", PATH relative to the examples
# directory, or /etc/kamailio/kamailio.cfg) are known differences: XFAIL, counted as
# passed. A listed file that passes is reported PASS with a note (the entry can go).
# Output: per file "PASS|FAIL|XFAIL|SKIP PATH: kamailio VERDICT / routec VERDICT",
# then exactly one line "check-kamailio: N passed, N failed". Exit 1 on any FAIL.
# Without kamailio or the examples nothing is run (summary 0 passed, 0 failed).
#
# Env: ROUTEC (default build/routec), KAMAILIO (default kamailio), EXAMPLES, ETC_CFG,
#      MODDIR (default /usr/lib/x86_64-linux-gnu/kamailio/modules).
# Usage: sh tests/corpus/check_vs_kamailio.sh [-v]     (-v: show the messages of failures)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${ROUTEC:=$root/build/routec}"
case $ROUTEC in /*) ;; */*) ROUTEC=$(pwd)/$ROUTEC ;; *) ROUTEC=$(command -v "$ROUTEC" || echo "$ROUTEC") ;; esac
KAMAILIO=${KAMAILIO:-kamailio}
EXAMPLES=${EXAMPLES:-/usr/share/doc/kamailio/examples}
ETC_CFG=${ETC_CFG:-/etc/kamailio/kamailio.cfg}
MODDIR=${MODDIR:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
DIFFS=$here/check-differences.txt
verbose=0
[ "${1:-}" = -v ] && verbose=1
export LC_ALL=C

if [ ! -x "$ROUTEC" ]; then
	echo "FAIL check-kamailio: no routec binary at $ROUTEC"
	echo "check-kamailio: 0 passed, 1 failed"
	exit 1
fi
if ! command -v "$KAMAILIO" >/dev/null 2>&1 || [ ! -d "$EXAMPLES" ] || [ ! -d "$MODDIR" ]; then
	echo "SKIP check-kamailio: needs $KAMAILIO, $EXAMPLES and $MODDIR (Debian package kamailio)"
	echo "check-kamailio: 0 passed, 0 failed"
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-kamailio.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
trap 'exit 2' INT TERM

# Files that are not cfg syntax at all.
skip_reason() {
	case $1 in
	ims/pcscf/tls.cfg.sample) echo "not cfg syntax: the INI file of the tls module" ;;
	esac
}

# --- copy + normalize module paths ---------------------------------------------
mkdir -p "$WORK/ex" "$WORK/etc/kamailio"
cp -R "$EXAMPLES/." "$WORK/ex/"
cp "$ETC_CFG" "$WORK/etc/kamailio/kamailio.cfg"
cat >"$WORK/norm.sed" <<EOF
s#^([[:space:]]*(mpath|loadpath)[[:space:]]*=?[[:space:]]*)"[^"]*"#\\1"$MODDIR/"#
s#(loadmodule[[:space:]]+)"([^"]*/)?([^"/]+)"#\\1"\\3"#
s#(loadmodule[[:space:]]+"[^"]+)\\.so"#\\1"#
s#(loadmodule[[:space:]]+"[^"]+)"#\\1.so"#
EOF
copy_of() {
	case $1 in
	/etc/kamailio/kamailio.cfg) echo "$WORK/etc/kamailio/kamailio.cfg" ;;
	*) echo "$WORK/ex/$1" ;;
	esac
}
FILES=$({
	echo /etc/kamailio/kamailio.cfg
	(cd "$EXAMPLES" && find . -type f \( -name '*.cfg' -o -name '*.cfg.sample' \) | sed 's|^\./||')
} | sort)
for f in $FILES; do
	c=$(copy_of "$f")
	sed -E -f "$WORK/norm.sed" "$c" >"$c.tmp" && cat "$c.tmp" >"$c" && rm -f "$c.tmp"
done

# env_modules OUTPUT: the modules Kamailio could not find that are modules of Kamailio
# 5.6 all the same (routec knows them): a package that is not installed (or, like
# print, not packaged), an environment problem.
env_modules() {
	for m in $(sed -n 's/.*could not find module <\([^>]*\)>.*/\1/p' "$1" | sort -u); do
		printf 'loadmodule "%s.so"\n' "$m" >"$WORK/mod.cfg"
		"$ROUTEC" check "$WORK/mod.cfg" 2>&1 | grep -q 'is not a Kamailio 5.6 module' ||
			echo "$m"
	done
}

# kam_verdict OUTPUT RC MAINFILE ENVMODULES -> one line:
#   ok | env WHY | error FILE LINE MESSAGE | error - - MESSAGE
# A "failed to load module" of one of ENVMODULES is not a script fault.
kam_verdict() {
	awk -v rc="$2" -v main="$3" -v envmods="$4" '
	BEGIN { n = split(envmods, v, " "); for (i = 1; i <= n; i++) isenv[v[i]] = 1 }
	function msg(s) { sub(/^.*\]: [a-z_0-9]*\(\): /, "", s); return s }
	/could not find module </ {
		m = $0; sub(/^.*could not find module </, "", m); sub(/>.*$/, "", m)
		if (m in isenv) { skipnext = 1; envwhy = "module " m " is not installed" }
		next
	}
	/No module matching </ {
		m = $0; sub(/^.*No module matching </, "", m); sub(/>.*$/, "", m)
		if (m in isenv) skipnext = 1
		next
	}
	/parse error in config file .*(failed to load module|Can.t set module parameter)/ && skipnext {
		skipnext = 0; next
	}
	/ (DEBUG|INFO|NOTICE|WARNING|WARN): / && !/invalid position for preprocessor directive/ { next }
	/config file ok/ { ok = 1 }
	/invalid position for preprocessor directive/ && ppl == "" {
		ppl = $0; sub(/^.*at cfg line /, "", ppl); sub(/[^0-9].*$/, "", ppl); ppl = ppl - 1
		next
	}
	/pp_ifdef_level_error/ {
		fault = 1
		if (first == "") first = (ppl != "" ? main " " ppl : "- -") " " msg($0)
		next
	}
	/parse error in config file / {
		fault = 1
		s = $0; sub(/^.*parse error in config file /, "", s)
		f = s; sub(/, (from )?line [0-9]+.*$/, "", f)
		l = s; sub(/^.*, (from )?line /, "", l); sub(/[^0-9].*$/, "", l)
		m = s; sub(/^[^:]*: /, "", m)
		if (first == "") first = f " " l " " m
		next
	}
	/cannot open included file/ { fault = 1; inc = msg($0); next }
	/error at cfg line [0-9]+/ {
		fault = 1
		l = $0; sub(/^.*error at cfg line /, "", l); sub(/[^0-9].*$/, "", l)
		if (first == "") first = main " " l " " (inc != "" ? inc : msg($0))
		next
	}
	/bad config file/ { badcfg = 1; next }
	/(ERROR|CRITICAL|ALERT):/ && firsterr == "" { firsterr = msg($0) }
	END {
		if (ok && rc == 0) { print "ok"; exit }
		if (rc == 124) { print "timeout"; exit }
		if (fault) { print "error " (first != "" ? first : "- - (no line)"); exit }
		if (badcfg && envwhy == "") { print "error - - (no line)"; exit }
		print "env " (envwhy != "" ? envwhy : firsterr != "" ? firsterr : "exit status " rc)
	}' "$1"
}

# diff_reason PATH -> the reason in check-differences.txt, or nothing
diff_reason() {
	[ -r "$DIFFS" ] || return 0
	awk -v p="$1" '$1 == p { $1 = ""; sub(/^ /, ""); print; exit }' "$DIFFS"
}

pass=0 fail=0 xfail=0 skipped=0
for f in $FILES; do
	why=$(skip_reason "$f")
	if [ -n "$why" ]; then
		echo "SKIP $f: $why"
		skipped=$((skipped + 1))
		continue
	fi
	c=$(copy_of "$f")
	dir=$(dirname "$c") base=$(basename "$c")
	(cd "$dir" && timeout 20 "$KAMAILIO" -c -L "$MODDIR" -f "$base") >"$WORK/kam.out" 2>&1
	krc=$?
	kv=$(kam_verdict "$WORK/kam.out" "$krc" "$c" "$(env_modules "$WORK/kam.out" | tr '\n' ' ')")
	(cd "$dir" && "$ROUTEC" check "$base") >/dev/null 2>"$WORK/rc.out"
	rrc=$?
	# routec's error lines as "BASENAME LINE"
	rerr=$(sed -n -E 's/^(.*\/)?([^/:]+):([0-9]+):[0-9]+: error: .*/\2 \3/p' "$WORK/rc.out")
	rfirst=$(printf '%s\n' "$rerr" | head -n 1)
	case $rrc in
	0) rv="ok" ;;
	1) rv="error (first at line ${rfirst#* })" ;;
	*) rv="exit $rrc" ;;
	esac
	ok=0 kshow=$kv
	case $kv in
	ok | env*)
		[ "$rrc" = 0 ] && ok=1
		;;
	error*)
		read -r _ kf kl _ <<-EOF
			$kv
		EOF
		if [ "$kl" = - ]; then
			kshow="error (no line)"
			[ "$rrc" = 1 ] && ok=1
		else
			kshow="error line $kl of $(basename "$kf")"
			if [ "$rrc" = 1 ] && printf '%s\n' "$rerr" | grep -qx "$(basename "$kf") $kl"; then
				ok=1
				rv="error line $kl"
			fi
		fi
		;;
	*)
		kshow=$kv
		;;
	esac
	reason=$(diff_reason "$f")
	if [ "$ok" = 1 ]; then
		note=""
		[ -n "$reason" ] && note=" (listed in check-differences.txt but passes: drop the entry)"
		echo "PASS $f: kamailio $kshow / routec $rv$note"
		pass=$((pass + 1))
	elif [ -n "$reason" ]; then
		echo "XFAIL $f: kamailio $kshow / routec $rv: $reason"
		pass=$((pass + 1)) xfail=$((xfail + 1))
	else
		echo "FAIL $f: kamailio $kshow / routec $rv"
		if [ "$verbose" = 1 ]; then
			echo "     kamailio: $kv"
			grep -E ': (error|fatal error):' "$WORK/rc.out" | head -n 5 | sed 's/^/     routec: /'
		fi
		fail=$((fail + 1))
	fi
done
echo "($xfail expected differences from check-differences.txt, counted as passed; $skipped skipped)"
echo "check-kamailio: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
