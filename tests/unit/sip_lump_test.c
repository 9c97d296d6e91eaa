/* sip_lump_test.c: edits applied to corpus messages, compared byte for byte
 * with the message we expect, then parsed again. */
/* build: runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c runtime/sip/lump.c */
#define SIP_CASES_NO_MAIN
#include "sip_cases_test.c"

#include "sip/lump.h"

static sip_msg lm, lm_out;
static sip_lumps ll;
static char lout[32768];

/* Parse a corpus case into lm and start an empty edit list on it. */
static int lump_start(const char *name)
{
	int rc = parse_case(&lm, name);
	sip_lumps_init(&ll, &lm);
	return rc;
}

/* Apply ll to lm, compare with want, and parse the result. */
static void lump_expect(const char *want, const char *name)
{
	int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
	CHECK_MEM(lout, n, want, (int)strlen(want), name);
	char what[128];
	snprintf(what, sizeof what, "%s (reparsed)", name);
	CHECK_INT(n >= 0 ? t_parse(&lm_out, name, lout, (size_t)n) : n, 0, what);
	snprintf(what, sizeof what, "%s (size agrees)", name);
	CHECK_INT(sip_lump_size(&lm, &ll), n, what);
}

static const char proxyreq_tail[] =
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n";

static void lump_none(void)
{
	const struct sip_case *c;
	if (lump_start("proxyreq") == 0) {
		c = sip_case("proxyreq");
		CHECK_INT(sip_lump_apply(&lm, &ll, lout, sizeof lout), (int)c->len, "none: same length");
		CHECK(!memcmp(lout, c->buf, c->len), "none: same bytes");
	}
	if (lump_start("mixedeol") == 0) {
		c = sip_case("mixedeol");
		int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
		CHECK_MEM(lout, n, c->buf + 4, (int)c->len - 4, "none: leading CRLFs are dropped");
	}
	if (lump_start("dblreq") == 0) {
		int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
		CHECK_INT(n, lm.len, "none: bytes past Content-Length are dropped");
	}
}

/* What a proxy does to a request: Via on top, Max-Forwards down, its own
 * Route entry off, Record-Route on, R-URI rewritten. */
static void lump_proxy(void)
{
	static const char via[] = "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK.p1\r\n";
	static const char rr[] = "Record-Route: <sip:p1.example.com;lr>\r\n";
	if (lump_start("proxyreq"))
		return;
	CHECK_INT(sip_lump_add_via(&ll, via, (int)strlen(via)), 0, "proxy: add Via");
	CHECK_INT(sip_lump_set_hdr_value(&ll, sip_hdr_get(&lm, SIP_H_MAX_FORWARDS), "69", 2), 0, "proxy: Max-Forwards");
	CHECK_INT(sip_lump_del_hdr(&ll, sip_hdr_get(&lm, SIP_H_ROUTE)), 0, "proxy: remove first Route");
	CHECK_INT(sip_lump_insert_hdr(&ll, rr, (int)strlen(rr)), 0, "proxy: Record-Route on top");
	CHECK_INT(sip_lump_set_ruri(&ll, "sip:bob@192.0.2.4:5060", 22), 0, "proxy: R-URI");
	char want[2048];
	snprintf(want, sizeof want,
	         "INVITE sip:bob@192.0.2.4:5060 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK.p1\r\n"
	         "Record-Route: <sip:p1.example.com;lr>\r\n"
	         "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
	         "Max-Forwards: 69\r\n"
	         "Route: <sip:p2.example.com;lr>\r\n"
	         "%s"
	         "Content-Length: 4\r\n"
	         "\r\n"
	         "v=0\n",
	         proxyreq_tail);
	lump_expect(want, "proxy: the forwarded request (Via and Record-Route share a gap: call order)");
	if (lm_out.nhdrs) {
		const sip_via *v;
		CHECK_INT(sip_via_count(&lm_out), 2, "proxy: two Vias after");
		CHECK(sip_get_via(&lm_out, 0, &v) == 0 && v->branch.len == 10, "proxy: our branch on top");
	}
}

