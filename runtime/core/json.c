/* json.c: the strict JSON reader and the printers of json.h. */
#include "core/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_rd_init(json_rd *r, const char *s, size_t n)
{
	memset(r, 0, sizeof *r);
	r->p = r->start = s;
	r->end = s + n;
}

size_t json_offset(const json_rd *r)
{
	return (size_t)(r->p - r->start);
}

static int fail(json_rd *r, const char *why)
{
	if (!r->err)
		r->err = why;
	return JSON_ERR;
}

static void skip_ws(json_rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

int json_peek(json_rd *r)
{
	if (r->err)
		return JSON_ERR;
	skip_ws(r);
	if (r->p == r->end)
		return fail(r, "unexpected end of input");
	switch (*r->p) {
	case '{': return JSON_OBJ;
	case '[': return JSON_ARR;
	case '"': return JSON_STR;
	case 't': return JSON_TRUE;
	case 'f': return JSON_FALSE;
	case 'n': return JSON_NULL;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return JSON_NUM;
		return fail(r, "a value was expected");
	}
}

/* ---- scalars -------------------------------------------------------------------- */

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	int n;
	unsigned cp, min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (end - p < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int scan_str(json_rd *r)
{
	const char *p = r->p + 1;
	while (p < r->end) {
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			r->p = p + 1;
			return JSON_STR;
		}
		if (c < 0x20) {
			r->p = p;
			return fail(r, "control character in a string");
		}
		if (c == '\\') {
			if (r->end - p < 2)
				break;
			char e = p[1];
			if (e == 'u') {
				int v = r->end - p >= 6 ? hex4(p + 2) : -1;
				if (v < 0) {
					r->p = p;
					return fail(r, "bad \\u escape");
				}
				p += 6;
				if (v >= 0xdc00 && v <= 0xdfff) {
					r->p = p - 6;
					return fail(r, "lone low surrogate");
				}
				if (v >= 0xd800 && v <= 0xdbff) { /* a pair must follow */
					int lo = r->end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
					if (lo < 0xdc00 || lo > 0xdfff) {
						r->p = p - 6;
						return fail(r, "lone high surrogate");
					}
					p += 6;
				}
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || !e) {
				r->p = p;
				return fail(r, "bad escape in a string");
			}
			p += 2;
			continue;
		}
		int n = utf8_len((const unsigned char *)p, (const unsigned char *)r->end);
		if (!n) {
			r->p = p;
			return fail(r, "invalid UTF-8 in a string");
		}
		p += n;
	}
	r->p = r->end;
	return fail(r, "unterminated string");
}

static int is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static int scan_num(json_rd *r)
{
	const char *p = r->p, *e = r->end;
	if (p < e && *p == '-')
		p++;
	if (!is_digit(p, e))
		return fail(r, "bad number");
	if (*p == '0') {
		p++;
		if (is_digit(p, e))
			return fail(r, "leading zero in a number");
	} else {
		while (is_digit(p, e))
			p++;
	}
	if (p < e && *p == '.') {
		p++;
		if (!is_digit(p, e))
			return fail(r, "bad number");
		while (is_digit(p, e))
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, e))
			return fail(r, "bad number");
		while (is_digit(p, e))
			p++;
	}
	r->p = p;
	return JSON_NUM;
}

static int scan_lit(json_rd *r, const char *lit, int type)
{
	size_t n = strlen(lit);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n))
		return fail(r, "a value was expected");
	r->p += n;
	return type;
}

/* ---- containers ----------------------------------------------------------------- */

int json_enter(json_rd *r, int type)
{
	int t = json_peek(r);
	if (t != type)
		return t == JSON_ERR ? -1 : (fail(r, type == JSON_OBJ ? "an object was expected"
		                                                      : "an array was expected"), -1);
	if (r->depth == JSON_MAX_DEPTH)
		return fail(r, "nested too deeply"), -1;
	r->kind[r->depth] = (unsigned char)type;
	r->count[r->depth] = 0;
	r->depth++;
	r->p++;
	return 0;
}

