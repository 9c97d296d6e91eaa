/* tr.c: transformations, `{class.subtype[,params]}` after a spec's name
 * (kamailio-language.md 6.4; Kamailio's pv_trans.c), applied left to right.
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
#include "pv/pv.h"

#include <string.h>

enum {
	S_LEN, S_INT, S_MD5, S_LOWER, S_UPPER, S_NUMERIC, S_TRIM, S_RTRIM, S_LTRIM, S_ENCHEX, S_DECHEX,
	S_ENC64, S_DEC64, S_ESCCOMMON, S_UNESCCOMMON, S_ESCUSER, S_UNESCUSER, S_ESCPARAM, S_UNESCPARAM,
	S_UNQUOTE, S_UNBRACKET, S_SUBSTR, S_SELECT, S_STRIP, S_STRIPTAIL, S_STRIPTO, S_PREFIXES,
	S_PREFIXESQ, S_REPLACE, S_COUNT, S_BEFORE, S_AFTER, S_RBEFORE, S_RAFTER, S_RM,
	URI_USER, URI_HOST, URI_PASSWD, URI_PORT, URI_PARAMS, URI_PARAM, URI_HEADERS, URI_TRANSPORT,
	URI_TTL, URI_UPARAM, URI_MADDR, URI_METHOD, URI_LR, URI_R2, URI_SCHEME, URI_DURI, URI_SAOR, URI_SURI,
	PL_VALUE, PL_IN, PL_VALUEAT, PL_NAME, PL_COUNT,
	NA_NAME, NA_URI, NA_LEN,
	TB_URI, TB_TAG, TB_USER, TB_HOST, TB_PARAMS, TB_DISPLAY
};

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
#define TR_PARAMS 2

typedef struct tr_param {
	int set;
	int i;
	rc_str s;
	rc_pv *pv;
} tr_param;

struct pv_tr {
	int op;
	tr_param p[TR_PARAMS];
};

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

static int p_int(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, int *out)
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
static int p_str_opt(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, rc_str *out, int need)
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

static int p_str(rc_msg_t *m, rc_ctx_t *c, const tr_param *tp, rc_str *out)
{
	return p_str_opt(m, c, tp, out, 1);
}

/* ---- string helpers ------------------------------------------------------------- */

static int set_str(rc_val *v, const char *s, int len)
{
	*v = pv_vstr(s, len);
	return 0;
}

static const char hexd[] = "0123456789abcdef";

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_enc(rc_msg_t *m, rc_str s, rc_val *v)
{
	int n = (s.len + 2) / 3 * 4, o = 0;
	char *d = rc_tmp(m, n + 1);
	if (!d)
		return -1;
	const unsigned char *u = (const unsigned char *)s.s;
	for (int i = 0; i < s.len; i += 3) {
		unsigned x = (unsigned)u[i] << 16 | (i + 1 < s.len ? (unsigned)u[i + 1] << 8 : 0) |
		             (i + 2 < s.len ? u[i + 2] : 0);
		d[o++] = b64[x >> 18 & 63];
		d[o++] = b64[x >> 12 & 63];
		d[o++] = i + 1 < s.len ? b64[x >> 6 & 63] : '=';
		d[o++] = i + 2 < s.len ? b64[x & 63] : '=';
	}
	d[o] = '\0';
	return set_str(v, d, o);
}

static int b64_val(char c)
{
	const char *x = c ? strchr(b64, c) : NULL;
	return x ? (int)(x - b64) : -1;
}

static int b64_dec(rc_msg_t *m, rc_str s, rc_val *v)
{
	if (s.len % 4)
		return -1;
	char *d = rc_tmp(m, s.len / 4 * 3 + 1);
	int o = 0;
	if (!d)
		return -1;
	for (int i = 0; i < s.len; i += 4) {
		int a = b64_val(s.s[i]), b = b64_val(s.s[i + 1]);
		int pad2 = s.s[i + 2] == '=', pad3 = s.s[i + 3] == '=';
		int c = pad2 ? 0 : b64_val(s.s[i + 2]), e = pad3 ? 0 : b64_val(s.s[i + 3]);
		if (a < 0 || b < 0 || c < 0 || e < 0 || (pad2 && !pad3) || ((pad2 || pad3) && i + 4 != s.len))
			return -1;
		unsigned x = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)e;
		d[o++] = (char)(x >> 16);
		if (!pad2)
			d[o++] = (char)(x >> 8 & 255);
		if (!pad3)
			d[o++] = (char)(x & 255);
	}
	d[o] = '\0';
	return set_str(v, d, o);
}

