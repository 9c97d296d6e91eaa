/* rr.c: record routing and loose routing (kamailio-runtime.md 4.1;
 * RFC 3261 16.4, 16.6, 16.12; Kamailio's rr module).
 *
 *   record_route([params])  Record-Route: <sip:ADDR:PORT[;transport=x];lr;ftag=T{params}{add_rr_param}>
 *       above all headers; ADDR:PORT is the send socket if one is forced,
 *       else the receiving one (its advertised address if it has one);
 *       sips: when the R-URI is sips; a second call is refused (-1)
 *   record_route_preset(hostport[, second])  the text as given: <sip:TEXT;ftag=T{..};lr>
 *   record_route_advertised_address(addr)   record_route with addr as ADDR:PORT
 *   add_rr_param(";p")      before or after record_route
 *   loose_route()           1 when Route headers were used, -1 when there are
 *       none, -3 when the only Route was ours and preloaded (no To-tag)
 *   check_route_param(re)   on the ";params" of our Route loose_route() took
 *   is_direction("downstream"|"upstream")   by the ftag of that Route
 *   remove_record_route()   drop what record_route queued
 *   loose_route_preloaded() 1 when loose_route would give -3
 *   rr_next_hop_route()     1 when loose_route took the next hop from a Route
 * Module parameters: append_fromtag (1), enable_full_lr (0).  Not done:
 * enable_double_rr (a proxy with one socket never needs two), add_username,
 * outbound flow tokens.
 */
#include "modules/mod.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/sock.h"

#define RR_DRIVEN 1
#define RR_ERROR -1
#define RR_PRELOADED -3
#define RR_RE (PV_RE_ICASE | PV_RE_NEWLINE)

static atomic_int rr_append_fromtag = 1;
static atomic_int rr_full_lr = 0;

static int param_int(rc_gen_t *g, const char *name, int def)
{
	const rc_param_def *p = rt_gen_param(g, "rr", name);
	return p && p->type == RC_INT ? p->i : def;
}

static void read_params(rc_gen_t *g)
{
	atomic_store(&rr_append_fromtag, param_int(g, "append_fromtag", 1));
	atomic_store(&rr_full_lr, param_int(g, "enable_full_lr", 0));
}

static int prep_none(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	read_params(g);
	return 0;
}

static int prep_fmt(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	read_params(g);
	for (int i = 0; i < argc; i++)
		if (mod_prep_fmt(g, &argv[i], where) < 0)
			return -1;
	return 0;
}

/* ---- record_route -------------------------------------------------------------- */

static int ruri_is_sips(rc_msg_t *m)
{
	rc_str u = pv_ruri(m);
	return u.s && u.len > 5 && pv_eqi(u.s, 5, "sips:", 5);
}

static rc_str from_tag(rc_msg_t *m)
{
	const sip_addr *f;
	rc_str t = { "", 0 };
	if (atomic_load(&rr_append_fromtag) && sip_get_from(&m->sip, &f) == 0 && f->tag.s)
		t = (rc_str){ f->tag.s, f->tag.len };
	return t;
}

/* The full line: base, the add_rr_param text, ">\r\n". */
static int rr_line(rc_msg_t *m, rc_str *out)
{
	rc_str b = m->rr_base, p = m->rr_params;
	char *d = rc_tmp(m, b.len + p.len + 4);
	if (!d)
		return -1;
	memcpy(d, b.s, (size_t)b.len);
	if (p.len)
		memcpy(d + b.len, p.s, (size_t)p.len);
	memcpy(d + b.len + p.len, ">\r\n", 4);
	out->s = d;
	out->len = b.len + p.len + 3;
	return 0;
}

static int queue_rr(rc_msg_t *m, const char *base, int blen)
{
	rc_str line;
	if (m->rr_text) {
		rt_log(RT_L_ERR, "rr: double attempt to record-route");
		return -1;
	}
	m->rr_base.s = base;
	m->rr_base.len = blen;
	if (rr_line(m, &line) < 0 || sip_lump_insert_hdr(&m->lumps, line.s, line.len) < 0)
		return -1;
	m->rr_text = line.s;
	return 1;
}

