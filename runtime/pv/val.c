/* val.c: conversions and the operators whose result depends on operand
 * types, with Kamailio 5.6's rules (rvalue.c; kamailio-language.md 4.3):
 *
 *   (int)"12abc" = 0, (int)"" = 0, (int)"0x1F" = 31, (int)"-7" = -7
 *   "5" + 3 = "53"       the left operand's type decides: int add or concat
 *   0 == "abc" true      left int: int compare (the right side converted)
 *   "abc" == 0 false     left str: byte compare of the string forms
 *   null == x            compares as x's type
 *   2147483647 + 1 = -2147483648 (32-bit wrap), x / 0 and x mod 0 fail
 */
#include "pv/pv.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

void *pv_talloc(rc_msg_t *m, int n)
{
	char *p = rc_tmp(m, n + 7);
	if (!p)
		return NULL;
	uintptr_t u = ((uintptr_t)p + 7) & ~(uintptr_t)7;
	return (void *)u;
}

char *pv_dup(rc_msg_t *m, const char *s, int len)
{
	char *d = rc_tmp(m, len + 1);
	if (!d)
		return NULL;
	if (len > 0)
		memcpy(d, s, (size_t)len);
	d[len] = '\0';
	return d;
}

rc_str pv_itoa(rc_msg_t *m, int i)
{
	char buf[16];
	int n = 0;
	unsigned u = i < 0 ? 0u - (unsigned)i : (unsigned)i;
	do {
		buf[sizeof buf - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (i < 0)
		buf[sizeof buf - 1 - n++] = '-';
	rc_str r = { "", 0 };
	char *d = pv_dup(m, buf + sizeof buf - n, n);
	if (d) {
		r.s = d;
		r.len = n;
	}
	return r;
}

int pv_str2sint(const char *s, int len, int *out)
{
	int i = 0, neg = 0;
	long long v = 0;
	*out = 0;
	if (!s || len < 0)
		return 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
		if (v > (long long)INT_MAX + neg)
			return 0;
	}
	*out = (int)(neg ? -v : v);
	return 1;
}

int pv_eqi(const char *a, int alen, const char *b, int blen)
{
	if (alen != blen)
		return 0;
	for (int i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x |= 0x20;
		if (y >= 'A' && y <= 'Z')
			y |= 0x20;
		if (x != y)
			return 0;
	}
	return 1;
}

int pv_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* rval_get_int on a string: decimal, else 0x hex, else 0. */
static int str_to_int(const char *s, int len)
{
	int i;
	if (len <= 0)
		return 0;
	if (pv_str2sint(s, len, &i))
		return i;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		unsigned u = 0;
		for (int k = 2; k < len; k++) {
			int h = pv_hexval(s[k]);
			if (h < 0)
				return 0;
			u = (u << 4) | (unsigned)h;
		}
		return (int)u;
	}
	return 0;
}

int rc_v_int(const rc_val *v)
{
	if (!v)
		return 0;
	switch (v->type) {
	case RC_INT: return v->i;
	case RC_STR: return str_to_int(v->s.s, v->s.len);
	default: return 0;
	}
}

rc_str rc_v_str(rc_msg_t *m, const rc_val *v)
{
	rc_str empty = { "", 0 };
	if (!v)
		return empty;
	switch (v->type) {
	case RC_INT: return pv_itoa(m, v->i);
	case RC_STR: return v->s.s ? v->s : empty;
	default: return empty;
	}
}

void rc_v_add(rc_msg_t *m, const rc_val *a, const rc_val *b, rc_val *out)
{
	if (a->type == RC_INT) {
		int r = (int)((unsigned)a->i + (unsigned)rc_v_int(b));
		*out = pv_vint(r);
		return;
	}
	rc_str x = rc_v_str(m, a), y = rc_v_str(m, b);
	char *d = rc_tmp(m, x.len + y.len + 1);
	if (!d) {
		/* logged by rc_tmp: the expression gives what it can */
		*out = pv_vstr(x.s, x.len);
		return;
	}
	memcpy(d, x.s, (size_t)x.len);
	memcpy(d + x.len, y.s, (size_t)y.len);
	d[x.len + y.len] = '\0';
	*out = pv_vstr(d, x.len + y.len);
}

static int str_eq(rc_str x, rc_str y)
{
	return x.len == y.len && (x.len == 0 || memcmp(x.s, y.s, (size_t)x.len) == 0);
}

int rc_v_eq(rc_msg_t *m, const rc_val *a, const rc_val *b)
{
	int t = a->type;
	if (t == RC_NULL)
		t = b->type; /* undefined: compared as the right side's type */
	if (t == RC_INT)
		return rc_v_int(a) == rc_v_int(b);
	return str_eq(rc_v_str(m, a), rc_v_str(m, b));
}

int rc_v_streq(rc_msg_t *m, const rc_val *a, const rc_val *b)
{
	return str_eq(rc_v_str(m, a), rc_v_str(m, b));
}

int rc_v_div(rc_msg_t *m, int a, int b, int *err)
{
	(void)m;
	if (b == 0) {
		*err = 1;
		return 0;
	}
	if (a == INT_MIN && b == -1)
		return INT_MIN; /* wraps, as the 32-bit add and multiply do */
	return a / b;
}

int rc_v_mod(rc_msg_t *m, int a, int b, int *err)
{
	(void)m;
	if (b == 0) {
		*err = 1;
		return 0;
	}
	if (b == -1)
		return 0;
	return a % b;
}

int rc_str_eq(rc_str a, const char *s, int len)
{
	return a.len == len && (len == 0 || memcmp(a.s, s, (size_t)len) == 0);
}
