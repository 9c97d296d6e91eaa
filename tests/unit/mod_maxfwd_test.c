/* mod_maxfwd_test.c: mf_process_maxfwd_header and is_maxfwd_lt
 * (kamailio-runtime.md 4.2): return codes and the edited header. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static rc_msg_t *with_mf(const char *mf)
{
	char text[1024];
	snprintf(text, sizeof text,
	         "INVITE sip:b@c SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n%s%sTo: <sip:b@c>\n"
	         "From: <sip:a@c>;tag=1\nCall-ID: 1\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
	         mf ? mf : "", mf ? "\n" : "");
	return msg(text);
}

static const char *mf_line(rc_msg_t *m)
{
	static char line[128];
	const char *out = applied(m), *p = strstr(out, "Max-Forwards:");
	if (!p)
		return "(none)";
	int n = 0;
	while (p[n] && p[n] != '\n' && n < 127)
		n++;
	memcpy(line, p, (size_t)n);
	line[n] = '\0';
	return line;
}

int main(void)
{
	listen_loopback(NULL, NULL);
	rt_log_level = RT_L_CRIT;
	const char *fn = "maxfwd_mf_process_maxfwd_header";

	rc_msg_t *m = with_mf("Max-Forwards: 70");
	CHECK_INT(call(m, fn, 1, ARGS(AI(10))), 1, "present and > 0: 1");
	CHECK_CSTR(mf_line(m), "Max-Forwards: 69", "70 becomes 69");
	CHECK_INT(call(m, "maxfwd_is_maxfwd_lt", 1, ARGS(AI(70))), 1, "is_maxfwd_lt(70) sees the new 69");
	CHECK_INT(call(m, "maxfwd_is_maxfwd_lt", 1, ARGS(AI(69))), -1, "is_maxfwd_lt(69) is false");
	CHECK_INT(call(m, fn, 1, ARGS(AI(10))), 1, "called again: decremented again");
	CHECK_CSTR(mf_line(m), "Max-Forwards: 68", "69 becomes 68");
	msg_free(m);

	m = with_mf(NULL);
	CHECK_INT(call(m, fn, 1, ARGS(AI(10))), 2, "absent: added, 2");
	CHECK(strstr(applied(m), "INVITE sip:b@c SIP/2.0\nMax-Forwards: 10\nVia:") != NULL,
	      "Max-Forwards: 10 is added above the other headers");
	CHECK_INT(call(m, "maxfwd_is_maxfwd_lt", 1, ARGS(AI(5))), -2, "is_maxfwd_lt without the header: -2");
	msg_free(m);

	m = with_mf("Max-Forwards: 0");
	CHECK_INT(call(m, fn, 1, ARGS(AI(10))), -1, "0: -1 (the script answers 483)");
	CHECK_CSTR(mf_line(m), "Max-Forwards: 0", "0 stays 0");
	msg_free(m);

	m = with_mf("Max-Forwards: 10");
	CHECK_INT(call(m, fn, 1, ARGS(AI(70))), 1, "10: 1");
	CHECK_CSTR(mf_line(m), "Max-Forwards:  9", "10 becomes ' 9' (Kamailio rewrites in place, space padded)");
	msg_free(m);

	m = with_mf("Max-Forwards: 200");
	CHECK_INT(call(m, fn, 1, ARGS(AI(10))), 1, "200: 1");
	CHECK_CSTR(mf_line(m), "Max-Forwards:  70", "above max_limit (70): lowered to 70");
	msg_free(m);

	static const rc_param_def params[] = { { "maxfwd", "max_limit", RC_INT, 16, NULL }, { 0, 0, 0, 0, 0 } };
	rt_gen *g = gen_with(params);
	m = with_mf("Max-Forwards: 70");
	site *s = prep_in(g, fn, 1, ARGS(AI(10)));
	CHECK_INT(run(m, s), 1, "with modparam max_limit 16");
	CHECK_CSTR(mf_line(m), "Max-Forwards: 16", "70 is lowered to max_limit 16");
	free(s);
	msg_free(m);

	m = with_mf("Max-Forwards: abc");
	CHECK_INT(call(m, fn, 1, ARGS(AI(10))), -2, "a malformed value: -2");
	CHECK_INT(call(m, "maxfwd_is_maxfwd_lt", 1, ARGS(AI(5))), -3, "is_maxfwd_lt on a malformed value: -3");
	msg_free(m);

	m = with_mf("Max-Forwards: 5");
	CHECK_INT(call(m, fn, 1, ARGS(AI(300))), -1, "a limit above 255 is refused");
	CHECK_INT(call(m, "maxfwd_is_maxfwd_lt", 1, ARGS(AI(6))), 1, "is_maxfwd_lt(6) with 5");
	CHECK_INT(call(m, "maxfwd_at_least", 1, ARGS(AI(5))), -1, "maxfwd_at_least is is_maxfwd_lt (5 < 5 false)");
	set(m, "$var(lim)", I(30));
	CHECK_INT(call(m, "maxfwd_process", 1, ARGS(AS("$var(lim)"))), 1, "maxfwd_process with a pv limit");
	CHECK_CSTR(mf_line(m), "Max-Forwards: 4", "5 becomes 4");
	CHECK_INT(call(m, "maxfwd_process_maxfwd", 1, ARGS(AI(30))), 1, "process_maxfwd");
	CHECK_INT(call(m, "maxfwd_mf_lowlimit", 1, ARGS(AI(4))), 1, "mf_lowlimit(4) with 3");
	msg_free(m);
	pv_worker_done();
	return summary();
}
