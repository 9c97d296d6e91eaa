/* sip_msg_test.c: what sip_parse and the on-demand parsers find in the
 * corpus of sip_cases_test.c, field by field; the header-name lookup and the
 * character classes against their definitions; URIs and parameters. */
/* build: runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c */
#define SIP_CASES_NO_MAIN
#include "sip_cases_test.c"

#include "sip/scan.h"

static sip_msg msg;

static int parse(const char *name)
{
	int rc = parse_case(&msg, name);
	if (rc != 0)
		printf("note: %s did not parse: %s\n", name, sip_strerror(rc));
	return rc;
}

/* ---- tables -------------------------------------------------------------------------- */

static void test_names(void)
{
	static const struct {
		int type;
		const char *name;
		char compact;
	} rows[] = {
#define SIP_HDR(e, n, c) { SIP_H_##e, n, c },
#include "sip/hdrs.def"
#undef SIP_HDR
	};
	int bad = 0, ncompact = 0;
	char up[64], low[64];
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int n = (int)strlen(rows[i].name);
		for (int k = 0; k <= n; k++) {
			up[k] = (char)(rows[i].name[k] >= 'a' && rows[i].name[k] <= 'z' ? rows[i].name[k] - 32 : rows[i].name[k]);
			low[k] = (char)(rows[i].name[k] >= 'A' && rows[i].name[k] <= 'Z' ? rows[i].name[k] + 32 : rows[i].name[k]);
		}
		if (sip_hdr_type_of(rows[i].name, n) != rows[i].type || sip_hdr_type_of(up, n) != rows[i].type ||
		    sip_hdr_type_of(low, n) != rows[i].type || strcmp(sip_hdr_canonical(rows[i].type), rows[i].name)) {
			printf("note: lookup of %s fails\n", rows[i].name);
			bad++;
		}
		if (rows[i].compact) {
			char c[2] = { rows[i].compact, (char)(rows[i].compact - 32) };
			ncompact++;
			if (sip_hdr_type_of(c, 1) != rows[i].type || sip_hdr_type_of(c + 1, 1) != rows[i].type) {
				printf("note: compact %c fails\n", rows[i].compact);
				bad++;
			}
		}
	}
	CHECK_INT(bad, 0, "every hdrs.def name, in three cases, and compact letter is found");
	CHECK_INT(ncompact, 20, "20 compact forms");
	CHECK_INT(sizeof rows / sizeof rows[0], SIP_H__COUNT - 1, "one enum value per row");
	CHECK_INT(sip_hdr_type_of("Vias", 4), SIP_H_OTHER, "Vias is unknown");
	CHECK_INT(sip_hdr_type_of("X-Via", 5), SIP_H_OTHER, "X-Via is unknown");
	CHECK_INT(sip_hdr_type_of("Vi", 2), SIP_H_OTHER, "Vi is unknown");
	CHECK_INT(sip_hdr_type_of("q", 1), SIP_H_OTHER, "q is no compact form");
	CHECK_INT(sip_hdr_type_of("", 0), SIP_H_OTHER, "empty name");
	CHECK_INT(sip_hdr_type_of("V\ra", 3), SIP_H_OTHER, "a name with CR is no Via");
	CHECK_INT(sip_hdr_type_of("Call_ID", 7), SIP_H_OTHER, "Call_ID is not Call-ID");
	CHECK_INT(sip_hdr_type_of("CALL-id", 7), SIP_H_CALL_ID, "CALL-id is Call-ID");
	CHECK(!strcmp(sip_hdr_canonical(SIP_H_OTHER), ""), "canonical name of OTHER is empty");
	CHECK(!strcmp(sip_hdr_canonical(SIP_H_WWW_AUTHENTICATE), "WWW-Authenticate"), "canonical WWW-Authenticate");
}

static void test_classes(void)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static const struct {
		unsigned cls;
		const char *extra; /* beyond alnum, NULL: see below */
		int alnum;
	} defs[] = {
		{ CC_TOKEN, "-.!%*_+`'~", 1 },
		{ CC_UNRES, "-_.!~*'()", 1 },
		{ CC_USER, "-_.!~*'()&=+$,;?/", 1 },
		{ CC_PASS, "-_.!~*'()&=+$,", 1 },
		{ CC_PARAM, "-_.!~*'()[]/:&+$", 1 },
		{ CC_HNV, "-_.!~*'()[]/?:+$", 1 },
		{ CC_PVAL, "-.!%*_+`'~:[]", 1 },
		{ CC_HOST, "-._", 1 },
		{ CC_WS, " \t\r\n", 0 },
		{ CC_DIGIT, "0123456789", 0 },
		{ CC_HEX, "0123456789abcdefABCDEF", 0 },
		{ CC_ALPHA, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 0 },
	};
	int bad = 0;
	for (size_t d = 0; d < sizeof defs / sizeof defs[0]; d++)
		for (int c = 1; c < 256; c++) {
			int want = (defs[d].alnum && strchr(alnum, c)) || strchr(defs[d].extra, c);
			if (want != sip_is((unsigned char)c, defs[d].cls)) {
				printf("note: class %#x, char %#x\n", defs[d].cls, c);
				bad++;
			}
		}
	for (int c = 0; c < 256; c++) {
		int vchar = (c > 0x20 && c < 0x7f) || c >= 0x80;
		int disp = (c >= 0x80) || ((strchr(alnum, c) || strchr("-.!%*_+`'~", c)) && c);
		if (vchar != sip_is((unsigned char)c, CC_VCHAR) || disp != sip_is((unsigned char)c, CC_DISP))
			bad++;
	}
	CHECK(!sip_is(0, CC_TOKEN | CC_WS | CC_VCHAR | CC_DISP), "NUL is in no class");
	CHECK_INT(bad, 0, "sip_cc matches the RFC 3261 definitions of its classes");
}

