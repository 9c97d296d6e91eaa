/* tr.c: transformations, `{class.subtype[,params]}` after a spec's name
 * (kamailio-language.md 6.4; Kamailio's pv_trans.c), applied left to right.
 * This file parses them and applies a spec's list; the classes live in
 * tr_str.c (s.*) and tr_sip.c (uri.*, param.*, nameaddr.*, tobody.*), what
 * the three share in tr_int.h.
 *
 * Supported: s.* (len int md5 tolower toupper numeric trim rtrim ltrim
 * substr select strip striptail stripto prefixes prefixes.quoted replace
 * count before after rbefore rafter rm encode/decode.hexa encode/decode.base64
 * escape/unescape.common/user/param unquote unbracket), uri.*, param.*,
 * nameaddr.*, tobody.*.  A name routec does not know is refused when the
 * script loads.  A parameter is literal text or a pseudo-variable; the
 * separators of s.select and param.* are single literal characters ("\n"
 * and the like allowed), so `{s.select,1,,}` splits on ','.
 *
 * Failing cases are Kamailio's: a transformation of a null value fails, as
 * do s.int on text that is not a number, s.substr out of range, uri.* on a
 * string that is not a URI; the value of the whole spec is then null.
 */
#include "pv/tr_int.h"

#include <string.h>

/* Parameter kinds: i int, s string, c one literal character; upper case:
 * optional. */
static const struct {
	const char *name;
	int op;
	const char *params;
} tr_defs[] = {
	{ "s.len", S_LEN, "" }, { "s.int", S_INT, "" }, { "s.md5", S_MD5, "" },
	{ "s.tolower", S_LOWER, "" }, { "s.toupper", S_UPPER, "" }, { "s.numeric", S_NUMERIC, "" },
	{ "s.trim", S_TRIM, "" }, { "s.rtrim", S_RTRIM, "" }, { "s.ltrim", S_LTRIM, "" },
	{ "s.encode.hexa", S_ENCHEX, "" }, { "s.decode.hexa", S_DECHEX, "" },
	{ "s.encode.base64", S_ENC64, "" }, { "s.decode.base64", S_DEC64, "" },
	{ "s.escape.common", S_ESCCOMMON, "" }, { "s.unescape.common", S_UNESCCOMMON, "" },
	{ "s.escape.user", S_ESCUSER, "" }, { "s.unescape.user", S_UNESCUSER, "" },
	{ "s.escape.param", S_ESCPARAM, "" }, { "s.unescape.param", S_UNESCPARAM, "" },
	{ "s.unquote", S_UNQUOTE, "" }, { "s.unbracket", S_UNBRACKET, "" },
	{ "s.substr", S_SUBSTR, "ii" }, { "s.select", S_SELECT, "ic" }, { "s.strip", S_STRIP, "i" },
	{ "s.striptail", S_STRIPTAIL, "i" }, { "s.stripto", S_STRIPTO, "s" },
	{ "s.prefixes", S_PREFIXES, "I" }, { "s.prefixes.quoted", S_PREFIXESQ, "I" },
	{ "s.replace", S_REPLACE, "ss" }, { "s.count", S_COUNT, "s" }, { "s.before", S_BEFORE, "s" },
	{ "s.after", S_AFTER, "s" }, { "s.rbefore", S_RBEFORE, "s" }, { "s.rafter", S_RAFTER, "s" },
	{ "s.rm", S_RM, "s" },
	{ "uri.user", URI_USER, "" }, { "uri.host", URI_HOST, "" }, { "uri.domain", URI_HOST, "" },
	{ "uri.passwd", URI_PASSWD, "" }, { "uri.port", URI_PORT, "" }, { "uri.params", URI_PARAMS, "" },
	{ "uri.param", URI_PARAM, "s" }, { "uri.headers", URI_HEADERS, "" },
	{ "uri.transport", URI_TRANSPORT, "" }, { "uri.ttl", URI_TTL, "" }, { "uri.uparam", URI_UPARAM, "" },
	{ "uri.maddr", URI_MADDR, "" }, { "uri.method", URI_METHOD, "" }, { "uri.lr", URI_LR, "" },
	{ "uri.r2", URI_R2, "" }, { "uri.scheme", URI_SCHEME, "" }, { "uri.duri", URI_DURI, "" },
	{ "uri.saor", URI_SAOR, "" }, { "uri.suri", URI_SURI, "" },
	{ "param.value", PL_VALUE, "sC" }, { "param.in", PL_IN, "sC" }, { "param.valueat", PL_VALUEAT, "iC" },
	{ "param.name", PL_NAME, "iC" }, { "param.count", PL_COUNT, "C" },
	{ "nameaddr.name", NA_NAME, "" }, { "nameaddr.uri", NA_URI, "" }, { "nameaddr.len", NA_LEN, "" },
	{ "tobody.uri", TB_URI, "" }, { "tobody.tag", TB_TAG, "" }, { "tobody.user", TB_USER, "" },
	{ "tobody.host", TB_HOST, "" }, { "tobody.params", TB_PARAMS, "" },
	{ "tobody.display", TB_DISPLAY, "" },
};

