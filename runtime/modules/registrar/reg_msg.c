/* reg_msg.c: what the registrar reads from a request: the AoR, the
 * Contact, Expires, Allow and Path headers, with Kamailio 5.6's rules for
 * values it does not like (registrar/sip_msg.c, core/parser/parse_expires.c,
 * core/qvalue.c), which are often "use the default" rather than "refuse":
 *
 *   Expires: 60 xyz      60 (the value ends at white space)
 *   Expires: abc, -1, 99999999999 (more than 10 digits)
 *                        not a value: the default applies
 *   Expires: 4294967296  0 (Kamailio adds the digits in a 32-bit int):
 *                        the binding is removed, or not made
 *   Expires: 2147483648  negative in 32 bits: the default applies
 *   Expires:             (empty) 400, P-Registrar-Error: Expires parse error
 *   ;expires=abc         the default; ;expires= (empty) the Expires header
 *   ;q=abc ;q=1.5        400, Invalid q param in contact
 */
#include "modules/registrar/reg.h"

#include <string.h>

/* ---- errors (registrar/reply.c) ---------------------------------------------------- */

static const struct {
	int code;
	const char *text;
} errs[R_NERR] = {
	[R_FINE] = { 200, "No problem" },
	[R_UL_DEL_R] = { 500, "usrloc_record_delete failed" },
	[R_UL_GET_R] = { 500, "usrloc_record_get failed" },
	[R_UL_NEW_R] = { 500, "usrloc_record_new failed" },
	[R_INV_CSEQ] = { 400, "Invalid CSeq number" },
	[R_UL_INS_C] = { 500, "usrloc_contact_insert failed" },
	[R_UL_INS_R] = { 500, "usrloc_record_insert failed" },
	[R_UL_DEL_C] = { 500, "usrloc_contact_delete failed" },
	[R_UL_UPD_C] = { 500, "usrloc_contact_update failed" },
	[R_TO_USER] = { 400, "No username in To URI" },
	[R_AOR_LEN] = { 500, "Address Of Record too long" },
	[R_AOR_PARSE] = { 400, "Error while parsing AOR" },
	[R_INV_EXP] = { 400, "Invalid expires param in contact" },
	[R_INV_Q] = { 400, "Invalid q param in contact" },
	[R_PARSE] = { 400, "Message parse error" },
	[R_TO_MISS] = { 400, "To header not found" },
	[R_CID_MISS] = { 400, "Call-ID header not found" },
	[R_CS_MISS] = { 400, "CSeq header not found" },
	[R_PARSE_EXP] = { 400, "Expires parse error" },
	[R_PARSE_CONT] = { 400, "Contact parse error" },
	[R_STAR_EXP] = { 400, "* used in contact and expires is not zero" },
	[R_STAR_CONT] = { 400, "* used in contact and more than 1 contact" },
	[R_OOO] = { 200, "Out of order request" },
	[R_RETRANS] = { 200, "Retransmission" },
	[R_UNESCAPE] = { 400, "Error while unescaping username" },
	[R_TOO_MANY] = { 503, "Too many registered contacts" },
	[R_CONTACT_LEN] = { 400, "Contact/received too long" },
	[R_CALLID_LEN] = { 400, "Callid too long" },
	[R_PARSE_PATH] = { 400, "Path parse error" },
	[R_PATH_UNSUP] = { 420, "No support for found Path indicated" },
	[R_OB_UNSUP] = { 421, "No support for Outbound indicated" },
	[R_OB_REQD] = { 420, "No support for Outbound on server" },
	[R_OB_UNSUP_EDGE] = { 439, "No support for Outbound on edge proxy" },
	[R_INV_REGID] = { 400, "Invalid Reg-Id number" },
	[R_LOW_EXP] = { 423, "Interval too brief" },
};

int reg_err_code(int e)
{
	return e >= 0 && e < R_NERR ? errs[e].code : 500;
}

const char *reg_err_text(int e)
{
	return e >= 0 && e < R_NERR ? errs[e].text : "Server Internal Error";
}

/* ---- the AoR (registrar/common.c extract_aor) --------------------------------------- */

