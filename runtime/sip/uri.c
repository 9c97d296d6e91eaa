/* uri.c: sip_uri_parse, for sip:, sips: (RFC 3261 19.1, 25.1) and tel:
 * (RFC 3966) URIs.
 *
 *   sip:user:password@host:port;uri-parameters?headers
 *
 * The user part may hold ';' '?' '/' ',' (user-unreserved), so the first
 * '@' decides where it ends: '@' is legal nowhere else in a SIP URI.
 * Escapes (%HH) are checked, not decoded: results are spans of the input,
 * and comparing URIs (RFC 3261 19.1.4) is the caller's business.  Host names
 * may hold '_' (seen in the wild), IPv6 references come back without the
 * brackets, with ipv6 set.
 */
#include "msg.h"

#include <string.h>

#include "scan.h"

/* A run of characters of class cls or %HH escapes; NULL on a bad escape. */
static const char *run(const char *p, const char *e, unsigned cls)
{
	while (p < e) {
		if (*p == '%') {
			if (e - p < 3 || !sip_is(p[1], CC_HEX) || !sip_is(p[2], CC_HEX))
				return NULL;
			p += 3;
		} else if (sip_is(*p, cls)) {
			p++;
		} else {
			break;
		}
	}
	return p;
}

static int name_is(sip_str n, const char *lit, int len)
{
	return n.len == len && sip_eqi(n.s, lit, len);
}

/* *( ";" pname [ "=" pvalue ] ) up to '?' or the end. */
static const char *uri_params(const char *p, const char *e, sip_uri *u)
{
	if (p == e || *p != ';')
		return p;
	const char *start = p;
	while (p < e && *p == ';') {
		const char *n = p + 1, *ne = run(n, e, CC_PARAM);
		if (!ne || ne == n)
			return NULL;
		sip_str name = sip_span(n, ne), val = sip_span(ne, ne);
		p = ne;
		if (p < e && *p == '=') {
			const char *ve = run(p + 1, e, CC_PARAM);
			if (!ve || ve == p + 1)
				return NULL;
			val = sip_span(p + 1, ve);
			p = ve;
		}
		if (name_is(name, "transport", 9))
			u->transport = val;
		else if (name_is(name, "maddr", 5))
			u->maddr = val;
		else if (name_is(name, "ttl", 3))
			u->ttl = val;
		else if (name_is(name, "user", 4))
			u->user_param = val;
		else if (name_is(name, "method", 6))
			u->method = val;
		else if (name_is(name, "lr", 2))
			u->lr = 1;
	}
	u->params = sip_span(start, p);
	return p;
}

/* "?" hname "=" hvalue *( "&" hname "=" hvalue ); hvalue may be empty. */
static const char *uri_headers(const char *p, const char *e, sip_uri *u)
{
	if (p == e || *p != '?')
		return p;
	const char *start = ++p;
	for (;;) {
		const char *n = run(p, e, CC_HNV);
		if (!n || n == p || n == e || *n != '=')
			return NULL;
		if (!(p = run(n + 1, e, CC_HNV)))
			return NULL;
		if (p == e || *p != '&')
			break;
		p++;
	}
	u->headers = sip_span(start, p);
	return p;
}

static int parse_tel(const char *p, const char *e, sip_uri *u)
{
	/* telephone-subscriber: global or local number, then parameters */
	const char *q = p;
	while (q < e && (sip_is(*q, CC_HEX) || (*q && strchr("+-.()*#pwPW", *q))))
		q++;
	if (q == p)
		return SIP_E_URI;
	u->user = sip_span(p, q);
	if (!(q = uri_params(q, e, u)) || q != e)
		return SIP_E_URI;
	return 0;
}

int sip_uri_parse(const char *s, int len, sip_uri *u)
{
	memset(u, 0, sizeof *u);
	if (!s || len <= 0)
		return SIP_E_URI;
	const char *p = s, *e = s + len, *q;
	if (!sip_is(*p, CC_ALPHA))
		return SIP_E_URI;
	for (q = p + 1; q < e && (sip_is(*q, CC_ALPHA | CC_DIGIT) || *q == '+' || *q == '-' || *q == '.'); q++)
		;
	if (q == e || *q != ':')
		return SIP_E_URI;
	sip_str scheme = sip_span(p, q);
	if (name_is(scheme, "sip", 3))
		u->scheme = SIP_URI_SIP;
	else if (name_is(scheme, "sips", 4))
		u->scheme = SIP_URI_SIPS;
	else if (name_is(scheme, "tel", 3))
		u->scheme = SIP_URI_TEL;
	else
		return SIP_E_URI_SCHEME;
	p = q + 1;
	if (u->scheme == SIP_URI_TEL)
		return parse_tel(p, e, u);

	const char *at = memchr(p, '@', (size_t)(e - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *ue = colon ? colon : at;
		if (!(q = run(p, ue, CC_USER)) || q != ue || q == p)
			return SIP_E_URI;
		u->user = sip_span(p, ue);
		if (colon) {
			if (!(q = run(colon + 1, at, CC_PASS)) || q != at)
				return SIP_E_URI;
			u->password = sip_span(colon + 1, at);
		}
		p = at + 1;
	}
	if (p < e && *p == '[') {
		q = p + 1;
		while (q < e && (sip_is(*q, CC_HEX) || *q == ':' || *q == '.'))
			q++;
		if (q == p + 1 || q == e || *q != ']' || !memchr(p, ':', (size_t)(q - p)))
			return SIP_E_URI;
		u->host = sip_span(p + 1, q);
		u->ipv6 = 1;
		p = q + 1;
	} else {
		q = sip_skip(p, e, CC_HOST);
		if (q == p)
			return SIP_E_URI;
		u->host = sip_span(p, q);
		p = q;
	}
	if (p < e && *p == ':') {
		q = sip_skip(p + 1, e, CC_DIGIT);
		if (q == p + 1 || q - p - 1 > 5)
			return SIP_E_URI;
		int port = 0;
		for (const char *d = p + 1; d < q; d++)
			port = port * 10 + (*d - '0');
		if (port > 65535)
			return SIP_E_URI;
		u->port_s = sip_span(p + 1, q);
		u->port = port;
		p = q;
	}
	if (!(p = uri_params(p, e, u)) || !(p = uri_headers(p, e, u)) || p != e)
		return SIP_E_URI;
	return 0;
}
