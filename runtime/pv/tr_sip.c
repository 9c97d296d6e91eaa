/* tr_sip.c: the transformations of SIP text: uri.* (parts of a URI),
 * param.* (a "name=value;..." list), nameaddr.* and tobody.* (a To/From
 * style body).  A value that does not parse is a failure, as in Kamailio.
 * Parsing and pv_tr_apply are in tr.c, s.* in tr_str.c.
 */
#include "pv/tr_int.h"

#include <string.h>

/* ---- uri.* ---------------------------------------------------------------------- */

static int param_val(sip_str params, const char *name, int nlen, rc_val *v)
{
	int pos = 0;
	sip_str n, val;
	while (sip_param_next(params, &pos, &n, &val) > 0)
		if (pv_eqi(n.s, n.len, name, nlen))
			return pv_tr_set_str(v, val.s ? val.s : "", val.s ? val.len : 0);
	return pv_tr_set_str(v, "", 0);
}

int pv_tr_uri(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v)
{
	rc_str s = rc_v_str(m, v), a;
	sip_uri u;
	if (s.len <= 0)
		return -1;
	int len = s.len;
	if (len > 4 && s.s[len - 1] == ';')
		len--; /* Kamailio tolerates a trailing ';' */
	if (sip_uri_parse(s.s, len, &u) < 0) {
		rt_log(RT_L_ERR, "invalid uri [%.*s]", s.len, s.s);
		return -1;
	}
	sip_str params = u.params;
	if (params.len > 0 && params.s[0] == ';') {
		params.s++;
		params.len--;
	}
	switch (t->op) {
	case URI_USER: return pv_tr_set_str(v, u.user.s ? u.user.s : "", u.user.len);
	case URI_HOST: return pv_tr_set_str(v, u.host.s ? u.host.s : "", u.host.len);
	case URI_PASSWD: return pv_tr_set_str(v, u.password.s ? u.password.s : "", u.password.len);
	case URI_PORT:
		if (!u.port_s.s)
			return pv_tr_set_str(v, "", 0);
		*v = pv_vint(u.port);
		return 0;
	case URI_PARAMS: return pv_tr_set_str(v, params.s ? params.s : "", params.len);
	case URI_PARAM:
		if (pv_tr_p_str(m, c, &t->p[0], &a) < 0)
			return -1;
		return param_val(u.params, a.s, a.len, v);
	case URI_HEADERS: return pv_tr_set_str(v, u.headers.s ? u.headers.s : "", u.headers.len);
	case URI_TRANSPORT:
		return pv_tr_set_str(v, u.transport.s ? u.transport.s : "", u.transport.len);
	case URI_TTL: return pv_tr_set_str(v, u.ttl.s ? u.ttl.s : "", u.ttl.len);
	case URI_UPARAM:
		return pv_tr_set_str(v, u.user_param.s ? u.user_param.s : "", u.user_param.len);
	case URI_MADDR: return pv_tr_set_str(v, u.maddr.s ? u.maddr.s : "", u.maddr.len);
	case URI_METHOD: return pv_tr_set_str(v, u.method.s ? u.method.s : "", u.method.len);
	case URI_LR: return param_val(u.params, "lr", 2, v);
	case URI_R2: return param_val(u.params, "r2", 2, v);
	case URI_SCHEME: {
		const char *colon = memchr(s.s, ':', (size_t)s.len);
		return pv_tr_set_str(v, s.s, (int)(colon - s.s));
	}
	default: { /* duri saor suri */
		const char *colon = memchr(s.s, ':', (size_t)s.len);
		int sl = (int)(colon - s.s) + 1, n = 0;
		int user = t->op != URI_DURI && u.user.len > 0, port = t->op != URI_SAOR;
		char *d = rc_tmp(m, sl + u.user.len + u.host.len + u.port_s.len + u.transport.len + 16);
		if (!d)
			return -1;
		memcpy(d, s.s, (size_t)sl);
		n = sl;
		if (user) {
			memcpy(d + n, u.user.s, (size_t)u.user.len);
			n += u.user.len;
			d[n++] = '@';
		}
		if (u.ipv6)
			d[n++] = '[';
		memcpy(d + n, u.host.s, (size_t)u.host.len);
		n += u.host.len;
		if (u.ipv6)
			d[n++] = ']';
		if (port && u.port_s.len > 0) {
			d[n++] = ':';
			memcpy(d + n, u.port_s.s, (size_t)u.port_s.len);
			n += u.port_s.len;
		}
		if (port && u.transport.len > 0) {
			memcpy(d + n, ";transport=", 11);
			n += 11;
			memcpy(d + n, u.transport.s, (size_t)u.transport.len);
			n += u.transport.len;
		}
		d[n] = '\0';
		return pv_tr_set_str(v, d, n);
	}
	}
}

/* ---- param.* ---------------------------------------------------------------------- */

