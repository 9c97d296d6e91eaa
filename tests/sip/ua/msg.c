/* msg.c: parse and check one SIP message, build a response.
 *
 * The parser is deliberately strict: it is the test's judge of what a proxy
 * sends.  A message is well formed when every line of the header section ends
 * with CRLF, the first line is a request line or a status line, the header
 * section ends with an empty line, Via/From/To/Call-ID/CSeq are present, and
 * there is exactly one Content-Length that equals the body's length.  RFC 3261
 * lets Content-Length be absent over UDP; we require it because every proxy we
 * test (Kamailio and routec) always writes it, so its absence is a bug. */
#include "ua.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(ua_msg_t *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof m->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_token(int c)
{
	return isalnum(c) || (c != 0 && strchr("-.!%*_+`'~", c) != NULL);
}

static int is_ws(int c) { return c == ' ' || c == '\t'; }

static int first_line(ua_msg_t *m, const char *s, size_t n)
{
	size_t i = 0;

	m->first = s;
	m->flen = n;
	if (n >= 4 && memcmp(s, "SIP/", 4) == 0) {
		if (n < 12 || memcmp(s, "SIP/2.0 ", 8) != 0)
			return fail(m, "line 1: status line '%.*s' is not 'SIP/2.0 CODE REASON'",
				    (int)(n > 60 ? 60 : n), s);
		for (i = 8; i < 11; i++)
			if (!isdigit((unsigned char)s[i]))
				return fail(m, "line 1: status code '%.3s' is not three digits", s + 8);
		if (s[11] != ' ')
			return fail(m, "line 1: no space after the status code");
		m->code = (s[8] - '0') * 100 + (s[9] - '0') * 10 + (s[10] - '0');
		if (m->code < 100 || m->code > 699)
			return fail(m, "line 1: status code %d is outside 100-699", m->code);
		return 0;
	}
	m->is_req = 1;
	while (i < n && is_token((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return fail(m, "line 1: '%.*s' is neither a request line nor a status line",
			    (int)(n > 60 ? 60 : n), s);
	m->method = s;
	m->mlen = i;
	m->ruri = s + i + 1;
	while (i + 1 < n && s[i + 1] != ' ')
		i++;
	m->rlen = (size_t)(s + i + 1 - m->ruri);
	if (m->rlen == 0 || !memchr(m->ruri, ':', m->rlen))
		return fail(m, "line 1: the Request-URI '%.*s' has no scheme", (int)m->rlen, m->ruri);
	i += 1;
	if (n - i != 8 || memcmp(s + i, " SIP/2.0", 8) != 0)
		return fail(m, "line 1: request line does not end with ' SIP/2.0'");
	return 0;
}

static int header(ua_msg_t *m, int line, const char *s, size_t n)
{
	ua_hdr_t *h;
	size_t i = 0;

	if (m->nhdr == UA_MAXHDR)
		return fail(m, "more than %d headers", UA_MAXHDR);
	while (i < n && is_token((unsigned char)s[i]))
		i++;
	h = &m->hdr[m->nhdr];
	h->name = s;
	h->nlen = i;
	while (i < n && is_ws(s[i]))
		i++;
	if (h->nlen == 0 || i == n || s[i] != ':')
		return fail(m, "line %d is not a header ('NAME: value'): '%.*s'", line,
			    (int)(n > 60 ? 60 : n), s);
	i++;
	while (i < n && is_ws(s[i]))
		i++;
	h->val = s + i;
	h->vlen = n - i;
	while (h->vlen && is_ws(h->val[h->vlen - 1]))
		h->vlen--;
	m->nhdr++;
	return 0;
}

static int cseq(ua_msg_t *m)
{
	const ua_hdr_t *h = ua_hdr(m, "CSeq", 0);
	size_t i = 0, j;

	while (i < h->vlen && isdigit((unsigned char)h->val[i]))
		m->cseq = m->cseq * 10 + (unsigned long)(h->val[i++] - '0');
	if (i == 0 || i > 10 || m->cseq > 2147483647UL)
		return fail(m, "CSeq '%.*s' does not start with a number below 2^31",
			    (int)h->vlen, h->val);
	while (i < h->vlen && is_ws(h->val[i]))
		i++;
	for (j = i; j < h->vlen && is_token((unsigned char)h->val[j]); j++)
		;
	if (j == i || j != h->vlen)
		return fail(m, "CSeq '%.*s' is not 'NUMBER METHOD'", (int)h->vlen, h->val);
	if (m->is_req && (j - i != m->mlen || memcmp(h->val + i, m->method, m->mlen) != 0))
		return fail(m, "CSeq method '%.*s' differs from the request method '%.*s'",
			    (int)(j - i), h->val + i, (int)m->mlen, m->method);
	m->method = h->val + i;
	m->mlen = j - i;
	return 0;
}

static int content_length(ua_msg_t *m)
{
	const ua_hdr_t *h = ua_hdr(m, "Content-Length", 0);
	unsigned long n = 0;
	size_t i;

	if (!h)
		return fail(m, "no Content-Length header");
	if (ua_hdr(m, "Content-Length", 1))
		return fail(m, "more than one Content-Length header");
	if (h->vlen == 0 || h->vlen > 9)
		return fail(m, "Content-Length '%.*s' is not a number", (int)h->vlen, h->val);
	for (i = 0; i < h->vlen; i++) {
		if (!isdigit((unsigned char)h->val[i]))
			return fail(m, "Content-Length '%.*s' is not a number", (int)h->vlen, h->val);
		n = n * 10 + (unsigned long)(h->val[i] - '0');
	}
	if (n != m->blen)
		return fail(m, "Content-Length is %lu but the body has %zu bytes", n, m->blen);
	return 0;
}

int ua_parse(ua_msg_t *m, const char *buf, size_t len)
{
	static const char *const need[] = { "Via", "From", "To", "Call-ID", "CSeq" };
	size_t pos = 0, k;
	int line = 0;

	memset(m, 0, sizeof *m);
	m->buf = buf;
	m->len = len;
	if (len == 0)
		return fail(m, "empty datagram");
	for (;;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t lf, eol;

		line++;
		if (!nl)
			return fail(m, "line %d: the header section does not end with an empty line", line);
		lf = (size_t)(nl - buf);
		if (lf == pos || buf[lf - 1] != '\r')
			return fail(m, "line %d ends with a bare LF, not CRLF", line);
		eol = lf - 1;
		if (memchr(buf + pos, '\r', eol - pos))
			return fail(m, "line %d holds a CR not followed by LF", line);
		if (memchr(buf + pos, '\0', eol - pos))
			return fail(m, "line %d holds a NUL byte", line);
		if (eol == pos) {
			if (line == 1)
				return fail(m, "line 1 is empty");
			pos = lf + 1;
			break;
		}
		if (line == 1) {
			if (first_line(m, buf + pos, eol - pos) < 0)
				return -1;
		} else if (is_ws(buf[pos])) {
			ua_hdr_t *h = &m->hdr[m->nhdr - 1];

			if (m->nhdr == 0)
				return fail(m, "line %d: continuation line before any header", line);
			h->vlen = (size_t)(buf + eol - h->val);
			while (h->vlen && is_ws(h->val[h->vlen - 1]))
				h->vlen--;
		} else if (header(m, line, buf + pos, eol - pos) < 0) {
			return -1;
		}
		pos = lf + 1;
	}
	m->body = buf + pos;
	m->blen = len - pos;
	for (k = 0; k < sizeof need / sizeof need[0]; k++)
		if (!ua_hdr(m, need[k], 0))
			return fail(m, "no %s header", need[k]);
	if (cseq(m) < 0)
		return -1;
	return content_length(m);
}

ua_msg_t *ua_msg_copy(const ua_msg_t *m)
{
	ua_msg_t *c = malloc(sizeof *c + m->len + 1);
	char *buf;

	if (!c)
		return NULL;
	buf = (char *)(c + 1);
	memcpy(buf, m->buf, m->len);
	buf[m->len] = 0;
	if (ua_parse(c, buf, m->len) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* Long and compact forms (RFC 3261 section 7.3.3 and later RFCs). */
static const char *const compact[][2] = {
	{ "Via", "v" }, { "From", "f" }, { "To", "t" }, { "Call-ID", "i" },
	{ "Contact", "m" }, { "Content-Length", "l" }, { "Content-Type", "c" },
	{ "Supported", "k" }, { "Subject", "s" }, { "Event", "o" }, { "Refer-To", "r" },
	{ "Content-Encoding", "e" },
};

static int name_eq(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

int ua_hdr_is(const ua_hdr_t *h, const char *name)
{
	size_t k;

	if (name_eq(h->name, h->nlen, name))
		return 1;
	for (k = 0; k < sizeof compact / sizeof compact[0]; k++)
		if (strcasecmp(compact[k][0], name) == 0)
			return name_eq(h->name, h->nlen, compact[k][1]);
	return 0;
}

const ua_hdr_t *ua_hdr(const ua_msg_t *m, const char *name, int nth)
{
	int i;

	for (i = 0; i < m->nhdr; i++)
		if (ua_hdr_is(&m->hdr[i], name) && nth-- == 0)
			return &m->hdr[i];
	return NULL;
}

int ua_is(const ua_msg_t *m, const char *method)
{
	return m->method && name_eq(m->method, m->mlen, method)
	       && memcmp(m->method, method, m->mlen) == 0;
}

/* Finds ";name=value" in the first element of a header value, outside quoted
 * strings and <...>.  A parameter without '=' yields "". */
int ua_param(const char *v, size_t vlen, const char *name, char *out, size_t cap)
{
	size_t i = 0, nl = strlen(name);
	int quoted = 0, angle = 0;

	for (; i < vlen; i++) {
		char c = v[i];
		size_t a, b, e;

		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = 0;
			continue;
		}
		if (c == '"') { quoted = 1; continue; }
		if (c == '<') { angle = 1; continue; }
		if (c == '>') { angle = 0; continue; }
		if (angle)
			continue;
		if (c == ',')
			return 0;
		if (c != ';')
			continue;
		for (a = i + 1; a < vlen && is_ws(v[a]); a++)
			;
		for (b = a; b < vlen && v[b] != '=' && v[b] != ';' && v[b] != ',' && !is_ws(v[b]); b++)
			;
		if (b - a != nl || strncasecmp(v + a, name, nl) != 0)
			continue;
		while (b < vlen && is_ws(v[b]))
			b++;
		if (b < vlen && v[b] == '=') {
			for (b++; b < vlen && is_ws(v[b]); b++)
				;
			for (e = b; e < vlen && v[e] != ';' && v[e] != ',' && !is_ws(v[e]); e++)
				;
		} else {
			e = b;
		}
		if (cap) {
			size_t n = e - b < cap - 1 ? e - b : cap - 1;

			memcpy(out, v + b, n);
			out[n] = 0;
		}
		return 1;
	}
	return 0;
}

int ua_branch(const ua_msg_t *m, char *out, size_t cap)
{
	const ua_hdr_t *h = ua_hdr(m, "Via", 0);

	return h && ua_param(h->val, h->vlen, "branch", out, cap);
}

int ua_tag(const ua_msg_t *m, const char *hname, char *out, size_t cap)
{
	const ua_hdr_t *h = ua_hdr(m, hname, 0);

	return h && ua_param(h->val, h->vlen, "tag", out, cap);
}

const char *ua_reason(int code)
{
	switch (code) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 202: return "Accepted";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 483: return "Too Many Hops";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 500: return "Server Internal Error";
	case 503: return "Service Unavailable";
	case 603: return "Decline";
	}
	return code < 200 ? "Progress" : code < 300 ? "Success" : "Failure";
}

void ua_put(ua_out_t *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->over)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->cap - o->n)
		o->over = 1;
	else
		o->n += (size_t)k;
}

/* A response to req (RFC 3261 section 8.2.6): Vias, From, To (with a tag
 * added to anything but 100), Call-ID and CSeq copied; Record-Route copied into
 * 1xx/2xx to INVITE.  With sdp_ip, a 2xx to an INVITE that had a body carries
 * a minimal SDP answer.  Returns the length, 0 if it does not fit. */
size_t ua_response(char *out, size_t cap, const ua_msg_t *req, int code,
		   const char *to_tag, const char *contact, const char *sdp_ip)
{
	int invite = ua_is(req, "INVITE"), i;
	char sdp[512] = "", tag[8];
	ua_out_t o = { out, 0, cap, 0 };

	if (sdp_ip && invite && code / 100 == 2 && req->blen)
		snprintf(sdp, sizeof sdp,
			 "v=0\r\no=sipua 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			 "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", sdp_ip, sdp_ip);
	ua_put(&o, "SIP/2.0 %d %s\r\n", code, ua_reason(code));
	for (i = 0; i < req->nhdr; i++) {
		const ua_hdr_t *h = &req->hdr[i];
		int copy = ua_hdr_is(h, "Via") || ua_hdr_is(h, "From") || ua_hdr_is(h, "Call-ID")
			   || ua_hdr_is(h, "CSeq")
			   || (invite && code > 100 && code < 300 && ua_hdr_is(h, "Record-Route"));

		if (copy)
			ua_put(&o, "%.*s: %.*s\r\n", (int)h->nlen, h->name, (int)h->vlen, h->val);
		else if (ua_hdr_is(h, "To"))
			ua_put(&o, "%.*s: %.*s%s%s\r\n", (int)h->nlen, h->name, (int)h->vlen, h->val,
			    code > 100 && to_tag && !ua_param(h->val, h->vlen, "tag", tag, 0)
				    ? ";tag=" : "",
			    code > 100 && to_tag && !ua_param(h->val, h->vlen, "tag", tag, 0)
				    ? to_tag : "");
	}
	if (contact && code > 100 && code < 300)
		ua_put(&o, "Contact: <%s>\r\n", contact);
	ua_put(&o, "Server: sipua\r\n");
	if (sdp[0])
		ua_put(&o, "Content-Type: application/sdp\r\n");
	ua_put(&o, "Content-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
	return o.over ? 0 : o.n;
}