static void lump_append_and_body(void)
{
	static const char xh[] = "X-Proxy: yes\r\n";
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n";
	char want[2048];
	if (lump_start("proxyreq") == 0) {
		CHECK_INT(sip_lump_append_hdr(&ll, xh, (int)strlen(xh)), 0, "append: header");
		CHECK_INT(sip_lump_set_body(&ll, sdp, (int)strlen(sdp)), 0, "body: new body");
		snprintf(want, sizeof want,
		         "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		         "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
		         "Max-Forwards: 70\r\n"
		         "Route: <sip:p1.example.com;lr>\r\n"
		         "Route: <sip:p2.example.com;lr>\r\n"
		         "%s"
		         "Content-Length: 31\r\n"
		         "X-Proxy: yes\r\n"
		         "\r\n"
		         "%s",
		         proxyreq_tail, sdp);
		lump_expect(want, "append + body: header below the others, Content-Length updated");
		CHECK_INT(lm_out.content_length, 31, "body: reparsed Content-Length");
	}
	/* no Content-Length: one is appended; the body was the rest of the datagram */
	if (lump_start("inv2543") == 0) {
		CHECK_INT(sip_lump_set_body(&ll, "", 0), 0, "body: emptied");
		lump_expect("INVITE sip:UserB@example.com SIP/2.0\r\n"
		            "Via: SIP/2.0/UDP iftgw.example.com\r\n"
		            "From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
		            "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n"
		            "To: sip:+16505552222@ss1.example.net;user=phone\r\n"
		            "Call-ID: inv2543.1717@ift.client.example.com\r\n"
		            "CSeq: 56 INVITE\r\n"
		            "Content-Type: application/sdp\r\n"
		            "Content-Length: 0\r\n"
		            "\r\n",
		            "body: removed, Content-Length: 0 added");
	}
	/* two Content-Length headers: both follow; an empty body gets one */
	if (lump_start("samecl") == 0) {
		CHECK_INT(sip_lump_set_body(&ll, "hello world", 11), 0, "body: two Content-Lengths");
		int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
		CHECK(n > 0 && t_parse(&lm_out, "samecl edited", lout, (size_t)n) == 0 && lm_out.body.len == 11 &&
		      sip_hdr_count(&lm_out, SIP_H_CONTENT_LENGTH) == 2,
		      "body: both Content-Lengths say 11");
	}
	if (lump_start("barelf") == 0) {
		CHECK_INT(sip_lump_set_body(&ll, "x", 1), 0, "body: into an empty body");
		int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
		CHECK(n > 0 && t_parse(&lm_out, "barelf edited", lout, (size_t)n) == 0 && lm_out.body.len == 1 &&
		      lm_out.content_length == 1,
		      "body: LF message gets a body and a Content-Length");
	}
}

static void lump_via(void)
{
	if (lump_start("vialist") == 0) {
		CHECK_INT(sip_lump_del_via1(&ll), 0, "del_via1: first of a list");
		int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
		static const char want[] = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP b.example.com:5070;branch=z9hG4bKb\r\n";
		CHECK(n > (int)sizeof want && !memcmp(lout, want, sizeof want - 1), "del_via1: 'Via: a, b' -> 'Via: b'");
		CHECK(n > 0 && t_parse(&lm_out, "vialist edited", lout, (size_t)n) == 0 && sip_via_count(&lm_out) == 3,
		      "del_via1: three Vias left");
	}
	if (lump_start("transports") == 0) {
		CHECK_INT(sip_lump_del_via1(&ll), 0, "del_via1: a whole header");
		int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
		sip_via v;
		CHECK(n > 0 && t_parse(&lm_out, "transports edited", lout, (size_t)n) == 0 &&
		      sip_via_count(&lm_out) == 4 && sip_via_at(&lm_out, 0, &v) == 0 && v.transport.len == 4,
		      "del_via1: SCTP on top now");
		CHECK_INT(lm_out.nhdrs, lm.nhdrs - 1, "del_via1: one header fewer");
	}
	if (lump_start("insuf") == 0) {
		sip_lumps_init(&ll, &lm);
		CHECK_INT(sip_lump_add_via(&ll, "Via: SIP/2.0/UDP x\r\n", 20), 0, "add_via: above the only Via");
	}
	if (lump_start("badvers") == 0)
		CHECK_INT(sip_lump_set_ruri(&ll, "sip:x", 5), 0, "set_ruri on a request");
	if (lump_start("noreason") == 0) {
		CHECK_INT(sip_lump_set_ruri(&ll, "sip:x", 5), SIP_E_ARG, "set_ruri on a reply is refused");
		CHECK_INT(sip_lump_apply(&lm, &ll, lout, sizeof lout), SIP_E_ARG, "apply reports the sticky error");
	}
}

