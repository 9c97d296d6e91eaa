/* sip_osip_test.c: libosip2 as a second opinion on every message the SIP
 * unit tests parse successfully.
 *
 * The other SIP tests (the corpus, sip_msg_test.c, sip_lump_test.c,
 * sip_build_test.c) are compiled in here and run silently, with t_parse
 * hooked so that every message they parse successfully (corpus cases,
 * edited messages, built replies) is collected.  Then each is given to
 * osip_message_parse, and the two readings are compared:
 *
 *   - request or reply; the method (byte for byte); the status code;
 *   - the Request-URI: for sip:/sips:, scheme (any case), user, password,
 *     host and port, each byte for byte (osip strips IPv6 brackets, as we
 *     do); for other schemes osip's opaque part against ours;
 *   - Call-ID: osip's number@host against our value;
 *   - CSeq: the number (as an integer: osip keeps "0009") and the method;
 *   - Via: the number of values, and the top one's branch;
 *   - the To and From tags;
 *   - the number of header values.  libosip2 splits comma lists into
 *     separate entries for the header types in osip_splits() below and
 *     drops empty list items; it keeps every other header whole, and always
 *     creates a Content-Length entry.  So both sides count: one per header
 *     line, except one per non-empty value for the osip_splits() types, and
 *     Content-Length left out on both sides.  The split set was measured on
 *     libosip2 5.3.0 (Debian 12) one header name at a time; a count that
 *     disagrees prints both sides' per-list numbers.
 *
 * What is not compared: header order (osip keeps typed headers apart),
 * header names (osip lower-cases unknown ones), bodies (osip attaches one
 * only when there is a Content-Type).  Where the two parsers disagree on
 * purpose, the case is listed in known[] with the reason, and the test checks
 * that the difference is still exactly that.
 */
/* build: runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c runtime/sip/lump.c runtime/sip/build.c -losipparser2 */
#include <osipparser2/osip_parser.h>

#define SIP_CASES_NO_MAIN
#include "sip_cases_test.c"

int sip_msg_main(void);
int sip_lump_main(void);
int sip_build_main(void);
#define main sip_msg_main
#include "sip_msg_test.c"
#undef main
#define main sip_lump_main
#include "sip_lump_test.c"
#undef main
#define main sip_build_main
#include "sip_build_test.c"
#undef main

/* ---- collecting ------------------------------------------------------------------------------ */

#define MAX_SEEN 512

static struct seen {
	char what[80];
	char *buf;
	size_t len;
} seen[MAX_SEEN];
static int nseen, seen_dropped;

static void collect(const char *what, const char *buf, size_t len)
{
	for (int i = 0; i < nseen; i++)
		if (seen[i].len == len && !memcmp(seen[i].buf, buf, len))
			return;
	if (nseen == MAX_SEEN) {
		seen_dropped++;
		return;
	}
	struct seen *s = &seen[nseen];
	s->buf = malloc(len ? len : 1);
	if (!s->buf)
		exit(2);
	memcpy(s->buf, buf, len);
	s->len = len;
	snprintf(s->what, sizeof s->what, "%s", what);
	nseen++;
}

/* ---- comparing --------------------------------------------------------------------------------- */

/* Header types libosip2 splits at commas (one entry per value). */
static int osip_splits(int type)
{
	switch (type) {
	case SIP_H_VIA: case SIP_H_CONTACT: case SIP_H_ROUTE: case SIP_H_RECORD_ROUTE:
	case SIP_H_CONTENT_ENCODING: case SIP_H_CONTENT_LANGUAGE: case SIP_H_SUPPORTED:
	case SIP_H_REQUIRE: case SIP_H_PROXY_REQUIRE: case SIP_H_UNSUPPORTED: case SIP_H_ALLOW:
	case SIP_H_ALLOW_EVENTS: case SIP_H_ACCEPT: case SIP_H_ACCEPT_ENCODING:
	case SIP_H_ACCEPT_LANGUAGE: case SIP_H_ACCEPT_CONTACT: case SIP_H_REJECT_CONTACT:
	case SIP_H_REQUEST_DISPOSITION: case SIP_H_PATH: case SIP_H_SERVICE_ROUTE:
	case SIP_H_P_ASSERTED_IDENTITY: case SIP_H_P_PREFERRED_IDENTITY: case SIP_H_CALL_INFO:
	case SIP_H_ALERT_INFO: case SIP_H_ERROR_INFO: case SIP_H_WARNING: case SIP_H_IN_REPLY_TO:
	case SIP_H_REASON: case SIP_H_AUTHENTICATION_INFO:
		return 1;
	}
	return 0;
}