#define TR_MAX 16     /* transformations in one spec */

/* ---- parsing ----------------------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* One literal character parameter, with \n \r \t \\ escapes. */
static int parse_char(const char *p, const char *e, tr_param *tp)
{
	static const char esc_from[] = "nrt\\", esc_to[] = "\n\r\t\\";
	if (p >= e || *p == '}')
		return -1;
	if (*p == '\\' && p + 1 < e) {
		const char *x = strchr(esc_from, p[1]);
		if (!x || !p[1])
			return -1;
		tp->s.s = esc_to + (x - esc_from);
		tp->s.len = 1;
		tp->set = 1;
		return 2;
	}
	tp->s.s = p;
	tp->s.len = 1;
	tp->set = 1;
	return 1;
}

/* An int or string parameter: a pseudo-variable, or text to ',' or '}'. */
static int parse_value(rc_gen_t *g, const char *p, const char *e, int is_int, tr_param *tp, const char *where)
{
	const char *s = p;
	while (p < e && is_space(*p))
		p++;
	if (p < e && *p == '$') {
		int used;
		if (!(tp->pv = pv_parse(g, p, (int)(e - p), &used, where)))
			return -1;
		p += used;
		while (p < e && is_space(*p))
			p++;
		tp->set = 1;
		return (int)(p - s);
	}
	const char *v = p;
	while (p < e && *p != ',' && *p != '}')
		p++;
	const char *ve = p;
	while (ve > v && is_space(ve[-1]))
		ve--;
	tp->set = 1;
	if (is_int) {
		if (!pv_str2sint(v, (int)(ve - v), &tp->i) || ve == v)
			return -1;
	} else {
		if (!(tp->s.s = pv_gen_strdup(g, v, (int)(ve - v))))
			return -1;
		tp->s.len = (int)(ve - v);
	}
	return (int)(p - s);
}