/* "Record-Route: <sip:" host ":" port [;transport] ";lr" [;ftag=] params */
static int record(rc_msg_t *m, rc_str hostport, rc_str params)
{
	if (!m->sip.is_request)
		return -1;
	const rt_sock *s = m->force_send ? m->force_send : m->rcv ? m->rcv : rt_sock_at(0);
	char host[160];
	int hl = 0, port = 0;
	if (!hostport.s) {
		if (!s) {
			rt_log(RT_L_ERR, "rr: no socket to put in Record-Route");
			return -1;
		}
		hl = rt_sock_via_host(s, host, sizeof host, &port);
	}
	static const char *const tr[] = { "", "", ";transport=tcp", ";transport=tls", ";transport=sctp",
	                                   ";transport=ws", ";transport=wss" };
	const char *t = s && !hostport.s && s->proto >= 1 && s->proto <= 6 ? tr[s->proto] : "";
	rc_str tag = from_tag(m);
	int cap = 64 + hl + hostport.len + tag.len + params.len + (int)strlen(t);
	char *d = rc_tmp(m, cap);
	if (!d)
		return -1;
	int n = sprintf(d, "Record-Route: <%s", ruri_is_sips(m) ? "sips:" : "sip:");
	if (hostport.s)
		n += sprintf(d + n, "%.*s", hostport.len, hostport.s);
	else
		n += sprintf(d + n, "%.*s:%d", hl, host, port);
	n += sprintf(d + n, "%s%s", t, atomic_load(&rr_full_lr) ? ";lr=on" : ";lr");
	if (tag.len)
		n += sprintf(d + n, ";ftag=%.*s", tag.len, tag.s);
	if (params.len)
		n += sprintf(d + n, "%.*s", params.len, params.s);
	return queue_rr(m, d, n);
}

int rr_record_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str none = { NULL, 0 };
	return record(m, none, none);
}

int rr_record_route_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str none = { NULL, 0 };
	return record(m, none, mod_arg_str(m, c, &argv[0]));
}

int rr_record_route_advertised_address(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str none = { NULL, 0 }, addr = mod_arg_str(m, c, &argv[0]);
	if (addr.len == 0)
		return -1;
	return record(m, addr, none);
}

/* Kamailio's record_route_preset: <sip:DATA;ftag=T{params};lr> */
static int preset_line(rc_msg_t *m, rc_str data, const char *r2, rc_str *out)
{
	rc_str tag = from_tag(m), p = m->rr_params;
	int skip = data.len > 4 && pv_eqi(data.s, 4, "sip:", 4) ? 4 : 0;
	char *d = rc_tmp(m, data.len + tag.len + p.len + 64);
	if (!d)
		return -1;
	int n = sprintf(d, "Record-Route: <%s%.*s", ruri_is_sips(m) ? "sips:" : "sip:", data.len - skip, data.s + skip);
	if (tag.len)
		n += sprintf(d + n, ";ftag=%.*s", tag.len, tag.s);
	if (p.len)
		n += sprintf(d + n, "%.*s", p.len, p.s);
	n += sprintf(d + n, "%s%s>\r\n", r2, atomic_load(&rr_full_lr) ? ";lr=on" : ";lr");
	out->s = d;
	out->len = n;
	return 0;
}

static int preset(rc_msg_t *m, rc_str a, rc_str b)
{
	rc_str l1, l2;
	if (!m->sip.is_request)
		return -1;
	if (m->rr_text) {
		rt_log(RT_L_ERR, "rr: double attempt to record-route");
		return -1;
	}
	/* with two addresses: the first (outbound side) above the second */
	if (preset_line(m, a, b.s ? ";r2=on" : "", &l1) < 0 || sip_lump_insert_hdr(&m->lumps, l1.s, l1.len) < 0)
		return -1;
	if (b.s && (preset_line(m, b, ";r2=on", &l2) < 0 || sip_lump_insert_hdr(&m->lumps, l2.s, l2.len) < 0))
		return -1;
	m->rr_text = l1.s;
	m->rr_base.s = NULL; /* params were put in already */
	m->rr_params.len = 0;
	return 1;
}

int rr_record_route_preset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str none = { NULL, 0 };
	return preset(m, mod_arg_str(m, c, &argv[0]), none);
}

int rr_record_route_preset_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return preset(m, mod_arg_str(m, c, &argv[0]), mod_arg_str(m, c, &argv[1]));
}

int rr_add_rr_param(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str p = mod_arg_str(m, c, &argv[0]), old = m->rr_params;
	if (m->rr_text && !m->rr_base.s) {
		rt_log(RT_L_ERR, "rr: add_rr_param after record_route_preset is not supported");
		return -1;
	}
	char *d = rc_tmp(m, old.len + p.len + 1);
	if (!d)
		return -1;
	if (old.len)
		memcpy(d, old.s, (size_t)old.len);
	memcpy(d + old.len, p.s, (size_t)p.len);
	m->rr_params.s = d;
	m->rr_params.len = old.len + p.len;
	if (m->rr_text) {
		/* Record-Route already queued: its lump gets the longer text */
		rc_str line;
		if (rr_line(m, &line) < 0)
			return -1;
		for (int i = 0; i < m->lumps.n; i++)
			if (m->lumps.v[i].text == m->rr_text) {
				m->lumps.v[i].text = line.s;
				m->lumps.v[i].len = line.len;
			}
		m->rr_text = line.s;
	}
	return 1;
}

