/* mod_siputils_test.c: the message checks of siputils routec runs. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

int main(void)
{
	listen_loopback(NULL, NULL);
	rt_log_level = RT_L_CRIT;
	rc_msg_t *m = msg("INVITE sip:+15551234@b.com;user=phone;lr;x=1 SIP/2.0\n"
	                  "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
	                  "From: <sip:alice@a.com>;tag=1\nTo: <sip:bob@b.com>\nCall-ID: 1\nCSeq: 1 INVITE\n"
	                  "Supported: 100rel, Timer\nContent-Length: 0\n\n");
	CHECK_INT(call(m, "siputils_has_totag", 0, NULL), -1, "has_totag without a To-tag: -1");
	CHECK_INT(call(m, "siputils_is_request", 0, NULL), 1, "is_request");
	CHECK_INT(call(m, "siputils_is_reply", 0, NULL), -1, "is_reply on a request: -1");
	CHECK_INT(call(m, "siputils_is_first_hop", 0, NULL), 1, "a request with one Via is first hop");
	CHECK_INT(call(m, "siputils_uri_param", 1, ARGS(AS("lr"))), 1, "uri_param(lr)");
	CHECK_INT(call(m, "siputils_uri_param", 1, ARGS(AS("x"))), -1, "uri_param(x): x has a value");
	CHECK_INT(call(m, "siputils_uri_param_2", 2, ARGS(AS("user"), AS("phone"))), 1, "uri_param(user, phone)");
	CHECK_INT(call(m, "siputils_uri_param_2", 2, ARGS(AS("user"), AS("ip"))), -1, "uri_param(user, ip)");
	CHECK_INT(call(m, "siputils_uri_param_any", 1, ARGS(AS("x"))), 1, "uri_param_any(x)");
	CHECK_INT(call(m, "siputils_uri_param_any", 1, ARGS(AS("y"))), -1, "uri_param_any(y)");
	CHECK_INT(call(m, "siputils_is_uri", 1, ARGS(AS("sip:a@b.c"))), 1, "is_uri(sip:a@b.c)");
	CHECK_INT(call(m, "siputils_is_uri", 1, ARGS(AS("$fu"))), 1, "is_uri($fu)");
	CHECK_INT(call(m, "siputils_is_uri", 1, ARGS(AS("nope"))), -1, "is_uri(nope)");
	CHECK_INT(call(m, "siputils_is_numeric", 1, ARGS(AS("12345"))), 1, "is_numeric(12345)");
	CHECK_INT(call(m, "siputils_is_numeric", 1, ARGS(AS("12a45"))), -1, "is_numeric(12a45)");
	CHECK_INT(call(m, "siputils_is_numeric", 1, ARGS(AS(""))), -2, "is_numeric(\"\")");
	CHECK_INT(call(m, "siputils_is_alphanum", 1, ARGS(AS("ab12"))), 1, "is_alphanum(ab12)");
	CHECK_INT(call(m, "siputils_is_alphanum", 1, ARGS(AS("ab-12"))), -1, "is_alphanum(ab-12)");
	CHECK_INT(call(m, "siputils_is_tel_number", 1, ARGS(AS("+4912345"))), 1, "is_tel_number(+4912345)");
	CHECK_INT(call(m, "siputils_is_tel_number", 1, ARGS(AS("+"))), -1, "is_tel_number(+)");
	CHECK_INT(call(m, "siputils_is_e164", 1, ARGS(AS("$rU"))), 1, "is_e164($rU)");
	CHECK_INT(call(m, "siputils_is_e164", 1, ARGS(AS("$fU"))), -1, "is_e164($fU)");
	CHECK_INT(call(m, "siputils_is_uri_user_e164", 1, ARGS(AS("$ru"))), 1, "is_uri_user_e164($ru)");
	CHECK_INT(call(m, "siputils_is_uri_user_e164", 1, ARGS(AS("$fu"))), -1, "is_uri_user_e164($fu)");
	CHECK_INT(call(m, "siputils_is_supported", 1, ARGS(AS("timer"))), 1, "is_supported(timer)");
	CHECK_INT(call(m, "siputils_is_supported", 1, ARGS(AS("path"))), -1, "is_supported(path)");
	CHECK_INT(call(m, "siputils_add_uri_param", 1, ARGS(AS("foo=bar"))), 1, "add_uri_param(foo=bar)");
	CHECK_PV(m, "$ru", "sip:+15551234@b.com;user=phone;lr;x=1;foo=bar");
	CHECK_INT(call(m, "siputils_uri_param_rm", 1, ARGS(AS("LR"))), 1, "uri_param_rm(LR)");
	CHECK_PV(m, "$ru", "sip:+15551234@b.com;user=phone;x=1;foo=bar");
	CHECK_INT(call(m, "siputils_uri_param_rm", 1, ARGS(AS("zz"))), -1, "uri_param_rm of an absent param: -1");
	set(m, "$ru", S("sip:a@b;p=1?h=v"));
	CHECK_INT(call(m, "siputils_add_uri_param", 1, ARGS(AS(";q"))), 1, "add_uri_param(;q) before the headers");
	CHECK_PV(m, "$ru", "sip:a@b;p=1;q?h=v");
	CHECK_INT(call(m, "siputils_is_alphanumex", 2, ARGS(AS("ab-1_2"), AS("-_"))), 1, "is_alphanumex(ab-1_2, -_)");
	CHECK_INT(call(m, "siputils_is_alphanumex", 2, ARGS(AS("ab.1"), AS("-_"))), -1, "is_alphanumex(ab.1, -_)");
	CHECK_INT(call(m, "siputils_cmp_hdr_name", 2, ARGS(AS("Via"), AS("v"))), 1, "cmp_hdr_name(Via, v)");
	CHECK_INT(call(m, "siputils_cmp_hdr_name", 2, ARGS(AS("X-A"), AS("x-a"))), 1, "cmp_hdr_name(X-A, x-a)");
	CHECK_INT(call(m, "siputils_cmp_hdr_name", 2, ARGS(AS("To"), AS("From"))), -1, "cmp_hdr_name(To, From)");
	msg_free(m);

	m = msg("SIP/2.0 200 OK\nVia: SIP/2.0/UDP p;branch=z9hG4bK2\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
	        "From: <sip:alice@a.com>;tag=1\nTo: <sip:bob@b.com>;tag=2\nCall-ID: 1\nCSeq: 1 INVITE\n"
	        "Content-Length: 0\n\n");
	CHECK_INT(call(m, "siputils_has_totag", 0, NULL), 1, "has_totag");
	CHECK_INT(call(m, "siputils_is_reply", 0, NULL), 1, "is_reply");
	CHECK_INT(call(m, "siputils_is_first_hop", 0, NULL), 1, "a reply with two Vias is first hop");
	CHECK_INT(call(m, "siputils_uri_param", 1, ARGS(AS("lr"))), -1, "uri_param on a reply: -1");
	msg_free(m);
	pv_worker_done();
	return summary();
}
