/* msg.c: sip_parse (first line, header index, body) and the header-name,
 * method and list helpers around it.
 *
 * The hot path is one pass over the headers: for each line, a 16-byte-wide
 * search for its CR or LF (which also finds any bare CR hiding in it), a scan
 * of the name's token characters, and a type lookup by length and first
 * byte.  Nothing is
 * copied, nothing allocated; header values are looked at only by the
 * on-demand parsers in hf.c.  A bare CR is refused rather than taken for a
 * line break: a proxy that forwards bytes must not let a downstream parser
 * see a header line that this one did not (request smuggling).
 */
#include "msg.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "scan.h"

_Static_assert(SIP_MAX_HEADERS <= 127, "header indexes are int8_t");

const uint16_t sip_cc[256] = {
	0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, /* 0x00 .. 0x07 */
	0x0000, 0x0002, 0x0002, 0x0000, 0x0000, 0x0002, 0x0000, 0x0000, /* 0x08 .. 0x0f */
	0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, /* 0x10 .. 0x17 */
	0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, /* 0x18 .. 0x1f */
	0x0002, 0x3fc1, 0x1000, 0x1000, 0x1780, 0x3801, 0x1380, 0x3fc1, /* 0x20 .. ' */
	0x17c0, 0x17c0, 0x3fc1, 0x3f81, 0x1180, 0x3fe1, 0x3fe1, 0x1680, /* ( .. / */
	0x3ff5, 0x3ff5, 0x3ff5, 0x3ff5, 0x3ff5, 0x3ff5, 0x3ff5, 0x3ff5, /* 0 .. 7 */
	0x3ff5, 0x3ff5, 0x1e00, 0x1080, 0x1000, 0x1180, 0x1000, 0x1480, /* 8 .. ? */
	0x1000, 0x3ff9, 0x3ff9, 0x3ff9, 0x3ff9, 0x3ff9, 0x3ff9, 0x3fe9, /* @ .. G */
	0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, /* H .. O */
	0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, /* P .. W */
	0x3fe9, 0x3fe9, 0x3fe9, 0x1e00, 0x1000, 0x1e00, 0x1000, 0x3fe1, /* X .. _ */
	0x3801, 0x3ff9, 0x3ff9, 0x3ff9, 0x3ff9, 0x3ff9, 0x3ff9, 0x3fe9, /* ` .. g */
	0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, /* h .. o */
	0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, 0x3fe9, /* p .. w */
	0x3fe9, 0x3fe9, 0x3fe9, 0x1000, 0x1000, 0x1000, 0x3fc1, 0x0000, /* x .. 0x7f */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0x80 .. 0x87 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0x88 .. 0x8f */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0x90 .. 0x97 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0x98 .. 0x9f */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xa0 .. 0xa7 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xa8 .. 0xaf */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xb0 .. 0xb7 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xb8 .. 0xbf */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xc0 .. 0xc7 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xc8 .. 0xcf */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xd0 .. 0xd7 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xd8 .. 0xdf */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xe0 .. 0xe7 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xe8 .. 0xef */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xf0 .. 0xf7 */
	0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, 0x3000, /* 0xf8 .. 0xff */
};

/* ---- names ------------------------------------------------------------------ */

static const struct {
	const char *name;
	char compact;
} hdr_names[SIP_H__COUNT] = {
	[SIP_H_OTHER] = { "", 0 },
#define SIP_HDR(e, n, c) [SIP_H_##e] = { n, c },
#include "hdrs.def"
#undef SIP_HDR
};

const char *sip_hdr_canonical(int type)
{
	return type > 0 && type < SIP_H__COUNT ? hdr_names[type].name : "";
}

/* The type of a header name made of token characters: a switch on the
 * length, then on the first byte (any case), then one comparison of the rest
 * (sip_eqi is exact here because the name holds only token characters). */
