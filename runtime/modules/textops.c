/* textops.c: editing and searching the message text.
 *
 * Regexes are Kamailio's textops ones: POSIX extended, case-insensitive,
 * REG_NEWLINE ('^' and '$' at line breaks, '.' not across lines).  Edits go
 * through lumps, so the received bytes stay as they are and several edits
 * combine; an edit that would overlap an earlier one is refused with a log
 * instead of spoiling the message.
 *
 *   search(re)  search_body(re)            1 / -1
 *   search_append(re, txt)                 txt after the first match (headers on)
 *   replace(re, txt)  replace_all  replace_body  replace_body_all
 *   subst('/re/repl/flags')  subst_uri  subst_user  subst_body
 *       sed-like: \0..\9 groups, \u the R-URI, \n \r \t, pseudo-variables;
 *       flags i (case-insensitive), g (all), s ('.' crosses lines)
 *   append_hf(txt[, hdr])  insert_hf(txt[, hdr])   after the last / before the
 *       first header named hdr, else after all / before all headers
 *   remove_hf(name) -> number removed, or -1   remove_hf_re(re)  remove_hf_pv
 *   is_present_hf(name)  is_present_hf_re(re)  is_present_hf_pv
 *   has_body([mime])  is_method("INVITE|BYE")  append_to_reply(txt)
 *   set_body(body, ctype)  cmp_str  cmp_istr  starts_with  ends_with
 *   in_list  in_list_prefix  replace_str  replace_body_str  search_str
 *   search_append_body  remove_hf_idx  is_present_hf_re_pv  remove_hf_re_pv
 */
#include "modules/mod.h"

#include <string.h>

#define TX_RE (PV_RE_ICASE | PV_RE_NEWLINE)
#define TX_MAX_MATCHES PV_SUBST_MAX

/* Applies matches found in the message text starting at base as lumps. */
static int apply_matches(rc_msg_t *m, int base, const pv_match *mt, int n)
{
	int done = 0;
	for (int i = 0; i < n; i++) {
		int off = base + mt[i].off;
		if (!pv_lump_free(m, off, mt[i].len)) {
			rt_log(RT_L_ERR, "textops: the text at offset %d was already changed", off);
			continue;
		}
		if (sip_lump_replace(&m->lumps, off, mt[i].len, mt[i].text.s, mt[i].text.len) < 0)
			return -1;
		done++;
	}
	return done ? 1 : -1;
}

static int prep_subst(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1 || argv[0].type == RC_NULL)
		return -1;
	argv[0].p = pv_subst_parse(g, argv[0].s.s, argv[0].s.len, where);
	return argv[0].p ? 0 : -1;
}

/* The headers and body: where Kamailio's subst and replace look. */
static rc_str msg_text(rc_msg_t *m, int *base)
{
	*base = m->sip.hdrs_start;
	rc_str s = { m->buf + m->sip.hdrs_start, m->sip.len - m->sip.hdrs_start };
	return s;
}

static rc_str body_text(rc_msg_t *m, int *base)
{
	*base = m->sip.body_off;
	rc_str s = { m->buf + m->sip.body_off, m->sip.body.len };
	return s;
}

int textops_subst(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	pv_match mt[TX_MAX_MATCHES];
	int base;
	rc_str s = msg_text(m, &base);
	int n = pv_subst_run(m, c, argv[0].p, s.s, s.len, mt, TX_MAX_MATCHES);
	return n > 0 ? apply_matches(m, base, mt, n) : -1;
}

int textops_subst_body(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	pv_match mt[TX_MAX_MATCHES];
	int base;
	rc_str s = body_text(m, &base);
	if (s.len <= 0)
		return -1;
	int n = pv_subst_run(m, c, argv[0].p, s.s, s.len, mt, TX_MAX_MATCHES);
	return n > 0 ? apply_matches(m, base, mt, n) : -1;
}

int textops_subst_uri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str out;
	if (!m->sip.is_request || pv_subst_str(m, c, argv[0].p, pv_ruri(m), &out) < 0)
		return -1;
	m->new_ruri = out;
	return 1;
}

