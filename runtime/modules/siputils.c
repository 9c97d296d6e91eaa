/* siputils.c: the cheap message checks of Kamailio's siputils module.
 *
 *   has_totag()       1 when the To header has a non-empty tag, else -1
 *   is_request()  is_reply()
 *   is_first_hop([mode])   a request with one Via value, a reply with two
 *   uri_param(name[, value])   the R-URI has the parameter (with that value)
 *   is_uri(s)  is_numeric(s)  is_alphanum(s)  is_tel_number(s)
 *   is_e164(pv)  is_uri_user_e164(pv)  is_supported(option)
 *   add_uri_param(p)  uri_param_rm(name)  is_alphanumex(s, chars)  cmp_hdr_name(a, b)
 */
#include "modules/mod.h"

#include <string.h>

int siputils_has_totag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const sip_addr *to;
	if (sip_get_to(&m->sip, &to) < 0)
		return -1;
	return to->tag.s && to->tag.len > 0 ? 1 : -1;
}

int siputils_is_request(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return m->sip.is_request ? 1 : -1;
}

int siputils_is_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return m->sip.is_request ? -1 : 1;
}

int siputils_is_first_hop(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int n = sip_via_count(&m->sip);
	if (n < 0)
		return -1;
	return n == (m->sip.is_request ? 1 : 2) ? 1 : -1;
}

int siputils_is_first_hop_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return siputils_is_first_hop(m, c, argv);
}

static int uri_param_check(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int with_value)
{
	sip_uri u;
	rc_str uri = pv_ruri(m), name = mod_arg_str(m, c, &argv[0]), want = { NULL, 0 };
	if (!m->sip.is_request || sip_uri_parse(uri.s, uri.len, &u) < 0)
		return -1;
	if (with_value)
		want = mod_arg_str(m, c, &argv[1]);
	int pos = 0;
	sip_str n, v;
	while (sip_param_next(u.params, &pos, &n, &v) > 0) {
		if (!pv_eqi(n.s, n.len, name.s, name.len))
			continue;
		if (!with_value)
			return v.s && v.len > 0 ? -1 : 1; /* Kamailio: a name-only param */
		return v.s && v.len == want.len && !memcmp(v.s, want.s, (size_t)v.len) ? 1 : -1;
	}
	return -1;
}

int siputils_uri_param(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_param_check(m, c, argv, 0);
}

int siputils_uri_param_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_param_check(m, c, argv, 1);
}

int siputils_uri_param_any(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	sip_uri u;
	rc_str uri = pv_ruri(m), name = mod_arg_str(m, c, &argv[0]);
	if (!m->sip.is_request || sip_uri_parse(uri.s, uri.len, &u) < 0)
		return -1;
	int pos = 0;
	sip_str n, v;
	while (sip_param_next(u.params, &pos, &n, &v) > 0)
		if (pv_eqi(n.s, n.len, name.s, name.len))
			return 1;
	return -1;
}

int siputils_is_uri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = mod_arg_str(m, c, &argv[0]);
	sip_uri u;
	return s.len > 0 && sip_uri_parse(s.s, s.len, &u) == 0 ? 1 : -1;
}

static int all_of(rc_str s, int alpha)
{
	if (s.len <= 0)
		return -2;
	for (int i = 0; i < s.len; i++) {
		char ch = s.s[i];
		int ok = (ch >= '0' && ch <= '9') || (alpha && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')));
		if (!ok)
			return -1;
	}
	return 1;
}

int siputils_is_numeric(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return all_of(mod_arg_str(m, c, &argv[0]), 0);
}

int siputils_is_alphanum(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return all_of(mod_arg_str(m, c, &argv[0]), 1);
}

int siputils_is_tel_number(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = mod_arg_str(m, c, &argv[0]);
	if (s.len <= 0)
		return -2;
	int i = s.s[0] == '+';
	if (i == s.len)
		return -1;
	for (; i < s.len; i++)
		if (s.s[i] < '0' || s.s[i] > '9')
			return -1;
	return 1;
}

/* "+" and 2..15 digits (Kamailio's e164_check). */
static int e164(rc_str s)
{
	if (s.len < 3 || s.len > 16 || s.s[0] != '+')
		return -1;
	for (int i = 1; i < s.len; i++)
		if (s.s[i] < '0' || s.s[i] > '9')
			return -1;
	return 1;
}

static rc_str value_arg(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a)
{
	rc_str empty = { "", 0 };
	if (a->p) {
		rc_val v;
		if (pv_get(m, c, a->p, &v) < 0 || v.type == RC_NULL)
			return empty;
		return rc_v_str(m, &v);
	}
	rc_val v = { a->type, a->i, a->s };
	return rc_v_str(m, &v);
}

static int prep_pv1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_pv(g, &argv[0], where) : -1;
}

static int prep_fmt1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_fmt(g, &argv[0], where) : -1;
}

static int prep_fmt2(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || mod_prep_fmt(g, &argv[0], where) < 0)
		return -1;
	return mod_prep_fmt(g, &argv[1], where);
}

int siputils_is_e164(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return e164(value_arg(m, c, &argv[0]));
}

int siputils_is_uri_user_e164(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = value_arg(m, c, &argv[0]);
	sip_uri u;
	if (s.len <= 0 || sip_uri_parse(s.s, s.len, &u) < 0)
		return -1;
	rc_str user = { u.user.s ? u.user.s : "", u.user.len };
	return e164(user);
}