static int hdr_lookup(const char *n, int len)
{
	switch (len) {
	case 1: /* compact forms */
		switch (n[0] | 0x20) {
		case 'v': return SIP_H_VIA;
		case 'f': return SIP_H_FROM;
		case 't': return SIP_H_TO;
		case 'i': return SIP_H_CALL_ID;
		case 'm': return SIP_H_CONTACT;
		case 'l': return SIP_H_CONTENT_LENGTH;
		case 'c': return SIP_H_CONTENT_TYPE;
		case 'e': return SIP_H_CONTENT_ENCODING;
		case 'k': return SIP_H_SUPPORTED;
		case 'u': return SIP_H_ALLOW_EVENTS;
		case 'o': return SIP_H_EVENT;
		case 's': return SIP_H_SUBJECT;
		case 'a': return SIP_H_ACCEPT_CONTACT;
		case 'j': return SIP_H_REJECT_CONTACT;
		case 'd': return SIP_H_REQUEST_DISPOSITION;
		case 'r': return SIP_H_REFER_TO;
		case 'b': return SIP_H_REFERRED_BY;
		case 'x': return SIP_H_SESSION_EXPIRES;
		case 'y': return SIP_H_IDENTITY;
		case 'n': return SIP_H_IDENTITY_INFO;
		}
		break;
	case 2:
		switch (n[0] | 0x20) {
		case 't': if (sip_eqi(n + 1, "o", 1)) return SIP_H_TO; break;
		}
		break;
	case 3:
		switch (n[0] | 0x20) {
		case 'v': if (sip_eqi(n + 1, "ia", 2)) return SIP_H_VIA; break;
		}
		break;
	case 4:
		switch (n[0] | 0x20) {
		case 'c': if (sip_eqi(n + 1, "seq", 3)) return SIP_H_CSEQ; break;
		case 'd': if (sip_eqi(n + 1, "ate", 3)) return SIP_H_DATE; break;
		case 'f': if (sip_eqi(n + 1, "rom", 3)) return SIP_H_FROM; break;
		case 'p': if (sip_eqi(n + 1, "ath", 3)) return SIP_H_PATH; break;
		case 'r':
			if (sip_eqi(n + 1, "ack", 3)) return SIP_H_RACK;
			if (sip_eqi(n + 1, "seq", 3)) return SIP_H_RSEQ;
			break;
		}
		break;
	case 5:
		switch (n[0] | 0x20) {
		case 'a': if (sip_eqi(n + 1, "llow", 4)) return SIP_H_ALLOW; break;
		case 'e': if (sip_eqi(n + 1, "vent", 4)) return SIP_H_EVENT; break;
		case 'r': if (sip_eqi(n + 1, "oute", 4)) return SIP_H_ROUTE; break;
		}
		break;
	case 6:
		switch (n[0] | 0x20) {
		case 'a': if (sip_eqi(n + 1, "ccept", 5)) return SIP_H_ACCEPT; break;
		case 'm': if (sip_eqi(n + 1, "in-se", 5)) return SIP_H_MIN_SE; break;
		case 'r': if (sip_eqi(n + 1, "eason", 5)) return SIP_H_REASON; break;
		case 's': if (sip_eqi(n + 1, "erver", 5)) return SIP_H_SERVER; break;
		}
		break;
	case 7:
		switch (n[0] | 0x20) {
		case 'c':
			if (sip_eqi(n + 1, "all-id", 6)) return SIP_H_CALL_ID;
			if (sip_eqi(n + 1, "ontact", 6)) return SIP_H_CONTACT;
			break;
		case 'e': if (sip_eqi(n + 1, "xpires", 6)) return SIP_H_EXPIRES; break;
		case 'p': if (sip_eqi(n + 1, "rivacy", 6)) return SIP_H_PRIVACY; break;
		case 'r': if (sip_eqi(n + 1, "equire", 6)) return SIP_H_REQUIRE; break;
		case 's': if (sip_eqi(n + 1, "ubject", 6)) return SIP_H_SUBJECT; break;
		case 'w': if (sip_eqi(n + 1, "arning", 6)) return SIP_H_WARNING; break;
		}
		break;
	case 8:
		switch (n[0] | 0x20) {
		case 'i': if (sip_eqi(n + 1, "dentity", 7)) return SIP_H_IDENTITY; break;
		case 'p': if (sip_eqi(n + 1, "riority", 7)) return SIP_H_PRIORITY; break;
		case 'r':
			if (sip_eqi(n + 1, "efer-to", 7)) return SIP_H_REFER_TO;
			if (sip_eqi(n + 1, "eply-to", 7)) return SIP_H_REPLY_TO;
			break;
		case 's': if (sip_eqi(n + 1, "ip-etag", 7)) return SIP_H_SIP_ETAG; break;
		}
		break;
	case 9:
		switch (n[0] | 0x20) {
		case 'c': if (sip_eqi(n + 1, "all-info", 8)) return SIP_H_CALL_INFO; break;
		case 'd': if (sip_eqi(n + 1, "iversion", 8)) return SIP_H_DIVERSION; break;
		case 's': if (sip_eqi(n + 1, "upported", 8)) return SIP_H_SUPPORTED; break;
		case 't': if (sip_eqi(n + 1, "imestamp", 8)) return SIP_H_TIMESTAMP; break;
		}
		break;
	case 10:
		switch (n[0] | 0x20) {
		case 'a': if (sip_eqi(n + 1, "lert-info", 9)) return SIP_H_ALERT_INFO; break;
		case 'e': if (sip_eqi(n + 1, "rror-info", 9)) return SIP_H_ERROR_INFO; break;
		case 'u': if (sip_eqi(n + 1, "ser-agent", 9)) return SIP_H_USER_AGENT; break;
		}
		break;
	case 11:
		switch (n[0] | 0x20) {
		case 'i': if (sip_eqi(n + 1, "n-reply-to", 10)) return SIP_H_IN_REPLY_TO; break;
		case 'm': if (sip_eqi(n + 1, "in-expires", 10)) return SIP_H_MIN_EXPIRES; break;
		case 'r':
			if (sip_eqi(n + 1, "eferred-by", 10)) return SIP_H_REFERRED_BY;
			if (sip_eqi(n + 1, "etry-after", 10)) return SIP_H_RETRY_AFTER;
			break;
		case 'u': if (sip_eqi(n + 1, "nsupported", 10)) return SIP_H_UNSUPPORTED; break;
		}
		break;
	case 12:
		switch (n[0] | 0x20) {
		case 'a': if (sip_eqi(n + 1, "llow-events", 11)) return SIP_H_ALLOW_EVENTS; break;
		case 'c': if (sip_eqi(n + 1, "ontent-type", 11)) return SIP_H_CONTENT_TYPE; break;
		case 'm':
			if (sip_eqi(n + 1, "ax-forwards", 11)) return SIP_H_MAX_FORWARDS;
			if (sip_eqi(n + 1, "ime-version", 11)) return SIP_H_MIME_VERSION;
			break;
		case 'o': if (sip_eqi(n + 1, "rganization", 11)) return SIP_H_ORGANIZATION; break;
		case 'r': if (sip_eqi(n + 1, "ecord-route", 11)) return SIP_H_RECORD_ROUTE; break;
		case 's': if (sip_eqi(n + 1, "ip-if-match", 11)) return SIP_H_SIP_IF_MATCH; break;
		}
		break;
	case 13:
		switch (n[0] | 0x20) {
		case 'a': if (sip_eqi(n + 1, "uthorization", 12)) return SIP_H_AUTHORIZATION; break;
		case 'i': if (sip_eqi(n + 1, "dentity-info", 12)) return SIP_H_IDENTITY_INFO; break;
		case 'p': if (sip_eqi(n + 1, "roxy-require", 12)) return SIP_H_PROXY_REQUIRE; break;
		case 's': if (sip_eqi(n + 1, "ervice-route", 12)) return SIP_H_SERVICE_ROUTE; break;
		}
		break;
	case 14:
		switch (n[0] | 0x20) {
		case 'a': if (sip_eqi(n + 1, "ccept-contact", 13)) return SIP_H_ACCEPT_CONTACT; break;
		case 'c': if (sip_eqi(n + 1, "ontent-length", 13)) return SIP_H_CONTENT_LENGTH; break;
		case 'r': if (sip_eqi(n + 1, "eject-contact", 13)) return SIP_H_REJECT_CONTACT; break;
		}
		break;
	case 15:
		switch (n[0] | 0x20) {
		case 'a':
			if (sip_eqi(n + 1, "ccept-encoding", 14)) return SIP_H_ACCEPT_ENCODING;
			if (sip_eqi(n + 1, "ccept-language", 14)) return SIP_H_ACCEPT_LANGUAGE;
			break;
		case 's': if (sip_eqi(n + 1, "ession-expires", 14)) return SIP_H_SESSION_EXPIRES; break;
		}
		break;
	case 16:
		switch (n[0] | 0x20) {
		case 'c':
			if (sip_eqi(n + 1, "ontent-encoding", 15)) return SIP_H_CONTENT_ENCODING;
			if (sip_eqi(n + 1, "ontent-language", 15)) return SIP_H_CONTENT_LANGUAGE;
			break;
		case 'w': if (sip_eqi(n + 1, "ww-authenticate", 15)) return SIP_H_WWW_AUTHENTICATE; break;
		}
		break;
	case 18:
		switch (n[0] | 0x20) {
		case 'p': if (sip_eqi(n + 1, "roxy-authenticate", 17)) return SIP_H_PROXY_AUTHENTICATE; break;
		case 's': if (sip_eqi(n + 1, "ubscription-state", 17)) return SIP_H_SUBSCRIPTION_STATE; break;
		}
		break;
	case 19:
		switch (n[0] | 0x20) {
		case 'a': if (sip_eqi(n + 1, "uthentication-info", 18)) return SIP_H_AUTHENTICATION_INFO; break;
		case 'c': if (sip_eqi(n + 1, "ontent-disposition", 18)) return SIP_H_CONTENT_DISPOSITION; break;
		case 'p':
			if (sip_eqi(n + 1, "roxy-authorization", 18)) return SIP_H_PROXY_AUTHORIZATION;
			if (sip_eqi(n + 1, "-asserted-identity", 18)) return SIP_H_P_ASSERTED_IDENTITY;
			break;
		case 'r': if (sip_eqi(n + 1, "equest-disposition", 18)) return SIP_H_REQUEST_DISPOSITION; break;
		}
		break;
	case 20:
		switch (n[0] | 0x20) {
		case 'p': if (sip_eqi(n + 1, "-preferred-identity", 19)) return SIP_H_P_PREFERRED_IDENTITY; break;
		}
		break;
	}
	return SIP_H_OTHER;
}