int textops_subst_user(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	sip_uri u;
	rc_str uri = pv_ruri(m), user = { "", 0 }, out;
	if (!m->sip.is_request || sip_uri_parse(uri.s, uri.len, &u) < 0)
		return -1;
	if (u.user.s)
		user = (rc_str){ u.user.s, u.user.len };
	if (pv_subst_str(m, c, argv[0].p, user, &out) < 0)
		return -1;
	return pv_ruri_set_user(m, out) < 0 ? -1 : 1; /* as $rU = out */
}

/* ---- search and replace ------------------------------------------------------------ */

static int prep_re(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_re(g, &argv[0], TX_RE, where) : -1;
}

int textops_search(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const rc_re *re = mod_arg_re(m, &argv[0], TX_RE);
	return re && pv_re_exec(re, m->buf + m->sip.start, m->sip.len - m->sip.start, 0, NULL, 0) > 0 ? 1 : -1;
}

int textops_search_body(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const rc_re *re = mod_arg_re(m, &argv[0], TX_RE);
	if (!re || m->sip.body.len <= 0)
		return -1;
	return pv_re_exec(re, m->sip.body.s, m->sip.body.len, 0, NULL, 0) > 0 ? 1 : -1;
}

int textops_search_append(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const rc_re *re = mod_arg_re(m, &argv[0], TX_RE);
	int base, ov[2];
	rc_str s = msg_text(m, &base), txt = mod_arg_str(m, c, &argv[1]);
	if (!re || pv_re_exec(re, s.s, s.len, 0, ov, 1) <= 0)
		return -1;
	int off = base + ov[1];
	if (!mod_insert_ok(m, off))
		return -1;
	char *d = pv_dup(m, txt.s, txt.len);
	if (!d || sip_lump_insert_after(&m->lumps, off, d, txt.len) < 0)
		return -1;
	return 1;
}

static int replace_in(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int body, int all)
{
	const rc_re *re = mod_arg_re(m, &argv[0], TX_RE);
	int base, ov[2], n = 0, pos = 0;
	rc_str s = body ? body_text(m, &base) : msg_text(m, &base), txt = mod_arg_str(m, c, &argv[1]);
	pv_match mt[TX_MAX_MATCHES];
	if (!re || s.len <= 0)
		return -1;
	char *d = pv_dup(m, txt.s, txt.len);
	if (!d)
		return -1;
	while (pos <= s.len && n < TX_MAX_MATCHES && pv_re_exec(re, s.s, s.len, pos, ov, 1) > 0) {
		mt[n].off = ov[0];
		mt[n].len = ov[1] - ov[0];
		mt[n].text.s = d;
		mt[n].text.len = txt.len;
		n++;
		if (!all)
			break;
		pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	return n ? apply_matches(m, base, mt, n) : -1;
}

int textops_replace(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return replace_in(m, c, argv, 0, 0);
}

int textops_replace_all(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return replace_in(m, c, argv, 0, 1);
}

int textops_replace_body(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return replace_in(m, c, argv, 1, 0);
}

int textops_replace_body_all(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return replace_in(m, c, argv, 1, 1);
}

/* ---- headers ------------------------------------------------------------------------ */

typedef struct hname {
	int type;
	rc_str name;
} hname;

static int prep_hname(rc_gen_t *g, rc_arg *a, const char *where)
{
	if (a->type == RC_NULL)
		return 0;
	hname *h = rt_gen_alloc(g, sizeof *h);
	if (!h || !(h->name.s = pv_gen_strdup(g, a->s.s, a->s.len)))
		return -1;
	h->name.len = a->s.len;
	h->type = sip_hdr_type_of(a->s.s, a->s.len);
	a->p = h;
	return 0;
}

static hname name_arg(rc_msg_t *m, const rc_arg *a)
{
	if (a->p)
		return *(const hname *)a->p;
	rc_val v = { a->type, a->i, a->s };
	hname h;
	h.name = rc_v_str(m, &v);
	h.type = sip_hdr_type_of(h.name.s, h.name.len);
	return h;
}

static int prep_add_hf(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1 || mod_prep_fmt(g, &argv[0], where) < 0)
		return -1;
	return argc > 1 ? prep_hname(g, &argv[1], where) : 0;
}