/* Non-empty comma-separated values in one header (quotes and < > respected). */
static int values_in(const sip_msg *m, int h)
{
	sip_list_it it = { h, 0 };
	sip_str item;
	int n = 0, hdr;
	while (sip_list_next(m, &it, &item, &hdr) > 0 && hdr == h)
		n += item.len > 0;
	return n;
}

static int our_count(const sip_msg *m)
{
	int n = 0;
	for (int i = 0; i < m->nhdrs; i++) {
		int t = m->hdrs[i].type;
		if (t != SIP_H_CONTENT_LENGTH)
			n += osip_splits(t) ? values_in(m, i) : 1;
	}
	return n;
}

static int osip_count(osip_message_t *o)
{
	osip_list_t *lists[] = {
		&o->accepts, &o->accept_encodings, &o->accept_languages, &o->alert_infos, &o->allows,
		&o->authentication_infos, &o->authorizations, &o->call_infos, &o->contacts, &o->content_encodings,
		&o->error_infos, &o->proxy_authenticates, &o->proxy_authentication_infos,
		&o->proxy_authorizations, &o->record_routes, &o->routes, &o->vias, &o->www_authenticates,
		&o->headers,
	};
	int n = !!o->call_id + !!o->content_type + !!o->cseq + !!o->from + !!o->mime_version + !!o->to;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		n += osip_list_size(lists[i]);
	return n;
}

static int span_eq(sip_str s, const char *c)
{
	if (!c)
		return !s.s || s.len == 0;
	return s.s && (size_t)s.len == strlen(c) && !memcmp(s.s, c, (size_t)s.len);
}

static int span_eqi(sip_str s, const char *c)
{
	if (!c || !s.s || (size_t)s.len != strlen(c))
		return 0;
	for (int i = 0; i < s.len; i++)
		if ((s.s[i] | 0x20) != (c[i] | 0x20))
			return 0;
	return 1;
}

/* Our span with %HH escapes decoded equals osip's string (osip decodes the
 * user and password parts). */
static int unescaped_eq(sip_str s, const char *c)
{
	if (!s.s || !s.len)
		return !c || !*c;
	if (!c)
		return 0;
	for (int i = 0; i < s.len; i++, c++) {
		int ch = (unsigned char)s.s[i];
		if (ch == '%' && i + 2 < s.len) {
			char hex[3] = { s.s[i + 1], s.s[i + 2], 0 };
			ch = (int)strtol(hex, NULL, 16);
			i += 2;
		}
		if (ch != (unsigned char)*c)
			return 0;
	}
	return *c == 0;
}

/* sip/sips: scheme, user, password, host, port; tel: the number; other
 * schemes: scheme and the opaque rest. */
static int ruri_agrees(const sip_msg *m, const osip_uri_t *r)
{
	sip_uri u;
	if (!r || !r->scheme)
		return 0;
	int rc = sip_uri_parse(m->ruri.s, m->ruri.len, &u);
	const char *colon = memchr(m->ruri.s, ':', (size_t)m->ruri.len);
	sip_str scheme = { m->ruri.s, (int)(colon - m->ruri.s) };
	sip_str rest = { colon + 1, (int)(m->ruri.s + m->ruri.len - colon - 1) };
	if (!span_eqi(scheme, r->scheme))
		return 0;
	if (rc == 0 && u.scheme == SIP_URI_TEL)
		return span_eq(u.user, r->string);
	if (rc == 0)
		return unescaped_eq(u.user, r->username) && unescaped_eq(u.password, r->password) &&
		       span_eq(u.host, r->host) && span_eq(u.port_s, r->port);
	return rc == SIP_E_URI_SCHEME && span_eq(rest, r->string);
}

