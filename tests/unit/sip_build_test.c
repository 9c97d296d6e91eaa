/* sip_build_test.c: replies built from corpus requests, byte for byte, then
 * parsed again. */
/* build: runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c runtime/sip/build.c */
#define SIP_CASES_NO_MAIN
#include "sip_cases_test.c"

#include "sip/build.h"

static sip_msg bm, bm_out;
static char bout[16384];

static sip_str bstr(const char *s)
{
	sip_str r = { s, s ? (int)strlen(s) : 0 };
	return r;
}

/* Build r from the case, compare with want, parse it back. */
static int reply_expect(const char *req, const sip_reply *r, const char *want, const char *name)
{
	if (parse_case(&bm, req) != 0) {
		CHECK(0, name);
		return -1;
	}
	int n = sip_build_reply(&bm, r, bout, sizeof bout);
	CHECK_MEM(bout, n, want, (int)strlen(want), name);
	char what[128];
	snprintf(what, sizeof what, "%s (reparsed)", name);
	int rc = n >= 0 ? t_parse(&bm_out, name, bout, (size_t)n) : n;
	CHECK_INT(rc, 0, what);
	if (rc == 0) {
		snprintf(what, sizeof what, "%s (same Vias, status)", name);
		CHECK(sip_via_count(&bm_out) == sip_via_count(&bm) && bm_out.status == r->status, what);
	}
	return n;
}

