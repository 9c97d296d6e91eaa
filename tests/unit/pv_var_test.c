/* pv_var_test.c: the storage classes of kamailio-language.md 6.2: $var and
 * $vz (per worker, kept across messages, int 0 until set, `= $null` gives
 * 0), $vn (null until set), $avp (a stack per message: [0] newest, [*]
 * joined with ", ", `= $null` drops one, [*] = $null drops all), $xavp,
 * $shv (one value for all workers), and `defined`. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include <pthread.h>

static const char *MSG = "OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:c@d>;tag=1\n"
                         "To: <sip:a@b>\nCall-ID: 1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n";

static void vars(void)
{
	rc_msg_t *m = msg(MSG);
	CHECK_PV(m, "$var(a)", "i:0");
	CHECK(rc_pv_defined(m, NULL, PV("$var(a)")), "defined $var(a): an unset $var is int 0, not null");
	CHECK_INT(set(m, "$var(a)", S("hello")), 1, "$var(a) = \"hello\" returns 1");
	CHECK_PV(m, "$var(a)", "hello");
	CHECK_PV(m, "$vz(a)", "hello");
	set(m, "$var(a)", I(-5));
	CHECK_PV(m, "$var(a)", "i:-5");
	set(m, "$var(a)", pv_vnull());
	CHECK_PV(m, "$var(a)", "i:0");
	set(m, "$var(b)", get(m, "$avp(missing)"));
	CHECK_PV(m, "$var(b)", "i:0");
	/* assigning a part of its own value back */
	set(m, "$var(s)", S("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"));
	set(m, "$var(s)", get(m, "$(var(s){s.substr,10,5})"));
	CHECK_PV(m, "$var(s)", "abcde");
	set(m, "$var(s)", get(m, "$(var(s){s.substr,1,0})"));
	CHECK_PV(m, "$var(s)", "bcde");
	/* grows */
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	set(m, "$var(s)", S(big));
	CHECK_INT(get(m, "$var(s)").s.len, 2999, "a long value is kept whole");

	CHECK_PV(m, "$vn(n)", "<null>");
	CHECK(!rc_pv_defined(m, NULL, PV("$vn(n)")), "defined $vn(n) is false until set");
	set(m, "$vn(n)", I(3));
	CHECK_PV(m, "$vn(n)", "i:3");
	set(m, "$vn(n)", pv_vnull());
	CHECK_PV(m, "$vn(n)", "<null>");
	set(m, "$vn(a)", S("vn-a"));
	CHECK_PV(m, "$var(a)", "i:0");
	CHECK_PV(m, "$vn(a)", "vn-a");
	set(m, "$var(keep)", S("across"));
	msg_free(m);

	/* the next message on the same worker sees them */
	m = msg(MSG);
	CHECK_PV(m, "$var(keep)", "across");
	CHECK_PV(m, "$vn(a)", "vn-a");
	msg_free(m);
}

static void avps(void)
{
	rc_msg_t *m = msg(MSG);
	CHECK_PV(m, "$avp(x)", "<null>");
	CHECK(!rc_pv_defined(m, NULL, PV("$avp(x)")), "an unset $avp is not defined");
	set(m, "$avp(x)", S("one"));
	set(m, "$avp(x)", I(2));
	set(m, "$avp(s:x)", S("three"));
	CHECK_PV(m, "$avp(x)", "three");
	CHECK_PV(m, "$(avp(x)[0])", "three");
	CHECK_PV(m, "$(avp(x)[1])", "i:2");
	CHECK_PV(m, "$(avp(x)[2])", "one");
	CHECK_PV(m, "$(avp(x)[3])", "<null>");
	CHECK_PV(m, "$(avp(x)[-1])", "<null>");
	CHECK_PV(m, "$(avp(x)[*])", "three, 2, one");
	CHECK_PV(m, "$avp(X)", "three");
	CHECK_INT(pv_avp_count(m, (rc_str){ "x", 1 }, 0), 3, "three values");
	set(m, "$avp(x)", pv_vnull());
	CHECK_PV(m, "$avp(x)", "i:2");
	CHECK_PV(m, "$(avp(x)[*])", "2, one");
	set(m, "$(avp(x)[*])", S("only"));
	CHECK_PV(m, "$(avp(x)[*])", "only");
	set(m, "$(avp(x)[*])", pv_vnull());
	CHECK_PV(m, "$avp(x)", "<null>");
	set(m, "$avp(i:5)", S("five"));
	CHECK_PV(m, "$avp(i:5)", "five");
	CHECK_PV(m, "$avp(5)", "<null>");
	set(m, "$var(name)", S("dyn"));
	set(m, "$avp($var(name))", S("by name"));
	CHECK_PV(m, "$avp(dyn)", "by name");
	set(m, "$avp(keep)", S("x"));
	msg_free(m);
	m = msg(MSG);
	CHECK_PV(m, "$avp(keep)", "<null>");
	msg_free(m);
}