static void test_methods(void)
{
	CHECK_INT(sip_method_of("INVITE", 6), SIP_M_INVITE, "INVITE");
	CHECK_INT(sip_method_of("INFO", 4), SIP_M_INFO, "INFO");
	CHECK_INT(sip_method_of("PUBLISH", 7), SIP_M_PUBLISH, "PUBLISH");
	CHECK_INT(sip_method_of("invite", 6), SIP_M_OTHER, "methods are case-sensitive");
	CHECK_INT(sip_method_of("INVITEX", 7), SIP_M_OTHER, "INVITEX");
	CHECK_INT(sip_method_of("", 0), SIP_M_OTHER, "empty method");
	int bad = 0;
	for (int rc = -1; rc >= SIP_E_ARG; rc--)
		if (!strcmp(sip_strerror(rc), "unknown error"))
			bad++;
	CHECK_INT(bad, 0, "every error code has a text");
	CHECK(!strcmp(sip_strerror(0), "ok"), "strerror(0)");
	CHECK(!strcmp(sip_strerror(-1000), "unknown error"), "strerror of a stranger");
}

/* ---- the torture corpus ----------------------------------------------------------------- */

static void test_wsinv(void)
{
	if (parse("wsinv"))
		return;
	const sip_addr *a;
	const sip_via *v;
	const sip_cseq *cs;
	const sip_addr_list *l;
	sip_str s;
	sip_via vv;
	int n;
	CHECK(msg.is_request, "wsinv: a request");
	CHECK_SPAN(msg.method, "INVITE", "wsinv: method");
	CHECK_INT(msg.method_id, SIP_M_INVITE, "wsinv: method id");
	CHECK_SPAN(msg.ruri, "sip:vivekg@chair-dnrc.example.com;unknownparam", "wsinv: R-URI");
	CHECK_SPAN(msg.version, "SIP/2.0", "wsinv: version");
	CHECK_INT(msg.nhdrs, 14, "wsinv: 14 header lines");
	CHECK_INT(sip_get_to(&msg, &a), 0, "wsinv: To parses");
	CHECK_SPAN(a->uri, "sip:vivekg@chair-dnrc.example.com", "wsinv: To URI after a fold");
	CHECK_SPAN(a->tag, "1918181833n", "wsinv: To tag with spaces around =");
	CHECK_INT(sip_get_from(&msg, &a), 0, "wsinv: From parses");
	CHECK_SPAN(a->display, "\"J Rosenberg \\\\\\\"\"", "wsinv: From display name with quoted-pairs");
	CHECK_SPAN(a->uri, "sip:jdrosen@example.com", "wsinv: From URI");
	CHECK_SPAN(a->tag, "98asjd8", "wsinv: From tag on a folded line");
	CHECK_INT(sip_get_maxfwd(&msg, &n), 0, "wsinv: Max-Forwards parses");
	CHECK_INT(n, 68, "wsinv: Max-Forwards 0068");
	CHECK_INT(sip_get_callid(&msg, &s), 0, "wsinv: Call-ID");
	CHECK_SPAN(s, "wsinv.ndaksdj@192.0.2.1", "wsinv: Call-ID value");
	CHECK_INT(sip_get_cseq(&msg, &cs), 0, "wsinv: CSeq over a fold");
	CHECK_INT(cs->num, 9, "wsinv: CSeq 0009");
	CHECK_SPAN(cs->method, "INVITE", "wsinv: CSeq method");
	CHECK_INT(sip_via_count(&msg), 3, "wsinv: 3 Via values in 2 headers");
	CHECK_INT(sip_get_via(&msg, 0, &v), 0, "wsinv: top Via over two folds");
	CHECK_SPAN(v->transport, "UDP", "wsinv: Via 1 transport");
	CHECK_SPAN(v->host, "192.0.2.2", "wsinv: Via 1 host");
	CHECK_SPAN(v->branch, "390skdjuw", "wsinv: Via 1 branch");
	CHECK_INT(sip_get_via(&msg, 1, &v), 0, "wsinv: second Via");
	CHECK_SPAN(v->transport, "TCP", "wsinv: Via 2 transport");
	CHECK_SPAN(v->host, "spindle.example.com", "wsinv: Via 2 host");
	CHECK_SPAN(v->branch, "z9hG4bK9ikj8", "wsinv: Via 2 branch");
	CHECK_INT(v->hdr, 12, "wsinv: Via 2 is in header 12 (v:)");
	CHECK_INT(sip_via_at(&msg, 2, &vv), 0, "wsinv: third Via");
	CHECK_SPAN(vv.host, "192.168.255.111", "wsinv: Via 3 host");
	CHECK_SPAN(vv.branch, "z9hG4bK30239", "wsinv: Via 3 branch after a fold");
	CHECK_INT(sip_via_at(&msg, 3, &vv), SIP_E_ABSENT, "wsinv: no fourth Via");
	CHECK_INT(sip_get_contacts(&msg, &l), 0, "wsinv: Contact");
	CHECK_INT(l->n, 1, "wsinv: one Contact");
	CHECK_SPAN(l->v[0].display, "\"Quoted string \\\"\\\"\"", "wsinv: Contact display name");
	CHECK_INT(l->v[0].q, 330, "wsinv: q = 0.33");
	CHECK_INT(sip_get_routes(&msg, &l), 0, "wsinv: Route after a fold");
	CHECK_SPAN(l->v[0].uri, "sip:services.example.com;lr;unknownwith=value;unknown-no-value", "wsinv: Route URI");
	const sip_hdr *h = sip_hdr_get(&msg, SIP_H_SUBJECT);
	CHECK(h && h->body.len == 0 && h->name.len == 1, "wsinv: 's :' is an empty Subject");
	h = sip_hdr_find(&msg, "newfangledheader", 16, 0);
	static const sip_str none;
	CHECK_SPAN(h ? h->body : none, "newfangled value\r\n continued newfangled value",
	           "wsinv: a folded value keeps its line break");
	CHECK_INT(msg.content_length, 150, "wsinv: Content-Length 150");
	CHECK_INT(msg.body.len, 150, "wsinv: body of 150 bytes");
	CHECK_INT(msg.len, msg.body_off + 150, "wsinv: message length");
}