/* %XX escaping of what `keep` does not allow (Kamailio's escape_user /
 * escape_param: lower-case hex; bytes outside 32..126 are an error). */
static int escape(rc_msg_t *m, rc_str s, const char *keep, rc_val *v)
{
	char *d = rc_tmp(m, 3 * s.len + 1);
	int o = 0;
	if (!d)
		return -1;
	for (int i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.s[i];
		if (c < 32 || c > 126)
			return -1;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr(keep, c)) {
			d[o++] = (char)c;
		} else {
			d[o++] = '%';
			d[o++] = hexd[c >> 4];
			d[o++] = hexd[c & 15];
		}
	}
	d[o] = '\0';
	return set_str(v, d, o);
}

static int unescape(rc_msg_t *m, rc_str s, rc_val *v)
{
	char *d = rc_tmp(m, s.len + 1);
	int o = 0;
	if (!d)
		return -1;
	for (int i = 0; i < s.len; i++) {
		if (s.s[i] == '%') {
			if (i + 2 >= s.len)
				return -1;
			int a = pv_hexval(s.s[i + 1]), b = pv_hexval(s.s[i + 2]);
			if (a < 0 || b < 0)
				return -1;
			d[o++] = (char)(a << 4 | b);
			i += 2;
		} else {
			d[o++] = s.s[i];
		}
	}
	d[o] = '\0';
	return set_str(v, d, o);
}

static int esc_common(rc_msg_t *m, rc_str s, rc_val *v)
{
	char *d = rc_tmp(m, 2 * s.len + 1);
	int o = 0;
	if (!d)
		return -1;
	for (int i = 0; i < s.len; i++) {
		char c = s.s[i];
		if (c == '\'' || c == '"' || c == '\\') {
			d[o++] = '\\';
			d[o++] = c;
		} else if (c == '\0') {
			d[o++] = '\\';
			d[o++] = '0';
		} else {
			d[o++] = c;
		}
	}
	d[o] = '\0';
	return set_str(v, d, o);
}

static int unesc_common(rc_msg_t *m, rc_str s, rc_val *v)
{
	char *d = rc_tmp(m, s.len + 1);
	int o = 0;
	if (!d)
		return -1;
	for (int i = 0; i < s.len; i++) {
		if (s.s[i] == '\\' && i + 1 < s.len && strchr("'\"\\0", s.s[i + 1]) && s.s[i + 1]) {
			d[o++] = s.s[i + 1] == '0' ? '\0' : s.s[i + 1];
			i++;
		} else {
			d[o++] = s.s[i];
		}
	}
	d[o] = '\0';
	return set_str(v, d, o);
}

static int ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- s.* ---------------------------------------------------------------------- */

