/* subst.c: sed-like substitution expressions, "/re/replacement/flags"
 * (Kamailio's core re.c), for textops' subst family and anything else that
 * takes one.  The separator is the first character; in the replacement
 * \0..\9 are the groups, \u the R-URI in force, \n \r \t \\ and \$
 * characters, and pseudo-variables are printed.  Flags: i case-insensitive,
 * g every match, s '.' crosses line breaks and '^' '$' only match at the ends
 * (without it the regex gets REG_NEWLINE semantics, as in Kamailio).
 */
#include "pv/pv.h"

#include <string.h>

enum { SP_TEXT, SP_GROUP, SP_URI, SP_PV };

typedef struct subst_part {
	int type;
	rc_str text;
	int group;
	rc_pv *pv;
} subst_part;

struct pv_subst {
	rc_re *re;
	int global;
	int n;
	subst_part *parts;
};

pv_subst *pv_subst_parse(rc_gen_t *g, const char *s, int len, const char *where)
{
	if (len < 3 || s[0] == '\\') {
		rt_log(RT_L_ERR, "%s: bad subst expression '%.*s'", where, len, s);
		return NULL;
	}
	char sep = s[0];
	const char *p = s + 1, *e = s + len, *re = p;
	while (p < e && !(*p == sep && p[-1] != '\\'))
		p++;
	if (p >= e) {
		rt_log(RT_L_ERR, "%s: no separator in subst expression '%.*s'", where, len, s);
		return NULL;
	}
	const char *re_end = p++;
	pv_subst *se = rt_gen_alloc(g, sizeof *se);
	subst_part *parts = rt_gen_alloc(g, (size_t)(e - p + 1) * sizeof *parts);
	char *lit = rt_gen_alloc(g, (size_t)(e - p + 1));
	if (!se || !parts || !lit)
		return NULL;
	int n = 0, o = 0;
	char *start = lit;
#define FLUSH()                                                      \
	do {                                                             \
		if (lit + o > start) {                                       \
			parts[n].type = SP_TEXT;                                 \
			parts[n].text.s = start;                                 \
			parts[n].text.len = (int)(lit + o - start);              \
			n++;                                                     \
			start = lit + o;                                         \
		}                                                            \
	} while (0)
	while (p < e && *p != sep) {
		if (*p == '\\' && p + 1 < e) {
			char c = p[1];
			p += 2;
			if (c >= '0' && c <= '9') {
				FLUSH();
				parts[n].type = SP_GROUP;
				parts[n++].group = c - '0';
			} else if (c == 'u') {
				FLUSH();
				parts[n++].type = SP_URI;
			} else {
				lit[o++] = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
			}
		} else if (*p == '$') {
			int used;
			rc_pv *pv = pv_parse(g, p, (int)(e - p), &used, where);
			if (!pv)
				return NULL;
			FLUSH();
			parts[n].type = SP_PV;
			parts[n++].pv = pv;
			p += used;
		} else {
			lit[o++] = *p++;
		}
	}
	FLUSH();
#undef FLUSH
	if (p >= e) {
		rt_log(RT_L_ERR, "%s: missing separator in subst expression '%.*s'", where, len, s);
		return NULL;
	}
	int flags = PV_RE_NEWLINE;
	for (p++; p < e; p++) {
		if (*p == 'i')
			flags |= PV_RE_ICASE;
		else if (*p == 's')
			flags &= ~PV_RE_NEWLINE;
		else if (*p == 'g')
			se->global = 1;
		else {
			rt_log(RT_L_ERR, "%s: unknown flag '%c' in subst expression '%.*s'", where, *p, len, s);
			return NULL;
		}
	}
	if (!(se->re = rc_re_prepare(g, re, (int)(re_end - re), flags, where)))
		return NULL;
	se->n = n;
	se->parts = parts;
	return se;
}

/* The replacement for one match of subject (ov: group offsets). */
static int subst_build(rc_msg_t *m, rc_ctx_t *c, const pv_subst *se, const char *subject, const int *ov,
                       int ngroups, rc_str *out)
{
	rc_str vals[64];
	int total = 0, nv = se->n < 64 ? se->n : 64;
	for (int i = 0; i < nv; i++) {
		const subst_part *sp = &se->parts[i];
		vals[i].s = "";
		vals[i].len = 0;
		switch (sp->type) {
		case SP_TEXT: vals[i] = sp->text; break;
		case SP_GROUP:
			if (sp->group < ngroups && ov[2 * sp->group] >= 0) {
				vals[i].s = subject + ov[2 * sp->group];
				vals[i].len = ov[2 * sp->group + 1] - ov[2 * sp->group];
			}
			break;
		case SP_URI:
			if (m->sip.is_request)
				vals[i] = pv_ruri(m);
			break;
		default: {
			rc_val v;
			if (pv_get(m, c, sp->pv, &v) == 0 && v.type != RC_NULL)
				vals[i] = rc_v_str(m, &v);
		}
		}
		total += vals[i].len;
	}
	char *d = rc_tmp(m, total + 1);
	if (!d)
		return -1;
	int o = 0;
	for (int i = 0; i < nv; i++) {
		memcpy(d + o, vals[i].s, (size_t)vals[i].len);
		o += vals[i].len;
	}
	d[o] = '\0';
	out->s = d;
	out->len = o;
	return 0;
}

/* Runs se over subject: the matches and their replacements, at most max;
 * returns how many, or -1. */
int pv_subst_run(rc_msg_t *m, rc_ctx_t *c, const pv_subst *se, const char *subject, int len,
                     pv_match *out, int max)
{
	int ov[20], n = 0, pos = 0;
	int ng = pv_re_groups(se->re) + 1;
	if (ng > 10)
		ng = 10;
	while (pos <= len && n < max) {
		int rc = pv_re_exec(se->re, subject, len, pos, ov, ng);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (subst_build(m, c, se, subject, ov, ng, &out[n].text) < 0)
			return -1;
		out[n].off = ov[0];
		out[n].len = ov[1] - ov[0];
		n++;
		if (!se->global)
			break;
		pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	return n;
}

/* A string with every match replaced: 1 and *out, -1 when nothing matched. */
int pv_subst_str(rc_msg_t *m, rc_ctx_t *c, const pv_subst *se, rc_str in, rc_str *out)
{
	pv_match mt[PV_SUBST_MAX];
	int n = pv_subst_run(m, c, se, in.s, in.len, mt, PV_SUBST_MAX);
	if (n <= 0)
		return -1;
	int total = in.len;
	for (int i = 0; i < n; i++)
		total += mt[i].text.len - mt[i].len;
	char *d = rc_tmp(m, total + 1);
	if (!d)
		return -1;
	int o = 0, pos = 0;
	for (int i = 0; i < n; i++) {
		memcpy(d + o, in.s + pos, (size_t)(mt[i].off - pos));
		o += mt[i].off - pos;
		memcpy(d + o, mt[i].text.s, (size_t)mt[i].text.len);
		o += mt[i].text.len;
		pos = mt[i].off + mt[i].len;
	}
	memcpy(d + o, in.s + pos, (size_t)(in.len - pos));
	o += in.len - pos;
	d[o] = '\0';
	out->s = d;
	out->len = o;
	return 1;
}
