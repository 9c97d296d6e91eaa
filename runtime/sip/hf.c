/* hf.c: the on-demand header field parsers: Via, name-addr (To, From,
 * Contact, Route, Record-Route), CSeq, Call-ID, Max-Forwards, Expires, and
 * header parameters.
 *
 * Each sip_get_*() parses its header the first time it is asked and keeps
 * the result, or the error, in the sip_msg (done bit + rc[]).  Values are
 * spans into the message; linear whitespace, folded line breaks included,
 * may stand wherever RFC 3261 allows LWS/SWS.
 *
 * Departures from RFC 3261, on purpose:
 * - Headers that must appear once (To, From, CSeq, Call-ID, Max-Forwards)
 *   are an error when they appear twice, rather than "take the first": two
 *   Call-IDs are a way to make the proxy and the next hop disagree.
 * - Expires values above 2^32-1 saturate (RFC 3261 20.19 says so for the
 *   header; the contact parameter follows suit).
 * - Unquoted display names may hold UTF-8 bytes, which real phones send.
 * - Parameter values may hold ':' '[' ']' (received=2001:db8::1 is common) and
 *   a <...> bracketed value (+sip.instance written without quotes).
 */
#include "msg.h"

#include <string.h>

#include "scan.h"

/* ---- parameters -------------------------------------------------------------- */

int sip_param_next(sip_str params, int *pos, sip_str *name, sip_str *value)
{
	if (!params.s || *pos >= params.len)
		return 0;
	const char *p = params.s + *pos, *e = params.s + params.len, *q;
	p = sip_skip_ws(p, e);
	if (p == e) {
		*pos = params.len;
		return 0;
	}
	if (*p != ';')
		return SIP_E_PARAM;
	p = sip_skip_ws(p + 1, e);
	q = sip_skip(p, e, CC_TOKEN);
	if (q == p)
		return SIP_E_PARAM;
	*name = sip_span(p, q);
	p = sip_skip_ws(q, e);
	if (p < e && *p == '=') {
		p = sip_skip_ws(p + 1, e);
		if (p == e)
			return SIP_E_PARAM;
		if (*p == '"') {
			q = sip_skip_quoted(p, e);
		} else if (*p == '<') {
			q = memchr(p, '>', (size_t)(e - p));
			q = q ? q + 1 : NULL;
		} else {
			q = sip_skip(p, e, CC_PVAL);
			if (q == p)
				q = NULL;
		}
		if (!q)
			return SIP_E_PARAM;
		*value = sip_span(p, q);
	} else {
		/* present without a value: an empty span at the end of the name */
		*value = sip_span(name->s + name->len, name->s + name->len);
		q = name->s + name->len;
	}
	*pos = (int)(q - params.s);
	return 1;
}

int sip_param_get(sip_str params, const char *name, sip_str *value)
{
	int pos = 0, rc, n = (int)strlen(name);
	sip_str pn, pv;
	while ((rc = sip_param_next(params, &pos, &pn, &pv)) > 0) {
		if (pn.len != n)
			continue;
		int i = 0;
		while (i < n && (pn.s[i] | 0x20) == (name[i] | 0x20))
			i++;
		if (i == n) {
			*value = pv;
			return 0;
		}
	}
	return rc < 0 ? rc : SIP_E_ABSENT;
}

/* Parse all of [p, e) as parameters, or fail; calls back for each. */
typedef int param_fn(void *ctx, sip_str name, sip_str value);

static int params_all(const char *p, const char *e, param_fn *fn, void *ctx, sip_str *out)
{
	p = sip_skip_ws(p, e);
	if (p == e) {
		out->s = NULL;
		out->len = 0;
		return 0;
	}
	*out = sip_span(p, e);
	int pos = 0, rc;
	sip_str n, v;
	while ((rc = sip_param_next(*out, &pos, &n, &v)) > 0)
		if (fn && (rc = fn(ctx, n, v)) < 0)
			return rc;
	return rc;
}

