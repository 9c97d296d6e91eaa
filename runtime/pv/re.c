/* re.c: regular expressions on PCRE2 with its JIT.
 *
 * Kamailio compiles script regexes as POSIX extended ones; PCRE2 accepts
 * that syntax, so the differences kept in mind here are the flags: without
 * REG_NEWLINE, POSIX '.' matches a line break and '$' only matches at the
 * very end (PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY); with it (textops), '^' and
 * '$' match at line breaks (PCRE2_MULTILINE).
 *
 * Constant regexes are compiled when the generation loads and freed with
 * it.  The match data is one block per worker thread, made on first use.
 * Regexes known only at run time (`$x =~ $y`) go through a small per-thread
 * cache, so a script matching against a few dynamic patterns compiles each
 * once.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/pv.h"

#define RE_OVEC 32    /* capture pairs the match data holds */
#define RE_CACHE 16   /* dynamic regexes kept per thread */
#define RE_DYN_MAX 1024 /* longer dynamic patterns are compiled but not kept */

struct rc_re {
	pcre2_code *code;
	int jit;    /* the JIT compiled it */
	int groups; /* capture groups */
};

typedef struct re_slot {
	char *pat;
	int len, flags;
	struct rc_re re;
} re_slot;

static _Thread_local pcre2_match_data *tl_md;
static _Thread_local re_slot tl_cache[RE_CACHE];
static _Thread_local int tl_next;
static _Thread_local struct rc_re tl_oneoff; /* a pattern too long to keep */

static uint32_t options(int flags)
{
	uint32_t o = 0;
	if (flags & PV_RE_ICASE)
		o |= PCRE2_CASELESS;
	if (flags & PV_RE_NEWLINE)
		o |= PCRE2_MULTILINE;
	else
		o |= PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY;
	return o;
}

/* Compiles into *re: 0, or -1 with the error text in err. */
static int compile(struct rc_re *re, const char *pat, int len, int flags, char *err, size_t errlen)
{
	int ec;
	PCRE2_SIZE off;
	re->code = pcre2_compile((PCRE2_SPTR)pat, (PCRE2_SIZE)len, options(flags), &ec, &off, NULL);
	if (!re->code) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(ec, msg, sizeof msg);
		snprintf(err, errlen, "%s at offset %d", (const char *)msg, (int)off);
		return -1;
	}
	re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	uint32_t n = 0;
	pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &n);
	re->groups = (int)n;
	return 0;
}

static void free_code(void *p)
{
	pcre2_code_free(p);
}

rc_re *rc_re_prepare(rc_gen_t *g, const char *pat, int len, int flags, const char *where)
{
	char err[160];
	struct rc_re *re = rt_gen_alloc(g, sizeof *re);
	if (!re)
		return NULL;
	if (len < 0)
		len = pat ? (int)strlen(pat) : 0;
	if (compile(re, pat ? pat : "", len, flags, err, sizeof err) < 0) {
		rt_log(RT_L_ERR, "%s: bad regular expression '%.*s': %s", where ? where : "?", len,
		       pat ? pat : "", err);
		return NULL;
	}
	if (rt_gen_on_free(g, free_code, re->code) < 0) {
		pcre2_code_free(re->code);
		return NULL;
	}
	return re;
}

static pcre2_match_data *match_data(void)
{
	if (!tl_md)
		tl_md = pcre2_match_data_create(RE_OVEC, NULL);
	return tl_md;
}

int pv_re_exec(const rc_re *re, const char *s, int len, int start, int *ov, int n)
{
	pcre2_match_data *md = match_data();
	if (!re || !md) {
		rt_log(RT_L_ERR, "regex match: out of memory");
		return -1;
	}
	if (!s)
		s = "";
	int rc = re->jit ? pcre2_jit_match(re->code, (PCRE2_SPTR)s, (PCRE2_SIZE)len, (PCRE2_SIZE)start, 0, md, NULL)
	                 : pcre2_match(re->code, (PCRE2_SPTR)s, (PCRE2_SIZE)len, (PCRE2_SIZE)start, 0, md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(rc, msg, sizeof msg);
		rt_log(RT_L_ERR, "regex match failed: %s", (const char *)msg);
		return -1;
	}
	PCRE2_SIZE *v = pcre2_get_ovector_pointer(md);
	uint32_t have = pcre2_get_ovector_count(md);
	for (int i = 0; i < n; i++) {
		if ((uint32_t)i < have && i < rc && v[2 * i] != PCRE2_UNSET) {
			ov[2 * i] = (int)v[2 * i];
			ov[2 * i + 1] = (int)v[2 * i + 1];
		} else {
			ov[2 * i] = ov[2 * i + 1] = -1;
		}
	}
	return 1;
}

int pv_re_groups(const rc_re *re)
{
	return re ? re->groups : 0;
}

const rc_re *pv_re_dyn(const char *pat, int len, int flags)
{
	char err[160];
	for (int i = 0; i < RE_CACHE; i++) {
		re_slot *e = &tl_cache[i];
		if (e->pat && e->len == len && e->flags == flags && memcmp(e->pat, pat, (size_t)len) == 0)
			return &e->re;
	}
	struct rc_re re;
	if (compile(&re, pat, len, flags, err, sizeof err) < 0) {
		rt_log(RT_L_ERR, "bad regular expression '%.*s': %s", len, pat, err);
		return NULL;
	}
	if (len > RE_DYN_MAX) {
		if (tl_oneoff.code)
			pcre2_code_free(tl_oneoff.code);
		tl_oneoff = re;
		return &tl_oneoff;
	}
	char *copy = malloc((size_t)len + 1);
	if (!copy) {
		pcre2_code_free(re.code);
		rt_log(RT_L_ERR, "regex cache: out of memory");
		return NULL;
	}
	memcpy(copy, pat, (size_t)len);
	re_slot *e = &tl_cache[tl_next];
	tl_next = (tl_next + 1) % RE_CACHE;
	if (e->pat) {
		free(e->pat);
		pcre2_code_free(e->re.code);
	}
	e->pat = copy;
	e->len = len;
	e->flags = flags;
	e->re = re;
	return &e->re;
}

void pv_re_thread_done(void)
{
	for (int i = 0; i < RE_CACHE; i++) {
		if (tl_cache[i].pat) {
			free(tl_cache[i].pat);
			pcre2_code_free(tl_cache[i].re.code);
		}
		tl_cache[i].pat = NULL;
	}
	if (tl_oneoff.code)
		pcre2_code_free(tl_oneoff.code);
	tl_oneoff.code = NULL;
	if (tl_md)
		pcre2_match_data_free(tl_md);
	tl_md = NULL;
}

int rc_v_match(rc_msg_t *m, const rc_val *a, const rc_re *re)
{
	if (!re)
		return -1;
	rc_str s = rc_v_str(m, a);
	return pv_re_exec(re, s.s, s.len, 0, NULL, 0);
}

int rc_v_match_dyn(rc_msg_t *m, const rc_val *a, const rc_val *pat)
{
	rc_str p = rc_v_str(m, pat);
	const rc_re *re = pv_re_dyn(p.s, p.len, PV_RE_ICASE);
	if (!re)
		return -1;
	rc_str s = rc_v_str(m, a);
	return pv_re_exec(re, s.s, s.len, 0, NULL, 0);
}
