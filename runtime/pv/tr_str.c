/* tr_str.c: the s.* transformations (text to text or to a number) and the
 * string helpers only they use: hex, base64, %XX and backslash escapes.
 * pv_tr_string hands each op to the function of its group; the groups follow
 * the order of the ops in tr_int.h.  Parsing and pv_tr_apply are in tr.c.
 */
#include "pv/tr_int.h"

#include <string.h>

/* ---- string helpers ------------------------------------------------------------- */

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
	return pv_tr_set_str(v, d, o);
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
	return pv_tr_set_str(v, d, o);
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
	return pv_tr_set_str(v, d, o);
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
	return pv_tr_set_str(v, d, o);
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
	return pv_tr_set_str(v, d, o);
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
	return pv_tr_set_str(v, d, o);
}

/* ---- s.* ---------------------------------------------------------------------- */

/* len int md5 tolower toupper numeric trim rtrim ltrim */
static int str_convert(rc_msg_t *m, const pv_tr *t, rc_str s, rc_val *v)
{
	int i, j;
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
		return pv_tr_set_str(v, d, 32);
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
		return pv_tr_set_str(v, d, s.len);
	case S_NUMERIC:
		if (!(d = rc_tmp(m, s.len + 1)))
			return -1;
		for (i = j = 0; i < s.len; i++)
			if (s.s[i] >= '0' && s.s[i] <= '9')
				d[j++] = s.s[i];
		d[j] = '\0';
		return pv_tr_set_str(v, d, j);
	case S_TRIM:
	case S_LTRIM:
	case S_RTRIM:
		i = 0;
		j = s.len;
		if (t->op != S_RTRIM)
			while (i < j && pv_tr_ws(s.s[i]))
				i++;
		if (t->op != S_LTRIM)
			while (j > i && pv_tr_ws(s.s[j - 1]))
				j--;
		return pv_tr_set_str(v, s.s + i, j - i);
	default:
		return -1;
	}
}

/* encode/decode.hexa/base64, escape/unescape.*, unquote, unbracket */
static int str_code(rc_msg_t *m, const pv_tr *t, rc_str s, rc_val *v)
{
	int i;
	char *d;
	switch (t->op) {
	case S_ENCHEX:
		if (!(d = rc_tmp(m, 2 * s.len + 1)))
			return -1;
		for (i = 0; i < s.len; i++) {
			d[2 * i] = hexd[(unsigned char)s.s[i] >> 4];
			d[2 * i + 1] = hexd[s.s[i] & 15];
		}
		d[2 * s.len] = '\0';
		return pv_tr_set_str(v, d, 2 * s.len);
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
		return pv_tr_set_str(v, d, i);
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
			return pv_tr_set_str(v, s.s + 1, s.len - 2);
		return pv_tr_set_str(v, s.s, s.len);
	case S_UNBRACKET:
		if (s.len >= 2 && ((s.s[0] == '(' && s.s[s.len - 1] == ')') || (s.s[0] == '[' && s.s[s.len - 1] == ']') ||
		                   (s.s[0] == '{' && s.s[s.len - 1] == '}') || (s.s[0] == '<' && s.s[s.len - 1] == '>')))
			return pv_tr_set_str(v, s.s + 1, s.len - 2);
		return pv_tr_set_str(v, s.s, s.len);
	default:
		return -1;
	}
}

/* substr strip striptail: a part by position */
static int str_substr(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_str s, rc_val *v)
{
	int i, j;
	switch (t->op) {
	case S_SUBSTR:
		if (pv_tr_p_int(m, c, &t->p[0], &i) < 0 || pv_tr_p_int(m, c, &t->p[1], &j) < 0 ||
		    j < 0)
			return -1;
		if (i >= 0) {
			if (i >= s.len)
				return -1;
			if (j == 0 || i + j >= s.len)
				j = s.len - i;
			return pv_tr_set_str(v, s.s + i, j);
		}
		i = -i;
		if (i > s.len)
			return -1;
		if (j == 0 || i < j)
			j = i;
		return pv_tr_set_str(v, s.s + s.len - i, j);
	case S_STRIP:
	case S_STRIPTAIL:
		if (pv_tr_p_int(m, c, &t->p[0], &i) < 0)
			return -1;
		if (i <= 0)
			return pv_tr_set_str(v, s.s, s.len);
		if (i >= s.len)
			return pv_tr_set_str(v, "", 0);
		return pv_tr_set_str(v, t->op == S_STRIP ? s.s + i : s.s, s.len - i);
	default:
		return -1;
	}
}

/* select: the i-th field between separators */
static int str_select(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_str s, rc_val *v)
{
	int i, k;
	char sep = t->p[1].s.s[0];
	if (pv_tr_p_int(m, c, &t->p[0], &i) < 0)
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
			return pv_tr_set_str(v, "", 0);
		return pv_tr_set_str(v, s.s + k + 1, end - k - 1);
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
		return pv_tr_set_str(v, "", 0);
	return pv_tr_set_str(v, s.s + start, k - start);
}

/* prefixes prefixes.quoted: "a,ab,abc" */
static int str_prefixes(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_str s, rc_val *v)
{
	int i, j;
	char *d;
	int max = s.len, q = t->op == S_PREFIXESQ;
	if (t->p[0].set) {
		if (pv_tr_p_int(m, c, &t->p[0], &i) < 0)
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
	return pv_tr_set_str(v, d, j);
}

/* stripto count before after rbefore rafter: around a character */
static int str_search(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_str s, rc_val *v)
{
	rc_str a;
	int i, j;
	if (pv_tr_p_str(m, c, &t->p[0], &a) < 0)
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
		return i >= s.len ? pv_tr_set_str(v, "", 0)
		                   : pv_tr_set_str(v, s.s + i, s.len - i);
	if (t->op == S_BEFORE || t->op == S_RBEFORE)
		return pv_tr_set_str(v, s.s, i);
	return i >= s.len - 1 ? pv_tr_set_str(v, "", 0)
	                      : pv_tr_set_str(v, s.s + i + 1, s.len - i - 1);
}

/* replace rm: every occurrence of a string */
static int str_replace(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_str s, rc_val *v)
{
	rc_str a, b;
	int i, j;
	char *d;
	if (pv_tr_p_str(m, c, &t->p[0], &a) < 0)
		return -1;
	b.s = "";
	b.len = 0;
	if (t->op == S_REPLACE && pv_tr_p_str_opt(m, c, &t->p[1], &b, 0) < 0)
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
	return pv_tr_set_str(v, d, j);
}

/* s.int of an int keeps it as it is; every other op works on its text. */
int pv_tr_string(rc_msg_t *m, rc_ctx_t *c, const pv_tr *t, rc_val *v)
{
	if (t->op == S_INT && v->type == RC_INT)
		return 0;
	rc_str s = rc_v_str(m, v);
	if (t->op <= S_LTRIM)
		return str_convert(m, t, s, v);
	if (t->op <= S_UNBRACKET)
		return str_code(m, t, s, v);
	if (t->op <= S_STRIPTAIL)
		return str_substr(m, c, t, s, v);
	if (t->op == S_SELECT)
		return str_select(m, c, t, s, v);
	if (t->op <= S_PREFIXESQ)
		return str_prefixes(m, c, t, s, v);
	if (t->op <= S_RAFTER)
		return str_search(m, c, t, s, v);
	if (t->op <= S_RM)
		return str_replace(m, c, t, s, v);
	return -1;
}