static void reply_basic(void)
{
	sip_reply r = { .status = 200, .to_tag = bstr("abc"), .server = bstr("routec 0.1"),
		        .headers = bstr("X-A: 1\r\nX-B: 2\r\n") };
	reply_expect("proxyreq", &r,
	             "SIP/2.0 200 OK\r\n"
	             "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
	             "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	             "To: Bob <sip:bob@biloxi.example.com>;tag=abc\r\n"
	             "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	             "CSeq: 314159 INVITE\r\n"
	             "Server: routec 0.1\r\n"
	             "X-A: 1\r\n"
	             "X-B: 2\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "200 with a To tag, Server and extra headers");
	const sip_addr *a;
	CHECK(sip_get_to(&bm_out, &a) == 0 && a->tag.len == 3, "the reparsed To has the tag");

	sip_reply t = { .status = 100, .to_tag = bstr("abc"), .user_agent = bstr("ua/1") };
	reply_expect("proxyreq", &t,
	             "SIP/2.0 100 Trying\r\n"
	             "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
	             "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	             "To: Bob <sip:bob@biloxi.example.com>\r\n"
	             "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	             "CSeq: 314159 INVITE\r\n"
	             "User-Agent: ua/1\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "100 Trying: no To tag, User-Agent");

	sip_reply b = { .status = 488, .reason = bstr("Gone Fishing"), .content_type = bstr("text/plain"),
		        .body = bstr("sorry\n") };
	reply_expect("proxyreq", &b,
	             "SIP/2.0 488 Gone Fishing\r\n"
	             "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
	             "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	             "To: Bob <sip:bob@biloxi.example.com>\r\n"
	             "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	             "CSeq: 314159 INVITE\r\n"
	             "Content-Type: text/plain\r\n"
	             "Content-Length: 6\r\n"
	             "\r\n"
	             "sorry\n",
	             "488 with a reason, no tag given, a body");
}

static void reply_shapes(void)
{
	/* folded and compact headers: full names, values as received; To has a tag */
	sip_reply r = { .status = 486, .to_tag = bstr("zzz") };
	reply_expect("wsinv", &r,
	             "SIP/2.0 486 Busy Here\r\n"
	             "Via: SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw\r\n"
	             "Via: SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
	             "  branch  =   z9hG4bK9ikj8  ,\r\n"
	             " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
	             " z9hG4bK30239\r\n"
	             "From: \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
	             "  ;\r\n"
	             "  tag = 98asjd8\r\n"
	             "To: sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
	             "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
	             "CSeq: 0009\r\n"
	             "  INVITE\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "486 to the tortuous INVITE: folds kept, names full, tag already there");

	sip_reply c = { .status = 180, .to_tag = bstr("t1") };
	reply_expect("inv2543", &c,
	             "SIP/2.0 180 Ringing\r\n"
	             "Via: SIP/2.0/UDP iftgw.example.com\r\n"
	             "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n"
	             "From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
	             "To: sip:+16505552222@ss1.example.net;user=phone;tag=t1\r\n"
	             "Call-ID: inv2543.1717@ift.client.example.com\r\n"
	             "CSeq: 56 INVITE\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "180 copies Record-Route and tags an addr-spec To");
	c.status = 404;
	reply_expect("inv2543", &c,
	             "SIP/2.0 404 Not Found\r\n"
	             "Via: SIP/2.0/UDP iftgw.example.com\r\n"
	             "From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
	             "To: sip:+16505552222@ss1.example.net;user=phone;tag=t1\r\n"
	             "Call-ID: inv2543.1717@ift.client.example.com\r\n"
	             "CSeq: 56 INVITE\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "404 leaves Record-Route out");

	sip_reply s = { .status = 400, .to_tag = bstr("t2") };
	reply_expect("insuf", &s,
	             "SIP/2.0 400 Bad Request\r\n"
	             "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
	             "CSeq: 193942 INVITE\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "400 to a request without From, To, Call-ID");

	sip_reply k = { .status = 202, .to_tag = bstr("k1") };
	reply_expect("compact", &k,
	             "SIP/2.0 202 Accepted\r\n"
	             "Via: SIP/2.0/UDP 192.0.2.7:5062;rport;branch=z9hG4bK.compact\r\n"
	             "From: <sip:watcher@example.com>;tag=a1\r\n"
	             "To: <sip:presence@example.com>;tag=k1\r\n"
	             "Call-ID: compact-1@192.0.2.7\r\n"
	             "CSeq: 1 SUBSCRIBE\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "202 to compact headers: full names");

	sip_reply l = { .status = 481, .to_tag = bstr("x") };
	reply_expect("barelf", &l,
	             "SIP/2.0 481 Call/Transaction Does Not Exist\r\n"
	             "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds7,\n"
	             " SIP/2.0/UDP bigbox3.site3.example.com;branch=z9hG4bK77ef4c2312983.1\r\n"
	             "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	             "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
	             "Call-ID: a84b4c76e66710\r\n"
	             "CSeq: 231 BYE\r\n"
	             "Content-Length: 0\r\n"
	             "\r\n",
	             "481 to an LF request: CRLF lines, the fold kept");

	sip_reply d = { .status = 400, .to_tag = bstr("d") };
	int n = reply_expect("multi01", &d,
	                     "SIP/2.0 400 Bad Request\r\n"
	                     "Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\r\n"
	                     "From: sip:caller@example.com;tag=3413415\r\n"
	                     "From: sip:caller@example.net;tag=2923420123\r\n"
	                     "To: sip:user@example.com\r\n"
	                     "To: sip:other@example.net\r\n"
	                     "Call-ID: multi01.98asdh@192.0.2.1\r\n"
	                     "Call-ID: multi01.98asdh@192.0.2.2\r\n"
	                     "CSeq: 5 INVITE\r\n"
	                     "CSeq: 59 INVITE\r\n"
	                     "Content-Length: 0\r\n"
	                     "\r\n",
	                     "400 to duplicated headers: all copied, no tag");
	(void)n;
}

static void reply_refusals(void)
{
	sip_reply r = { .status = 200 };
	if (parse_case(&bm, "proxyreq") == 0) {
		int full = sip_build_reply(&bm, &r, bout, sizeof bout), bad = 0;
		for (int cap = 0; cap < full; cap++)
			bad += sip_build_reply(&bm, &r, bout, (size_t)cap) != SIP_E_NOSPACE;
		CHECK(full > 0 && bad == 0, "every buffer shorter than the reply: SIP_E_NOSPACE");
		CHECK_INT(sip_build_reply(&bm, &r, bout, (size_t)full), full, "a buffer of the exact size");
		r.status = 99;
		CHECK_INT(sip_build_reply(&bm, &r, bout, sizeof bout), SIP_E_ARG, "status 99");
		r.status = 700;
		CHECK_INT(sip_build_reply(&bm, &r, bout, sizeof bout), SIP_E_ARG, "status 700");
		r.status = 200;
		r.reason = bstr("OK\r\nX-Injected: 1");
		CHECK_INT(sip_build_reply(&bm, &r, bout, sizeof bout), SIP_E_ARG, "a reason with CRLF");
		CHECK_INT(sip_build_reply(&bm, NULL, bout, sizeof bout), SIP_E_ARG, "no reply");
	}
	r = (sip_reply){ .status = 200 };
	if (parse_case(&bm, "vialist") == 0)
		CHECK_INT(sip_build_reply(&bm, &r, bout, sizeof bout), SIP_E_ARG, "a reply to a reply");
	static const char novia[] = "OPTIONS sip:a@b SIP/2.0\r\nTo: <sip:a@b>\r\n\r\n";
	CHECK_INT(t_parse(&bm, "novia", novia, sizeof novia - 1), 0, "a request without Via parses");
	CHECK_INT(sip_build_reply(&bm, &r, bout, sizeof bout), SIP_E_ABSENT, "a request without Via");
	CHECK(!strcmp(sip_reason_phrase(404), "Not Found"), "phrase 404");
	CHECK(!strcmp(sip_reason_phrase(481), "Call/Transaction Does Not Exist"), "phrase 481");
	CHECK(!strcmp(sip_reason_phrase(499), "Request Failure"), "phrase of an unknown 4xx");
	CHECK(!strcmp(sip_reason_phrase(999), "Unknown"), "phrase 999");
}

int main(void)
{
	reply_basic();
	reply_shapes();
	reply_refusals();
	return t_summary();
}