int rr_remove_record_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	for (int i = 0; m->rr_text && i < m->lumps.n; i++)
		if (m->lumps.v[i].text == m->rr_text)
			m->lumps.v[i].len = 0;
	m->rr_text = NULL;
	m->rr_base.s = NULL;
	m->rr_base.len = 0;
	m->rr_params.len = 0;
	return 1;
}

/* ---- loose_route -------------------------------------------------------------------- */

static int is_myself(const sip_uri *u)
{
	if (!u->host.len)
		return 0;
	return rt_myself(u->host.s, u->host.len, u->port ? u->port : 5060, 0);
}

static int is_strict(const sip_uri *u)
{
	return !u->lr;
}

/* The URI to send to: maddr wins over the host (RFC 3261 16.5). */
static int maddr_uri(rc_msg_t *m, rc_str uri, const sip_uri *u, rc_str *out)
{
	*out = uri;
	if (!u || !u->maddr.s || u->maddr.len == 0)
		return 0;
	char *d = rc_tmp(m, u->maddr.len + u->port_s.len + u->transport.len + 24);
	if (!d)
		return -1;
	int n = sprintf(d, "%s%.*s", u->scheme == SIP_URI_SIPS ? "sips:" : "sip:", u->maddr.len, u->maddr.s);
	if (u->port_s.len)
		n += sprintf(d + n, ":%.*s", u->port_s.len, u->port_s.s);
	if (u->transport.len)
		n += sprintf(d + n, ";transport=%.*s", u->transport.len, u->transport.s);
	out->s = d;
	out->len = n;
	return 0;
}

static int set_du(rc_msg_t *m, rc_str uri)
{
	char *d = pv_dup(m, uri.s, uri.len);
	if (!d)
		return -1;
	m->dst_uri.s = d;
	m->dst_uri.len = uri.len;
	return 0;
}

static int set_ruri(rc_msg_t *m, rc_str uri)
{
	char *d = pv_dup(m, uri.s, uri.len);
	if (!d)
		return -1;
	m->new_ruri.s = d;
	m->new_ruri.len = uri.len;
	return 0;
}

static int del(rc_msg_t *m, int off, int len)
{
	if (!pv_lump_free(m, off, len)) {
		rt_log(RT_L_ERR, "rr: the Route header was already changed");
		return -1;
	}
	return sip_lump_delete(&m->lumps, off, len) < 0 ? -1 : 0;
}

static int values_in(const sip_addr_list *l, int hdr)
{
	int n = 0;
	for (int i = 0; i < l->n; i++)
		n += l->v[i].hdr == hdr;
	return n;
}

/* Removes Route values [0, k): whole headers when all their values go,
 * else from the body's start to the first value kept (Kamailio's way). */
static int del_first(rc_msg_t *m, const sip_addr_list *l, int k)
{
	for (int i = 0; i < k;) {
		int h = l->v[i].hdr, j = i;
		while (j < k && l->v[j].hdr == h)
			j++;
		const sip_hdr *hd = &m->sip.hdrs[h];
		if (j - i == values_in(l, h)) {
			if (del(m, hd->start, hd->end - hd->start) < 0)
				return -1;
		} else {
			int off = (int)(hd->body.s - m->buf);
			if (del(m, off, (int)(l->v[j].value.s - hd->body.s)) < 0)
				return -1;
		}
		i = j;
	}
	return 0;
}

/* Removes the last Route value (after a strict router). */
static int del_last(rc_msg_t *m, const sip_addr_list *l)
{
	const sip_addr *a = &l->v[l->n - 1];
	const sip_hdr *hd = &m->sip.hdrs[a->hdr];
	if (values_in(l, a->hdr) == 1)
		return del(m, hd->start, hd->end - hd->start);
	const sip_addr *p = &l->v[l->n - 2];
	int off = (int)(p->value.s + p->value.len - m->buf);
	return del(m, off, (int)(a->value.s + a->value.len - m->buf) - off);
}

/* The next hop is a strict router: the R-URI goes to a new last Route,
 * the Route's URI becomes the R-URI (Kamailio's handle_sr). */
