/* pv_msg_test.c: the message pseudo-variables of table 6.3, read from
 * messages built from text, the spec forms of 6.1, and the writable ones:
 * $ru $rU $rd $rp $du $fu $fU $fd $fn $tu $tn $bf $mf $br $fs, with the
 * read-only ones refusing. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static const char *INVITE =
	"INVITE sip:bob@example.com:5080;transport=tcp;lr SIP/2.0\n"
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776;rport\n"
	"Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK999, SIP/2.0/TCP 10.0.0.3;branch=z9hG4bKabc\n"
	"Max-Forwards: 70\n"
	"From: \"Alice A\" <sip:alice@atlanta.com>;tag=1928301774\n"
	"To: Bob <sip:bob@biloxi.com>\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
	"CSeq: 314159 INVITE\n"
	"Contact: <sip:alice@pc33.atlanta.com>\n"
	"X-Foo: one\n"
	"x-foo: two, three\n"
	"User-Agent: test-ua/1.0\n"
	"P-Asserted-Identity: <sip:+15551234@atlanta.com>\n"
	"Content-Type: application/sdp\n"
	"Content-Length: 5\n"
	"\n"
	"v=0\n";

static const char *REPLY =
	"SIP/2.0 486 Busy Here\n"
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776\n"
	"From: <sip:alice@atlanta.com>;tag=1928301774\n"
	"To: <sip:bob@biloxi.com>;tag=a6c85cf\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.com\n"
	"CSeq: 314159 INVITE\n"
	"Content-Length: 0\n"
	"\n";

static void request_pvs(void)
{
	rc_msg_t *m = msg(INVITE);
	CHECK_PV(m, "$ru", "sip:bob@example.com:5080;transport=tcp;lr");
	CHECK_PV(m, "$ruri", "sip:bob@example.com:5080;transport=tcp;lr");
	CHECK_PV(m, "$rU", "bob");
	CHECK_PV(m, "$rd", "example.com");
	CHECK_PV(m, "$rp", "5080");
	CHECK_PV(m, "$rP", "tcp");
	CHECK_PV(m, "$rz", "sip");
	CHECK_PV(m, "$ou", "sip:bob@example.com:5080;transport=tcp;lr");
	CHECK_PV(m, "$oU", "bob");
	CHECK_PV(m, "$od", "example.com");
	CHECK_PV(m, "$op", "5080");
	CHECK_PV(m, "$du", "<null>");
	CHECK_PV(m, "$dd", "<null>");
	CHECK_PV(m, "$rm", "INVITE");
	CHECK_PV(m, "$rmid", "i:1");
	CHECK_PV(m, "$rs", "<null>");
	CHECK_PV(m, "$rr", "<null>");
	CHECK_PV(m, "$rv", "SIP/2.0");
	CHECK_PV(m, "$ci", "a84b4c76e66710@pc33.atlanta.com");
	CHECK_PV(m, "$cs", "i:314159");
	CHECK_PV(m, "$csb", "314159 INVITE");
	CHECK_PV(m, "$ct", "<sip:alice@pc33.atlanta.com>");
	CHECK_PV(m, "$cT", "application/sdp");
	CHECK_PV(m, "$cl", "i:5");
	CHECK_PV(m, "$ua", "test-ua/1.0");
	CHECK_PV(m, "$fu", "sip:alice@atlanta.com");
	CHECK_PV(m, "$from", "sip:alice@atlanta.com");
	CHECK_PV(m, "$fU", "alice");
	CHECK_PV(m, "$fd", "atlanta.com");
	CHECK_PV(m, "$fn", "\"Alice A\"");
	CHECK_PV(m, "$ft", "1928301774");
	CHECK_PV(m, "$tu", "sip:bob@biloxi.com");
	CHECK_PV(m, "$to", "sip:bob@biloxi.com");
	CHECK_PV(m, "$tU", "bob");
	CHECK_PV(m, "$td", "biloxi.com");
	CHECK_PV(m, "$tn", "Bob");
	CHECK_PV(m, "$tt", "<null>");
	CHECK_PV(m, "$si", "127.0.0.1");
	CHECK_PV(m, "$sp", "i:5070");
	CHECK_PV(m, "$su", "sip:127.0.0.1:5070");
	char want[64];
	snprintf(want, sizeof want, "i:%d", test_port);
	CHECK_PV(m, "$Ri", "127.0.0.1");
	CHECK_CSTR(show(get(m, "$Rp")), want, "$Rp is the receiving port");
	CHECK_PV(m, "$pr", "udp");
	CHECK_PV(m, "$proto", "udp");
	CHECK_PV(m, "$mt", "i:1");
	CHECK_PV(m, "$mi", "i:7");
	CHECK_INT(get(m, "$ml").i, m->len, "$ml is the message length");
	CHECK_INT(m->len, 568, "the test INVITE is 568 bytes");
	CHECK_INT(get(m, "$mb").s.len, m->len, "$mb is the whole message");
	CHECK_PV(m, "$rb", "v=0\r\n");
	CHECK_PV(m, "$bs", "i:5");
	CHECK_PV(m, "$bf", "i:0");
	CHECK_PV(m, "$bF", "00000000");
	CHECK_PV(m, "$mf", "i:0");
	CHECK_PV(m, "$mF", "00000000");
	CHECK_PV(m, "$br", "<null>");
	CHECK_PV(m, "$ai", "sip:+15551234@atlanta.com");
	CHECK_PV(m, "$null", "<null>");
	CHECK_INT(get(m, "$pp").i, getpid(), "$pp is the process id");
	CHECK(get(m, "$TS").i > 1600000000, "$TS is the time now");
	CHECK(get(m, "$Ts").i > 1600000000, "$Ts is the message time");
	int mon = get(m, "$time(mon)").i;
	CHECK(mon >= 1 && mon <= 12, "$time(mon) is 1..12");
	CHECK(get(m, "$time(year)").i >= 2024, "$time(year)");
	setenv("ROUTEC_TEST_ENV", "hello", 1);
	CHECK_PV(m, "$env(ROUTEC_TEST_ENV)", "hello");
	CHECK_PV(m, "$env(ROUTEC_NO_SUCH_ENV)", "<null>");

	/* $rc / $retcode / $? */
	rc_ctx_t ctx = { 0 };
	ctx.rc = -1;
	m->ctx = &ctx;
	CHECK_PV(m, "$rc", "i:-1");
	CHECK_PV(m, "$retcode", "i:-1");
	CHECK_PV(m, "$?", "i:-1");
	m->ctx = NULL;

	/* headers: name any case, compact forms, indexes */
	CHECK_PV(m, "$hdr(Call-ID)", "a84b4c76e66710@pc33.atlanta.com");
	CHECK_PV(m, "$hdr(call-id)", "a84b4c76e66710@pc33.atlanta.com");
	CHECK_PV(m, "$hdr(i)", "a84b4c76e66710@pc33.atlanta.com");
	CHECK_PV(m, "$hdr(X-Foo)", "one");
	CHECK_PV(m, "$(hdr(X-Foo)[0])", "one");
	CHECK_PV(m, "$(hdr(X-Foo)[1])", "two, three");
	CHECK_PV(m, "$(hdr(X-Foo)[-1])", "two, three");
	CHECK_PV(m, "$(hdr(X-Foo)[-2])", "one");
	CHECK_PV(m, "$(hdr(X-Foo)[2])", "<null>");
	CHECK_PV(m, "$(hdr(X-Foo)[*])", "one,two, three");
	CHECK_PV(m, "$(hdr(Via)[1])", "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK999, SIP/2.0/TCP 10.0.0.3;branch=z9hG4bKabc");
	CHECK_PV(m, "$hdr(X-None)", "<null>");
	CHECK_PV(m, "$hdrc(X-Foo)", "i:2");
	CHECK_PV(m, "$hdrc(Via)", "i:2");
	CHECK_PV(m, "$hdrc(v)", "i:2");
	CHECK_PV(m, "$hdrc(X-None)", "i:0");
	set(m, "$var(h)", S("User-Agent"));
	CHECK_PV(m, "$hdr($var(h))", "test-ua/1.0");
	set(m, "$var(i)", I(1));
	CHECK_PV(m, "$(hdr(X-Foo)[$var(i)])", "two, three");
	CHECK_PV(m, "$(hdr(X-Foo)[$var(i)]{s.len})", "i:10");
	msg_free(m);
}