int json_next(json_rd *r)
{
	if (r->err || !r->depth)
		return fail(r, "not in a container"), -1;
	skip_ws(r);
	int lvl = r->depth - 1;
	char close = r->kind[lvl] == JSON_OBJ ? '}' : ']';
	if (r->p == r->end)
		return fail(r, "unexpected end of input"), -1;
	if (*r->p == close) { /* "[]", or after the last element ("[1,]" fails below) */
		r->p++;
		r->depth--;
		return 0;
	}
	if (r->count[lvl]) {
		if (*r->p != ',')
			return fail(r, r->kind[lvl] == JSON_OBJ ? "',' or '}' was expected"
			                                        : "',' or ']' was expected"), -1;
		r->p++;
		skip_ws(r);
		/* a trailing comma: the next call of json_key/json_value fails on the bracket */
	}
	r->count[lvl] = 1;
	return 1;
}

int json_key(json_rd *r, const char **s, size_t *n)
{
	if (r->err)
		return -1;
	skip_ws(r);
	if (r->p == r->end || *r->p != '"')
		return fail(r, "a string key was expected"), -1;
	const char *k = r->p;
	if (scan_str(r) != JSON_STR)
		return -1;
	if (s)
		*s = k;
	if (n)
		*n = (size_t)(r->p - k);
	skip_ws(r);
	if (r->p == r->end || *r->p != ':')
		return fail(r, "':' was expected after a key"), -1;
	r->p++;
	return 0;
}

int json_value(json_rd *r, const char **s, size_t *n)
{
	int t = json_peek(r);
	const char *v = r->p;
	switch (t) {
	case JSON_STR: t = scan_str(r); break;
	case JSON_NUM: t = scan_num(r); break;
	case JSON_TRUE: t = scan_lit(r, "true", JSON_TRUE); break;
	case JSON_FALSE: t = scan_lit(r, "false", JSON_FALSE); break;
	case JSON_NULL: t = scan_lit(r, "null", JSON_NULL); break;
	case JSON_OBJ:
	case JSON_ARR: {
		int k;
		if (json_enter(r, t) < 0)
			return JSON_ERR;
		while ((k = json_next(r)) > 0) {
			if (t == JSON_OBJ && json_key(r, NULL, NULL) < 0)
				return JSON_ERR;
			if (json_value(r, NULL, NULL) == JSON_ERR)
				return JSON_ERR;
		}
		if (k < 0)
			return JSON_ERR;
		break;
	}
	default:
		return JSON_ERR;
	}
	if (t == JSON_ERR)
		return JSON_ERR;
	if (s)
		*s = v;
	if (n)
		*n = (size_t)(r->p - v);
	return t;
}

int json_end(json_rd *r)
{
	if (r->err)
		return -1;
	skip_ws(r);
	if (r->p != r->end)
		return fail(r, "text after the JSON document"), -1;
	return 0;
}

/* ---- strings -------------------------------------------------------------------- */

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Decoding never grows the text: an escape of 2 bytes gives 1, "\uXXXX"
 * (6 bytes) at most 3, a surrogate pair (12 bytes) 4. */
int json_str_decode(const char *s, size_t n, char *out)
{
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return -1;
	char *o = out;
	const char *p = s + 1, *e = s + n - 1;
	while (p < e) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (e - p < 2)
			return -1;
		char c = p[1];
		p += 2;
		switch (c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int v = e - p >= 4 ? hex4(p) : -1;
			if (v < 0)
				return -1;
			p += 4;
			unsigned cp = (unsigned)v;
			if (v >= 0xd800 && v <= 0xdbff) {
				int lo = e - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return -1;
				p += 6;
				cp = 0x10000 + (((unsigned)v - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
			} else if (v >= 0xdc00 && v <= 0xdfff) {
				return -1;
			}
			o = put_utf8(o, cp);
			break;
		}
		default: *o++ = c; /* " \ / */
		}
	}
	*o = '\0';
	return (int)(o - out);
}