int sip_hdr_type_of(const char *name, int len)
{
	if (!name || len <= 0)
		return SIP_H_OTHER;
	for (int i = 0; i < len; i++)
		if (!sip_is((unsigned char)name[i], CC_TOKEN))
			return SIP_H_OTHER;
	return hdr_lookup(name, len);
}

int sip_method_of(const char *s, int len)
{
	/* case-sensitive (RFC 3261 7.1) */
#define M(lit, id) if (len == (int)sizeof lit - 1 && !memcmp(s, lit, sizeof lit - 1)) return id
	switch (len > 0 ? s[0] : 0) {
	case 'A': M("ACK", SIP_M_ACK); break;
	case 'B': M("BYE", SIP_M_BYE); break;
	case 'C': M("CANCEL", SIP_M_CANCEL); break;
	case 'I': M("INVITE", SIP_M_INVITE); M("INFO", SIP_M_INFO); break;
	case 'M': M("MESSAGE", SIP_M_MESSAGE); break;
	case 'N': M("NOTIFY", SIP_M_NOTIFY); break;
	case 'O': M("OPTIONS", SIP_M_OPTIONS); break;
	case 'P': M("PRACK", SIP_M_PRACK); M("PUBLISH", SIP_M_PUBLISH); break;
	case 'R': M("REGISTER", SIP_M_REGISTER); M("REFER", SIP_M_REFER); break;
	case 'S': M("SUBSCRIBE", SIP_M_SUBSCRIBE); break;
	case 'U': M("UPDATE", SIP_M_UPDATE); break;
	}
#undef M
	return SIP_M_OTHER;
}