#define USERNAME_MAX 64
#define DOMAIN_MAX 64
#define RECEIVED_MAX 255

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int reg_aor(const reg_cfg *cfg, rc_str uri, char *buf, rc_str *aor, sip_uri *uri_out)
{
	sip_uri u;
	if (!uri.s || sip_uri_parse(uri.s, uri.len, &u) < 0)
		return R_AOR_PARSE;
	if (uri_out)
		*uri_out = u;
	if (u.user.len + u.host.len + 1 > UL_AOR_MAX || u.user.len > USERNAME_MAX ||
	    u.host.len > DOMAIN_MAX)
		return R_AOR_LEN;
	int n = 0;
	for (int i = 0; i < u.user.len; i++) {
		char ch = u.user.s[i];
		if (ch == '%') {
			int h1 = i + 2 < u.user.len ? pv_hexval(u.user.s[i + 1]) : -1;
			int h2 = h1 >= 0 ? pv_hexval(u.user.s[i + 2]) : -1;
			if (h2 < 0)
				return R_UNESCAPE;
			ch = (char)(h1 * 16 + h2);
			i += 2;
		}
		buf[n++] = ch;
	}
	int user_len = n;
	if (ul_cfg.use_domain) {
		if (user_len)
			buf[n++] = '@';
		rc_str host = { u.host.s, u.host.len };
		rc_str rp = cfg ? cfg->realm_prefix : (rc_str){ NULL, 0 };
		if (rp.len > 0 && rp.len < host.len && !memcmp(rp.s, host.s, (size_t)rp.len)) {
			host.s += rp.len;
			host.len -= rp.len;
		}
		memcpy(buf + n, host.s, (size_t)host.len);
		n += host.len;
	}
	/* case_sensitive keeps the user part as it is */
	int from = cfg && cfg->case_sensitive && user_len ? user_len + 1 : 0;
	for (int i = from; i < n; i++)
		buf[i] = lower(buf[i]);
	*aor = (rc_str){ buf, n };
	return R_FINE;
}

/* ---- Contact ------------------------------------------------------------------------ */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static rc_str trim(rc_str s)
{
	while (s.len > 0 && is_ws(s.s[0]))
		s.s++, s.len--;
	while (s.len > 0 && is_ws(s.s[s.len - 1]))
		s.len--;
	return s;
}

static int name_is(rc_str n, const char *want)
{
	int len = (int)strlen(want);
	if (n.len != len)
		return 0;
	for (int i = 0; i < len; i++)
		if (lower(n.s[i]) != want[i])
			return 0;
	return 1;
}

/* One element of a Contact list: 0, or -1 when it does not parse. */
static int contact_parse(rc_str item, reg_contact *c)
{
	memset(c, 0, sizeof *c);
	item = trim(item);
	const char *p = item.s, *e = item.s + item.len;
	if (p == e)
		return -1;
	const char *lt = NULL;
	if (*p == '"') { /* a quoted display name, then <uri> */
		for (p++; p < e && *p != '"'; p++)
			if (*p == '\\' && p + 1 < e)
				p++;
		if (p == e)
			return -1;
		for (p++; p < e && is_ws(*p); p++)
			;
		if (p == e || *p != '<')
			return -1;
		lt = p;
	} else {
		for (const char *q = p; q < e && *q != ';'; q++)
			if (*q == '<') {
				lt = q;
				break;
			}
	}
	const char *rest;
	if (lt) {
		const char *gt = memchr(lt, '>', (size_t)(e - lt));
		if (!gt)
			return -1;
		c->uri = trim((rc_str){ lt + 1, (int)(gt - lt - 1) });
		rest = gt + 1;
	} else {
		const char *q = p;
		while (q < e && *q != ';')
			q++;
		c->uri = trim((rc_str){ p, (int)(q - p) });
		rest = q;
	}
	if (c->uri.len == 0 || !memchr(c->uri.s, ':', (size_t)c->uri.len))
		return -1;
	rc_str params = trim((rc_str){ rest, (int)(e - rest) });
	if (params.len && params.s[0] != ';')
		return -1;
	/* ";name[=value]" pairs; a value may be empty or quoted (Kamailio's
	   parse_params is that lenient: ";expires=" is an expires without one) */
	const char *q = params.s, *pe = params.s + params.len;
	while (q < pe) {
		q++; /* the ';' */
		const char *ps = q;
		int quoted = 0;
		while (q < pe && (quoted || *q != ';')) {
			if (*q == '"')
				quoted = !quoted;
			else if (*q == '\\' && quoted && q + 1 < pe)
				q++;
			q++;
		}
		if (quoted)
			return -1;
		rc_str pr = trim((rc_str){ ps, (int)(q - ps) }), val = { NULL, 0 };
		const char *eq = memchr(pr.s, '=', (size_t)pr.len);
		rc_str n = trim((rc_str){ pr.s, eq ? (int)(eq - pr.s) : pr.len });
		if (n.len == 0)
			return -1;
		if (eq)
			val = trim((rc_str){ eq + 1, (int)(pr.s + pr.len - eq - 1) });
		if (name_is(n, "expires")) {
			c->has_expires = val.len > 0;
			c->expires = val;
		} else if (name_is(n, "q")) {
			c->has_q = val.len > 0;
			c->q = val;
		} else if (name_is(n, "received")) {
			c->received = val.s ? val : (rc_str){ "", 0 };
		} else if (name_is(n, "+sip.instance")) {
			c->instance = val.s ? val : (rc_str){ "", 0 };
		} else if (name_is(n, "reg-id")) {
			c->reg_id = val.s ? val : (rc_str){ "", 0 };
		} else if (name_is(n, "methods")) {
			c->methods = val.s ? val : (rc_str){ "", 0 };
		}
	}
	return 0;
}