static void xavps(void)
{
	rc_msg_t *m = msg(MSG);
	CHECK_PV(m, "$xavp(r=>a)", "<null>");
	set(m, "$xavp(r=>a)", S("a1"));
	set(m, "$xavp(r[0]=>b)", I(2));
	CHECK_PV(m, "$xavp(r=>a)", "a1");
	CHECK_PV(m, "$xavp(r=>b)", "i:2");
	set(m, "$xavp(r=>a)", S("a2")); /* a new item in front */
	CHECK_PV(m, "$xavp(r=>a)", "a2");
	CHECK_PV(m, "$xavp(r=>b)", "<null>");
	CHECK_PV(m, "$xavp(r[1]=>a)", "a1");
	CHECK_PV(m, "$xavp(r[1]=>b)", "i:2");
	set(m, "$xavp(r[1]=>a)", S("a1bis"));
	CHECK_PV(m, "$xavp(r[1]=>a)", "a1bis");
	CHECK_PV(m, "$xavp(r[1]=>a[1])", "a1");
	set(m, "$xavp(r[1]=>a[0])", S("changed"));
	CHECK_PV(m, "$xavp(r[1]=>a)", "changed");
	set(m, "$xavp(r[1]=>a)", pv_vnull());
	CHECK_PV(m, "$xavp(r[1]=>a)", "a1");
	CHECK(set(m, "$xavp(r[5]=>a)", S("x")) < 0, "adding a field to an item that does not exist fails");
	set(m, "$xavp(r[0])", pv_vnull());
	CHECK_PV(m, "$xavp(r=>a)", "a1");
	set(m, "$xavp(v)", I(9));
	CHECK_PV(m, "$xavp(v)", "i:9");
	set(m, "$xavp(r)", pv_vnull());
	CHECK_PV(m, "$xavp(r=>a)", "<null>");
	CHECK_PV(m, "$xavp(v)", "i:9");
	msg_free(m);
}

/* ---- threads: $var is per worker, $shv is shared ------------------------------------ */

static rc_pv *pv_var_t, *pv_shv_t;
static int thread_saw_var;

static void *worker(void *arg)
{
	rc_msg_t *m = msg(MSG);
	rc_val v;
	rc_pv_get(m, NULL, pv_var_t, &v);
	thread_saw_var = v.type == RC_INT && v.i == 0;
	for (int i = 0; i < 1000; i++) {
		rc_pv_get(m, NULL, pv_shv_t, &v);
		rc_val n = pv_vint(v.i + 1);
		(void)n; /* racy increments are not the point: just no crash and a sane value */
		m->arena_used = 0;
	}
	rc_val s = pv_vstr("from thread", 11);
	rc_pv_set(m, NULL, pv_shv_t, &s);
	msg_free(m);
	pv_worker_done();
	(void)arg;
	return NULL;
}

static void threads(void)
{
	pv_var_t = PV("$var(t)");
	pv_shv_t = PV("$shv(t)");
	rc_msg_t *m = msg(MSG);
	CHECK_PV(m, "$shv(t)", "i:0");
	set(m, "$var(t)", S("main"));
	set(m, "$shv(t)", I(1));
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	pthread_join(th, NULL);
	CHECK(thread_saw_var, "another worker does not see this worker's $var");
	CHECK_PV(m, "$var(t)", "main");
	CHECK_PV(m, "$shv(t)", "from thread");
	set(m, "$shv(t)", pv_vnull());
	CHECK_PV(m, "$shv(t)", "i:0");
	msg_free(m);
}

static void arena(void)
{
	/* a value that no longer fits the message arena: null and a log, no crash */
	rc_msg_t *m = msg(MSG);
	m->arena_used = RT_ARENA - 8;
	rc_val v = get(m, "$(ci{s.md5})");
	CHECK(v.type == RC_NULL, "a full arena gives null, not a crash");
	msg_free(m);
}

int main(void)
{
	listen_loopback(NULL, NULL);
	rt_log_level = RT_L_CRIT - 1;
	vars();
	avps();
	xavps();
	threads();
	arena();
	pv_worker_done();
	return summary();
}