const char *sip_strerror(int rc)
{
	switch (rc) {
#define SIP_ERR_CASE(name, val, text) case name: return text;
		SIP_ERROR_LIST(SIP_ERR_CASE)
#undef SIP_ERR_CASE
	}
	return rc >= 0 ? "ok" : "unknown error";
}

/* ---- first line ----------------------------------------------------------------- */

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT ("SIP" in any case, as ABNF
 * literals are).  Returns the end of the version, or NULL. */
static const char *scan_version(const char *p, const char *e)
{
	if (e - p < 7 || !sip_eqi(p, "sip/", 4))
		return NULL;
	const char *d = p + 4, *q = sip_skip(d, e, CC_DIGIT);
	if (q == d || q == e || *q != '.')
		return NULL;
	d = q + 1;
	q = sip_skip(d, e, CC_DIGIT);
	return q == d ? NULL : q;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase; the phrase may
 * be empty, the SP before it may not ("SIP/2.0 180" makes libosip2 take the
 * next line for the phrase: better refused than read two ways). */
static int parse_status_line(sip_msg *m, const char *p, const char *e)
{
	const char *v = scan_version(p, e);
	if (!v)
		return SIP_E_VERSION;
	m->is_request = 0;
	m->method_id = SIP_M_OTHER;
	m->version = sip_span(p, v);
	if (v == e || *v != ' ')
		return SIP_E_FIRST_LINE;
	p = v + 1;
	if (e - p < 3 || !sip_is(p[0], CC_DIGIT) || !sip_is(p[1], CC_DIGIT) ||
	    !sip_is(p[2], CC_DIGIT) || p[0] < '1' || p[0] > '6' || p + 3 == e || p[3] != ' ')
		return SIP_E_STATUS;
	m->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	p += 4;
	for (const char *r = p; r < e; r++)
		if ((unsigned char)*r < 0x20 && *r != '\t')
			return SIP_E_FIRST_LINE;
	m->reason = sip_span(p, e);
	return 0;
}

/* Request-Line = Method SP Request-URI SP SIP-Version, single spaces.  The
 * Request-URI must start with a scheme and hold no whitespace or control
 * characters; its syntax is sip_uri_parse's business. */
static int parse_request_line(sip_msg *m, const char *p, const char *e)
{
	const char *q = sip_skip(p, e, CC_TOKEN);
	if (q == p || q == e || *q != ' ')
		return SIP_E_METHOD;
	m->is_request = 1;
	m->status = 0;
	m->method = sip_span(p, q);
	m->method_id = sip_method_of(p, (int)(q - p));
	p = q + 1;
	q = sip_skip(p, e, CC_VCHAR);
	if (q == p || q == e || *q != ' ')
		return SIP_E_RURI;
	const char *s = p + 1; /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (!sip_is(*p, CC_ALPHA))
		return SIP_E_RURI;
	while (s < q && (sip_is(*s, CC_ALPHA | CC_DIGIT) || *s == '+' || *s == '-' || *s == '.'))
		s++;
	if (s == q || *s != ':')
		return SIP_E_RURI;
	m->ruri = sip_span(p, q);
	p = q + 1;
	q = scan_version(p, e);
	if (!q || q != e)
		return SIP_E_VERSION;
	m->version = sip_span(p, e);
	return 0;
}

/* ---- the parse -------------------------------------------------------------------- */

/* The first CR or LF in [p, e), or e.  Sixteen bytes at a time with SSE2
 * (x86-64 always has it), never reading at or past e; bytewise elsewhere and
 * for the tail. */
static const char *find_crlf(const char *p, const char *e)
{
#ifdef __SSE2__
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	for (; e - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		if (mask)
			return p + __builtin_ctz(mask);
	}
#endif
	while (p < e && *p != '\r' && *p != '\n')
		p++;
	return p;
}

/* The end of the line starting at p: *le is the end of its content (before
 * CRLF or LF), the return value the start of the next line.  NULL if the
 * line does not end before e, or (with *bad set) if it holds a CR that is
 * not followed by LF. */
static const char *line_end(const char *p, const char *e, const char **le, int *bad)
{
	const char *c = find_crlf(p, e);
	if (c == e)
		return NULL;
	*le = c;
	if (*c == '\n')
		return c + 1;
	if (c + 1 == e)
		return NULL;
	if (c[1] == '\n')
		return c + 2;
	*bad = 1;
	return NULL;
}

static int parse_content_length(sip_msg *m, const sip_hdr *h)
{
	const char *p = h->body.s, *e = p + h->body.len;
	if (p == e)
		return SIP_E_CLEN;
	int64_t v = 0;
	for (; p < e; p++) {
		if (!sip_is(*p, CC_DIGIT))
			return SIP_E_CLEN;
		if (v <= SIP_MAX_MSG_LEN) /* saturate: anything larger is too long anyway */
			v = v * 10 + (*p - '0');
	}
	if (m->content_length >= 0 && m->content_length != v)
		return SIP_E_CLEN_CONFLICT;
	m->content_length = v;
	return 0;
}

int sip_parse(sip_msg *m, const char *buf, size_t len)
{
	m->buf = buf;
	m->len = 0;
	m->nhdrs = 0;
	m->done = 0;
	m->content_length = -1;
	m->body.s = NULL;
	m->body.len = 0;
	memset(m->first, -1, sizeof m->first);
	memset(m->last, -1, sizeof m->last);
	if (!buf)
		return len ? SIP_E_ARG : SIP_E_EMPTY;
	if (len > SIP_MAX_MSG_LEN)
		return SIP_E_TOO_LONG;

	const char *p = buf, *e = buf + len, *le, *next;
	int bad = 0, rc;
	while (p < e && (*p == '\r' || *p == '\n'))
		p++;
	if (p == e)
		return SIP_E_EMPTY;
	m->start = (int)(p - buf);
	if (!(next = line_end(p, e, &le, &bad)))
		return bad ? SIP_E_HDR_CTL : SIP_E_NO_END;
	rc = le - p >= 4 && sip_eqi(p, "sip/", 4) ? parse_status_line(m, p, le)
	                                          : parse_request_line(m, p, le);
	if (rc < 0)
		return rc;
	p = next;
	m->hdrs_start = (int)(p - buf);

	for (;;) {
		if (p == e)
			return SIP_E_NO_END;
		if (*p == '\n' || (*p == '\r' && e - p >= 2 && p[1] == '\n'))
			break;
		if (*p == '\r')
			return e - p >= 2 ? SIP_E_HDR_CTL : SIP_E_NO_END;
		if (*p == ' ' || *p == '\t')
			return SIP_E_HDR_FOLD;
		const char *name = p;
		p = sip_skip(p, e, CC_TOKEN);
		const char *name_end = p;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			return SIP_E_NO_END;
		if (name == name_end || *p != ':')
			return SIP_E_HDR_NAME;
		const char *vs = p + 1, *ve;
		p = vs;
		do { /* the line and its continuation lines */
			if (!(next = line_end(p, e, &le, &bad)))
				return bad ? SIP_E_HDR_CTL : SIP_E_NO_END;
			ve = le;
			p = next;
		} while (p < e && (*p == ' ' || *p == '\t'));
		if (m->nhdrs == SIP_MAX_HEADERS)
			return SIP_E_TOO_MANY_HEADERS;
		sip_trim(&vs, &ve);
		int i = m->nhdrs++, t = hdr_lookup(name, (int)(name_end - name));
		sip_hdr *h = &m->hdrs[i];
		h->name = sip_span(name, name_end);
		h->body = sip_span(vs, ve);
		h->start = (int)(name - buf);
		h->end = (int)(p - buf);
		h->type = (uint8_t)t;
		h->next = -1;
		if (m->last[t] >= 0)
			m->hdrs[m->last[t]].next = (int8_t)i;
		else
			m->first[t] = (int8_t)i;
		m->last[t] = (int8_t)i;
		if (t == SIP_H_CONTENT_LENGTH && (rc = parse_content_length(m, h)) < 0)
			return rc;
	}
	m->hdrs_end = (int)(p - buf);
	p += *p == '\r' ? 2 : 1;
	m->body_off = (int)(p - buf);
	int64_t avail = e - p;
	if (m->content_length > avail)
		return SIP_E_BODY_SHORT;
	m->body = sip_span(p, p + (m->content_length >= 0 ? m->content_length : avail));
	m->len = m->body_off + m->body.len;
	return 0;
}

/* ---- header access ------------------------------------------------------------------ */

const sip_hdr *sip_hdr_get(const sip_msg *m, int type)
{
	if (type < 0 || type >= SIP_H__COUNT || m->first[type] < 0)
		return NULL;
	return &m->hdrs[m->first[type]];
}

const sip_hdr *sip_hdr_next(const sip_msg *m, const sip_hdr *h)
{
	return h && h->next >= 0 ? &m->hdrs[h->next] : NULL;
}

int sip_hdr_count(const sip_msg *m, int type)
{
	int n = 0;
	for (const sip_hdr *h = sip_hdr_get(m, type); h; h = sip_hdr_next(m, h))
		n++;
	return n;
}

static int name_eq(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if ((unsigned)(x - 'A') < 26u)
			x |= 0x20;
		if ((unsigned)(y - 'A') < 26u)
			y |= 0x20;
		if (x != y)
			return 0;
	}
	return 1;
}