void reg_contacts_begin(rc_msg_t *m, reg_cit *it)
{
	sip_list_begin(&m->sip, SIP_H_CONTACT, &it->it);
}

int reg_contacts_next(rc_msg_t *m, reg_cit *it, reg_contact *c)
{
	sip_str item;
	while (sip_list_next(&m->sip, &it->it, &item, NULL) == 1) {
		rc_str t = trim((rc_str){ item.s, item.len });
		if (t.len == 0 || t.s[0] == '*')
			continue;
		if (contact_parse(t, c) == 0)
			return 1;
	}
	return 0;
}

/* Kamailio's expires_parser: the value, -1 when it is not one (the default
 * then applies), -2 for an empty body (an error). */
static int expires_value(rc_str body)
{
	body = trim(body);
	if (body.len == 0)
		return -2;
	if (body.len > 10)
		return -1;
	uint32_t v = 0; /* 32 bits, wrapping, as Kamailio's int */
	for (int i = 0; i < body.len; i++) {
		char ch = body.s[i];
		if (ch >= '0' && ch <= '9')
			v = v * 10u + (uint32_t)(ch - '0');
		else if (is_ws(ch))
			break;
		else
			return -1;
	}
	return (int32_t)v < 0 ? -1 : (int)(int32_t)v;
}

int reg_read_request(rc_msg_t *m, const reg_cfg *cfg, reg_req *r)
{
	memset(r, 0, sizeof *r);
	r->expires_hdr = -1;
	const sip_hdr *h = sip_hdr_get(&m->sip, SIP_H_EXPIRES);
	if (h) {
		int v = expires_value((rc_str){ h->body.s, h->body.len });
		if (v == -2)
			return R_PARSE_EXP;
		r->expires_hdr = v;
	}
	/* every Contact header parses (Kamailio's parse_contact_headers) */
	int first = 1, star_hdr = 0, others = 0;
	for (h = sip_hdr_get(&m->sip, SIP_H_CONTACT); h; h = sip_hdr_next(&m->sip, h), first = 0) {
		rc_str body = trim((rc_str){ h->body.s, h->body.len });
		if (body.len == 0)
			return R_PARSE_CONT;
		if (body.s[0] == '*') { /* Kamailio stops reading such a header there */
			if (first)
				star_hdr = 1;
			else
				return R_STAR_CONT; /* checked after parsing; same answer */
			continue;
		}
		others++;
		int self = (int)(h - m->sip.hdrs), from;
		sip_list_it it = { self, 0 };
		sip_str item;
		int rc = 1;
		while (it.hdr == self && (rc = sip_list_next(&m->sip, &it, &item, &from)) == 1) {
			reg_contact c;
			if (contact_parse((rc_str){ item.s, item.len }, &c) < 0)
				return R_PARSE_CONT;
			if (c.uri.len > cfg->contact_max_size || c.received.len > RECEIVED_MAX)
				return R_CONTACT_LEN;
			r->ncontacts++;
		}
		if (it.hdr == self && rc < 0)
			return R_PARSE_CONT;
	}
	if (star_hdr) {
		if (r->expires_hdr != 0)
			return R_STAR_EXP;
		if (others)
			return R_STAR_CONT;
		r->star = 1;
	}
	return R_FINE;
}

/* ---- q, methods ---------------------------------------------------------------------- */

int reg_str2q(rc_str s, int *q)
{
	enum { START, Z, ONE, Z_PT, ONE_PT, ONE_PT_Z, Z_PT_N } st = START;
	int digits = 1, order = 100, v = 0;
	for (int i = 0; i < s.len; i++) {
		char ch = s.s[i];
		switch (st) {
		case START:
			if (ch == ' ' || ch == '\t')
				break;
			if (ch == '0')
				v = 0, st = Z;
			else if (ch == '1')
				v = 1000, st = ONE;
			else if (ch == '.')
				st = Z_PT;
			else
				return -1;
			break;
		case Z:
			if (ch == '0')
				break;
			if (ch == '.')
				st = Z_PT;
			else if (ch == '1')
				v = 1000, st = ONE;
			else
				return -1;
			break;
		case ONE:
			if (ch != '.')
				return -1;
			st = ONE_PT;
			break;
		case Z_PT:
			if (ch < '0' || ch > '9')
				return -1;
			v = (ch - '0') * order;
			order /= 10;
			st = Z_PT_N;
			break;
		case ONE_PT:
			if (ch != '0')
				return -1;
			st = ONE_PT_Z;
			break;
		case ONE_PT_Z:
			if (ch != '0')
				return -1;
			break;
		case Z_PT_N:
			if (ch < '0' || ch > '9')
				return -1;
			if (digits <= 3) { /* a fourth digit has order 0 */
				v += (ch - '0') * order;
				order /= 10;
				digits++;
			}
			break;
		}
	}
	if (st == START || st == Z_PT || st == ONE_PT)
		return -1;
	*q = v;
	return 0;
}

