/* mod_kex_test.c: the kex functions routec implements (runtime/modules/kex.c):
 * script and branch flags, $du, pv_printf/avp_printf and is_myself. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static rc_msg_t *invite(void)
{
	return msg("INVITE sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\n"
	           "To: <sip:b@c>\nFrom: <sip:a@c>;tag=1\nCall-ID: 1\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
}

static const rc_arg NUL = { RC_NULL, 0, { NULL, 0 }, NULL };

/* A call whose arguments marked NUL are expressions: RC_NULL when
 * prepared, then the value given. */
static int call_dyn(rc_msg_t *m, const char *csym, int argc, const rc_arg *at_load, const rc_arg *at_call)
{
	site *s = prep(csym, argc, at_load);
	for (int i = 0; i < argc; i++)
		if (at_load[i].type == RC_NULL)
			s->argv[i] = at_call[i];
	int rc = run(m, s);
	free(s);
	return rc;
}

static void test_sflags(void)
{
	rc_msg_t *m = invite();
	CHECK_INT(call(m, "kex_issflagset", 1, ARGS(AI(4))), -1, "issflagset(4) before: -1");
	CHECK_INT(call(m, "kex_setsflag", 1, ARGS(AI(4))), 1, "setsflag(4): 1");
	CHECK_INT(call(m, "kex_issflagset", 1, ARGS(AI(4))), 1, "issflagset(4): 1");
	CHECK_INT(call(m, "kex_setsflag", 1, ARGS(AI(31))), 1, "setsflag(31): 1");
	CHECK_INT(m->kex_sflags, (1u << 4) | (1u << 31), "script flags 4 and 31");
	CHECK(m->flags == 0 && m->bflags == 0, "script flags are neither $mf nor $bf");
	CHECK_INT(call(m, "kex_resetsflag", 1, ARGS(AI(4))), 1, "resetsflag(4): 1");
	CHECK_INT(call(m, "kex_issflagset", 1, ARGS(AI(4))), -1, "issflagset(4) after reset: -1");
	CHECK_INT(call(m, "kex_setsflag", 1, ARGS(AI(32))), -1, "setsflag(32): -1");
	CHECK_INT(call(m, "kex_resetsflag", 1, ARGS(AI(-1))), -1, "resetsflag(-1): -1");
	CHECK_INT(call(m, "kex_issflagset", 1, ARGS(AI(32))), -1, "issflagset(32): -1");
	set(m, "$var(f)", I(9));
	CHECK_INT(call(m, "kex_setsflag", 1, ARGS(AS("$var(f)"))), 1, "setsflag($var(f) = 9): 1");
	CHECK_INT(call(m, "kex_issflagset", 1, ARGS(AS("9"))), 1, "issflagset(\"9\"): 1");
	set(m, "$var(f)", S("x"));
	CHECK_INT(call(m, "kex_setsflag", 1, ARGS(AS("$var(f)"))), -1, "setsflag of a pv holding \"x\": -1");
	CHECK_INT(call(m, "kex_setsflag", 1, ARGS(AS("nine"))), -1000, "setsflag(\"nine\"): refused at load");
	rc_arg dyn[1] = { { RC_INT, 12, { "12", 2 }, NULL } };
	CHECK_INT(call_dyn(m, "kex_setsflag", 1, ARGS(NUL), dyn), 1, "setsflag(expr 12): 1");
	CHECK_INT(call(m, "kex_issflagset", 1, ARGS(AI(12))), 1, "issflagset(12) after an expression set it");
	msg_free(m);
	m = invite();
	CHECK_INT(call(m, "kex_issflagset", 1, ARGS(AI(31))), -1, "script flags start at 0 for each message");
	msg_free(m);
}