static int tr_string(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v)
{
	if (t->op == S_INT && v->type == RC_INT)
		return 0;
	rc_str s = rc_v_str(m, v), a, b;
	int i, j, k;
	char *d;
	switch (t->op) {
	case S_LEN:
		*v = pv_vint(s.len);
		return 0;
	case S_INT:
		if (!pv_str2sint(s.s, s.len, &i))
			return -1;
		*v = pv_vint(i);
		return 0;
	case S_MD5: {
		if (!(d = rc_tmp(m, 33)))
			return -1;
		pv_md5_hex(&s, 1, d);
		d[32] = '\0';
		return set_str(v, d, 32);
	}
	case S_LOWER:
	case S_UPPER:
		if (!(d = rc_tmp(m, s.len + 1)))
			return -1;
		for (i = 0; i < s.len; i++) {
			char ch = s.s[i];
			if (t->op == S_LOWER && ch >= 'A' && ch <= 'Z')
				ch = (char)(ch + 32);
			else if (t->op == S_UPPER && ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 32);
			d[i] = ch;
		}
		d[s.len] = '\0';
		return set_str(v, d, s.len);
	case S_NUMERIC:
		if (!(d = rc_tmp(m, s.len + 1)))
			return -1;
		for (i = j = 0; i < s.len; i++)
			if (s.s[i] >= '0' && s.s[i] <= '9')
				d[j++] = s.s[i];
		d[j] = '\0';
		return set_str(v, d, j);
	case S_TRIM:
	case S_LTRIM:
	case S_RTRIM:
		i = 0;
		j = s.len;
		if (t->op != S_RTRIM)
			while (i < j && ws(s.s[i]))
				i++;
		if (t->op != S_LTRIM)
			while (j > i && ws(s.s[j - 1]))
				j--;
		return set_str(v, s.s + i, j - i);
	case S_ENCHEX:
		if (!(d = rc_tmp(m, 2 * s.len + 1)))
			return -1;
		for (i = 0; i < s.len; i++) {
			d[2 * i] = hexd[(unsigned char)s.s[i] >> 4];
			d[2 * i + 1] = hexd[s.s[i] & 15];
		}
		d[2 * s.len] = '\0';
		return set_str(v, d, 2 * s.len);
	case S_DECHEX:
		if (!(d = rc_tmp(m, s.len / 2 + 1)))
			return -1;
		for (i = 0; i < s.len / 2; i++) {
			int hi = pv_hexval(s.s[2 * i]), lo = pv_hexval(s.s[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return -1;
			d[i] = (char)(hi << 4 | lo);
		}
		d[i] = '\0';
		return set_str(v, d, i);
	case S_ENC64: return b64_enc(m, s, v);
	case S_DEC64: return b64_dec(m, s, v);
	case S_ESCCOMMON: return esc_common(m, s, v);
	case S_UNESCCOMMON: return unesc_common(m, s, v);
	case S_ESCUSER: return escape(m, s, "-_.!~*'()&=+$,;?", v);
	case S_ESCPARAM: return escape(m, s, "-_.!~*'()[]/:&+$", v);
	case S_UNESCUSER:
	case S_UNESCPARAM: return unescape(m, s, v);
	case S_UNQUOTE:
		if (s.len >= 2 && s.s[0] == s.s[s.len - 1] && (s.s[0] == '"' || s.s[0] == '\''))
			return set_str(v, s.s + 1, s.len - 2);
		return set_str(v, s.s, s.len);
	case S_UNBRACKET:
		if (s.len >= 2 && ((s.s[0] == '(' && s.s[s.len - 1] == ')') || (s.s[0] == '[' && s.s[s.len - 1] == ']') ||
		                   (s.s[0] == '{' && s.s[s.len - 1] == '}') || (s.s[0] == '<' && s.s[s.len - 1] == '>')))
			return set_str(v, s.s + 1, s.len - 2);
		return set_str(v, s.s, s.len);
	case S_SUBSTR:
		if (p_int(m, c, &t->p[0], &i) < 0 || p_int(m, c, &t->p[1], &j) < 0 || j < 0)
			return -1;
		if (i >= 0) {
			if (i >= s.len)
				return -1;
			if (j == 0 || i + j >= s.len)
				j = s.len - i;
			return set_str(v, s.s + i, j);
		}
		i = -i;
		if (i > s.len)
			return -1;
		if (j == 0 || i < j)
			j = i;
		return set_str(v, s.s + s.len - i, j);
	case S_SELECT: {
		char sep = t->p[1].s.s[0];
		if (p_int(m, c, &t->p[0], &i) < 0)
			return -1;
		if (i < 0) {
			/* from the end: -1 is the last field */
			int end = s.len;
			i = -i - 1;
			for (k = s.len - 1; k >= 0; k--)
				if (s.s[k] == sep) {
					if (i == 0)
						break;
					end = k;
					i--;
				}
			if (i != 0)
				return set_str(v, "", 0);
			return set_str(v, s.s + k + 1, end - k - 1);
		}
		int start = 0;
		for (k = 0; k < s.len; k++)
			if (s.s[k] == sep) {
				if (i == 0)
					break;
				start = k + 1;
				i--;
			}
		if (i != 0)
			return set_str(v, "", 0);
		return set_str(v, s.s + start, k - start);
	}
	case S_STRIP:
	case S_STRIPTAIL:
		if (p_int(m, c, &t->p[0], &i) < 0)
			return -1;
		if (i <= 0)
			return set_str(v, s.s, s.len);
		if (i >= s.len)
			return set_str(v, "", 0);
		return set_str(v, t->op == S_STRIP ? s.s + i : s.s, s.len - i);
	case S_STRIPTO:
	case S_COUNT:
	case S_BEFORE:
	case S_AFTER:
	case S_RBEFORE:
	case S_RAFTER: {
		if (p_str(m, c, &t->p[0], &a) < 0)
			return -1;
		char ch = a.s[0];
		if (t->op == S_COUNT) {
			for (i = j = 0; i < s.len; i++)
				j += s.s[i] == ch;
			*v = pv_vint(j);
			return 0;
		}
		if (t->op == S_RBEFORE || t->op == S_RAFTER) {
			for (i = s.len - 1; i >= 0 && s.s[i] != ch; i--)
				;
			if (i < 0)
				i = s.len; /* not found: as the forward search */
		} else {
			for (i = 0; i < s.len && s.s[i] != ch; i++)
				;
		}
		if (t->op == S_STRIPTO)
			return i >= s.len ? set_str(v, "", 0) : set_str(v, s.s + i, s.len - i);
		if (t->op == S_BEFORE || t->op == S_RBEFORE)
			return set_str(v, s.s, i);
		return i >= s.len - 1 ? set_str(v, "", 0) : set_str(v, s.s + i + 1, s.len - i - 1);
	}
	case S_PREFIXES:
	case S_PREFIXESQ: {
		int max = s.len, q = t->op == S_PREFIXESQ;
		if (t->p[0].set) {
			if (p_int(m, c, &t->p[0], &i) < 0)
				return -1;
			if (i > 0 && i < max)
				max = i;
		}
		int total = 0;
		for (i = 1; i <= max; i++)
			total += i + (q ? 2 : 0) + 1;
		if (!(d = rc_tmp(m, total + 1)))
			return -1;
		for (i = 1, j = 0; i <= max; i++) {
			if (q)
				d[j++] = '\'';
			memcpy(d + j, s.s, (size_t)i);
			j += i;
			if (q)
				d[j++] = '\'';
			d[j++] = ',';
		}
		j = j > 0 ? j - 1 : 0;
		d[j] = '\0';
		return set_str(v, d, j);
	}
	case S_REPLACE:
	case S_RM: {
		if (p_str(m, c, &t->p[0], &a) < 0)
			return -1;
		b.s = "";
		b.len = 0;
		if (t->op == S_REPLACE && p_str_opt(m, c, &t->p[1], &b, 0) < 0)
			return -1;
		int count = 0;
		for (i = 0; i + a.len <= s.len;)
			if (!memcmp(s.s + i, a.s, (size_t)a.len)) {
				count++;
				i += a.len;
			} else {
				i++;
			}
		int n = s.len + count * (b.len - a.len);
		if (!(d = rc_tmp(m, n + 1)))
			return -1;
		for (i = j = 0; i < s.len;)
			if (i + a.len <= s.len && !memcmp(s.s + i, a.s, (size_t)a.len)) {
				memcpy(d + j, b.s, (size_t)b.len);
				j += b.len;
				i += a.len;
			} else {
				d[j++] = s.s[i++];
			}
		d[j] = '\0';
		return set_str(v, d, j);
	}
	default:
		return -1;
	}
}

/* ---- uri.* ---------------------------------------------------------------------- */

static int param_val(sip_str params, const char *name, int nlen, rc_val *v)
{
	int pos = 0;
	sip_str n, val;
	while (sip_param_next(params, &pos, &n, &val) > 0)
		if (pv_eqi(n.s, n.len, name, nlen))
			return set_str(v, val.s ? val.s : "", val.s ? val.len : 0);
	return set_str(v, "", 0);
}

static int tr_uri(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v)
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
	case URI_USER: return set_str(v, u.user.s ? u.user.s : "", u.user.len);
	case URI_HOST: return set_str(v, u.host.s ? u.host.s : "", u.host.len);
	case URI_PASSWD: return set_str(v, u.password.s ? u.password.s : "", u.password.len);
	case URI_PORT:
		if (!u.port_s.s)
			return set_str(v, "", 0);
		*v = pv_vint(u.port);
		return 0;
	case URI_PARAMS: return set_str(v, params.s ? params.s : "", params.len);
	case URI_PARAM:
		if (p_str(m, c, &t->p[0], &a) < 0)
			return -1;
		return param_val(u.params, a.s, a.len, v);
	case URI_HEADERS: return set_str(v, u.headers.s ? u.headers.s : "", u.headers.len);
	case URI_TRANSPORT: return set_str(v, u.transport.s ? u.transport.s : "", u.transport.len);
	case URI_TTL: return set_str(v, u.ttl.s ? u.ttl.s : "", u.ttl.len);
	case URI_UPARAM: return set_str(v, u.user_param.s ? u.user_param.s : "", u.user_param.len);
	case URI_MADDR: return set_str(v, u.maddr.s ? u.maddr.s : "", u.maddr.len);
	case URI_METHOD: return set_str(v, u.method.s ? u.method.s : "", u.method.len);
	case URI_LR: return param_val(u.params, "lr", 2, v);
	case URI_R2: return param_val(u.params, "r2", 2, v);
	case URI_SCHEME: {
		const char *colon = memchr(s.s, ':', (size_t)s.len);
		return set_str(v, s.s, (int)(colon - s.s));
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
		return set_str(v, d, n);
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
			while (a < b && ws(s.s[a]))
				a++;
			while (b > a && ws(s.s[b - 1]))
				b--;
			if (b > a) {
				if (pass == 1 && idx == want) {
					const char *eq = memchr(s.s + a, '=', (size_t)(b - a));
					name->s = s.s + a;
					name->len = eq ? (int)(eq - name->s) : b - a;
					while (name->len > 0 && ws(name->s[name->len - 1]))
						name->len--;
					val->s = eq ? eq + 1 : s.s + b;
					val->len = eq ? (int)(s.s + b - val->s) : 0;
					while (val->len > 0 && ws(val->s[0]))
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

static int tr_plist(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v)
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
		if (p_str(m, c, &t->p[0], &a) < 0)
			return -1;
		for (i = 0; plist_at(s, sep, i, &name, &val) == 0; i++)
			if (pv_eqi(name.s, name.len, a.s, a.len)) {
				if (t->op == PL_IN) {
					*v = pv_vint(1);
					return 0;
				}
				return set_str(v, val.s, val.len);
			}
		if (t->op == PL_IN) {
			*v = pv_vint(0);
			return 0;
		}
		return set_str(v, "", 0);
	case PL_VALUEAT:
	case PL_NAME:
		if (p_int(m, c, &t->p[0], &i) < 0)
			return -1;
		if (plist_at(s, sep, i, &name, &val) < 0)
			return set_str(v, "", 0);
		return t->op == PL_NAME ? set_str(v, name.s, name.len) : set_str(v, val.s, val.len);
	default:
		*v = pv_vint(plist_at(s, sep, -0x7fffffff, &name, &val));
		return 0;
	}
}

/* ---- nameaddr.* and tobody.* ------------------------------------------------------ */

static int tr_nameaddr(rc_msg_t *m, const pv_tr *t, rc_val *v)
{
	rc_str s = rc_v_str(m, v);
	if (s.len <= 0)
		return -1;
	const char *p = s.s, *e = s.s + s.len;
	while (p < e && ws(*p))
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
		while (ne > p && ws(ne[-1]))
			ne--;
		name.s = p;
		name.len = (int)(ne - p);
		uri.s = lt + 1;
		uri.len = (int)(gt - lt - 1);
		len = (int)(gt + 1 - s.s);
	} else {
		const char *ue = e;
		while (ue > p && ws(ue[-1]))
			ue--;
		uri.s = p;
		uri.len = (int)(ue - p);
		len = s.len;
	}
	switch (t->op) {
	case NA_NAME: return set_str(v, name.s, name.len);
	case NA_URI: return set_str(v, uri.s, uri.len);
	default: *v = pv_vint(len); return 0;
	}
}

static int tr_tobody(rc_msg_t *m, const pv_tr *t, rc_val *v)
{
	rc_str s = rc_v_str(m, v);
	sip_addr a;
	sip_uri u;
	if (s.len <= 0 || sip_addr_parse(s.s, s.len, 0, &a) < 0) {
		rt_log(RT_L_ERR, "invalid name-addr [%.*s]", s.len, s.s);
		return -1;
	}
	switch (t->op) {
	case TB_URI: return set_str(v, a.uri.s, a.uri.len);
	case TB_TAG: return set_str(v, a.tag.s ? a.tag.s : "", a.tag.len);
	case TB_DISPLAY: return set_str(v, a.display.s ? a.display.s : "", a.display.len);
	case TB_PARAMS: {
		const char *p = a.params.s, *e = p ? p + a.params.len : NULL;
		while (p && p < e && (*p == ';' || ws(*p)))
			p++;
		if (!p || p >= e)
			return set_str(v, "", 0);
		return set_str(v, p, (int)(s.s + s.len - p));
	}
	default:
		if (sip_uri_parse(a.uri.s, a.uri.len, &u) < 0)
			return -1;
		if (t->op == TB_USER)
			return set_str(v, u.user.s ? u.user.s : "", u.user.len);
		return set_str(v, u.host.s ? u.host.s : "", u.host.len);
	}
}

int pv_tr_apply(rc_msg_t *m, rc_ctx_t *c, const pv_tr *tr, int ntr, rc_val *v)
{
	for (int i = 0; i < ntr; i++) {
		const pv_tr *t = &tr[i];
		int rc;
		if (v->type == RC_NULL)
			return -1;
		if (t->op <= S_RM)
			rc = tr_string(m, c, t, v);
		else if (t->op <= URI_SURI)
			rc = tr_uri(m, c, t, v);
		else if (t->op <= PL_COUNT)
			rc = tr_plist(m, c, t, v);
		else if (t->op <= NA_LEN)
			rc = tr_nameaddr(m, t, v);
		else
			rc = tr_tobody(m, t, v);
		if (rc < 0)
			return -1;
	}
	return 0;
}