/* append (insert = 0) or insert (insert = 1) header text, optionally next to
 * the headers named by argv[1]. */
static int add_hf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int has_anchor, int insert)
{
	rc_str txt = mod_arg_str(m, c, &argv[0]);
	int off = insert ? m->sip.hdrs_start : m->sip.hdrs_end;
	if (txt.len == 0) {
		rt_log(RT_L_INFO, "textops: nothing to add");
		return -1;
	}
	if (has_anchor) {
		hname h = name_arg(m, &argv[1]);
		const sip_hdr *found = NULL;
		for (int i = 0; i < m->sip.nhdrs; i++)
			if (mod_hdr_name_is(&m->sip.hdrs[i], h.type, h.name)) {
				found = &m->sip.hdrs[i];
				if (insert)
					break;
			}
		if (found)
			off = insert ? found->start : found->end;
	}
	if (!mod_insert_ok(m, off)) {
		rt_log(RT_L_ERR, "textops: cannot add a header inside text already removed");
		return -1;
	}
	char *d = pv_dup(m, txt.s, txt.len);
	if (!d || sip_lump_insert_before(&m->lumps, off, d, txt.len) < 0)
		return -1;
	return 1;
}

int textops_append_hf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return add_hf(m, c, argv, 0, 0);
}

int textops_append_hf_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return add_hf(m, c, argv, 1, 0);
}

int textops_insert_hf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return add_hf(m, c, argv, 0, 1);
}

int textops_insert_hf_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return add_hf(m, c, argv, 1, 1);
}

/* Removes the headers h selects (name, or regex on the name): the count, or
 * -1 when none was there. */
static int remove_where(rc_msg_t *m, const hname *h, const rc_re *re)
{
	int n = 0;
	for (int i = 0; i < m->sip.nhdrs; i++) {
		const sip_hdr *x = &m->sip.hdrs[i];
		int hit = re ? pv_re_exec(re, x->name.s, x->name.len, 0, NULL, 0) > 0 : mod_hdr_name_is(x, h->type, h->name);
		if (!hit)
			continue;
		if (!pv_lump_free(m, x->start, x->end - x->start))
			continue; /* already removed or edited */
		if (sip_lump_del_hdr(&m->lumps, x) < 0)
			return n ? n : -1;
		n++;
	}
	return n ? n : -1;
}

static int present_where(rc_msg_t *m, const hname *h, const rc_re *re)
{
	for (int i = 0; i < m->sip.nhdrs; i++) {
		const sip_hdr *x = &m->sip.hdrs[i];
		if (re ? pv_re_exec(re, x->name.s, x->name.len, 0, NULL, 0) > 0 : mod_hdr_name_is(x, h->type, h->name))
			return 1;
	}
	return -1;
}

static int prep_name1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? prep_hname(g, &argv[0], where) : -1;
}

static int prep_fmt1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_fmt(g, &argv[0], where) : -1;
}

int textops_remove_hf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	hname h = name_arg(m, &argv[0]);
	return remove_where(m, &h, NULL);
}

int textops_remove_hf_pv(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	hname h;
	h.name = mod_arg_str(m, c, &argv[0]);
	h.type = sip_hdr_type_of(h.name.s, h.name.len);
	return remove_where(m, &h, NULL);
}

int textops_remove_hf_re(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const rc_re *re = mod_arg_re(m, &argv[0], TX_RE);
	return re ? remove_where(m, NULL, re) : -1;
}

int textops_is_present_hf(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	hname h = name_arg(m, &argv[0]);
	return present_where(m, &h, NULL);
}

int textops_is_present_hf_pv(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	hname h;
	h.name = mod_arg_str(m, c, &argv[0]);
	h.type = sip_hdr_type_of(h.name.s, h.name.len);
	return present_where(m, &h, NULL);
}

int textops_is_present_hf_re(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const rc_re *re = mod_arg_re(m, &argv[0], TX_RE);
	return re ? present_where(m, NULL, re) : -1;
}