static void test_bflags(void)
{
	rc_msg_t *m = invite();
	CHECK_INT(call(m, "kex_isbflagset", 1, ARGS(AI(2))), -1, "isbflagset(2) before: -1");
	CHECK_INT(call(m, "kex_setbflag", 1, ARGS(AI(2))), 1, "setbflag(2): 1");
	CHECK_INT(call(m, "kex_isbflagset", 1, ARGS(AI(2))), 1, "isbflagset(2): 1");
	CHECK_PV(m, "$bf", "i:4");
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AI(0), AI(0))), 1, "setbflag(0, 0): 1 (branch 0 is the R-URI)");
	CHECK_PV(m, "$bf", "i:5");
	CHECK_INT(call(m, "kex_isbflagset_2", 2, ARGS(AI(0), AI(0))), 1, "isbflagset(0, 0): 1");
	CHECK_INT(call(m, "kex_resetbflag", 1, ARGS(AI(2))), 1, "resetbflag(2): 1");
	CHECK_PV(m, "$bf", "i:1");
	CHECK_INT(call(m, "kex_resetbflag_2", 2, ARGS(AI(0), AI(0))), 1, "resetbflag(0, 0): 1");
	CHECK_PV(m, "$bf", "i:0");

	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AI(3), AI(1))), -1, "setbflag(3, 1) with no branch: -1");
	CHECK_INT(call(m, "kex_isbflagset_2", 2, ARGS(AI(3), AI(1))), -1, "isbflagset(3, 1) with no branch: -1");
	CHECK_INT(call(m, "kex_resetbflag_2", 2, ARGS(AI(3), AI(1))), -1, "resetbflag(3, 1) with no branch: -1");
	CHECK_INT(call(m, "corex_append_branch_1", 1, ARGS(AS("sip:x@example.net"))), 1, "append_branch(sip:x@...)");
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AI(3), AI(1))), 1, "setbflag(3, 1): 1 (the first appended branch)");
	CHECK_INT(m->branches[0].flags, 8, "branch index 1 is m->branches[0]");
	CHECK_INT(m->bflags, 0, "the R-URI's flags untouched");
	CHECK_INT(call(m, "kex_isbflagset_2", 2, ARGS(AI(3), AI(1))), 1, "isbflagset(3, 1): 1");
	CHECK_INT(call(m, "kex_isbflagset_2", 2, ARGS(AI(3), AI(0))), -1, "isbflagset(3, 0): -1");
	CHECK_INT(call(m, "kex_resetbflag_2", 2, ARGS(AI(3), AI(1))), 1, "resetbflag(3, 1): 1");
	CHECK_INT(m->branches[0].flags, 0, "reset on branch 1");
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AI(3), AI(2))), -1, "setbflag(3, 2) with one branch: -1");
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AI(3), AI(-1))), -1, "setbflag(3, -1): -1");
	CHECK_INT(call(m, "kex_setbflag", 1, ARGS(AI(32))), -1, "setbflag(32): -1");
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AI(-2), AI(0))), -1, "setbflag(-2, 0): -1");
	CHECK_INT(call(m, "kex_isbflagset", 1, ARGS(AI(40))), -1, "isbflagset(40): -1");
	CHECK_INT(call(m, "kex_resetbflag", 1, ARGS(AI(40))), -1, "resetbflag(40): -1");
	set(m, "$var(i)", I(1));
	set(m, "$var(b)", I(6));
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AS("$var(b)"), AS("$var(i)"))), 1, "setbflag($var(b), $var(i)): 1");
	CHECK_INT(m->branches[0].flags, 64, "flag 6 on branch 1");
	set(m, "$var(i)", S("one"));
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AS("$var(b)"), AS("$var(i)"))), -1, "setbflag with a branch \"one\": -1");
	CHECK_INT(call(m, "kex_setbflag_2", 2, ARGS(AI(1), AS("one"))), -1000, "setbflag(1, \"one\"): refused at load");
	rc_arg dyn[2] = { { RC_INT, 7, { "7", 1 }, NULL }, { RC_STR, 0, { "1", 1 }, NULL } };
	CHECK_INT(call_dyn(m, "kex_isbflagset_2", 2, ARGS(NUL, NUL), dyn), -1, "isbflagset(expr 7, expr \"1\"): -1");
	CHECK_INT(call_dyn(m, "kex_setbflag_2", 2, ARGS(NUL, NUL), dyn), 1, "setbflag(expr 7, expr \"1\"): 1");
	CHECK_INT(m->branches[0].flags, 64 | 128, "flag 7 on branch 1");

	/* append_branch() takes $bf with the R-URI and resets it */
	CHECK_INT(call(m, "kex_setbflag", 1, ARGS(AI(1))), 1, "setbflag(1)");
	CHECK_INT(call(m, "corex_append_branch", 0, NULL), 1, "append_branch()");
	CHECK_INT(m->branches[1].flags, 2, "the new branch carries flag 1");
	CHECK_PV(m, "$bf", "i:0");
	CHECK_INT(call(m, "kex_isbflagset_2", 2, ARGS(AI(1), AI(2))), 1, "isbflagset(1, 2): 1");
	msg_free(m);
}

static void test_dsturi(void)
{
	rc_msg_t *m = invite();
	CHECK_INT(call(m, "kex_isdsturiset", 0, NULL), -1, "isdsturiset() before: -1");
	CHECK_INT(call(m, "kex_setdsturi", 1, ARGS(AS("sip:10.0.0.1:5080"))), 1, "setdsturi(sip:10.0.0.1:5080): 1");
	CHECK_PV(m, "$du", "sip:10.0.0.1:5080");
	CHECK_INT(call(m, "kex_isdsturiset", 0, NULL), 1, "isdsturiset(): 1");
	set(m, "$var(h)", S("10.0.0.2"));
	CHECK_INT(call(m, "kex_setdsturi", 1, ARGS(AS("sip:$var(h);lr"))), 1, "setdsturi(\"sip:$var(h);lr\"): 1");
	set(m, "$var(h)", S("changed"));
	CHECK_PV(m, "$du", "sip:10.0.0.2;lr");
	CHECK_PV(m, "$dd", "10.0.0.2");
	rc_arg dyn[1] = { { RC_STR, 0, { "sip:$x", 6 }, NULL } };
	CHECK_INT(call_dyn(m, "kex_setdsturi", 1, ARGS(NUL), dyn), 1, "setdsturi(expr): 1");
	CHECK_PV(m, "$du", "sip:$x");
	CHECK_INT(call(m, "kex_resetdsturi", 0, NULL), 1, "resetdsturi(): 1");
	CHECK_PV(m, "$du", "<null>");
	CHECK_INT(call(m, "kex_isdsturiset", 0, NULL), -1, "isdsturiset() after reset: -1");
	CHECK_INT(call(m, "kex_resetdsturi", 0, NULL), 1, "resetdsturi() when unset: 1");
	call(m, "kex_setdsturi", 1, ARGS(AS("sip:10.0.0.3")));
	CHECK_INT(call(m, "kex_setdsturi", 1, ARGS(AS(""))), 1, "setdsturi(\"\"): 1");
	CHECK_INT(call(m, "kex_isdsturiset", 0, NULL), -1, "setdsturi(\"\") unsets $du");
	msg_free(m);
}