/* Appends "field" to the difference list. */
static void differ(char *why, size_t cap, const char *field)
{
	size_t n = strlen(why);
	snprintf(why + n, cap - n, "%s%s", n ? ", " : "", field);
}

static const char *osip_tag(osip_from_t *f)
{
	osip_generic_param_t *p = NULL;
	if (!f || osip_from_get_tag(f, &p) != 0 || !p)
		return NULL;
	return p->gvalue;
}

/* Compare one message; fills why with the fields that differ.  Returns
 * osip's parse code. */
static int compare(sip_msg *m, const char *buf, size_t len, char *why, size_t cap)
{
	why[0] = 0;
	osip_message_t *o;
	if (osip_message_init(&o) != 0)
		exit(2);
	int orc = osip_message_parse(o, buf, len);
	if (orc != 0) {
		osip_message_free(o);
		snprintf(why, cap, "libosip2 refuses it (%d)", orc);
		return orc;
	}
	if (m->is_request != (o->sip_method != NULL))
		differ(why, cap, "request/reply");
	if (m->is_request && !span_eq(m->method, o->sip_method))
		differ(why, cap, "method");
	if (!m->is_request && m->status != o->status_code)
		differ(why, cap, "status");
	if (m->is_request && !ruri_agrees(m, o->req_uri))
		differ(why, cap, "R-URI");
	sip_str cid;
	int crc = sip_get_callid(m, &cid);
	char *ocid = NULL;
	if (o->call_id)
		osip_call_id_to_str(o->call_id, &ocid);
	if ((crc == 0) != (ocid != NULL) || (crc == 0 && !span_eq(cid, ocid)))
		differ(why, cap, "Call-ID");
	osip_free(ocid);
	const sip_cseq *cs;
	if (sip_get_cseq(m, &cs) == 0) {
		if (!o->cseq || !o->cseq->number || strtoul(o->cseq->number, NULL, 10) != cs->num ||
		    !span_eq(cs->method, o->cseq->method))
			differ(why, cap, "CSeq");
	} else if (o->cseq && m->first[SIP_H_CSEQ] >= 0 && sip_hdr_count(m, SIP_H_CSEQ) == 1) {
		differ(why, cap, "CSeq (osip reads one we refuse)");
	}
	int nv = sip_via_count(m);
	if (nv != osip_list_size(&o->vias))
		differ(why, cap, "Via count");
	const sip_via *v;
	if (nv > 0 && sip_get_via(m, 0, &v) == 0) {
		osip_via_t *ov = osip_list_get(&o->vias, 0);
		osip_generic_param_t *br = NULL;
		if (ov)
			osip_via_param_get_byname(ov, "branch", &br);
		if (!ov || (v->branch.s != NULL) != (br != NULL) || (br && !span_eq(v->branch, br->gvalue)))
			differ(why, cap, "Via branch");
	}
	const sip_addr *a;
	if (sip_get_to(m, &a) == 0 && (!o->to || !span_eq(a->tag, osip_tag(o->to))))
		differ(why, cap, "To tag");
	if (sip_get_from(m, &a) == 0 && (!o->from || !span_eq(a->tag, osip_tag(o->from))))
		differ(why, cap, "From tag");
	int ours = our_count(m), theirs = osip_count(o);
	if (ours != theirs) {
		char b[160];
		snprintf(b, sizeof b, "header values: ours %d, osip %d (osip vias %d contacts %d routes %d rr %d other %d)",
		         ours, theirs, osip_list_size(&o->vias), osip_list_size(&o->contacts),
		         osip_list_size(&o->routes), osip_list_size(&o->record_routes), osip_list_size(&o->headers));
		differ(why, cap, b);
	}
	osip_message_free(o);
	return 0;
}