static int handle_sr(rc_msg_t *m, const sip_addr_list *l, int i, const sip_uri *u)
{
	rc_str uri = { l->v[i].uri.s, l->v[i].uri.len }, target;
	char *line = rc_tmp(m, m->sip.ruri.len + 12);
	if (!line)
		return -1;
	int n = sprintf(line, "Route: <%.*s>\r\n", m->sip.ruri.len, m->sip.ruri.s);
	if (sip_lump_append_hdr(&m->lumps, line, n) < 0)
		return -1;
	if (maddr_uri(m, uri, u, &target) < 0 || set_ruri(m, target) < 0)
		return -1;
	return del_first(m, l, i + 1);
}

static void keep_params(rc_msg_t *m, const sip_uri *u)
{
	m->rr_route_params.s = u->params.s;
	m->rr_route_params.len = u->params.len;
}

static int after_loose(rc_msg_t *m, const sip_addr_list *l, int preloaded)
{
	sip_uri u;
	int i = 0;
	if (sip_uri_parse(l->v[0].uri.s, l->v[0].uri.len, &u) < 0) {
		rt_log(RT_L_ERR, "rr: failed to parse the first Route URI '%.*s'", l->v[0].uri.len, l->v[0].uri.s);
		return RR_ERROR;
	}
	m->rr_route_params.s = NULL;
	m->rr_route_params.len = 0;
	if (is_myself(&u)) {
		keep_params(m, &u);
		i = 1;
		if (u.params.len && sip_param_get((sip_str){ u.params.s, u.params.len }, "r2", &(sip_str){ 0 }) == 0 &&
		    l->n > 1) {
			sip_uri u2;
			if (sip_uri_parse(l->v[1].uri.s, l->v[1].uri.len, &u2) == 0 && is_myself(&u2))
				i = 2; /* double Record-Route of ours: both go */
		}
		if (i == l->n) {
			if (del_first(m, l, i) < 0)
				return RR_ERROR;
			return preloaded ? RR_PRELOADED : RR_DRIVEN;
		}
		if (sip_uri_parse(l->v[i].uri.s, l->v[i].uri.len, &u) < 0) {
			rt_log(RT_L_ERR, "rr: failed to parse the next Route URI '%.*s'", l->v[i].uri.len, l->v[i].uri.s);
			return RR_ERROR;
		}
		m->rr_next_hop = 1;
	}
	if (is_strict(&u))
		return handle_sr(m, l, i, &u) < 0 ? RR_ERROR : RR_DRIVEN;
	rc_str uri = { l->v[i].uri.s, l->v[i].uri.len }, target;
	if (maddr_uri(m, uri, &u, &target) < 0 || set_du(m, target) < 0)
		return RR_ERROR;
	if (i > 0 && del_first(m, l, i) < 0)
		return RR_ERROR;
	return RR_DRIVEN;
}

/* We were strict-routed to: the R-URI is ours (Kamailio's after_strict). */
static int after_strict(rc_msg_t *m, const sip_addr_list *l)
{
	sip_uri u, ru;
	int i = 0;
	if (sip_uri_parse(l->v[0].uri.s, l->v[0].uri.len, &u) < 0)
		return RR_ERROR;
	if (u.params.len && sip_param_get((sip_str){ u.params.s, u.params.len }, "r2", &(sip_str){ 0 }) == 0 &&
	    is_myself(&u)) {
		i = 1;
		if (l->n == 1) {
			if (del_first(m, l, 1) < 0)
				return RR_ERROR;
			return -1; /* RR_NOT_DRIVEN */
		}
		if (sip_uri_parse(l->v[1].uri.s, l->v[1].uri.len, &u) < 0)
			return RR_ERROR;
	}
	rc_str r = pv_ruri(m);
	if (sip_uri_parse(r.s, r.len, &ru) == 0)
		keep_params(m, &ru);
	rc_str uri = { l->v[i].uri.s, l->v[i].uri.len }, target;
	if (is_strict(&u)) {
		/* the next hop is strict too: its URI becomes the R-URI */
		if (maddr_uri(m, uri, &u, &target) < 0 || set_ruri(m, target) < 0)
			return RR_ERROR;
		return del_first(m, l, i + 1) < 0 ? RR_ERROR : RR_DRIVEN;
	}
	if (maddr_uri(m, uri, &u, &target) < 0 || set_du(m, target) < 0)
		return RR_ERROR;
	if (i > 0 && del_first(m, l, i) < 0)
		return RR_ERROR;
	/* the remote target was saved as the last Route: back to the R-URI */
	if (l->n - 1 <= i) {
		rt_log(RT_L_ERR, "rr: no remote target in the Route set");
		return RR_ERROR;
	}
	const sip_addr *last = &l->v[l->n - 1];
	rc_str tu = { last->uri.s, last->uri.len };
	if (set_ruri(m, tu) < 0 || del_last(m, l) < 0)
		return RR_ERROR;
	return RR_DRIVEN;
}

