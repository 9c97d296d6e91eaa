/* xlog.c: formatted logging from the script.
 *
 *   xlog(fmt)               level L_ERR
 *   xlog(level, fmt)        level "L_ALERT" .. "L_DBG" (Kamailio reads the
 *                           third character: A B C E W N I D), or a pv whose
 *                           value is the level number (-5 .. 3)
 *   xlog(facility, level, fmt)   the facility is accepted; rt_log has one
 *                           destination, so it does not change where the
 *                           line goes
 *   xdbg xinfo xnotice xwarn xerr xbug xcrit xalert (fmt)
 *   xlogl / xdbgl: the same, the line prefixed with the script position
 * Every line starts with "<script>: " (Kamailio's default xlog prefix).  The
 * format is only printed when the level is enabled.  Always returns 1.
 */
#include "modules/mod.h"

#include <string.h>

#define XLOG_PREFIX "<script>: "

/* A level name's value, or 99 when it is not one. */
static int level_of(rc_str s)
{
	if (s.len < 3)
		return 99;
	switch (s.s[2]) {
	case 'A': return RT_L_ALERT;
	case 'B': return RT_L_BUG;
	case 'C': return RT_L_CRIT;
	case 'E': return RT_L_ERR;
	case 'W': return RT_L_WARN;
	case 'N': return RT_L_NOTICE;
	case 'I': return RT_L_INFO;
	case 'D': return RT_L_DBG;
	default: return 99;
	}
}

static int emit(rc_msg_t *m, rc_ctx_t *c, int level, const rc_arg *fmt)
{
	if (level > rt_log_level)
		return 1;
	rc_str s = mod_arg_str(m, c, fmt);
	rt_log(level, XLOG_PREFIX "%.*s", s.len, s.s);
	return 1;
}

static int level_arg(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a)
{
	if (a->p) {
		rc_val v;
		if (pv_get(m, c, a->p, &v) < 0 || v.type == RC_NULL)
			return RT_L_ERR;
		if (v.type == RC_STR && level_of(v.s) != 99)
			return level_of(v.s);
		return rc_v_int(&v);
	}
	if (a->type == RC_INT)
		return a->i;
	rc_str s = a->s;
	int l = level_of(s);
	if (l != 99)
		return l;
	rc_val v = pv_vstr(s.s, s.len);
	return rc_v_int(&v);
}

/* ---- preparation ------------------------------------------------------------ */

static int prep_level(rc_gen_t *g, rc_arg *a, const char *where)
{
	if (a->type == RC_STR && a->s.len > 0 && a->s.s[0] != '$' && level_of(a->s) == 99) {
		rt_log(RT_L_ERR, "%s: xlog: unknown log level '%.*s'", where, a->s.len, a->s.s);
		return -1;
	}
	return mod_prep_pv(g, a, where);
}

static int prep1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_fmt(g, &argv[argc - 1], where) : -1;
}

static int prep2(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || prep_level(g, &argv[argc - 2], where) < 0)
		return -1;
	return mod_prep_fmt(g, &argv[argc - 1], where);
}

/* xlogl and xdbgl print Kamailio's "<line>:" in front of the text: the
 * line (from `where`, "file:line:col") is put in front of the format. */
static int prep_line(rc_gen_t *g, rc_arg *a, const char *where)
{
	if (a->type == RC_NULL)
		return 0;
	const char *e = where + strlen(where), *c2 = NULL, *c1 = NULL;
	for (const char *p = e; p > where; p--)
		if (p[-1] == ':') {
			if (!c2)
				c2 = p - 1;
			else if (!c1) {
				c1 = p - 1;
				break;
			}
		}
	int ll = c1 && c2 ? (int)(c2 - c1 - 1) : 1;
	const char *line = c1 && c2 ? c1 + 1 : "0";
	char *text = rt_gen_alloc(g, (size_t)(ll + 1 + a->s.len + 1));
	if (!text)
		return -1;
	memcpy(text, line, (size_t)ll);
	text[ll] = ':';
	memcpy(text + ll + 1, a->s.s, (size_t)a->s.len);
	a->p = rc_fmt_prepare(g, text, ll + 1 + a->s.len, where);
	return a->p ? 0 : -1;
}

static int prep1l(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? prep_line(g, &argv[argc - 1], where) : -1;
}

static int prep2l(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || prep_level(g, &argv[argc - 2], where) < 0)
		return -1;
	return prep_line(g, &argv[argc - 1], where);
}

/* ---- functions ------------------------------------------------------------------ */

int xlog(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_ERR, &argv[0]);
}

int xlog_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, level_arg(m, c, &argv[0]), &argv[1]);
}

int xlog_3(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, level_arg(m, c, &argv[1]), &argv[2]);
}

int xlog_xdbg(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_DBG, &argv[0]);
}

int xlog_xinfo(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_INFO, &argv[0]);
}

int xlog_xnotice(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_NOTICE, &argv[0]);
}

int xlog_xwarn(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_WARN, &argv[0]);
}

int xlog_xerr(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_ERR, &argv[0]);
}

int xlog_xbug(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_BUG, &argv[0]);
}

int xlog_xcrit(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_CRIT, &argv[0]);
}

int xlog_xalert(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_ALERT, &argv[0]);
}

int xlog_xlogl(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_ERR, &argv[0]);
}

int xlog_xlogl_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, level_arg(m, c, &argv[0]), &argv[1]);
}

int xlog_xlogl_3(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, level_arg(m, c, &argv[1]), &argv[2]);
}

int xlog_xdbgl(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, RT_L_DBG, &argv[0]);
}

int xlog_xlogm(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return emit(m, c, level_arg(m, c, &argv[0]), &argv[1]);
}

const rt_fn xlog_fns[] = {
	{ "xlog", xlog, prep1 },
	{ "xlog_2", xlog_2, prep2 },
	{ "xlog_3", xlog_3, prep2 },
	{ "xlog_xdbg", xlog_xdbg, prep1 },
	{ "xlog_xinfo", xlog_xinfo, prep1 },
	{ "xlog_xnotice", xlog_xnotice, prep1 },
	{ "xlog_xwarn", xlog_xwarn, prep1 },
	{ "xlog_xerr", xlog_xerr, prep1 },
	{ "xlog_xbug", xlog_xbug, prep1 },
	{ "xlog_xcrit", xlog_xcrit, prep1 },
	{ "xlog_xalert", xlog_xalert, prep1 },
	{ "xlog_xlogl", xlog_xlogl, prep1l },
	{ "xlog_xlogl_2", xlog_xlogl_2, prep2l },
	{ "xlog_xlogl_3", xlog_xlogl_3, prep2l },
	{ "xlog_xdbgl", xlog_xdbgl, prep1l },
	{ "xlog_xlogm", xlog_xlogm, prep2 },
	{ 0 },
};
