/* fuzz_sip.c: libFuzzer harness for the SIP message layer (runtime/sip).
 *
 * Each input is one datagram.  It is parsed; if it parses, every on-demand
 * parser runs on it (every Via value, To, From, CSeq, Call-ID,
 * Max-Forwards, Expires, Contact, Route, Record-Route, the URIs inside them,
 * header parameters, list iteration over a few header types), and every span
 * they return is checked to lie inside the message.  Then the message is
 * edited (a Via on top, the top Via value off, the R-URI rewritten, a header
 * appended, one removed, the body replaced) and the result must parse again
 * with the new R-URI and body; a reply built from a request must parse too.
 * A broken invariant calls __builtin_trap(), which libFuzzer reports as a
 * crash like any sanitizer finding.
 *
 * The input is copied to a buffer of exactly its size, so ASan sees any read
 * past the end.
 *
 * Built with -DSIP_REPLAY_MAIN this file is a plain program instead, which
 * runs the files named on its command line once each (tests/fuzz/replay_sip.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/build.h"
#include "sip/lump.h"
#include "sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                    \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

static const sip_msg *cur;

static void inside(sip_str s)
{
	if (!s.s) {
		REQUIRE(s.len == 0);
		return;
	}
	REQUIRE(s.len >= 0 && s.s >= cur->buf && s.s + s.len <= cur->buf + cur->len);
}

static void check_uri(sip_str s)
{
	sip_uri u;
	if (sip_uri_parse(s.s, s.len, &u) == 0) {
		inside(u.user);
		inside(u.password);
		inside(u.host);
		inside(u.port_s);
		inside(u.params);
		inside(u.headers);
		inside(u.transport);
		inside(u.maddr);
		REQUIRE(u.port >= 0 && u.port <= 65535);
	}
}

static void check_addr(const sip_addr *a)
{
	inside(a->value);
	inside(a->display);
	inside(a->uri);
	inside(a->params);
	inside(a->tag);
	REQUIRE(a->q >= -1 && a->q <= 1000);
	check_uri(a->uri);
}

static void check_list(int rc, const sip_addr_list *l)
{
	if (rc != 0)
		return;
	REQUIRE(l->n >= 0 && l->n <= SIP_MAX_LIST);
	for (int i = 0; i < l->n; i++)
		check_addr(&l->v[i]);
}

static void check_via(const sip_via *v)
{
	inside(v->value);
	inside(v->transport);
	inside(v->host);
	inside(v->branch);
	inside(v->received);
	inside(v->rport);
	inside(v->params);
	REQUIRE(v->port >= 0 && v->port <= 65535);
	int pos = 0;
	sip_str n, val;
	while (sip_param_next(v->params, &pos, &n, &val) > 0) {
		inside(n);
		inside(val);
	}
}

static void every_parser(sip_msg *m)
{
	const sip_via *v;
	const sip_addr *a;
	const sip_addr_list *l;
	const sip_cseq *cs;
	sip_str s;
	int n;
	uint32_t u;
	sip_via vv;

	for (int i = 0; i < m->nhdrs; i++) {
		const sip_hdr *h = &m->hdrs[i];
		inside(h->name);
		inside(h->body);
		REQUIRE(h->start < h->end && h->end <= m->hdrs_end);
		REQUIRE(sip_hdr_find(m, h->name.s, h->name.len, 0) != NULL);
	}
	inside(m->body);
	if (m->is_request)
		check_uri(m->ruri);
	int nv = sip_via_count(m);
	for (int i = 0; i < 2; i++)
		if (sip_get_via(m, i, &v) == 0)
			check_via(v);
	for (int i = 0; i < nv && i < 70; i++)
		if (sip_via_at(m, i, &vv) == 0)
			check_via(&vv);
	if (sip_get_to(m, &a) == 0)
		check_addr(a);
	if (sip_get_from(m, &a) == 0)
		check_addr(a);
	if (sip_get_cseq(m, &cs) == 0) {
		inside(cs->method);
		REQUIRE(cs->num < 0x80000000u);
	}
	if (sip_get_callid(m, &s) == 0)
		inside(s);
	if (sip_get_maxfwd(m, &n) == 0)
		REQUIRE(n >= 0 && n <= 255);
	sip_get_expires(m, &u);
	n = sip_get_contacts(m, &l);
	check_list(n, l);
	n = sip_get_routes(m, &l);
	check_list(n, l);
	n = sip_get_record_routes(m, &l);
	check_list(n, l);
	static const int types[] = { SIP_H_SUPPORTED, SIP_H_ALLOW, SIP_H_OTHER, SIP_H_ACCEPT };
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		sip_list_it it;
		sip_str item;
		sip_list_begin(m, types[t], &it);
		for (int k = 0; k < 200 && sip_list_next(m, &it, &item, NULL) > 0; k++)
			inside(item);
	}
}

/* Edit, apply, parse the result again. */
static void lump_round_trip(const sip_msg *m)
{
	static sip_lumps l;
	static sip_msg out_msg;
	static char out[SIP_MAX_MSG_LEN / 64];
	static const char via[] = "Via: SIP/2.0/UDP fuzz.example.com;branch=z9hG4bK.fuzz\r\n";
	static const char xh[] = "X-Fuzz: 1\r\n";
	static const char ruri[] = "sip:fuzz@192.0.2.1:5060";
	static const char body[] = "v=0\r\n";

	sip_lumps_init(&l, m);
	sip_lump_add_via(&l, via, (int)sizeof via - 1);
	int added = 1, removed = 0;
	if (m->is_request && sip_lump_set_ruri(&l, ruri, (int)sizeof ruri - 1) < 0)
		__builtin_trap();
	if (sip_lump_append_hdr(&l, xh, (int)sizeof xh - 1) == 0)
		added++;
	const sip_hdr *mf = sip_hdr_get(m, SIP_H_MAX_FORWARDS);
	if (mf)
		sip_lump_set_hdr_value(&l, mf, "69", 2);
	const sip_hdr *ua = sip_hdr_get(m, SIP_H_USER_AGENT);
	if (ua && sip_lump_del_hdr(&l, ua) == 0)
		removed++;
	int had_cl = sip_hdr_get(m, SIP_H_CONTENT_LENGTH) != NULL;
	if (sip_lump_set_body(&l, body, (int)sizeof body - 1) == 0 && !had_cl)
		added++;
	int size = sip_lump_size(m, &l);
	REQUIRE(l.err == 0); /* these edits never overlap */
	int n = sip_lump_apply(m, &l, out, sizeof out);
	REQUIRE(n == size);
	if (n < 0) {
		REQUIRE(n == SIP_E_NOSPACE);
		return;
	}
	REQUIRE(n <= sip_lump_apply(m, &l, out, (size_t)n));
	int rc = sip_parse(&out_msg, out, (size_t)n);
	if (m->nhdrs - removed + added > SIP_MAX_HEADERS) {
		REQUIRE(rc == 0 || rc == SIP_E_TOO_MANY_HEADERS);
		return;
	}
	REQUIRE(rc == 0);
	REQUIRE(out_msg.nhdrs == m->nhdrs - removed + added);
	REQUIRE(out_msg.body.len == (int)sizeof body - 1 && !memcmp(out_msg.body.s, body, sizeof body - 1));
	if (m->is_request)
		REQUIRE(out_msg.ruri.len == (int)sizeof ruri - 1 && !memcmp(out_msg.ruri.s, ruri, sizeof ruri - 1));
	if (sip_via_count(m) >= 0)
		REQUIRE(sip_via_count(&out_msg) == sip_via_count(m) + 1);

	/* the top Via value off, alone (it may share bytes with the edits above) */
	sip_lumps_init(&l, m);
	if (sip_lump_del_via1(&l) == 0) {
		n = sip_lump_apply(m, &l, out, sizeof out);
		REQUIRE(n >= 0 && n < m->len - m->start);
		REQUIRE(sip_parse(&out_msg, out, (size_t)n) == 0);
	}
}