static int loose(rc_msg_t *m, int mode)
{
	const sip_addr_list *l;
	const sip_addr *to;
	sip_uri ru;
	if (!m->sip.is_request)
		return -1;
	int rc = sip_get_routes(&m->sip, &l);
	if (rc == SIP_E_ABSENT)
		return -1;
	if (rc < 0 || l->n == 0) {
		rt_log(RT_L_ERR, "rr: failed to parse the Route headers: %s", sip_strerror(rc));
		return -1;
	}
	rc_str r = pv_ruri(m);
	if (sip_uri_parse(r.s, r.len, &ru) < 0) {
		rt_log(RT_L_ERR, "rr: failed to parse the Request-URI");
		return -1;
	}
	if (sip_get_to(&m->sip, &to) < 0) {
		rt_log(RT_L_ERR, "rr: failed to parse the To header");
		return -1;
	}
	if (!to->tag.s || to->tag.len == 0)
		return after_loose(m, l, 1);
	if (mode == 0 && is_myself(&ru))
		return after_strict(m, l);
	return after_loose(m, l, 0);
}

int rr_loose_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return loose(m, 0);
}

int rr_loose_route_mode(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int mode;
	if (mod_arg_int(m, c, &argv[0], &mode) < 0)
		mode = 0;
	return loose(m, mode ? 1 : 0);
}

int rr_loose_route_preloaded(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return loose(m, 0) == RR_PRELOADED ? 1 : -1;
}

int rr_next_hop_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return m->rr_next_hop ? 1 : -1;
}

int rr_check_route_param(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const rc_re *re = mod_arg_re(m, &argv[0], RR_RE);
	rc_str p = m->rr_route_params;
	if (!re || !p.s || p.len <= 0)
		return -1;
	return pv_re_exec(re, p.s, p.len, 0, NULL, 0) > 0 ? 1 : -1;
}

int rr_is_direction(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str dir = argv[0].s;
	int want_up = pv_eqi(dir.s, dir.len, "upstream", 8);
	int up = 0;
	sip_str ftag;
	const sip_addr *f;
	rc_str p = m->rr_route_params;
	if (p.s && sip_param_get((sip_str){ p.s, p.len }, "ftag", &ftag) == 0 && ftag.len > 0 &&
	    sip_get_from(&m->sip, &f) == 0 && f->tag.s && f->tag.len > 0)
		up = f->tag.len != ftag.len || memcmp(f->tag.s, ftag.s, (size_t)ftag.len) != 0;
	return up == want_up ? 1 : -1;
}

static int prep_dir(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1 || argv[0].type != RC_STR ||
	    !(pv_eqi(argv[0].s.s, argv[0].s.len, "upstream", 8) || pv_eqi(argv[0].s.s, argv[0].s.len, "downstream", 10))) {
		rt_log(RT_L_ERR, "%s: is_direction takes \"upstream\" or \"downstream\"", where);
		return -1;
	}
	return 0;
}

static int prep_re(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_re(g, &argv[0], RR_RE, where) : -1;
}

static int prep_int(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return argc >= 1 ? mod_prep_pv(g, &argv[0], where) : -1;
}

const rt_fn rr_fns[] = {
	{ "rr_record_route", rr_record_route, prep_none },
	{ "rr_record_route_1", rr_record_route_1, prep_fmt },
	{ "rr_record_route_preset", rr_record_route_preset, prep_fmt },
	{ "rr_record_route_preset_2", rr_record_route_preset_2, prep_fmt },
	{ "rr_record_route_advertised_address", rr_record_route_advertised_address, prep_fmt },
	{ "rr_add_rr_param", rr_add_rr_param, prep_fmt },
	{ "rr_remove_record_route", rr_remove_record_route, NULL },
	{ "rr_loose_route", rr_loose_route, NULL },
	{ "rr_loose_route_mode", rr_loose_route_mode, prep_int },
	{ "rr_loose_route_preloaded", rr_loose_route_preloaded, NULL },
	{ "rr_next_hop_route", rr_next_hop_route, NULL },
	{ "rr_check_route_param", rr_check_route_param, prep_re },
	{ "rr_is_direction", rr_is_direction, prep_dir },
	{ 0 },
};