int pv_tr_parse(rc_gen_t *g, const char *s, int len, const pv_tr **out, int *nout, const char *where)
{
	const char *p = s, *e = s + len;
	const char *w = where ? where : "?";
	pv_tr *tr = rt_gen_alloc(g, TR_MAX * sizeof *tr);
	int n = 0;
	if (!tr)
		return -1;
	while (p < e && *p == '{') {
		const char *name = ++p;
		while (p < e && *p != ',' && *p != '}')
			p++;
		if (p >= e)
			goto bad;
		int nlen = (int)(p - name), k = -1;
		for (int i = 0; i < (int)(sizeof tr_defs / sizeof tr_defs[0]); i++)
			if ((int)strlen(tr_defs[i].name) == nlen && !memcmp(tr_defs[i].name, name, (size_t)nlen)) {
				k = i;
				break;
			}
		if (k < 0) {
			rt_log(RT_L_ERR, "%s: unknown transformation '{%.*s}'", w, nlen, name);
			return -1;
		}
		if (n == TR_MAX) {
			rt_log(RT_L_ERR, "%s: more than %d transformations", w, TR_MAX);
			return -1;
		}
		pv_tr *t = &tr[n++];
		t->op = tr_defs[k].op;
		const char *kinds = tr_defs[k].params;
		for (int i = 0; kinds[i]; i++) {
			char kind = kinds[i];
			int optional = kind >= 'A' && kind <= 'Z';
			if (*p != ',') {
				if (optional)
					break;
				rt_log(RT_L_ERR, "%s: '{%.*s}' needs %d parameter(s)", w, nlen, name, (int)strlen(kinds));
				return -1;
			}
			p++;
			int used = (kind | 0x20) == 'c' ? parse_char(p, e, &t->p[i])
			                                 : parse_value(g, p, e, (kind | 0x20) == 'i', &t->p[i], where);
			if (used < 0) {
				rt_log(RT_L_ERR, "%s: bad parameter %d of '{%.*s}'", w, i + 1, nlen, name);
				return -1;
			}
			p += used;
		}
		if (p >= e || *p != '}') {
			rt_log(RT_L_ERR, "%s: too many parameters or no '}' in '{%.*s'", w, nlen, name);
			return -1;
		}
		p++;
		while (p < e && is_space(*p))
			p++;
	}
	*out = tr;
	*nout = n;
	return (int)(p - s);
bad:
	rt_log(RT_L_ERR, "%s: unterminated transformation in '%.*s'", w, len, s);
	return -1;
}

/* ---- parameters at run time ------------------------------------------------------ */

int pv_tr_p_int(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, int *out)
{
	if (!tp->pv) {
		*out = tp->i;
		return 0;
	}
	rc_val v;
	if (pv_get(m, c, tp->pv, &v) < 0 || v.type == RC_NULL)
		return -1;
	*out = rc_v_int(&v);
	return 0;
}

/* A string parameter.  A pseudo-variable giving "" is refused (Kamailio:
 * "cannot get p1"); so is an empty literal where a character is needed. */
int pv_tr_p_str_opt(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, rc_str *out, int need)
{
	if (!tp->pv) {
		*out = tp->s;
		return need && out->len <= 0 ? -1 : 0;
	}
	rc_val v;
	if (pv_get(m, c, tp->pv, &v) < 0 || v.type == RC_NULL)
		return -1;
	*out = rc_v_str(m, &v);
	return out->len > 0 ? 0 : -1;
}

int pv_tr_p_str(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, rc_str *out)
{
	return pv_tr_p_str_opt(m, c, tp, out, 1);
}

/* ---- results, for tr_str.c and tr_sip.c ---------------------------------------- */

int pv_tr_set_str(rc_val *v, const char *s, int len)
{
	*v = pv_vstr(s, len);
	return 0;
}

int pv_tr_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int pv_tr_apply(rc_msg_t *m, rc_ctx_t *c, const pv_tr *tr, int ntr, rc_val *v)
{
	for (int i = 0; i < ntr; i++) {
		const pv_tr *t = &tr[i];
		int rc;
		if (v->type == RC_NULL)
			return -1;
		if (t->op <= S_RM)
			rc = pv_tr_string(m, c, t, v);
		else if (t->op <= URI_SURI)
			rc = pv_tr_uri(m, c, t, v);
		else if (t->op <= PL_COUNT)
			rc = pv_tr_plist(m, c, t, v);
		else if (t->op <= NA_LEN)
			rc = pv_tr_nameaddr(m, t, v);
		else
			rc = pv_tr_tobody(m, t, v);
		if (rc < 0)
			return -1;
	}
	return 0;
}