/* Order at one gap: befores in call order, the replacement, afters in order. */
static void lump_order(void)
{
	if (lump_start("proxyreq"))
		return;
	int off = (int)(lm.ruri.s - lm.buf), len = lm.ruri.len;
	CHECK_INT(sip_lump_insert_after(&ll, off, "[A1]", 4), 0, "order: after 1");
	CHECK_INT(sip_lump_insert_before(&ll, off, "[B1]", 4), 0, "order: before 1");
	CHECK_INT(sip_lump_replace(&ll, off, len, "sip:R", 5), 0, "order: replace");
	CHECK_INT(sip_lump_insert_before(&ll, off, "[B2]", 4), 0, "order: before 2");
	CHECK_INT(sip_lump_insert_after(&ll, off, "[A2]", 4), 0, "order: after 2");
	CHECK_INT(sip_lump_insert_before(&ll, off + len, "[E]", 3), 0, "order: at the end of the range");
	CHECK_INT(sip_lump_insert_before(&ll, 0, "[0]", 3), 0, "order: at offset 0");
	int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
	static const char want[] = "[0]INVITE [B1][B2]sip:R[A1][A2][E] SIP/2.0\r\n";
	CHECK(n > 0 && !memcmp(lout, want, sizeof want - 1), "order: befores, replacement, afters, then the end");
}

static void lump_refusals(void)
{
	if (lump_start("proxyreq"))
		return;
	int a = lm.hdrs[2].start; /* Route 1 */
	CHECK_INT(sip_lump_delete(&ll, a, 10), 0, "overlap: a delete");
	CHECK_INT(sip_lump_delete(&ll, a + 5, 10), SIP_E_LUMP_OVERLAP, "overlap: a delete across it");
	CHECK_INT(sip_lump_delete(&ll, a - 5, 10), SIP_E_LUMP_OVERLAP, "overlap: a delete into it");
	CHECK_INT(sip_lump_delete(&ll, a - 5, 20), SIP_E_LUMP_OVERLAP, "overlap: a delete around it");
	CHECK_INT(sip_lump_replace(&ll, a, 0, "x", 1), SIP_E_LUMP_OVERLAP, "overlap: an edit at the same start");
	CHECK_INT(sip_lump_insert_before(&ll, a + 3, "x", 1), SIP_E_LUMP_OVERLAP, "overlap: an insert inside");
	CHECK_INT(sip_lump_insert_after(&ll, a + 9, "x", 1), SIP_E_LUMP_OVERLAP, "overlap: an insert at its last byte");
	CHECK_INT(sip_lump_delete(&ll, a + 10, 3), 0, "overlap: an adjacent delete is fine");
	CHECK_INT(sip_lump_insert_before(&ll, a + 10, "y", 1), 0, "overlap: an insert between them is fine");
	CHECK_INT(sip_lump_insert_before(&ll, a, "z", 1), 0, "overlap: an insert at its start is fine");
	CHECK_INT(ll.n, 4, "overlap: refused edits are not recorded");
	CHECK_INT(ll.err, SIP_E_LUMP_OVERLAP, "overlap: the first error is kept");
	CHECK_INT(sip_lump_apply(&lm, &ll, lout, sizeof lout), SIP_E_LUMP_OVERLAP, "overlap: apply returns it");
	ll.err = 0; /* the edits that were kept still apply */
	int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
	CHECK_INT(n, lm.len - 13 + 2, "overlap: kept edits apply");

	sip_lumps_init(&ll, &lm);
	CHECK_INT(sip_lump_insert_before(&ll, a + 3, "x", 1), 0, "overlap: an insert first");
	CHECK_INT(sip_lump_delete(&ll, a, 10), SIP_E_LUMP_OVERLAP, "overlap: then a delete around it");

	sip_lumps_init(&ll, &lm);
	CHECK_INT(sip_lump_delete(&ll, lm.len - 2, 5), SIP_E_LUMP_RANGE, "range: past the end");
	CHECK_INT(sip_lump_insert_before(&ll, lm.len + 1, "x", 1), SIP_E_LUMP_RANGE, "range: after the end");
	CHECK_INT(sip_lump_insert_before(&ll, -1, "x", 1), SIP_E_LUMP_RANGE, "range: negative");
	CHECK_INT(sip_lump_insert_before(&ll, 0, NULL, 1), SIP_E_ARG, "arg: NULL text");
	CHECK_INT(sip_lump_delete(&ll, 0, -1), SIP_E_ARG, "arg: negative length");
	CHECK_INT(sip_lump_del_hdr(&ll, NULL), SIP_E_ARG, "arg: NULL header");

	sip_lumps_init(&ll, &lm);
	CHECK_INT(sip_lump_insert_before(&ll, lm.len, "END", 3), 0, "range: an insert at the very end");
	n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
	CHECK(n == lm.len + 3 && !memcmp(lout + lm.len, "END", 3), "range: it comes last");
	CHECK_INT(sip_lump_apply(&lm, &ll, lout, (size_t)n - 1), SIP_E_NOSPACE, "space: one byte short");
	CHECK_INT(sip_lump_apply(&lm, &ll, lout, (size_t)n), n, "space: exactly enough");
	CHECK_INT(sip_lump_apply(&lm, &ll, lout, 0), SIP_E_NOSPACE, "space: none");
	CHECK_INT(sip_lump_apply(&lm_out, &ll, lout, sizeof lout), SIP_E_ARG, "apply: another message");

	sip_lumps_init(&ll, &lm);
	int rc = 0, k;
	for (k = 0; k <= SIP_MAX_LUMPS && rc == 0; k++)
		rc = sip_lump_insert_after(&ll, lm.start, "x", 1);
	CHECK(rc == SIP_E_LUMP_FULL && k == SIP_MAX_LUMPS + 1, "full: SIP_MAX_LUMPS lumps, not one more");
	sip_lumps_init(&ll, &lm);
	char big[SIP_LUMP_ARENA];
	memset(big, 'b', sizeof big);
	CHECK(sip_lump_copy(&ll, big, SIP_LUMP_ARENA) != NULL, "arena: filled exactly");
	CHECK(sip_lump_copy(&ll, big, 1) == NULL && ll.err == SIP_E_LUMP_FULL, "arena: full");
	CHECK_INT(sip_lump_set_body(&ll, "x", 1), SIP_E_LUMP_FULL, "arena: set_body needs room");
}