/* ---- body ----------------------------------------------------------------------------- */

/* "type/subtype" of a Content-Type value, without parameters. */
static rc_str media_type(sip_str v)
{
	const char *p = v.s, *e = v.s + v.len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	const char *q = p;
	while (q < e && *q != ';' && *q != ' ' && *q != '\t')
		q++;
	rc_str r = { p, (int)(q - p) };
	return r;
}

int textops_has_body(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return m->sip.body.len > 0 ? 1 : -1;
}

int textops_has_body_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	if (m->sip.body.len <= 0)
		return -1;
	const sip_hdr *h = sip_hdr_get(&m->sip, SIP_H_CONTENT_TYPE);
	rc_str want = mod_arg_str(m, c, &argv[0]);
	if (!h)
		return -1;
	rc_str t = media_type(h->body);
	return pv_eqi(t.s, t.len, want.s, want.len) ? 1 : -1;
}

int textops_set_body(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str body = mod_arg_str(m, c, &argv[0]), ct = mod_arg_str(m, c, &argv[1]);
	int off = m->sip.body_off;
	if (!pv_lump_free(m, off, m->sip.body.len)) {
		rt_log(RT_L_ERR, "textops: set_body: the body was already changed");
		return -1;
	}
	char *b = pv_dup(m, body.s, body.len);
	if (!b || sip_lump_set_body(&m->lumps, b, body.len) < 0)
		return -1;
	for (const sip_hdr *h = sip_hdr_get(&m->sip, SIP_H_CONTENT_TYPE); h; h = sip_hdr_next(&m->sip, h))
		if (pv_lump_free(m, h->start, h->end - h->start))
			sip_lump_del_hdr(&m->lumps, h);
	if (ct.len > 0) {
		char *line = rc_tmp(m, ct.len + 17);
		if (!line)
			return -1;
		memcpy(line, "Content-Type: ", 14);
		memcpy(line + 14, ct.s, (size_t)ct.len);
		memcpy(line + 14 + ct.len, "\r\n", 2);
		if (sip_lump_append_hdr(&m->lumps, line, ct.len + 16) < 0)
			return -1;
	}
	return 1;
}

/* ---- methods, replies, strings --------------------------------------------------------- */

typedef struct methods {
	int bits;            /* known methods (Kamailio's METHOD_* bits) */
	int n;               /* other names */
	rc_str other[16];
} methods;

static int prep_is_method(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1 || argv[0].type == RC_NULL)
		return -1;
	methods *ms = rt_gen_alloc(g, sizeof *ms);
	if (!ms)
		return -1;
	const char *p = argv[0].s.s, *e = p + argv[0].s.len;
	while (p < e) {
		const char *q = p;
		/* "INVITE|SUBSCRIBE" as the docs and kamailio.cfg write it; Kamailio's
		 * method list parser also takes commas */
		while (q < e && *q != ',' && *q != '|')
			q++;
		const char *a = p, *b = q;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b == a) {
			rt_log(RT_L_ERR, "%s: is_method: empty method name in '%.*s'", where, argv[0].s.len, argv[0].s.s);
			return -1;
		}
		char up[32];
		int len = (int)(b - a);
		int bit = 524288;
		if (len < (int)sizeof up) {
			for (int i = 0; i < len; i++)
				up[i] = (char)(a[i] >= 'a' && a[i] <= 'z' ? a[i] - 32 : a[i]);
			bit = pv_method_bits(up, len);
		}
		if (bit != 524288) {
			ms->bits |= bit;
		} else if (ms->n < 16) {
			ms->other[ms->n].s = pv_gen_strdup(g, a, len);
			ms->other[ms->n++].len = len;
		} else {
			rt_log(RT_L_ERR, "%s: is_method: too many methods", where);
			return -1;
		}
		p = q + 1;
	}
	argv[0].p = ms;
	return 0;
}