int siputils_is_supported(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str want = argv[0].s;
	sip_list_it it;
	sip_str item;
	sip_list_begin(&m->sip, SIP_H_SUPPORTED, &it);
	while (sip_list_next(&m->sip, &it, &item, NULL) > 0)
		if (pv_eqi(item.s, item.len, want.s, want.len))
			return 1;
	return -1;
}

/* add_uri_param(";x=y" or "x=y"): the parameter goes at the end of the
 * R-URI's parameters (before any ?headers). */
int siputils_add_uri_param(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	sip_uri u;
	rc_str uri = pv_ruri(m), p = argv[0].s;
	if (!m->sip.is_request || p.len <= 0 || sip_uri_parse(uri.s, uri.len, &u) < 0)
		return -1;
	if (p.s[0] == ';') {
		p.s++;
		p.len--;
	}
	int at = u.headers.s ? (int)(u.headers.s - 1 - uri.s) : uri.len;
	char *d = rc_tmp(m, uri.len + p.len + 2);
	if (!d)
		return -1;
	memcpy(d, uri.s, (size_t)at);
	d[at] = ';';
	memcpy(d + at + 1, p.s, (size_t)p.len);
	memcpy(d + at + 1 + p.len, uri.s + at, (size_t)(uri.len - at));
	d[uri.len + p.len + 1] = '\0';
	m->new_ruri.s = d;
	m->new_ruri.len = uri.len + p.len + 1;
	return 1;
}

/* uri_param_rm(name): every ";name[=value]" of the R-URI goes. */
int siputils_uri_param_rm(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	sip_uri u;
	rc_str uri = pv_ruri(m), name = mod_arg_str(m, c, &argv[0]);
	if (!m->sip.is_request || name.len <= 0 || sip_uri_parse(uri.s, uri.len, &u) < 0 || !u.params.len)
		return -1;
	char *d = rc_tmp(m, uri.len + 1);
	if (!d)
		return -1;
	int o = (int)(u.params.s - uri.s), removed = 0;
	memcpy(d, uri.s, (size_t)o);
	const char *p = u.params.s, *e = u.params.s + u.params.len;
	while (p < e) {
		const char *q = p + 1;
		while (q < e && *q != ';')
			q++;
		const char *n = p + 1, *ne = n;
		while (ne < q && *ne != '=')
			ne++;
		if (pv_eqi(n, (int)(ne - n), name.s, name.len)) {
			removed = 1;
		} else {
			memcpy(d + o, p, (size_t)(q - p));
			o += (int)(q - p);
		}
		p = q;
	}
	if (!removed)
		return -1;
	int tail = (int)(uri.s + uri.len - e);
	memcpy(d + o, e, (size_t)tail);
	o += tail;
	d[o] = '\0';
	m->new_ruri.s = d;
	m->new_ruri.len = o;
	return 1;
}

int siputils_is_alphanumex(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = mod_arg_str(m, c, &argv[0]), extra = mod_arg_str(m, c, &argv[1]);
	if (s.len <= 0)
		return -2;
	for (int i = 0; i < s.len; i++) {
		char ch = s.s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (extra.len && memchr(extra.s, ch, (size_t)extra.len))))
			return -1;
	}
	return 1;
}

/* cmp_hdr_name(a, b): 1 when both name the same header (any case, compact
 * forms included), else -1. */
int siputils_cmp_hdr_name(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str a = mod_arg_str(m, c, &argv[0]), b = mod_arg_str(m, c, &argv[1]);
	int ta = sip_hdr_type_of(a.s, a.len), tb = sip_hdr_type_of(b.s, b.len);
	if (ta != SIP_H_OTHER || tb != SIP_H_OTHER)
		return ta == tb ? 1 : -1;
	return pv_eqi(a.s, a.len, b.s, b.len) ? 1 : -1;
}

const rt_fn siputils_fns[] = {
	{ "siputils_has_totag", siputils_has_totag, NULL },
	{ "siputils_is_request", siputils_is_request, NULL },
	{ "siputils_is_reply", siputils_is_reply, NULL },
	{ "siputils_is_first_hop", siputils_is_first_hop, NULL },
	{ "siputils_is_first_hop_1", siputils_is_first_hop_1, NULL },
	{ "siputils_uri_param", siputils_uri_param, prep_fmt1 },
	{ "siputils_uri_param_2", siputils_uri_param_2, prep_fmt2 },
	{ "siputils_uri_param_any", siputils_uri_param_any, prep_fmt1 },
	{ "siputils_is_uri", siputils_is_uri, prep_fmt1 },
	{ "siputils_is_numeric", siputils_is_numeric, prep_fmt1 },
	{ "siputils_is_alphanum", siputils_is_alphanum, prep_fmt1 },
	{ "siputils_is_tel_number", siputils_is_tel_number, prep_fmt1 },
	{ "siputils_is_e164", siputils_is_e164, prep_pv1 },
	{ "siputils_is_uri_user_e164", siputils_is_uri_user_e164, prep_pv1 },
	{ "siputils_is_supported", siputils_is_supported, NULL },
	{ "siputils_add_uri_param", siputils_add_uri_param, NULL },
	{ "siputils_uri_param_rm", siputils_uri_param_rm, prep_fmt1 },
	{ "siputils_is_alphanumex", siputils_is_alphanumex, prep_fmt2 },
	{ "siputils_cmp_hdr_name", siputils_cmp_hdr_name, prep_fmt2 },
	{ 0 },
};