static void reply(sip_msg *m)
{
	static char out[SIP_MAX_MSG_LEN / 64];
	static sip_msg r;
	sip_reply rp = { .status = 404, .to_tag = { "fz", 2 }, .server = { "fuzz", 4 } };
	int n = sip_build_reply(m, &rp, out, sizeof out);
	if (n == SIP_E_NOSPACE || n == SIP_E_ABSENT || n == SIP_E_ARG)
		return;
	REQUIRE(n > 0);
	int rc = sip_parse(&r, out, (size_t)n);
	REQUIRE(rc == 0 || rc == SIP_E_TOO_MANY_HEADERS);
	if (rc == 0)
		REQUIRE(r.status == 404 && sip_hdr_count(&r, SIP_H_VIA) == sip_hdr_count(m, SIP_H_VIA));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sip_msg m;
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	if (sip_parse(&m, buf, size) == 0) {
		cur = &m;
		REQUIRE(m.len <= (int)size && m.start <= m.hdrs_start && m.hdrs_end < m.body_off);
		every_parser(&m);
		every_parser(&m); /* again, from the caches */
		lump_round_trip(&m);
		if (m.is_request)
			reply(&m);
	}
	free(buf);
	return 0;
}

#ifdef SIP_REPLAY_MAIN
/* Runs each file named on the command line once; exit 0 if none crashed. */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		static uint8_t data[1 << 20];
		size_t n = fread(data, 1, sizeof data, f);
		fclose(f);
		LLVMFuzzerTestOneInput(data, n);
	}
	return 0;
}
#endif