int textops_is_method(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const methods *ms = argv[0].p;
	rc_str name;
	if (m->sip.is_request) {
		name.s = m->sip.method.s;
		name.len = m->sip.method.len;
	} else {
		const sip_cseq *cs;
		if (sip_get_cseq(&m->sip, &cs) < 0)
			return -1;
		name.s = cs->method.s;
		name.len = cs->method.len;
	}
	if (!ms)
		return -1;
	int bit = pv_method_bits(name.s, name.len);
	if (bit != 524288)
		return (ms->bits & bit) ? 1 : -1;
	for (int i = 0; i < ms->n; i++)
		if (pv_eqi(ms->other[i].s, ms->other[i].len, name.s, name.len))
			return 1;
	return -1;
}

int textops_append_to_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str txt = mod_arg_str(m, c, &argv[0]);
	rc_str old = m->tx_reply_hdrs;
	char *d = rc_tmp(m, old.len + txt.len + 1);
	if (!d)
		return -1;
	if (old.len)
		memcpy(d, old.s, (size_t)old.len);
	memcpy(d + old.len, txt.s, (size_t)txt.len);
	d[old.len + txt.len] = '\0';
	m->tx_reply_hdrs.s = d;
	m->tx_reply_hdrs.len = old.len + txt.len;
	return 1;
}

static int prep_fmt2(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || mod_prep_fmt(g, &argv[0], where) < 0)
		return -1;
	return mod_prep_fmt(g, &argv[1], where);
}