static void reply_pvs(void)
{
	rc_msg_t *m = msg(REPLY);
	CHECK_PV(m, "$rs", "i:486");
	CHECK_PV(m, "$rr", "Busy Here");
	CHECK_PV(m, "$rm", "INVITE");
	CHECK_PV(m, "$rmid", "i:1");
	CHECK_PV(m, "$mt", "i:2");
	CHECK_PV(m, "$ru", "<null>");
	CHECK_PV(m, "$rU", "<null>");
	CHECK_PV(m, "$tt", "a6c85cf");
	CHECK(set(m, "$ru", S("sip:x@y")) < 0, "$ru cannot be set in a reply");
	msg_free(m);
}

static void spec_forms(void)
{
	CHECK(PV("$ru") != NULL, "$ru parses");
	CHECK(PV("$(ru)") != NULL, "$(ru) parses");
	CHECK(PV("$(ru{uri.user})") != NULL, "$(ru{uri.user}) parses");
	CHECK(PV("$(hdr(Via)[1])") != NULL, "$(hdr(Via)[1]) parses");
	CHECK(PV("$(hdr(Via)[*]{s.len})") != NULL, "$(hdr(Via)[*]{s.len}) parses");
	CHECK(PV("$avp(s:x)") != NULL, "$avp(s:x) parses");
	CHECK(PV("$avp(i:5)") != NULL, "$avp(i:5) parses");
	CHECK(PV("$xavp(r=>f)") != NULL, "$xavp(r=>f) parses");
	CHECK(PV("$xavp(r[1]=>f[0])") != NULL, "$xavp(r[1]=>f[0]) parses");
	CHECK(PV("$?") != NULL, "$? parses");
	CHECK(PV("$nosuchpv") == NULL, "an unknown class is refused");
	CHECK(PV("$fU.") == NULL, "'$fU.' names the class 'fU.' and is refused, as in Kamailio");
	CHECK(PV("$hdr") == NULL, "$hdr without a name is refused");
	CHECK(PV("$ru(x)") == NULL, "$ru(x): a class without names refuses one");
	CHECK(PV("$(ru[1])") == NULL, "$(ru[1]): no index on $ru");
	CHECK(PV("$(ru{nosuch.tr})") == NULL, "an unknown transformation is refused at prepare time");
	CHECK(PV("$(ru{s.substr,1})") == NULL, "a transformation missing a parameter is refused");
	CHECK(PV("$(hdr(Via)[x])") == NULL, "a bad index is refused");
	CHECK(PV("$(ru") == NULL, "an unterminated spec is refused");
	CHECK(PV("$ru x") == NULL, "text after the spec is refused by rc_pv_prepare");
	CHECK(PV("$time(century)") == NULL, "$time(century) is refused");
	CHECK(PV("$avp(i:x)") == NULL, "$avp(i:x) is refused");
}