int json_key_is(const char *k, size_t kn, const char *name)
{
	char buf[160];
	size_t nl = strlen(name);
	if (kn == nl + 2 && !memchr(k, '\\', kn))
		return !memcmp(k + 1, name, nl);
	if (kn > sizeof buf || !memchr(k, '\\', kn))
		return 0;
	int d = json_str_decode(k, kn, buf);
	return d >= 0 && (size_t)d == nl && !memcmp(buf, name, nl);
}

/* ---- printing ------------------------------------------------------------------- */

void json_put(json_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void json_puts(json_buf *b, const char *s)
{
	json_put(b, s, strlen(s));
}

void json_put_str(json_buf *b, const char *s, size_t n)
{
	json_put(b, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		json_put(b, s + start, i - start);
		char esc[8];
		switch (c) {
		case '"': json_put(b, "\\\"", 2); break;
		case '\\': json_put(b, "\\\\", 2); break;
		case '\n': json_put(b, "\\n", 2); break;
		case '\r': json_put(b, "\\r", 2); break;
		case '\t': json_put(b, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			json_put(b, esc, 6);
		}
		start = i + 1;
	}
	json_put(b, s + start, n - start);
	json_put(b, "\"", 1);
}

void json_buf_free(json_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

static void indent(json_buf *b, int layout, int level)
{
	for (int i = 0; i < level; i++)
		json_put(b, layout == JSON_KAMAILIO ? "\t" : "  ", layout == JSON_KAMAILIO ? 1 : 2);
}

/* Kamailio's layout is cJSON's: an object at level d puts each member on
 * its own line at d+1 tabs ("key":<tab>value) and its '}' at d tabs, even
 * when empty ("{\n\t}"); an array stays on one line, "[a, b]", its
 * elements printed at level d+1. */
static int reprint(json_rd *r, int layout, json_buf *out, int level)
{
	const char *s;
	size_t n;
	int t = json_peek(r);
	if (t != JSON_OBJ && t != JSON_ARR) {
		if (json_value(r, &s, &n) == JSON_ERR)
			return -1;
		json_put(out, s, n);
		return 0;
	}
	if (json_enter(r, t) < 0)
		return -1;
	int k, first = 1;
	json_put(out, t == JSON_OBJ ? "{" : "[", 1);
	int vertical = layout == JSON_INDENT || (layout == JSON_KAMAILIO && t == JSON_OBJ);
	if (layout == JSON_KAMAILIO && t == JSON_OBJ)
		json_put(out, "\n", 1);
	while ((k = json_next(r)) > 0) {
		if (!first)
			json_put(out, ",", 1);
		if (vertical) {
			if (layout == JSON_INDENT || !first)
				json_put(out, "\n", 1);
			indent(out, layout, level + 1);
		} else if (layout == JSON_KAMAILIO && !first) {
			json_put(out, " ", 1);
		}
		first = 0;
		if (t == JSON_OBJ) {
			if (json_key(r, &s, &n) < 0)
				return -1;
			json_put(out, s, n);
			json_puts(out, layout == JSON_KAMAILIO ? ":\t" : layout == JSON_INDENT ? ": " : ":");
		}
		if (reprint(r, layout, out, level + 1) < 0)
			return -1;
	}
	if (k < 0)
		return -1;
	if (vertical && (!first || layout == JSON_KAMAILIO)) {
		if (!first)
			json_put(out, "\n", 1);
		indent(out, layout, level);
	}
	json_put(out, t == JSON_OBJ ? "}" : "]", 1);
	return out->oom ? -1 : 0;
}

int json_reprint(json_rd *r, int layout, json_buf *out)
{
	return reprint(r, layout, out, 0);
}