/* Many edits at once, in random order: the result must equal the edits
 * applied one by one from the end (which cannot interfere). */
static void lump_random(void)
{
	if (lump_start("wsinv"))
		return;
	unsigned seed = 12345;
	int bad = 0;
	for (int round = 0; round < 200; round++) {
		sip_lumps_init(&ll, &lm);
		/* pick up to 12 disjoint deletes/replaces at header boundaries */
		int used[SIP_MAX_HEADERS] = { 0 };
		char ref[8192];
		for (int k = 0; k < 12; k++) {
			seed = seed * 1103515245u + 12345u;
			int h = (int)((seed >> 8) % (unsigned)lm.nhdrs);
			if (used[h])
				continue;
			used[h] = 1 + (int)((seed >> 4) % 3);
			const sip_hdr *hd = &lm.hdrs[h];
			if (used[h] == 1)
				sip_lump_del_hdr(&ll, hd);
			else if (used[h] == 2)
				sip_lump_set_hdr_value(&ll, hd, "R", 1);
			else
				sip_lump_insert_before(&ll, hd->start, "X-I: 1\r\n", 8);
		}
		/* reference: rebuild header by header */
		int r = 0;
		memcpy(ref + r, lm.buf + lm.start, (size_t)(lm.hdrs_start - lm.start));
		r += lm.hdrs_start - lm.start;
		for (int h = 0; h < lm.nhdrs; h++) {
			const sip_hdr *hd = &lm.hdrs[h];
			int bo = (int)(hd->body.s - lm.buf);
			if (used[h] == 1)
				continue;
			if (used[h] == 3) {
				memcpy(ref + r, "X-I: 1\r\n", 8);
				r += 8;
			}
			if (used[h] == 2) {
				memcpy(ref + r, lm.buf + hd->start, (size_t)(bo - hd->start));
				r += bo - hd->start;
				ref[r++] = 'R';
				memcpy(ref + r, lm.buf + bo + hd->body.len, (size_t)(hd->end - bo - hd->body.len));
				r += hd->end - bo - hd->body.len;
			} else {
				memcpy(ref + r, lm.buf + hd->start, (size_t)(hd->end - hd->start));
				r += hd->end - hd->start;
			}
		}
		memcpy(ref + r, lm.buf + lm.hdrs_end, (size_t)(lm.len - lm.hdrs_end));
		r += lm.len - lm.hdrs_end;
		int n = sip_lump_apply(&lm, &ll, lout, sizeof lout);
		if (n != r || memcmp(lout, ref, (size_t)r))
			bad++;
	}
	CHECK_INT(bad, 0, "random: 200 rounds of up to 12 edits match a header-by-header rebuild");
}

int main(void)
{
	lump_none();
	lump_proxy();
	lump_append_and_body();
	lump_via();
	lump_order();
	lump_refusals();
	lump_random();
	return t_summary();
}