/* The method bits of one token, any case. */
static unsigned method_bit(rc_str tok)
{
	char up[16];
	if (tok.len <= 0 || tok.len >= (int)sizeof up)
		return tok.len > 0 ? 524288u : 0; /* METHOD_OTHER */
	for (int i = 0; i < tok.len; i++)
		up[i] = tok.s[i] >= 'a' && tok.s[i] <= 'z' ? (char)(tok.s[i] - 32) : tok.s[i];
	return (unsigned)pv_method_bits(up, tok.len);
}

unsigned reg_methods(rc_str list)
{
	list = trim(list);
	if (list.len >= 2 && list.s[0] == '"' && list.s[list.len - 1] == '"')
		list = (rc_str){ list.s + 1, list.len - 2 };
	unsigned bits = 0;
	const char *p = list.s, *e = list.s + list.len;
	while (p < e) {
		const char *q = p;
		while (q < e && *q != ',')
			q++;
		bits |= method_bit(trim((rc_str){ p, (int)(q - p) }));
		p = q + 1;
	}
	return bits;
}

unsigned reg_allow(rc_msg_t *m)
{
	if (!sip_hdr_get(&m->sip, SIP_H_ALLOW))
		return 0xFFFFFFFFu; /* no Allow: everything (Kamailio's ALL_METHODS) */
	unsigned bits = 0;
	for (const sip_hdr *h = sip_hdr_get(&m->sip, SIP_H_ALLOW); h; h = sip_hdr_next(&m->sip, h))
		bits |= reg_methods((rc_str){ h->body.s, h->body.len });
	return bits;
}

/* ---- Path ---------------------------------------------------------------------------- */

int reg_first_uri(rc_str list, rc_str *uri)
{
	sip_addr a;
	const char *p = list.s, *e = list.s + list.len;
	int depth = 0, quoted = 0;
	const char *q = p;
	for (; q < e; q++) {
		if (*q == '"' && (q == p || q[-1] != '\\'))
			quoted = !quoted;
		else if (!quoted && *q == '<')
			depth++;
		else if (!quoted && *q == '>')
			depth--;
		else if (!quoted && !depth && *q == ',')
			break;
	}
	if (sip_addr_parse(p, (int)(q - p), 1, &a) < 0)
		return -1;
	*uri = (rc_str){ a.uri.s, a.uri.len };
	return 0;
}

int reg_path_vector(rc_msg_t *m, rc_str *path, rc_str *received)
{
	*path = (rc_str){ NULL, 0 };
	*received = (rc_str){ NULL, 0 };
	int total = 0, n = 0;
	for (const sip_hdr *h = sip_hdr_get(&m->sip, SIP_H_PATH); h; h = sip_hdr_next(&m->sip, h))
		total += h->body.len + 1, n++;
	if (!n)
		return R_FINE;
	char *d = rc_tmp(m, total);
	if (!d)
		return R_PARSE_PATH;
	int o = 0;
	for (const sip_hdr *h = sip_hdr_get(&m->sip, SIP_H_PATH); h; h = sip_hdr_next(&m->sip, h)) {
		if (o)
			d[o++] = ',';
		memcpy(d + o, h->body.s, (size_t)h->body.len);
		o += h->body.len;
	}
	rc_str first;
	sip_uri u;
	if (reg_first_uri((rc_str){ d, o }, &first) < 0 || sip_uri_parse(first.s, first.len, &u) < 0 ||
	    !u.lr)
		return R_PARSE_PATH; /* the first hop must be a loose router */
	sip_str rv;
	if (sip_param_get(u.params, "received", &rv) == 0 && rv.s && rv.len > 0) {
		/* escaped in the URI parameter: sip:1.2.3.4%3A5060 -> sip:1.2.3.4:5060 */
		char *r = rc_tmp(m, rv.len);
		int k = 0;
		for (int i = 0; r && i < rv.len; i++) {
			int h1 = rv.s[i] == '%' && i + 2 < rv.len ? pv_hexval(rv.s[i + 1]) : -1;
			int h2 = h1 >= 0 ? pv_hexval(rv.s[i + 2]) : -1;
			if (h2 >= 0) {
				r[k++] = (char)(h1 * 16 + h2);
				i += 2;
			} else {
				r[k++] = rv.s[i];
			}
		}
		if (r)
			*received = (rc_str){ r, k };
	}
	*path = (rc_str){ d, o };
	return R_FINE;
}