/* The i-th "name[=value]" of a list (i from 0; negative from the end), or -1. */
static int plist_at(rc_str s, char sep, int want, rc_str *name, rc_str *val)
{
	int count = 0, k;
	for (int pass = 0; pass < 2; pass++) {
		int idx = 0, i = 0;
		if (pass == 1) {
			if (want < 0)
				want += count;
			if (want < 0 || want >= count)
				return -1;
		}
		while (i <= s.len) {
			int st = i, q = 0;
			for (k = i; k < s.len && (q || s.s[k] != sep); k++)
				if (s.s[k] == '"')
					q = !q;
			int a = st, b = k;
			while (a < b && pv_tr_ws(s.s[a]))
				a++;
			while (b > a && pv_tr_ws(s.s[b - 1]))
				b--;
			if (b > a) {
				if (pass == 1 && idx == want) {
					const char *eq = memchr(s.s + a, '=', (size_t)(b - a));
					name->s = s.s + a;
					name->len = eq ? (int)(eq - name->s) : b - a;
					while (name->len > 0 && pv_tr_ws(name->s[name->len - 1]))
						name->len--;
					val->s = eq ? eq + 1 : s.s + b;
					val->len = eq ? (int)(s.s + b - val->s) : 0;
					while (val->len > 0 && pv_tr_ws(val->s[0]))
						val->s++, val->len--;
					return 0;
				}
				idx++;
			}
			i = k + 1;
		}
		count = idx;
		if (pass == 0 && want == -0x7fffffff)
			return count;
	}
	return -1;
}

int pv_tr_plist(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v)
{
	rc_str s = rc_v_str(m, v), a, name, val;
	int i;
	if (s.len <= 0)
		return -1;
	const tr_param *sp = t->op == PL_COUNT ? &t->p[0] : &t->p[1];
	char sep = sp->set ? sp->s.s[0] : ';';
	switch (t->op) {
	case PL_VALUE:
	case PL_IN:
		if (pv_tr_p_str(m, c, &t->p[0], &a) < 0)
			return -1;
		for (i = 0; plist_at(s, sep, i, &name, &val) == 0; i++)
			if (pv_eqi(name.s, name.len, a.s, a.len)) {
				if (t->op == PL_IN) {
					*v = pv_vint(1);
					return 0;
				}
				return pv_tr_set_str(v, val.s, val.len);
			}
		if (t->op == PL_IN) {
			*v = pv_vint(0);
			return 0;
		}
		return pv_tr_set_str(v, "", 0);
	case PL_VALUEAT:
	case PL_NAME:
		if (pv_tr_p_int(m, c, &t->p[0], &i) < 0)
			return -1;
		if (plist_at(s, sep, i, &name, &val) < 0)
			return pv_tr_set_str(v, "", 0);
		return t->op == PL_NAME ? pv_tr_set_str(v, name.s, name.len)
		                        : pv_tr_set_str(v, val.s, val.len);
	default:
		*v = pv_vint(plist_at(s, sep, -0x7fffffff, &name, &val));
		return 0;
	}
}

/* ---- nameaddr.* and tobody.* ------------------------------------------------------ */

int pv_tr_nameaddr(rc_msg_t *m, const pv_tr *t, rc_val *v)
{
	rc_str s = rc_v_str(m, v);
	if (s.len <= 0)
		return -1;
	const char *p = s.s, *e = s.s + s.len;
	while (p < e && pv_tr_ws(*p))
		p++;
	const char *lt = NULL;
	for (const char *q = p; q < e; q++) {
		if (*q == '"') {
			for (q++; q < e && *q != '"'; q++)
				if (*q == '\\')
					q++;
		} else if (*q == '<') {
			lt = q;
			break;
		}
	}
	rc_str name = { "", 0 }, uri;
	int len;
	if (lt) {
		const char *gt = memchr(lt, '>', (size_t)(e - lt));
		if (!gt)
			return -1;
		const char *ne = lt;
		while (ne > p && pv_tr_ws(ne[-1]))
			ne--;
		name.s = p;
		name.len = (int)(ne - p);
		uri.s = lt + 1;
		uri.len = (int)(gt - lt - 1);
		len = (int)(gt + 1 - s.s);
	} else {
		const char *ue = e;
		while (ue > p && pv_tr_ws(ue[-1]))
			ue--;
		uri.s = p;
		uri.len = (int)(ue - p);
		len = s.len;
	}
	switch (t->op) {
	case NA_NAME: return pv_tr_set_str(v, name.s, name.len);
	case NA_URI: return pv_tr_set_str(v, uri.s, uri.len);
	default: *v = pv_vint(len); return 0;
	}
}

int pv_tr_tobody(rc_msg_t *m, const pv_tr *t, rc_val *v)
{
	rc_str s = rc_v_str(m, v);
	sip_addr a;
	sip_uri u;
	if (s.len <= 0 || sip_addr_parse(s.s, s.len, 0, &a) < 0) {
		rt_log(RT_L_ERR, "invalid name-addr [%.*s]", s.len, s.s);
		return -1;
	}
	switch (t->op) {
	case TB_URI: return pv_tr_set_str(v, a.uri.s, a.uri.len);
	case TB_TAG: return pv_tr_set_str(v, a.tag.s ? a.tag.s : "", a.tag.len);
	case TB_DISPLAY: return pv_tr_set_str(v, a.display.s ? a.display.s : "", a.display.len);
	case TB_PARAMS: {
		const char *p = a.params.s, *e = p ? p + a.params.len : NULL;
		while (p && p < e && (*p == ';' || pv_tr_ws(*p)))
			p++;
		if (!p || p >= e)
			return pv_tr_set_str(v, "", 0);
		return pv_tr_set_str(v, p, (int)(s.s + s.len - p));
	}
	default:
		if (sip_uri_parse(a.uri.s, a.uri.len, &u) < 0)
			return -1;
		if (t->op == TB_USER)
			return pv_tr_set_str(v, u.user.s ? u.user.s : "", u.user.len);
		return pv_tr_set_str(v, u.host.s ? u.host.s : "", u.host.len);
	}
}