static void test_intmeth(void)
{
	if (parse("intmeth"))
		return;
	const sip_addr *a;
	const sip_via *v;
	const sip_cseq *cs;
	sip_uri u;
	sip_str s;
	CHECK_SPAN(msg.method, "!interesting-Method0123456789_*+`.%indeed'~", "intmeth: method of token chars");
	CHECK_INT(msg.method_id, SIP_M_OTHER, "intmeth: unknown method");
	CHECK_INT(sip_uri_parse(msg.ruri.s, msg.ruri.len, &u), 0, "intmeth: R-URI parses");
	CHECK_SPAN(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", "intmeth: user with ; ? / ,");
	CHECK_SPAN(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", "intmeth: password");
	CHECK_SPAN(u.host, "example.com", "intmeth: host");
	CHECK_INT(sip_get_via(&msg, 0, &v), 0, "intmeth: Via");
	CHECK_SPAN(v->branch, "z9hG4bK-.!%66*_+`'~", "intmeth: branch of token chars");
	CHECK_INT(sip_get_to(&msg, &a), 0, "intmeth: To with BEL NUL DEL quoted-pairs");
	CHECK_INT(a->display.len, 22, "intmeth: display name of 22 bytes, NUL included");
	CHECK_SPAN(a->uri, "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com", "intmeth: To URI");
	CHECK_INT(sip_get_from(&msg, &a), 0, "intmeth: From");
	CHECK_SPAN(a->display, "token1~` token2'+_ token3*%!.-", "intmeth: display name of tokens");
	CHECK_SPAN(a->tag, "_token~1'+`*%!-.", "intmeth: tag");
	CHECK_INT(sip_get_callid(&msg, &s), 0, "intmeth: Call-ID");
	CHECK_SPAN(s, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", "intmeth: Call-ID of word chars");
	CHECK_INT(sip_get_cseq(&msg, &cs), 0, "intmeth: CSeq");
	CHECK(cs->method.len == msg.method.len && !memcmp(cs->method.s, msg.method.s, (size_t)msg.method.len),
	      "intmeth: CSeq method = request method");
	const sip_hdr *h = sip_hdr_find(&msg, "EXTENSIONHEADER-!.%*+_`'~", 25, 0);
	CHECK(h && h->type == SIP_H_OTHER && h->body.len == 12, "intmeth: extension header found by name");
	int mf;
	CHECK_INT(sip_get_maxfwd(&msg, &mf), 0, "intmeth: Max-Forwards 255 is fine");
	CHECK_INT(mf, 255, "intmeth: Max-Forwards value");
}

static void test_escapes(void)
{
	sip_uri u;
	const sip_addr_list *l;
	const sip_via *v;
	if (parse("esc01") == 0) {
		CHECK_INT(sip_uri_parse(msg.ruri.s, msg.ruri.len, &u), 0, "esc01: R-URI parses");
		CHECK_SPAN(u.user, "sips%3Auser%40example.com", "esc01: escapes kept in the user");
		CHECK_SPAN(u.host, "example.net", "esc01: host");
		CHECK(sip_hdr_get(&msg, SIP_H_CONTENT_TYPE) != NULL, "esc01: 'C:' is Content-Type");
		CHECK_INT(sip_get_contacts(&msg, &l), 0, "esc01: Contact");
		CHECK_INT(sip_uri_parse(l->v[0].uri.s, l->v[0].uri.len, &u), 0, "esc01: Contact URI with escaped params");
		CHECK_SPAN(u.params, ";%6C%72;n%61me=v%61lue%25%34%31", "esc01: Contact URI params");
		CHECK_INT(u.lr, 0, "esc01: %6C%72 is not lr until unescaped");
	}
	if (parse("escnull") == 0) {
		const sip_addr *a;
		CHECK_INT(sip_get_to(&msg, &a), 0, "escnull: To");
		CHECK_INT(sip_uri_parse(a->uri.s, a->uri.len, &u), 0, "escnull: %00 in a user part");
		CHECK_SPAN(u.user, "null-%00-null", "escnull: user");
		CHECK_INT(sip_get_contacts(&msg, &l), 0, "escnull: Contacts");
		CHECK_INT(l->n, 2, "escnull: two Contact headers");
		CHECK_INT(msg.content_length, 0, "escnull: 'L:0'");
	}
	if (parse("esc02") == 0) {
		CHECK_INT(msg.method_id, SIP_M_OTHER, "esc02: RE%47IST%45R is not REGISTER");
		CHECK_INT(sip_get_contacts(&msg, &l), 0, "esc02: Contacts");
		CHECK_INT(l->n, 2, "esc02: C%6Fntact is not a Contact header");
		CHECK_INT(sip_get_via(&msg, 0, &v), 0, "esc02: Via");
		CHECK(v->rport.s && v->rport.len == 0, "esc02: bare rport is present and empty");
		CHECK_SPAN(v->branch, "z9hG4bK209%fzsnel234", "esc02: branch");
	}
	if (parse("semiuri") == 0) {
		CHECK_INT(sip_uri_parse(msg.ruri.s, msg.ruri.len, &u), 0, "semiuri: R-URI parses");
		CHECK_SPAN(u.user, "user;par=u%40example.net", "semiuri: ';' in the user part");
		CHECK_SPAN(u.host, "example.com", "semiuri: host");
		CHECK_SPAN(u.params, NULL, "semiuri: no URI params");
		sip_list_it it;
		sip_str item;
		int n = 0, rc;
		sip_list_begin(&msg, SIP_H_ACCEPT, &it);
		while ((rc = sip_list_next(&msg, &it, &item, NULL)) > 0)
			n++;
		CHECK_INT(n, 6, "semiuri: 6 Accept values over folded lines");
		CHECK_SPAN(item, "message/sipfrag", "semiuri: last Accept value");
	}
}

static void test_shapes(void)
{
	const sip_addr *a;
	const sip_via *v;
	sip_via vv;
	const sip_addr_list *l;
	uint32_t u32;
	if (parse("lwsdisp") == 0) {
		CHECK_INT(sip_get_from(&msg, &a), 0, "lwsdisp: From");
		CHECK_SPAN(a->display, "caller", "lwsdisp: display without LWS before <");
		CHECK_SPAN(a->uri, "sip:caller@example.com", "lwsdisp: URI");
	}
	if (parse("dblreq") == 0) {
		const struct sip_case *c = sip_case("dblreq");
		CHECK(msg.len < (int)c->len, "dblreq: the second message is not part of the first");
		CHECK_INT(msg.body.len, 0, "dblreq: empty body");
		CHECK_INT(msg.method_id, SIP_M_REGISTER, "dblreq: REGISTER");
		CHECK(sip_hdr_get(&msg, SIP_H_TO) && sip_hdr_count(&msg, SIP_H_TO) == 1, "dblreq: one To");
	}
	if (parse("transports") == 0) {
		static const char *const tr[] = { "UDP", "SCTP", "TLS", "UNKNOWN", "TCP" };
		int ok = 1;
		for (int i = 0; i < 5; i++)
			ok &= sip_via_at(&msg, i, &vv) == 0 && vv.transport.len == (int)strlen(tr[i]) &&
			      !memcmp(vv.transport.s, tr[i], strlen(tr[i]));
		CHECK(ok, "transports: five Via transports in order");
		CHECK_INT(sip_via_count(&msg), 5, "transports: five Vias");
		CHECK_INT(sip_hdr_count(&msg, SIP_H_VIA), 5, "transports: five Via headers");
	}
	if (parse("mpart01") == 0) {
		CHECK_INT(msg.body.len, 92, "mpart01: binary body");
		CHECK(memchr(msg.body.s, 0, (size_t)msg.body.len) != NULL, "mpart01: NUL in the body");
		CHECK_INT(sip_get_via(&msg, 0, &v), 0, "mpart01: Via");
		CHECK_INT(v->port, 5070, "mpart01: Via port");
		CHECK(v->rport.s && !v->rport.len, "mpart01: rport last");
	}
	if (parse("unreason") == 0) {
		CHECK(!msg.is_request, "unreason: a reply");
		CHECK_INT(msg.status, 200, "unreason: 200");
		CHECK_INT(msg.reason.len, 74, "unreason: UTF-8 reason of 74 bytes");
		CHECK_INT(msg.method_id, SIP_M_OTHER, "unreason: no method");
	}
	if (parse("noreason") == 0) {
		CHECK_INT(msg.status, 100, "noreason: 100");
		CHECK(msg.reason.s && msg.reason.len == 0, "noreason: empty reason");
	}
	if (parse("barelf") == 0) {
		CHECK_INT(sip_via_count(&msg), 2, "barelf: a Via list folded with LF");
		CHECK_INT(sip_via_at(&msg, 1, &vv), 0, "barelf: second Via");
		CHECK_SPAN(vv.branch, "z9hG4bK77ef4c2312983.1", "barelf: second branch");
		CHECK_INT(msg.body.len, 0, "barelf: no body");
		CHECK_INT(msg.content_length, -1, "barelf: no Content-Length");
		CHECK_INT(sip_get_to(&msg, &a), 0, "barelf: To");
		CHECK_SPAN(a->display, "Bob", "barelf: To display name");
	}
	if (parse("mixedeol") == 0) {
		CHECK_INT(msg.start, 4, "mixedeol: leading CRLFs skipped");
		CHECK_SPAN(msg.body, "body", "mixedeol: body");
		CHECK_INT(msg.method_id, SIP_M_ACK, "mixedeol: ACK");
	}
	if (parse("compact") == 0) {
		static const int types[] = {
			SIP_H_VIA, SIP_H_FROM, SIP_H_TO, SIP_H_CALL_ID, SIP_H_CSEQ, SIP_H_CONTACT, SIP_H_EVENT,
			SIP_H_ALLOW_EVENTS, SIP_H_SUPPORTED, SIP_H_SUBJECT, SIP_H_ACCEPT_CONTACT, SIP_H_REJECT_CONTACT,
			SIP_H_REQUEST_DISPOSITION, SIP_H_REFER_TO, SIP_H_REFERRED_BY, SIP_H_SESSION_EXPIRES,
			SIP_H_IDENTITY, SIP_H_IDENTITY_INFO, SIP_H_CONTENT_ENCODING, SIP_H_CONTENT_TYPE,
			SIP_H_CONTENT_LENGTH,
		};
		int ok = msg.nhdrs == (int)(sizeof types / sizeof types[0]);
		for (int i = 0; ok && i < msg.nhdrs; i++)
			ok = msg.hdrs[i].type == types[i];
		CHECK(ok, "compact: every compact form has its type");
		CHECK_SPAN(msg.body, "hi", "compact: body by 'l: 2'");
		const sip_hdr *h = sip_hdr_find(&msg, "Session-Expires", 15, 0);
		CHECK(h && h->name.len == 1, "compact: find by full name gives the compact header");
		h = sip_hdr_find(&msg, "k", 1, 0);
		CHECK(h && h->type == SIP_H_SUPPORTED, "compact: find by compact name");
	}
	if (parse("star") == 0) {
		CHECK_INT(sip_get_contacts(&msg, &l), 0, "star: Contact: *");
		CHECK(l->star && l->n == 0, "star: star, no values");
		CHECK_INT(sip_get_expires(&msg, &u32), 0, "star: Expires");
		CHECK_INT(u32, 0, "star: Expires 0");
		CHECK_INT(sip_get_via(&msg, 0, &v), 0, "star: Via with an IPv6 sent-by");
		CHECK(v->ipv6 && v->port == 5060, "star: IPv6 and port");
		CHECK_SPAN(v->host, "2001:db8::7", "star: host without brackets");
		CHECK_SPAN(v->received, "2001:db8::99", "star: received with colons");
	}
}

static void test_vialist(void)
{
	const sip_via *v;
	sip_via vv;
	const sip_addr_list *l;
	if (parse("vialist"))
		return;
	CHECK_INT(sip_via_count(&msg), 4, "vialist: 4 Via values in 3 headers");
	CHECK_INT(sip_get_via(&msg, 0, &v), 0, "vialist: Via 1");
	CHECK_SPAN(v->host, "a.example.com", "vialist: Via 1 host");
	CHECK_INT(v->hdr, 0, "vialist: Via 1 in header 0");
	const sip_via *v1 = v;
	CHECK_INT(sip_get_via(&msg, 0, &v), 0, "vialist: Via 1 again");
	CHECK(v == v1 && (msg.done & (1u << SIP_P_VIA1)), "vialist: Via 1 is cached");
	CHECK_INT(sip_get_via(&msg, 1, &v), 0, "vialist: Via 2");
	CHECK_SPAN(v->host, "b.example.com", "vialist: Via 2 host, same header");
	CHECK_INT(v->port, 5070, "vialist: Via 2 port");
	CHECK_INT(v->hdr, 0, "vialist: Via 2 in header 0");
	CHECK_INT(sip_via_at(&msg, 2, &vv), 0, "vialist: Via 3");
	CHECK_SPAN(vv.received, "192.0.2.3", "vialist: Via 3 received");
	CHECK_SPAN(vv.rport, "5071", "vialist: Via 3 rport");
	CHECK_INT(vv.hdr, 2, "vialist: Via 3 in header 2 (v:)");
	CHECK_INT(sip_via_at(&msg, 3, &vv), 0, "vialist: Via 4");
	CHECK_SPAN(vv.host, "2001:db8::1", "vialist: Via 4 IPv6 host");
	CHECK_INT(vv.port, 5061, "vialist: Via 4 port");
	CHECK_SPAN(vv.maddr, "224.2.0.1", "vialist: Via 4 maddr");
	CHECK_SPAN(vv.ttl, "16", "vialist: Via 4 ttl");
	CHECK_SPAN(vv.params, ";branch=z9hG4bKd;maddr=224.2.0.1;ttl=16", "vialist: Via 4 params");
	CHECK_INT(sip_via_at(&msg, -1, &vv), SIP_E_ABSENT, "vialist: Via -1");
	CHECK_INT(sip_get_via(&msg, 2, &v), SIP_E_ARG, "vialist: only two Vias are cached");
	CHECK_INT(sip_get_record_routes(&msg, &l), 0, "vialist: Record-Route");
	CHECK_INT(l->n, 3, "vialist: 3 Record-Route values in 2 headers");
	CHECK_SPAN(l->v[2].uri, "sip:p3.example.com;lr", "vialist: third Record-Route");
	CHECK_INT(sip_get_routes(&msg, &l), SIP_E_ABSENT, "vialist: no Route");
	CHECK(!msg.is_request && msg.status == 180, "vialist: a 180");
}

static void test_refusals(void)
{
	const sip_addr *a;
	const sip_via *v;
	const sip_cseq *cs;
	const sip_addr_list *l;
	sip_str s;
	int n;
	uint32_t u32;
	if (parse("insuf") == 0) {
		CHECK_INT(sip_get_callid(&msg, &s), SIP_E_ABSENT, "insuf: no Call-ID");
		CHECK_INT(sip_get_from(&msg, &a), SIP_E_ABSENT, "insuf: no From");
		CHECK_INT(sip_get_to(&msg, &a), SIP_E_ABSENT, "insuf: no To");
		CHECK_INT(sip_get_maxfwd(&msg, &n), SIP_E_ABSENT, "insuf: no Max-Forwards");
		CHECK_INT(sip_get_contacts(&msg, &l), SIP_E_ABSENT, "insuf: no Contact");
		CHECK_INT(sip_get_cseq(&msg, &cs), 0, "insuf: CSeq");
		CHECK_INT(sip_get_callid(&msg, &s), SIP_E_ABSENT, "insuf: no Call-ID, from the cache");
	}
	if (parse("badinv01") == 0) {
		CHECK_INT(sip_get_via(&msg, 0, &v), SIP_E_VIA, "badinv01: ';;,;,,' Via is refused");
		CHECK_INT(sip_get_contacts(&msg, &l), SIP_E_CONTACT, "badinv01: ';;;;' Contact is refused");
	}
	if (parse("scalar02") == 0) {
		CHECK_INT(sip_get_cseq(&msg, &cs), SIP_E_CSEQ, "scalar02: CSeq of 2^65 is refused");
		CHECK_INT(sip_get_maxfwd(&msg, &n), SIP_E_MAXFWD, "scalar02: Max-Forwards 300 is refused");
		CHECK_INT(sip_get_expires(&msg, &u32), 0, "scalar02: huge Expires saturates");
		CHECK_INT(u32, 4294967295u, "scalar02: Expires 2^32-1");
		CHECK_INT(sip_get_contacts(&msg, &l), 0, "scalar02: Contact over a fold");
		CHECK_INT(l->v[0].expires, 4294967295u, "scalar02: expires param saturates");
	}
	if (parse("quotbal") == 0)
		CHECK_INT(sip_get_to(&msg, &a), SIP_E_ADDR, "quotbal: unterminated quote in To");
	if (parse("badaspec") == 0) {
		CHECK_INT(sip_get_from(&msg, &a), SIP_E_ADDR, "badaspec: comma in an unquoted display name");
		CHECK_INT(sip_get_to(&msg, &a), SIP_E_ADDR, "badaspec: spaces inside < >");
	}
	if (parse("regbadct") == 0)
		CHECK_INT(sip_get_contacts(&msg, &l), SIP_E_CONTACT, "regbadct: '?' in an addr-spec Contact");
	if (parse("multi01") == 0) {
		CHECK_INT(sip_get_to(&msg, &a), SIP_E_ADDR, "multi01: two To headers");
		CHECK_INT(sip_get_from(&msg, &a), SIP_E_ADDR, "multi01: two From headers");
		CHECK_INT(sip_get_callid(&msg, &s), SIP_E_CALLID, "multi01: two Call-IDs");
		CHECK_INT(sip_get_cseq(&msg, &cs), SIP_E_CSEQ, "multi01: two CSeqs");
	}
	if (parse("badvers") == 0)
		CHECK_SPAN(msg.version, "SIP/7.0", "badvers: SIP/7.0 for the caller to answer 505");
	if (parse("escruri") == 0) {
		sip_uri u;
		CHECK_INT(sip_uri_parse(msg.ruri.s, msg.ruri.len, &u), 0, "escruri: R-URI with headers");
		CHECK_SPAN(u.headers, "Route=%3Csip:example.com%3E", "escruri: URI headers");
	}
	if (parse("cparam01") == 0) {
		sip_uri u;
		CHECK_INT(sip_get_contacts(&msg, &l), 0, "cparam01: Contacts");
		CHECK_INT(l->n, 3, "cparam01: 3 Contacts in 2 headers");
		CHECK_SPAN(l->v[0].uri, "sip:+19725552222@gw1.example.net", "cparam01: addr-spec ends at ';'");
		CHECK_SPAN(l->v[0].params, ";unknownparam", "cparam01: its params are the header's");
		CHECK_INT(l->v[1].expires, 3600, "cparam01: expires=3600");
		CHECK_INT(l->v[1].q, 800, "cparam01: q=0.8");
		CHECK_SPAN(l->v[2].display, "\"Mr. Watson\"", "cparam01: quoted display name");
		CHECK_INT(l->v[2].q, 1000, "cparam01: q=1.0");
		CHECK_INT(l->v[2].expires, 4294967295u, "cparam01: expires=2^32 saturates");
		CHECK_INT(l->v[2].hdr, 7, "cparam01: third Contact in header 7");
		CHECK_INT(sip_uri_parse(l->v[2].uri.s, l->v[2].uri.len, &u), 0, "cparam01: sips IPv6 URI");
		CHECK(u.scheme == SIP_URI_SIPS && u.ipv6 && u.port == 5061, "cparam01: sips, IPv6, 5061");
		CHECK_SPAN(u.host, "2001:db8::9:1", "cparam01: IPv6 host");
	}
	if (parse("longreq") == 0) {
		sip_list_it it;
		sip_str item;
		int k = 0;
		CHECK_INT(sip_via_count(&msg), 20, "longreq: 20 Vias");
		CHECK_INT(sip_get_routes(&msg, &l), SIP_E_TOO_MANY_VALUES, "longreq: 40 Routes overflow the cache");
		sip_list_begin(&msg, SIP_H_ROUTE, &it);
		while (sip_list_next(&msg, &it, &item, NULL) > 0)
			k++;
		CHECK_INT(k, 40, "longreq: the iterator sees all 40 Routes");
		CHECK_INT(sip_get_from(&msg, &a), 0, "longreq: From");
		CHECK_INT(a->tag.len, 1002, "longreq: a 1002-byte tag");
		CHECK_INT(sip_get_to(&msg, &a), 0, "longreq: To");
		CHECK_INT(sip_get_callid(&msg, &s), 0, "longreq: Call-ID");
		CHECK_INT(s.len, 3708, "longreq: a 3708-byte Call-ID");
	}
	if (parse("64hdrs") == 0)
		CHECK_INT(msg.nhdrs, SIP_MAX_HEADERS, "64hdrs: SIP_MAX_HEADERS header lines fit");
	if (parse("nul-value") == 0) {
		const sip_hdr *h = sip_hdr_find(&msg, "x-binary", 8, 0);
		CHECK(h && h->body.len == 7, "nul-value: NUL, TAB and DEL stay in the value");
	}
}

/* ---- URIs ----------------------------------------------------------------------------------- */

static void test_uris(void)
{
	sip_uri u;
	const char *s;
#define URI(str) (s = (str), sip_uri_parse(s, (int)strlen(s), &u))
	CHECK_INT(URI("sip:example.com"), 0, "uri: host only");
	CHECK(u.scheme == SIP_URI_SIP && !u.user.s && u.port == 0, "uri: host only, no user, no port");
	CHECK_INT(URI("SIP:Alice@Atlanta.COM:5070"), 0, "uri: scheme in capitals");
	CHECK(u.port == 5070, "uri: port");
	CHECK_SPAN(u.user, "Alice", "uri: user");
	CHECK_INT(URI("sips:alice:secretword@[2001:db8::1]:5061;transport=tls;lr;maddr=239.255.255.1;ttl=15;"
	              "user=phone;method=REGISTER?subject=project%20x&priority=urgent"), 0, "uri: everything");
	CHECK_SPAN(u.password, "secretword", "uri: password");
	CHECK_SPAN(u.host, "2001:db8::1", "uri: IPv6 host");
	CHECK_SPAN(u.transport, "tls", "uri: transport");
	CHECK_SPAN(u.maddr, "239.255.255.1", "uri: maddr");
	CHECK_SPAN(u.ttl, "15", "uri: ttl");
	CHECK_SPAN(u.user_param, "phone", "uri: user=phone");
	CHECK_SPAN(u.method, "REGISTER", "uri: method");
	CHECK(u.lr, "uri: lr");
	CHECK_SPAN(u.headers, "subject=project%20x&priority=urgent", "uri: headers");
	CHECK_SPAN(u.params, ";transport=tls;lr;maddr=239.255.255.1;ttl=15;user=phone;method=REGISTER", "uri: params");
	CHECK_INT(URI("tel:+1-201-555-0123;phone-context=example.com"), 0, "uri: tel");
	CHECK(u.scheme == SIP_URI_TEL && !u.host.s, "uri: tel has no host");
	CHECK_SPAN(u.user, "+1-201-555-0123", "uri: tel number");
	CHECK_INT(URI("sip:user@host.example.com;LR"), 0, "uri: LR in capitals");
	CHECK(u.lr, "uri: LR is lr");
	CHECK_INT(URI("sip:%61lice@h_1.example.com"), 0, "uri: escape in the user, _ in a host");
	CHECK_INT(URI("sip:user:@host"), 0, "uri: empty password");
	CHECK_INT(URI("sip:host?h="), 0, "uri: empty header value");
	CHECK_INT(URI("sip:"), SIP_E_URI, "uri: no host");
	CHECK_INT(URI("sip:@host"), SIP_E_URI, "uri: empty user");
	CHECK_INT(URI("sip:user@"), SIP_E_URI, "uri: empty host after @");
	CHECK_INT(URI("sip:user@host:99999"), SIP_E_URI, "uri: port above 65535");
	CHECK_INT(URI("sip:user@host:123456"), SIP_E_URI, "uri: six-digit port");
	CHECK_INT(URI("sip:user@host:"), SIP_E_URI, "uri: empty port");
	CHECK_INT(URI("sip:user@host:5o60"), SIP_E_URI, "uri: letter in the port");
	CHECK_INT(URI("sip:us er@host"), SIP_E_URI, "uri: space in the user");
	CHECK_INT(URI("sip:user@[2001:db8::1"), SIP_E_URI, "uri: unclosed IPv6 reference");
	CHECK_INT(URI("sip:user@[]"), SIP_E_URI, "uri: empty IPv6 reference");
	CHECK_INT(URI("sip:user@[1.2.3.4]"), SIP_E_URI, "uri: IPv4 in brackets");
	CHECK_INT(URI("sip:%zzuser@host"), SIP_E_URI, "uri: bad escape");
	CHECK_INT(URI("sip:user%4@host"), SIP_E_URI, "uri: short escape");
	CHECK_INT(URI("sip:user@host;=x"), SIP_E_URI, "uri: empty param name");
	CHECK_INT(URI("sip:user@host;a="), SIP_E_URI, "uri: empty param value");
	CHECK_INT(URI("sip:user@host?"), SIP_E_URI, "uri: empty headers");
	CHECK_INT(URI("sip:user@host?a"), SIP_E_URI, "uri: header without =");
	CHECK_INT(URI("sip:user@host>"), SIP_E_URI, "uri: trailing >");
	CHECK_INT(URI("sip:a@b@c"), SIP_E_URI, "uri: two @");
	CHECK_INT(URI("tel:"), SIP_E_URI, "uri: empty tel");
	CHECK_INT(URI("tel:+1 555"), SIP_E_URI, "uri: space in tel");
	CHECK_INT(URI("mailto:a@example.com"), SIP_E_URI_SCHEME, "uri: mailto is another scheme");
	CHECK_INT(URI("http://example.com/"), SIP_E_URI_SCHEME, "uri: http is another scheme");
	CHECK_INT(URI("nocolon"), SIP_E_URI, "uri: no scheme");
	CHECK_INT(URI("1sip:x"), SIP_E_URI, "uri: scheme starts with a digit");
	CHECK_INT(sip_uri_parse(NULL, 0, &u), SIP_E_URI, "uri: NULL");
	CHECK_INT(sip_uri_parse("sip:a@b\0c", 9, &u), SIP_E_URI, "uri: NUL inside");
#undef URI
}

static void test_params(void)
{
	sip_str p, v, n;
	int pos = 0;
	p = (sip_str){ ";a=1 ; b = \"x;\\\"y\" ;c;d=[2001:db8::1];e=<urn:uuid:1>", 0 };
	p.len = (int)strlen(p.s);
	CHECK_INT(sip_param_get(p, "B", &v), 0, "params: b, any case");
	CHECK_SPAN(v, "\"x;\\\"y\"", "params: quoted value with ; and an escaped quote");
	CHECK_INT(sip_param_get(p, "c", &v), 0, "params: c");
	CHECK(v.s && v.len == 0, "params: c without value");
	CHECK_INT(sip_param_get(p, "d", &v), 0, "params: d");
	CHECK_SPAN(v, "[2001:db8::1]", "params: IPv6 value");
	CHECK_INT(sip_param_get(p, "e", &v), 0, "params: e");
	CHECK_SPAN(v, "<urn:uuid:1>", "params: bracketed value");
	CHECK_INT(sip_param_get(p, "f", &v), SIP_E_ABSENT, "params: f absent");
	int k = 0, rc;
	while ((rc = sip_param_next(p, &pos, &n, &v)) > 0)
		k++;
	CHECK(k == 5 && rc == 0, "params: five parameters");
	static const char *const bad[] = { ";", ";=1", ";a=", ";a=\"x", ";a=<x", "a=1", ";a b", ";a=1 x" };
	int nbad = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sip_str b = { bad[i], (int)strlen(bad[i]) };
		pos = 0;
		while ((rc = sip_param_next(b, &pos, &n, &v)) > 0)
			;
		nbad += rc == SIP_E_PARAM;
	}
	CHECK_INT(nbad, 8, "params: eight malformed lists refused");
}

static void test_addr_via(void)
{
	sip_addr a;
	sip_via v;
	const char *s;
#define ADDR_PARSE(str, only) (s = (str), sip_addr_parse(s, (int)strlen(s), (only), &a))
#define VIA_PARSE(str) (s = (str), sip_via_parse(s, (int)strlen(s), &v))
	CHECK_INT(ADDR_PARSE("<sip:a@b>", 1), 0, "addr: bare name-addr");
	CHECK_INT(ADDR_PARSE("sip:a@b", 1), SIP_E_ADDR, "addr: addr-spec where name-addr is required");
	CHECK_INT(ADDR_PARSE("Jos\xc3\xa9 Garc\xc3\xad" "a <sip:j@b>;tag=x", 0), 0, "addr: UTF-8 display name");
	CHECK_SPAN(a.display, "Jos\xc3\xa9 Garc\xc3\xad" "a", "addr: UTF-8 display name kept");
	CHECK_INT(ADDR_PARSE("<sip:a@b>;tag=", 0), SIP_E_ADDR, "addr: empty tag");
	CHECK_INT(ADDR_PARSE("<sip:a@b>;q=1.5", 0), SIP_E_ADDR, "addr: q=1.5");
	CHECK_INT(ADDR_PARSE("<sip:a@b>;q=0.1234", 0), SIP_E_ADDR, "addr: q with 4 decimals");
	CHECK_INT(ADDR_PARSE("<sip:a@b>;q=1.000", 0), 0, "addr: q=1.000");
	CHECK_INT(a.q, 1000, "addr: q=1.000 is 1000");
	CHECK_INT(ADDR_PARSE("<sip:a@b>;q=0.", 0), 0, "addr: q=0.");
	CHECK_INT(ADDR_PARSE("<sip:a@b>;expires=x", 0), SIP_E_ADDR, "addr: expires=x");
	CHECK_INT(ADDR_PARSE("<sip:a@b", 0), SIP_E_ADDR, "addr: unclosed <");
	CHECK_INT(ADDR_PARSE("<>", 0), SIP_E_ADDR, "addr: empty <>");
	CHECK_INT(ADDR_PARSE("<sip:a@b> junk", 0), SIP_E_ADDR, "addr: junk after >");
	CHECK_INT(ADDR_PARSE("\"x\"sip:a@b", 0), SIP_E_ADDR, "addr: quoted display without <");
	CHECK_INT(ADDR_PARSE("", 0), SIP_E_ADDR, "addr: empty");
	CHECK_INT(ADDR_PARSE("sip:a@b;tag=1", 0), 0, "addr: addr-spec with tag");
	CHECK_SPAN(a.tag, "1", "addr: addr-spec tag");
	CHECK_INT(VIA_PARSE("SIP/2.0/UDP h"), 0, "via: minimal");
	CHECK(!v.branch.s && !v.port_s.s && !v.params.s, "via: minimal has no branch, port, params");
	CHECK_INT(VIA_PARSE("SIP/2.0/UDP h:0"), 0, "via: port 0");
	CHECK_INT(VIA_PARSE("SIP/2.0/UDP h:65536"), SIP_E_VIA, "via: port 65536");
	CHECK_INT(VIA_PARSE("SIP/2.0/UDPh"), SIP_E_VIA, "via: no LWS before sent-by");
	CHECK_INT(VIA_PARSE("SIP/2.0 h"), SIP_E_VIA, "via: no transport");
	CHECK_INT(VIA_PARSE("SIP/2.0/UDP [::1"), SIP_E_VIA, "via: unclosed IPv6");
	CHECK_INT(VIA_PARSE("SIP/2.0/UDP h junk"), SIP_E_VIA, "via: junk after sent-by");
	CHECK_INT(VIA_PARSE("SIP/2.0/UDP h;branch=\"q\""), 0, "via: quoted branch");
	CHECK_INT(VIA_PARSE("SIP / 2.0 / UDP h : 5060 ; branch = z9"), 0, "via: LWS everywhere");
	CHECK(v.port == 5060, "via: LWS around the port colon");
	CHECK_SPAN(v.branch, "z9", "via: LWS around the branch");
	CHECK_INT(VIA_PARSE(""), SIP_E_VIA, "via: empty");
#undef ADDR_PARSE
#undef VIA_PARSE
}

static void test_misc(void)
{
	CHECK_INT(sip_parse(&msg, NULL, 0), SIP_E_EMPTY, "parse: NULL, 0");
	CHECK_INT(sip_parse(&msg, NULL, 5), SIP_E_ARG, "parse: NULL, 5");
	CHECK_INT(sip_parse(&msg, "x", (size_t)SIP_MAX_MSG_LEN + 1), SIP_E_TOO_LONG, "parse: too long");
	if (parse("transports") == 0) {
		const sip_hdr *h = sip_hdr_find(&msg, "via", 3, 0);
		const sip_hdr *h2 = h ? sip_hdr_find(&msg, "v", 1, (int)(h - msg.hdrs) + 1) : NULL;
		CHECK(h && h2 && h2 == sip_hdr_next(&msg, h), "find: the next Via from an index");
		CHECK(sip_hdr_find(&msg, "X-None", 6, 0) == NULL, "find: absent header");
		CHECK(sip_hdr_find(&msg, "ACCEPT", 6, 0) == sip_hdr_get(&msg, SIP_H_ACCEPT), "find: ACCEPT");
		CHECK(sip_hdr_get(&msg, -1) == NULL && sip_hdr_get(&msg, SIP_H__COUNT) == NULL, "get: bad types");
	}
	/* a reparse resets the caches */
	const sip_addr *a;
	if (parse("lwsdisp") == 0 && sip_get_from(&msg, &a) == 0 && parse("insuf") == 0)
		CHECK_INT(sip_get_from(&msg, &a), SIP_E_ABSENT, "cache: a new parse forgets the old From");
}

int main(void)
{
	test_names();
	test_classes();
	test_methods();
	test_wsinv();
	test_intmeth();
	test_escapes();
	test_shapes();
	test_vialist();
	test_refusals();
	test_uris();
	test_params();
	test_addr_via();
	test_misc();
	return t_summary();
}