static void writes(void)
{
	rc_msg_t *m = msg(INVITE);
	CHECK_INT(set(m, "$ru", S("sip:carol@chicago.com")), 1, "$ru = ... returns 1");
	CHECK_PV(m, "$ru", "sip:carol@chicago.com");
	CHECK_STR(m->new_ruri, "sip:carol@chicago.com", "$ru sets m->new_ruri");
	CHECK_PV(m, "$ou", "sip:bob@example.com:5080;transport=tcp;lr");
	CHECK_PV(m, "$rU", "carol");
	CHECK_INT(set(m, "$rU", S("dave")), 1, "$rU = dave");
	CHECK_PV(m, "$ru", "sip:dave@chicago.com");
	CHECK_INT(set(m, "$rd", S("denver.com")), 1, "$rd = denver.com");
	CHECK_PV(m, "$ru", "sip:dave@denver.com");
	CHECK_INT(set(m, "$rp", I(5090)), 1, "$rp = 5090");
	CHECK_PV(m, "$ru", "sip:dave@denver.com:5090");
	CHECK_INT(set(m, "$rp", S("")), 1, "$rp = \"\" removes the port");
	CHECK_PV(m, "$ru", "sip:dave@denver.com");
	CHECK_INT(set(m, "$rU", S("")), 1, "$rU = \"\" removes the user");
	CHECK_PV(m, "$ru", "sip:denver.com");
	CHECK_INT(set(m, "$rU", S("eve")), 1, "$rU on a URI without a user adds one");
	CHECK_PV(m, "$ru", "sip:eve@denver.com");
	set(m, "$ru", S("sip:u:pw@[2001:db8::1]:5060;lr?h=1"));
	set(m, "$rd", S("10.1.1.1"));
	CHECK_PV(m, "$ru", "sip:u:pw@10.1.1.1:5060;lr?h=1");
	set(m, "$rU", S("v"));
	CHECK_PV(m, "$ru", "sip:v:pw@10.1.1.1:5060;lr?h=1");
	set(m, "$rd", S("2001:db8::2"));
	CHECK_PV(m, "$ru", "sip:v:pw@[2001:db8::2]:5060;lr?h=1");
	CHECK(set(m, "$ru", pv_vnull()) < 0, "$ru = $null is refused");
	CHECK(set(m, "$ru", S("not a uri")) < 0, "$ru = garbage is refused");

	CHECK_INT(set(m, "$du", S("sip:proxy.example.com;transport=udp")), 1, "$du = ...");
	CHECK_PV(m, "$du", "sip:proxy.example.com;transport=udp");
	CHECK_PV(m, "$dd", "proxy.example.com");
	CHECK_PV(m, "$dp", "5060");
	CHECK_PV(m, "$dP", "udp");
	CHECK_STR(m->dst_uri, "sip:proxy.example.com;transport=udp", "$du sets m->dst_uri");
	CHECK_INT(set(m, "$du", pv_vnull()), 1, "$du = $null");
	CHECK(m->dst_uri.s == NULL, "$du = $null resets the destination");
	CHECK_PV(m, "$du", "<null>");

	CHECK_INT(set(m, "$bf", I(5)), 1, "$bf = 5");
	CHECK_INT(m->bflags, 5, "$bf sets the branch flags");
	CHECK_PV(m, "$bF", "00000005");
	CHECK_INT(set(m, "$mf", S("0x10")), 1, "$mf = \"0x10\"");
	CHECK_PV(m, "$mf", "i:16");
	CHECK_PV(m, "$mF", "00000010");
	CHECK_INT(set(m, "$br", S("sip:b1@x")), 1, "$br = sip:b1@x");
	CHECK_PV(m, "$br", "sip:b1@x");
	CHECK_INT(m->nbranches, 1, "$br appends a branch when there is none");

	char fs[64];
	snprintf(fs, sizeof fs, "udp:127.0.0.1:%d", test_port);
	CHECK_INT(set(m, "$fs", S(fs)), 1, "$fs = our socket");
	CHECK(m->force_send == rt_sock_at(0), "$fs forces the send socket");
	CHECK_CSTR(show(get(m, "$fs")), fs, "$fs reads back");
	CHECK(set(m, "$fs", S("udp:10.9.9.9:5060")) < 0, "$fs to an address we do not have is refused");

	/* read-only */
	CHECK(set(m, "$ci", S("x")) < 0, "$ci is read-only");
	CHECK(set(m, "$hdr(X-Foo)", S("x")) < 0, "$hdr is read-only");
	CHECK(set(m, "$si", S("x")) < 0, "$si is read-only");
	CHECK(set(m, "$ft", S("x")) < 0, "$ft is read-only");
	CHECK(set(m, "$(var(x){s.len})", S("x")) < 0, "a spec with transformations cannot be assigned");
	msg_free(m);

	/* From and To edits go through lumps */
	m = msg(INVITE);
	CHECK_INT(set(m, "$fU", S("carol")), 1, "$fU = carol");
	CHECK(set(m, "$fd", S("x.com")) < 0, "a second edit of From is refused (lumps would overlap)");
	CHECK_INT(set(m, "$tn", S("\"Robert\"")), 1, "$tn = \"Robert\"");
	const char *out = applied(m);
	CHECK(strstr(out, "From: \"Alice A\" <sip:carol@atlanta.com>;tag=1928301774\n") != NULL,
	      "$fU rewrote the From URI");
	CHECK(strstr(out, "To: \"Robert\" <sip:bob@biloxi.com>\n") != NULL, "$tn replaced the display name");
	msg_free(m);
	m = msg("MESSAGE sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: sip:a@b;tag=9\n"
	        "To: <sip:c@d>\nCall-ID: 1\nCSeq: 1 MESSAGE\nContent-Length: 0\n\n");
	CHECK_INT(set(m, "$fn", S("\"A\"")), 1, "$fn on an addr-spec From");
	CHECK_INT(set(m, "$tu", S("sip:z@zz")), 1, "$tu = sip:z@zz");
	out = applied(m);
	CHECK(strstr(out, "From: \"A\" <sip:a@b>;tag=9\n") != NULL, "$fn turned the addr-spec into a name-addr");
	CHECK(strstr(out, "To: <sip:z@zz>\n") != NULL, "$tu replaced the To URI");
	msg_free(m);
}

int main(void)
{
	listen_loopback("example.org", NULL);
	rt_log_level = RT_L_CRIT;
	request_pvs();
	reply_pvs();
	spec_forms();
	writes();
	pv_worker_done();
	return summary();
}
