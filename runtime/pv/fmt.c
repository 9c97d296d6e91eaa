/* fmt.c: formats, the strings with pseudo-variables that module functions
 * take ("from $fu to $(tu{uri.user})").  As Kamailio's pv_printf: "$$" is a
 * literal '$', every other '$' starts a spec in any of its forms (a bad one
 * fails the load), a null value prints "<null>", and a value that cannot be
 * computed (a failed transformation) prints nothing.
 */
#include "pv/pv.h"

#include <string.h>

#define FMT_MAX_PARTS 128

typedef struct fmt_part {
	rc_str text; /* literal text before the pv (may be empty) */
	rc_pv *pv;   /* NULL for the trailing text */
} fmt_part;

struct rc_fmt {
	int n;
	fmt_part *parts;
	rc_str whole;  /* the format as written */
	int constant;  /* no pseudo-variables: the text, with "$$" undone */
	rc_str text;   /* the constant's text */
};

static const char null_text[] = "<null>";

rc_fmt *rc_fmt_prepare(rc_gen_t *g, const char *s, int len, const char *where)
{
	if (len < 0)
		len = s ? (int)strlen(s) : 0;
	rc_fmt *f = rt_gen_alloc(g, sizeof *f);
	fmt_part *parts = rt_gen_alloc(g, FMT_MAX_PARTS * sizeof *parts);
	char *lit = pv_gen_strdup(g, s ? s : "", len); /* literal text, "$$" undone */
	if (!f || !parts || !lit)
		return NULL;
	f->whole.s = lit;
	f->whole.len = len;
	int n = 0, o = 0;
	const char *p = s, *e = s + len;
	char *start = lit;
	while (p < e) {
		if (*p != '$') {
			lit[o++] = *p++;
			continue;
		}
		if (p + 1 < e && p[1] == '$') {
			lit[o++] = '$';
			p += 2;
			continue;
		}
		int used;
		rc_pv *pv = pv_parse(g, p, (int)(e - p), &used, where);
		if (!pv) {
			rt_log(RT_L_ERR, "%s: bad pseudo-variable in the format \"%.*s\"", where ? where : "?", len, s);
			return NULL;
		}
		if (n == FMT_MAX_PARTS - 1) {
			rt_log(RT_L_ERR, "%s: more than %d pseudo-variables in one format", where ? where : "?",
			       FMT_MAX_PARTS - 1);
			return NULL;
		}
		parts[n].text.s = start;
		parts[n].text.len = (int)(lit + o - start);
		parts[n].pv = pv;
		n++;
		start = lit + o;
		p += used;
	}
	parts[n].text.s = start;
	parts[n].text.len = (int)(lit + o - start);
	parts[n].pv = NULL;
	n++;
	f->n = n;
	f->parts = parts;
	f->constant = n == 1;
	f->text.s = lit;
	f->text.len = o;
	return f;
}

int pv_fmt_const(const rc_fmt *f, rc_str *text)
{
	if (!f || !f->constant)
		return 0;
	*text = f->text;
	return 1;
}

rc_str pv_fmt_eval(rc_msg_t *m, rc_ctx_t *c, const rc_fmt *f)
{
	rc_str vals[FMT_MAX_PARTS];
	rc_str empty = { "", 0 };
	if (!f)
		return empty;
	if (f->constant)
		return f->text;
	int total = 0;
	for (int i = 0; i < f->n; i++) {
		total += f->parts[i].text.len;
		vals[i] = empty;
		if (!f->parts[i].pv)
			continue;
		rc_val v;
		if (pv_get(m, c, f->parts[i].pv, &v) < 0)
			continue;
		if (v.type == RC_NULL) {
			vals[i].s = null_text;
			vals[i].len = (int)sizeof null_text - 1;
		} else {
			vals[i] = rc_v_str(m, &v);
		}
		total += vals[i].len;
	}
	char *d = rc_tmp(m, total + 1);
	if (!d)
		return empty;
	int o = 0;
	for (int i = 0; i < f->n; i++) {
		memcpy(d + o, f->parts[i].text.s, (size_t)f->parts[i].text.len);
		o += f->parts[i].text.len;
		if (vals[i].len) {
			memcpy(d + o, vals[i].s, (size_t)vals[i].len);
			o += vals[i].len;
		}
	}
	d[o] = '\0';
	rc_str r = { d, o };
	return r;
}

rc_str rc_fmt_eval(rc_msg_t *m, rc_ctx_t *c, const rc_fmt *f)
{
	return pv_fmt_eval(m, c, f);
}