/* Messages where the parsers disagree on purpose: the difference must be
 * exactly this (prefix of the difference text). */
static const struct {
	const char *what, *diff, *reason;
} known[] = {
	{ "intmeth", "libosip2 refuses it", "a NUL quoted-pair in the To display name (RFC 4475 3.1.1.2)" },
	{ "novelsc", "libosip2 refuses it", "a '.' in the R-URI scheme soap.beep (RFC 3986 allows it)" },
	{ "nul-value", "libosip2 refuses it", "a NUL byte in an unknown header's value" },
	{ "samecl", "libosip2 refuses it", "two Content-Length headers that agree" },
	{ "samecl edited", "libosip2 refuses it", "two Content-Length headers that agree" },
	{ "scalar02", "CSeq (osip reads one we refuse)", "CSeq 2^65: we refuse CSeq >= 2^31 (RFC 3261 8.1.1.5)" },
	/* refused by osip's parse, by our getters (sip_msg_test.c checks them) */
	{ "badinv01", "libosip2 refuses it", "empty Via and Contact params: our sip_get_via refuses them" },
	{ "quotbal", "libosip2 refuses it", "unterminated quote: our sip_get_to refuses it" },
	{ "badaspec", "libosip2 refuses it", "spaces in < >, comma in a display name: our getters refuse them" },
	{ "multi01", "libosip2 refuses it", "two To/From/Call-ID/CSeq: our getters refuse them" },
	{ "400 to duplicated headers: all copied, no tag", "libosip2 refuses it",
	  "the reply to multi01 copies its duplicated headers" },
};

static const char *known_diff(const char *what, const char **reason)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i].what && !strcmp(known[i].what, what)) {
			*reason = known[i].reason;
			return known[i].diff;
		}
	return NULL;
}

static void silent_trace(const char *fi, int li, osip_trace_level_t level, const char *chfr, va_list ap)
{
	(void)fi, (void)li, (void)level, (void)chfr, (void)ap;
}

int main(void)
{
	parser_init();
	osip_trace_initialize_func(END_TRACE_LEVEL, silent_trace);
	for (int l = 0; l < END_TRACE_LEVEL; l++)
		osip_trace_disable_level((osip_trace_level_t)l);

	/* collect */
	t_on_parsed = collect;
	cases_init();
	for (int i = 0; i < N_CASES; i++)
		if (cases[i].rc == 0) {
			sip_msg *m = &msg;
			t_parse(m, cases[i].name, guarded(cases[i].buf, cases[i].len), cases[i].len);
		}
	t_quiet = 1;
	sip_msg_main();
	sip_lump_main();
	sip_build_main();
	t_quiet = 0;
	t_on_parsed = NULL;
	CHECK(nseen > 50 && seen_dropped == 0, "collected every distinct message the SIP tests parse");
	printf("note: %d distinct messages\n", nseen);

	/* compare */
	char why[1024], name[200];
	for (int i = 0; i < nseen; i++) {
		sip_msg *m = &msg;
		if (sip_parse(m, seen[i].buf, seen[i].len) != 0) {
			CHECK(0, seen[i].what);
			continue;
		}
		compare(m, seen[i].buf, seen[i].len, why, sizeof why);
		const char *reason = NULL, *want = known_diff(seen[i].what, &reason);
		if (want) {
			snprintf(name, sizeof name, "libosip2 differs as known on %s: %s", seen[i].what, reason);
			t_report(!strncmp(why, want, strlen(want)), __FILE__, __LINE__, name, "difference now: %s",
			         why[0] ? why : "(none)");
		} else {
			snprintf(name, sizeof name, "libosip2 agrees on %s", seen[i].what);
			t_report(why[0] == 0, __FILE__, __LINE__, name, "%s", why);
		}
		free(seen[i].buf);
	}
	return t_summary();
}