static int cmp(rc_str a, rc_str b, int icase)
{
	int n = a.len < b.len ? a.len : b.len;
	for (int i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a.s[i], y = (unsigned char)b.s[i];
		if (icase) {
			x = (unsigned char)(x >= 'A' && x <= 'Z' ? x + 32 : x);
			y = (unsigned char)(y >= 'A' && y <= 'Z' ? y + 32 : y);
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a.len == b.len ? 0 : a.len < b.len ? -1 : 1;
}

/* Kamailio's cmp_str/cmp_istr: 1 equal, -1 first greater, -2 first smaller. */
int textops_cmp_str(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int r = cmp(mod_arg_str(m, c, &argv[0]), mod_arg_str(m, c, &argv[1]), 0);
	return r == 0 ? 1 : r > 0 ? -1 : -2;
}

int textops_cmp_istr(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int r = cmp(mod_arg_str(m, c, &argv[0]), mod_arg_str(m, c, &argv[1]), 1);
	return r == 0 ? 1 : r > 0 ? -1 : -2;
}

int textops_starts_with(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = mod_arg_str(m, c, &argv[0]), p = mod_arg_str(m, c, &argv[1]);
	return s.len >= p.len && !memcmp(s.s, p.s, (size_t)p.len) ? 1 : -1;
}

int textops_ends_with(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str s = mod_arg_str(m, c, &argv[0]), p = mod_arg_str(m, c, &argv[1]);
	return s.len >= p.len && !memcmp(s.s + s.len - p.len, p.s, (size_t)p.len) ? 1 : -1;
}

static int prep_re_str(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 2 ? mod_prep_re(g, &argv[0], TX_RE, where) : -1;
}

/* ---- more of textops: lists, plain-string replace, header index ----------------- */

static int ws_char(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Kamailio's in_list / in_list_prefix: the elements of list split on sep,
 * trimmed; 1 when one equals (is a prefix of) subject. */
static int in_list(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int prefix)
{
	rc_str subj = mod_arg_str(m, c, &argv[0]), list = mod_arg_str(m, c, &argv[1]);
	rc_val sv = { argv[2].type, argv[2].i, argv[2].s };
	rc_str sep = rc_v_str(m, &sv);
	if (subj.len <= 0 || list.len <= 0 || sep.len <= 0)
		return -1;
	const char *at = list.s, *past = list.s + list.len;
	while (at <= past) {
		const char *e = memchr(at, sep.s[0], (size_t)(past - at));
		const char *a = at, *b = e ? e : past;
		while (a < b && ws_char(*a))
			a++;
		while (b > a && ws_char(b[-1]))
			b--;
		int n = (int)(b - a);
		if (n > 0 && (prefix ? n <= subj.len : n == subj.len) && !memcmp(a, subj.s, (size_t)n))
			return 1;
		if (!e)
			break;
		at = e + 1;
	}
	return -1;
}

int textops_in_list(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return in_list(m, c, argv, 0);
}

int textops_in_list_prefix(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return in_list(m, c, argv, 1);
}

static int prep_in_list(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 3 || mod_prep_fmt(g, &argv[0], where) < 0 || mod_prep_fmt(g, &argv[1], where) < 0)
		return -1;
	if (argv[2].type == RC_STR && argv[2].s.len != 1) {
		rt_log(RT_L_ERR, "%s: in_list: the separator must be one character", where);
		return -1;
	}
	return 0;
}

/* replace_str(match, repl, mode): plain text, mode "f" first (default) or
 * "a" all; 1 even when nothing matched, as Kamailio. */
static int replace_plain(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int body)
{
	int base;
	rc_str s = body ? body_text(m, &base) : msg_text(m, &base);
	rc_str key = mod_arg_str(m, c, &argv[0]), val = mod_arg_str(m, c, &argv[1]);
	rc_str mode = mod_arg_str(m, c, &argv[2]);
	int all = mode.len > 0 && mode.s[0] != 'f' && mode.s[0] != 'F';
	pv_match mt[TX_MAX_MATCHES];
	int n = 0;
	if (s.len <= 0 || key.len <= 0)
		return 1;
	char *d = pv_dup(m, val.s, val.len);
	if (!d)
		return -1;
	for (int i = 0; i + key.len <= s.len && n < TX_MAX_MATCHES;) {
		if (!memcmp(s.s + i, key.s, (size_t)key.len)) {
			mt[n].off = i;
			mt[n].len = key.len;
			mt[n].text.s = d;
			mt[n].text.len = val.len;
			n++;
			if (!all)
				break;
			i += key.len;
		} else {
			i++;
		}
	}
	if (n && apply_matches(m, base, mt, n) < 0)
		return -1;
	return 1;
}

int textops_replace_str(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return replace_plain(m, c, argv, 0);
}

int textops_replace_body_str(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return replace_plain(m, c, argv, 1);
}

static int prep_fmt3(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	for (int i = 0; i < argc; i++)
		if (mod_prep_fmt(g, &argv[i], where) < 0)
			return -1;
	return 0;
}

/* search_str(text, re): 1 match, -1 none, -2 empty text, 2 empty regex. */
int textops_search_str(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str text = mod_arg_str(m, c, &argv[0]), re = mod_arg_str(m, c, &argv[1]);
	if (re.len <= 0)
		return 2;
	if (text.len <= 0)
		return -2;
	const rc_re *x = pv_re_dyn(re.s, re.len, TX_RE);
	if (!x)
		return -2;
	return pv_re_exec(x, text.s, text.len, 0, NULL, 0) > 0 ? 1 : -1;
}

int textops_search_append_body(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const rc_re *re = mod_arg_re(m, &argv[0], TX_RE);
	int base, ov[2];
	rc_str s = body_text(m, &base), txt = mod_arg_str(m, c, &argv[1]);
	if (!re || s.len <= 0 || pv_re_exec(re, s.s, s.len, 0, ov, 1) <= 0)
		return -1;
	int off = base + ov[1];
	char *d = pv_dup(m, txt.s, txt.len);
	if (!d || !mod_insert_ok(m, off) || sip_lump_insert_after(&m->lumps, off, d, txt.len) < 0)
		return -1;
	return 1;
}

int textops_is_present_hf_re_pv(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str re = mod_arg_str(m, c, &argv[0]);
	const rc_re *x = pv_re_dyn(re.s, re.len, TX_RE);
	return x ? present_where(m, NULL, x) : -1;
}

int textops_remove_hf_re_pv(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str re = mod_arg_str(m, c, &argv[0]);
	const rc_re *x = pv_re_dyn(re.s, re.len, TX_RE);
	return x ? remove_where(m, NULL, x) : -1;
}

/* remove_hf_idx(name, idx): the idx-th header of that name (negative from
 * the end); 1 removed, 2 when there is no such header (Kamailio). */
int textops_remove_hf_idx(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	hname h;
	int idx, n = 0;
	h.name = mod_arg_str(m, c, &argv[0]);
	h.type = sip_hdr_type_of(h.name.s, h.name.len);
	if (mod_arg_int(m, c, &argv[1], &idx) < 0)
		return -1;
	for (int i = 0; i < m->sip.nhdrs; i++)
		n += mod_hdr_name_is(&m->sip.hdrs[i], h.type, h.name);
	if (idx < 0)
		idx += n;
	if (idx < 0 || idx >= n)
		return 2;
	for (int i = 0; i < m->sip.nhdrs; i++) {
		const sip_hdr *x = &m->sip.hdrs[i];
		if (mod_hdr_name_is(x, h.type, h.name) && idx-- == 0) {
			if (!pv_lump_free(m, x->start, x->end - x->start))
				return -1;
			return sip_lump_del_hdr(&m->lumps, x) < 0 ? -1 : 1;
		}
	}
	return 2;
}

static int prep_fmt_int(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || mod_prep_fmt(g, &argv[0], where) < 0)
		return -1;
	return mod_prep_pv(g, &argv[1], where);
}

const rt_fn textops_fns[] = {
	{ "textops_search", textops_search, prep_re },
	{ "textops_search_body", textops_search_body, prep_re },
	{ "textops_search_append", textops_search_append, prep_re_str },
	{ "textops_replace", textops_replace, prep_re_str },
	{ "textops_replace_all", textops_replace_all, prep_re_str },
	{ "textops_replace_body", textops_replace_body, prep_re_str },
	{ "textops_replace_body_all", textops_replace_body_all, prep_re_str },
	{ "textops_subst", textops_subst, prep_subst },
	{ "textops_subst_uri", textops_subst_uri, prep_subst },
	{ "textops_subst_user", textops_subst_user, prep_subst },
	{ "textops_subst_body", textops_subst_body, prep_subst },
	{ "textops_append_hf", textops_append_hf, prep_add_hf },
	{ "textops_append_hf_2", textops_append_hf_2, prep_add_hf },
	{ "textops_insert_hf", textops_insert_hf, prep_add_hf },
	{ "textops_insert_hf_2", textops_insert_hf_2, prep_add_hf },
	{ "textops_remove_hf", textops_remove_hf, prep_name1 },
	{ "textops_remove_hf_pv", textops_remove_hf_pv, prep_fmt1 },
	{ "textops_remove_hf_re", textops_remove_hf_re, prep_re },
	{ "textops_is_present_hf", textops_is_present_hf, prep_name1 },
	{ "textops_is_present_hf_pv", textops_is_present_hf_pv, prep_fmt1 },
	{ "textops_is_present_hf_re", textops_is_present_hf_re, prep_re },
	{ "textops_has_body", textops_has_body, NULL },
	{ "textops_has_body_1", textops_has_body_1, NULL },
	{ "textops_set_body", textops_set_body, prep_fmt2 },
	{ "textops_is_method", textops_is_method, prep_is_method },
	{ "textops_append_to_reply", textops_append_to_reply, prep_fmt1 },
	{ "textops_cmp_str", textops_cmp_str, prep_fmt2 },
	{ "textops_cmp_istr", textops_cmp_istr, prep_fmt2 },
	{ "textops_starts_with", textops_starts_with, prep_fmt2 },
	{ "textops_ends_with", textops_ends_with, prep_fmt2 },
	{ "textops_in_list", textops_in_list, prep_in_list },
	{ "textops_in_list_prefix", textops_in_list_prefix, prep_in_list },
	{ "textops_replace_str", textops_replace_str, prep_fmt3 },
	{ "textops_replace_body_str", textops_replace_body_str, prep_fmt3 },
	{ "textops_search_str", textops_search_str, prep_fmt2 },
	{ "textops_search_append_body", textops_search_append_body, prep_re_str },
	{ "textops_is_present_hf_re_pv", textops_is_present_hf_re_pv, prep_fmt1 },
	{ "textops_remove_hf_re_pv", textops_remove_hf_re_pv, prep_fmt1 },
	{ "textops_remove_hf_idx", textops_remove_hf_idx, prep_fmt_int },
	{ 0 },
};