static void test_printf(void)
{
	rc_msg_t *m = invite();
	CHECK_INT(call(m, "kex_pv_printf", 2, ARGS(AS("$var(out)"), AS("m=$rm u=$rU"))), 1, "pv_printf($var(out), ...): 1");
	CHECK_PV(m, "$var(out)", "m=INVITE u=b");
	CHECK_INT(call(m, "kex_pv_printf", 2, ARGS(AS("$var(out)"), AS("42"))), 1, "pv_printf($var(out), \"42\"): 1");
	CHECK_PV(m, "$var(out)", "42"); /* a string, not i:42 */
	CHECK_INT(call(m, "kex_avp_printf", 2, ARGS(AS("$avp(a)"), AS("from $fu"))), 1, "avp_printf($avp(a), ...): 1");
	CHECK_PV(m, "$avp(a)", "from sip:a@c");
	CHECK_INT(call(m, "kex_pv_printf", 2, ARGS(AS("$ru"), AS("sip:$rU@example.org"))), 1, "pv_printf($ru, ...): 1");
	CHECK_PV(m, "$ru", "sip:b@example.org");
	CHECK_INT(call(m, "kex_pv_printf", 2, ARGS(AS("$ru"), AS("not a uri"))), -1, "pv_printf($ru, bad uri): -1");
	CHECK_INT(call(m, "kex_pv_printf", 2, ARGS(AS("$nope("), AS("x"))), -1000, "pv_printf into a bad spec: refused at load");
	msg_free(m);
}

static void test_myself(void)
{
	char uri[96];
	rc_msg_t *m = invite();
	snprintf(uri, sizeof uri, "sip:127.0.0.1:%d", test_port);
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS(uri))), 1, "is_myself(sip:127.0.0.1:<port>): 1");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("sip:u@127.0.0.1"))), 1, "is_myself(sip:u@127.0.0.1): 1 (any port)");
	snprintf(uri, sizeof uri, "sip:127.0.0.1:%d", test_port == 1 ? 2 : 1);
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS(uri))), -1, "is_myself(another port): -1");
	snprintf(uri, sizeof uri, "sips:127.0.0.1:%d;transport=udp", test_port);
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS(uri))), 1, "is_myself(sips:...;transport=udp): 1");
	snprintf(uri, sizeof uri, "sip:127.0.0.1:%d;transport=tcp", test_port);
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS(uri))), -1, "is_myself(;transport=tcp): -1 (no tcp socket)");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("sip:10.9.8.7"))), -1, "is_myself(sip:10.9.8.7): -1");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("sip:proxy.example.com"))), 1, "is_myself(an alias): 1");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("sip:PROXY.example.com;lr"))), 1, "aliases match in any case");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("127.0.0.1"))), 1, "is_myself(127.0.0.1): 1 (a host)");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("proxy.example.com"))), 1, "is_myself(alias as a host): 1");
	snprintf(uri, sizeof uri, "127.0.0.1:%d", test_port);
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS(uri))), -1, "is_myself(\"127.0.0.1:port\"): -1 (taken whole as a host)");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("sip:@@"))), -1, "is_myself(an unparsable uri): -1");
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS(""))), -1, "is_myself(\"\"): -1");
	set(m, "$var(h)", S("proxy.example.com"));
	CHECK_INT(call(m, "kex_is_myself", 1, ARGS(AS("sip:$var(h)"))), 1, "is_myself(\"sip:$var(h)\"): 1");
	msg_free(m);
}

static void test_left_out(void)
{
	CHECK(rt_fn_find("kex_setdebug") == NULL, "setdebug is not provided (one log level per process)");
	CHECK(rt_fn_find("kex_resetdebug") == NULL, "resetdebug is not provided");
}

int main(void)
{
	listen_loopback("proxy.example.com", NULL);
	rt_log_level = RT_L_CRIT;
	test_sflags();
	test_bflags();
	test_dsturi();
	test_printf();
	test_myself();
	test_left_out();
	pv_worker_done();
	return summary();
}