const sip_hdr *sip_hdr_find(const sip_msg *m, const char *name, int len, int from)
{
	int t = sip_hdr_type_of(name, len);
	for (int i = from < 0 ? 0 : from; i < m->nhdrs; i++) {
		const sip_hdr *h = &m->hdrs[i];
		if (t != SIP_H_OTHER ? h->type == t
		                     : h->type == SIP_H_OTHER && h->name.len == len && name_eq(h->name.s, name, len))
			return h;
	}
	return NULL;
}

/* ---- lists ---------------------------------------------------------------------------- */

void sip_list_begin(const sip_msg *m, int type, sip_list_it *it)
{
	const sip_hdr *h = sip_hdr_get(m, type);
	it->hdr = h ? (int)(h - m->hdrs) : -1;
	it->pos = 0;
}

/* One header body yields at least one value; "a," yields "a" and "". */
int sip_list_next(const sip_msg *m, sip_list_it *it, sip_str *item, int *hdr)
{
	if (it->hdr < 0 || it->hdr >= m->nhdrs)
		return 0;
	const sip_hdr *h = &m->hdrs[it->hdr];
	const char *b = h->body.s, *e = b + h->body.len, *s = b + it->pos, *p = s;
	int angle = 0;
	for (; p < e; p++) {
		if (*p == '"') {
			if (!(p = sip_skip_quoted(p, e)))
				return SIP_E_LIST;
			p--;
		} else if (*p == '<') {
			angle = 1;
		} else if (*p == '>') {
			angle = 0;
		} else if (*p == ',' && !angle) {
			break;
		}
	}
	if (angle)
		return SIP_E_LIST;
	const char *ie = p;
	sip_trim(&s, &ie);
	*item = sip_span(s, ie);
	if (hdr)
		*hdr = it->hdr;
	if (p < e) {
		it->pos = (int)(p + 1 - b);
	} else {
		it->hdr = h->next;
		it->pos = 0;
	}
	return 1;
}