static int name_is(sip_str n, const char *lit, int len)
{
	return n.len == len && sip_eqi(n.s, lit, len);
}

/* ---- numbers ------------------------------------------------------------------ */

/* 1*DIGIT, all of [s, s+len): 0 and *out (saturating at max), or -1. */
static int digits(const char *s, int len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len <= 0)
		return -1;
	for (int i = 0; i < len; i++) {
		if (!sip_is(s[i], CC_DIGIT))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			v = max; /* keeps going to validate the rest */
	}
	*out = v;
	return 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths. */
static int qvalue(sip_str v)
{
	if (v.len < 1 || (v.s[0] != '0' && v.s[0] != '1') || v.len > 5 || (v.len > 1 && v.s[1] != '.'))
		return -1;
	int q = (v.s[0] - '0') * 1000, scale = 100;
	for (int i = 2; i < v.len; i++, scale /= 10) {
		if (!sip_is(v.s[i], CC_DIGIT))
			return -1;
		q += (v.s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* ---- Via ---------------------------------------------------------------------- */

static int via_param(void *ctx, sip_str n, sip_str v)
{
	sip_via *via = ctx;
	if (name_is(n, "branch", 6))
		via->branch = v;
	else if (name_is(n, "received", 8))
		via->received = v;
	else if (name_is(n, "rport", 5))
		via->rport = v;
	else if (name_is(n, "maddr", 5))
		via->maddr = v;
	else if (name_is(n, "ttl", 3))
		via->ttl = v;
	return 0;
}

/* host = hostname / IPv4address / IPv6reference; [ COLON port ].  Shared by
 * Via's sent-by.  Returns the end, or NULL. */
static const char *hostport(const char *p, const char *e, sip_str *host, int *ipv6, sip_str *port_s,
                            int *port)
{
	const char *q;
	if (p < e && *p == '[') {
		q = p + 1;
		while (q < e && (sip_is(*q, CC_HEX) || *q == ':' || *q == '.'))
			q++;
		if (q == p + 1 || q == e || *q != ']')
			return NULL;
		*host = sip_span(p + 1, q);
		*ipv6 = 1;
		q++;
	} else {
		q = sip_skip(p, e, CC_HOST);
		if (q == p)
			return NULL;
		*host = sip_span(p, q);
	}
	p = sip_skip_ws(q, e);
	if (p < e && *p == ':') {
		p = sip_skip_ws(p + 1, e);
		q = sip_skip(p, e, CC_DIGIT);
		uint64_t v;
		if (q - p > 5 || digits(p, (int)(q - p), 99999, &v) < 0 || v > 65535)
			return NULL;
		*port_s = sip_span(p, q);
		*port = (int)v;
		return q;
	}
	return q;
}

/* via-parm = sent-protocol LWS sent-by *( SEMI via-params ),
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport. */
int sip_via_parse(const char *s, int len, sip_via *v)
{
	memset(v, 0, sizeof *v);
	const char *p = s, *e = s + len, *q;
	sip_trim(&p, &e);
	v->value = sip_span(p, e);
	v->hdr = -1;
	sip_str *part[3] = { &v->proto, &v->version, &v->transport };
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			p = sip_skip_ws(p, e);
			if (p == e || *p != '/')
				return SIP_E_VIA;
			p = sip_skip_ws(p + 1, e);
		}
		q = sip_skip(p, e, CC_TOKEN);
		if (q == p)
			return SIP_E_VIA;
		*part[i] = sip_span(p, q);
		p = q;
	}
	q = sip_skip_ws(p, e);
	if (q == p)
		return SIP_E_VIA;
	if (!(p = hostport(q, e, &v->host, &v->ipv6, &v->port_s, &v->port)))
		return SIP_E_VIA;
	p = sip_skip_ws(p, e);
	if (p < e && *p != ';')
		return SIP_E_VIA;
	return params_all(p, e, via_param, v, &v->params) < 0 ? SIP_E_VIA : 0;
}

int sip_via_at(sip_msg *m, int n, sip_via *out)
{
	sip_list_it it;
	sip_str item;
	int hdr, rc;
	sip_list_begin(m, SIP_H_VIA, &it);
	for (int i = 0; (rc = sip_list_next(m, &it, &item, &hdr)) > 0; i++) {
		if (i == n) {
			if ((rc = sip_via_parse(item.s, item.len, out)) < 0)
				return rc;
			out->hdr = hdr;
			return 0;
		}
	}
	return rc < 0 ? SIP_E_VIA : SIP_E_ABSENT;
}

int sip_via_count(const sip_msg *m)
{
	sip_list_it it;
	sip_str item;
	int n = 0, rc;
	sip_list_begin(m, SIP_H_VIA, &it);
	while ((rc = sip_list_next(m, &it, &item, NULL)) > 0)
		n++;
	return rc < 0 ? SIP_E_VIA : n;
}

/* ---- cache ---------------------------------------------------------------------- */

static int cached(const sip_msg *m, int part)
{
	return (m->done >> part) & 1u;
}

static int keep(sip_msg *m, int part, int rc)
{
	m->rc[part] = (int8_t)rc;
	m->done |= 1u << part;
	return rc;
}

int sip_get_via(sip_msg *m, int n, const sip_via **out)
{
	if (n < 0 || n > 1)
		return SIP_E_ARG;
	int part = n ? SIP_P_VIA2 : SIP_P_VIA1;
	if (!cached(m, part))
		keep(m, part, sip_via_at(m, n, &m->via[n]));
	*out = &m->via[n];
	return m->rc[part];
}

/* The body of the only header of a type: SIP_E_ABSENT, or bad if repeated. */
static int single(const sip_msg *m, int type, int bad, const sip_hdr **h)
{
	*h = sip_hdr_get(m, type);
	if (!*h)
		return SIP_E_ABSENT;
	return (*h)->next >= 0 ? bad : 0;
}

/* ---- name-addr / addr-spec ----------------------------------------------------------- */

static int addr_param(void *ctx, sip_str n, sip_str v)
{
	sip_addr *a = ctx;
	uint64_t x;
	if (name_is(n, "tag", 3)) {
		if (v.len == 0)
			return SIP_E_PARAM;
		a->tag = v;
	} else if (name_is(n, "q", 1)) {
		if ((a->q = qvalue(v)) < 0)
			return SIP_E_PARAM;
	} else if (name_is(n, "expires", 7)) {
		if (digits(v.s, v.len, UINT32_MAX, &x) < 0)
			return SIP_E_PARAM;
		a->expires = (int64_t)x;
	}
	return 0;
}

/* (name-addr / addr-spec) *( SEMI param ),
 * name-addr = [ display-name ] LAQUOT addr-spec RAQUOT,
 * display-name = *( token LWS ) / quoted-string. */
int sip_addr_parse(const char *s, int len, int name_addr_only, sip_addr *a)
{
	memset(a, 0, sizeof *a);
	a->q = -1;
	a->expires = -1;
	a->hdr = -1;
	const char *p = s, *e = s + len, *q;
	sip_trim(&p, &e);
	a->value = sip_span(p, e);
	if (p == e)
		return SIP_E_ADDR;
	const char *lt = NULL;
	if (*p == '"') {
		if (!(q = sip_skip_quoted(p, e)))
			return SIP_E_ADDR;
		a->display = sip_span(p, q);
		lt = sip_skip_ws(q, e);
		if (lt == e || *lt != '<')
			return SIP_E_ADDR;
	} else {
		q = sip_skip(p, e, CC_DISP | CC_WS);
		if (q < e && *q == '<') {
			lt = q;
			const char *de = q;
			sip_trim(&p, &de);
			if (de > p)
				a->display = sip_span(p, de);
		}
	}
	if (lt) {
		const char *gt = memchr(lt, '>', (size_t)(e - lt));
		if (!gt)
			return SIP_E_ADDR;
		for (q = lt + 1; q < gt; q++)
			if (!sip_is(*q, CC_VCHAR) || *q == '<')
				return SIP_E_ADDR;
		a->uri = sip_span(lt + 1, gt);
		p = gt + 1;
	} else {
		if (name_addr_only)
			return SIP_E_ADDR;
		/* a URI holding ',' '?' or ';' must be in < > (RFC 3261 20),
		   so ';' ends it and ',' '?' are refused */
		q = p;
		while (q < e && *q != ';' && sip_is(*q, CC_VCHAR))
			if (*q == ',' || *q == '?' || *q++ == '<')
				return SIP_E_ADDR;
		a->uri = sip_span(p, q);
		p = q;
	}
	/* the URI starts with a scheme */
	if (a->uri.len < 2 || !sip_is(a->uri.s[0], CC_ALPHA) || !memchr(a->uri.s, ':', (size_t)a->uri.len))
		return SIP_E_ADDR;
	p = sip_skip_ws(p, e);
	if (p < e && *p != ';')
		return SIP_E_ADDR;
	return params_all(p, e, addr_param, a, &a->params) < 0 ? SIP_E_ADDR : 0;
}

static int get_addr(sip_msg *m, int type, int part, sip_addr *a, const sip_addr **out)
{
	*out = a;
	if (cached(m, part))
		return m->rc[part];
	const sip_hdr *h;
	int rc = single(m, type, SIP_E_ADDR, &h);
	if (rc == 0 && (rc = sip_addr_parse(h->body.s, h->body.len, 0, a)) == 0)
		a->hdr = (int)(h - m->hdrs);
	return keep(m, part, rc);
}

int sip_get_to(sip_msg *m, const sip_addr **out)
{
	return get_addr(m, SIP_H_TO, SIP_P_TO, &m->to, out);
}

int sip_get_from(sip_msg *m, const sip_addr **out)
{
	return get_addr(m, SIP_H_FROM, SIP_P_FROM, &m->from, out);
}

/* Contact (with '*'), Route, Record-Route: every value of every header. */
static int get_list(sip_msg *m, int type, int part, sip_addr_list *l, const sip_addr_list **out)
{
	*out = l;
	if (cached(m, part))
		return m->rc[part];
	int is_contact = type == SIP_H_CONTACT, bad = is_contact ? SIP_E_CONTACT : SIP_E_ADDR, rc, hdr;
	sip_list_it it;
	sip_str item;
	l->n = 0;
	l->star = 0;
	sip_list_begin(m, type, &it);
	if (it.hdr < 0)
		return keep(m, part, SIP_E_ABSENT);
	while ((rc = sip_list_next(m, &it, &item, &hdr)) > 0) {
		if (is_contact && item.len == 1 && item.s[0] == '*') {
			if (l->star || l->n)
				return keep(m, part, SIP_E_CONTACT);
			l->star = 1;
			continue;
		}
		if (l->star)
			return keep(m, part, SIP_E_CONTACT);
		if (l->n == SIP_MAX_LIST)
			return keep(m, part, SIP_E_TOO_MANY_VALUES);
		sip_addr *a = &l->v[l->n];
		if (sip_addr_parse(item.s, item.len, !is_contact, a) < 0)
			return keep(m, part, bad);
		a->hdr = hdr;
		l->n++;
	}
	return keep(m, part, rc < 0 ? bad : 0);
}

int sip_get_contacts(sip_msg *m, const sip_addr_list **out)
{
	return get_list(m, SIP_H_CONTACT, SIP_P_CONTACT, &m->contact, out);
}

int sip_get_routes(sip_msg *m, const sip_addr_list **out)
{
	return get_list(m, SIP_H_ROUTE, SIP_P_ROUTE, &m->route, out);
}

int sip_get_record_routes(sip_msg *m, const sip_addr_list **out)
{
	return get_list(m, SIP_H_RECORD_ROUTE, SIP_P_RROUTE, &m->rroute, out);
}

/* ---- CSeq, Call-ID, Max-Forwards, Expires ------------------------------------------------ */

/* CSeq = 1*DIGIT LWS Method, the number below 2^31 (RFC 3261 8.1.1.5). */
static int parse_cseq(const sip_hdr *h, sip_cseq *c)
{
	const char *p = h->body.s, *e = p + h->body.len, *q = sip_skip(p, e, CC_DIGIT);
	uint64_t v;
	if (q - p > 10 || digits(p, (int)(q - p), UINT32_MAX, &v) < 0 || v >= 0x80000000u)
		return SIP_E_CSEQ;
	c->num = (uint32_t)v;
	p = sip_skip_ws(q, e);
	if (p == q)
		return SIP_E_CSEQ;
	q = sip_skip(p, e, CC_TOKEN);
	if (q == p || q != e)
		return SIP_E_CSEQ;
	c->method = sip_span(p, q);
	c->method_id = sip_method_of(p, (int)(q - p));
	return 0;
}

int sip_get_cseq(sip_msg *m, const sip_cseq **out)
{
	*out = &m->cseq;
	if (cached(m, SIP_P_CSEQ))
		return m->rc[SIP_P_CSEQ];
	const sip_hdr *h;
	int rc = single(m, SIP_H_CSEQ, SIP_E_CSEQ, &h);
	return keep(m, SIP_P_CSEQ, rc < 0 ? rc : parse_cseq(h, &m->cseq));
}

/* callid = word [ "@" word ]; word characters are taken leniently as any
 * visible byte, but the value is one word: no inner whitespace. */
int sip_get_callid(sip_msg *m, sip_str *out)
{
	if (!cached(m, SIP_P_CALLID)) {
		const sip_hdr *h;
		int rc = single(m, SIP_H_CALL_ID, SIP_E_CALLID, &h);
		m->callid.s = NULL;
		m->callid.len = 0;
		if (rc == 0) {
			m->callid = h->body;
			if (h->body.len == 0 || sip_skip(h->body.s, h->body.s + h->body.len, CC_VCHAR) !=
			                            h->body.s + h->body.len)
				rc = SIP_E_CALLID;
		}
		keep(m, SIP_P_CALLID, rc);
	}
	*out = m->callid;
	return m->rc[SIP_P_CALLID];
}

/* Max-Forwards = 1*DIGIT, 0..255 (RFC 4475 3.1.2.3 calls 300 out of range). */
int sip_get_maxfwd(sip_msg *m, int *out)
{
	if (!cached(m, SIP_P_MAXFWD)) {
		const sip_hdr *h;
		uint64_t v = 0;
		int rc = single(m, SIP_H_MAX_FORWARDS, SIP_E_MAXFWD, &h);
		if (rc == 0 && (digits(h->body.s, h->body.len, 256, &v) < 0 || v > 255))
			rc = SIP_E_MAXFWD;
		m->maxfwd = (int)v;
		keep(m, SIP_P_MAXFWD, rc);
	}
	*out = m->maxfwd;
	return m->rc[SIP_P_MAXFWD];
}

/* Expires = delta-seconds; larger than 2^32-1 is taken as 2^32-1. */
int sip_get_expires(sip_msg *m, uint32_t *out)
{
	if (!cached(m, SIP_P_EXPIRES)) {
		const sip_hdr *h;
		uint64_t v = 0;
		int rc = single(m, SIP_H_EXPIRES, SIP_E_EXPIRES, &h);
		if (rc == 0 && digits(h->body.s, h->body.len, UINT32_MAX, &v) < 0)
			rc = SIP_E_EXPIRES;
		m->expires = (uint32_t)v;
		keep(m, SIP_P_EXPIRES, rc);
	}
	*out = m->expires;
	return m->rc[SIP_P_EXPIRES];
}
