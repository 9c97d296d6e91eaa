/* tm_funcs.c: the tm functions a script calls to relay and reply
 * (kamailio-runtime.md 1.5, 1.6.2).
 *
 *   t_relay()  t_relay(host, port)  t_relay_to_udp([host, port])
 *   t_relay_to()  t_relay_to(proxy | flags)  t_relay_to(proxy, flags)
 *       flags: 0x01 no 100 Trying, 0x02 no error reply of tm's own,
 *       0x04 no DNS failover (there is none to disable)
 *   t_forward_nonack[_udp](host, port)  t_forward_nonack_uri()
 *   t_replicate([uri] | host, port)  t_replicate_udp(host, port)
 *   t_newtran()  t_reply(code, reason)  t_send_reply(code, reason)
 *   t_retransmit_reply()  t_release()  t_check_trans()
 *   t_lookup_request()  t_lookup_cancel([1])  t_relay_cancel()
 *   t_on_failure / t_on_reply / t_on_branch / t_on_branch_failure(name)
 *   t_use_uac_headers()
 * Return values are Kamailio's: 1 true, negative false, 0 stops the script
 * (a retransmission absorbed by t_newtran or t_check_trans, t_relay_cancel
 * that relayed the CANCEL).  Transport forms other than UDP are refused when
 * the script loads, as forward_tcp() is.
 */
#include "modules/tm/tm.h"

#include <stdio.h>
#include <string.h>

#include "core/forward.h"
#include "core/gen.h"
#include "core/sock.h"

/* ---- arguments ------------------------------------------------------------------ */

static int parse_port(const rc_arg *a, int *port)
{
	if (a->type == RC_INT) {
		*port = a->i;
	} else if (a->type == RC_STR && a->s.s && pv_str2sint(a->s.s, a->s.len, port)) {
	} else {
		return -1;
	}
	return *port >= 0 && *port <= 65535 ? 0 : -1;
}

/* "[udp:]host[:port]" -> host and port; -1 for another protocol. */
static int split_proxy(rc_str s, rc_str *host, int *port)
{
	*port = 0;
	if (s.len > 4 && s.s[3] == ':' && (s.s[4] != '/' || 1)) {
		if (!strncasecmp(s.s, "udp:", 4)) {
			s.s += 4;
			s.len -= 4;
		} else if (!strncasecmp(s.s, "tcp:", 4) || !strncasecmp(s.s, "tls:", 4)) {
			return -1;
		}
	}
	if (s.len > 5 && !strncasecmp(s.s, "sctp:", 5))
		return -1;
	*host = s;
	const char *c = NULL;
	if (s.len && s.s[0] == '[') {
		const char *rb = memchr(s.s, ']', (size_t)s.len);
		if (rb && rb + 1 < s.s + s.len && rb[1] == ':')
			c = rb + 1;
	} else {
		c = memchr(s.s, ':', (size_t)s.len);
		if (c && memchr(c + 1, ':', (size_t)(s.s + s.len - c - 1)))
			c = NULL;
	}
	if (c) {
		host->len = (int)(c - s.s);
		if (!pv_str2sint(c + 1, (int)(s.s + s.len - c - 1), port) || *port < 0 || *port > 65535)
			return -2;
	}
	return 0;
}

static int resolve(rc_str host, int port, tm_dest *d)
{
	if (host.len >= 2 && host.s[0] == '[' && host.s[host.len - 1] == ']') {
		host.s++;
		host.len -= 2;
	}
	memset(d, 0, sizeof *d);
	if (rt_resolve(host.s, host.len, port, &d->to, &d->tolen) < 0)
		return -1;
	d->set = 1;
	return 0;
}

/* (host, port) of t_relay(host, port) and friends: resolved at load when
 * constant, at each call otherwise. */
int tm_prep_dest(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2 || argv[0].type != RC_STR || argv[1].type == RC_NULL)
		return 0;
	int port;
	rc_str host;
	if (parse_port(&argv[1], &port) < 0 || split_proxy(argv[0].s, &host, &(int){ 0 }) != 0) {
		rt_log(RT_L_ERR, "%s: bad destination '%.*s'", where, argv[0].s.len, argv[0].s.s);
		return -1;
	}
	tm_dest *d = rt_gen_alloc(g, sizeof *d);
	if (!d || resolve(host, port, d) < 0) {
		rt_log(RT_L_ERR, "%s: cannot resolve '%.*s'", where, argv[0].s.len, argv[0].s.s);
		return -1;
	}
	argv[0].p = d;
	return 0;
}

static int dest_get(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, tm_dest *d)
{
	if (argv[0].p) {
		*d = *(const tm_dest *)argv[0].p;
		return 0;
	}
	rc_str host = mod_arg_str(m, c, &argv[0]);
	int port = 0, p2;
	if (parse_port(&argv[1], &port) < 0 || split_proxy(host, &host, &p2) != 0 ||
	    resolve(host, port, d) < 0) {
		rt_log(RT_L_ERR, "tm: bad destination '%.*s'", host.len, host.s);
		return -1;
	}
	return 0;
}

/* t_relay_to's one argument: a proxy "[proto:]host[:port]" or flags. */
typedef struct relay_to_arg {
	int has_dest;
	tm_dest d;
	int flags;
} relay_to_arg;

static int is_flags(rc_str s)
{
	if (s.len > 2 && s.s[0] == '0' && (s.s[1] == 'x' || s.s[1] == 'X')) {
		for (int i = 2; i < s.len; i++)
			if (!((s.s[i] >= '0' && s.s[i] <= '9') || (s.s[i] >= 'a' && s.s[i] <= 'f') ||
			      (s.s[i] >= 'A' && s.s[i] <= 'F')))
				return 0;
		return 1;
	}
	int v;
	return s.len > 0 && pv_str2sint(s.s, s.len, &v);
}

static int flags_of(rc_str s)
{
	int v = 0;
	if (s.len > 2 && s.s[0] == '0' && (s.s[1] == 'x' || s.s[1] == 'X')) {
		for (int i = 2; i < s.len; i++) {
			char ch = s.s[i];
			v = v * 16 + (ch <= '9' ? ch - '0' : (ch | 32) - 'a' + 10);
		}
		return v;
	}
	pv_str2sint(s.s, s.len, &v);
	return v;
}

int tm_prep_relay_to(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	relay_to_arg *a = rt_gen_alloc(g, sizeof *a);
	if (!a)
		return -1;
	for (int i = 0; i < argc; i++) {
		char num[16];
		rc_str s = argv[i].s;
		if (argv[i].type == RC_INT)
			s = (rc_str){ num, snprintf(num, sizeof num, "%d", argv[i].i) };
		if (argv[i].type == RC_NULL || !s.s) {
			rt_log(RT_L_ERR, "%s: t_relay_to: the argument must be a constant", where);
			return -1;
		}
		if ((argc == 1 && is_flags(s)) || i == 1) {
			if (!is_flags(s)) {
				rt_log(RT_L_ERR, "%s: t_relay_to: invalid flags '%.*s'", where, s.len, s.s);
				return -1;
			}
			a->flags = flags_of(s);
			continue;
		}
		rc_str host;
		int port, r = split_proxy(s, &host, &port);
		if (r == -1) {
			rt_log(RT_L_ERR, "%s: t_relay_to: only udp is supported by the runtime ('%.*s')",
			       where, s.len, s.s);
			return -1;
		}
		if (r < 0 || resolve(host, port, &a->d) < 0) {
			rt_log(RT_L_ERR, "%s: t_relay_to: bad proxy '%.*s'", where, s.len, s.s);
			return -1;
		}
		a->has_dest = 1;
	}
	argv[0].p = a;
	return 0;
}

static int route_prep(rc_gen_t *g, rc_arg *a, int kind, const char *prefix, const char *where)
{
	char name[160];
	if (a->type == RC_INT) {
		snprintf(name, sizeof name, "%s%d", prefix, a->i);
	} else if (a->type == RC_STR && a->s.s && a->s.len < 128) {
		snprintf(name, sizeof name, "%s%.*s", prefix, a->s.len, a->s.s);
	} else {
		rt_log(RT_L_ERR, "%s: a route name is expected", where);
		return -1;
	}
	rc_route_fn *fn = rt_gen_alloc(g, sizeof *fn);
	if (!fn)
		return -1;
	/* "0" (or an empty name) resets, as in Kamailio */
	if (strcmp(name + strlen(prefix), "0") && name[strlen(prefix)] &&
	    !(*fn = rt_gen_route(g, kind, name))) {
		rt_log(RT_L_ERR, "%s: route %s not found", where, name);
		return -1;
	}
	a->p = fn;
	return 0;
}

int tm_prep_on_failure(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return route_prep(g, &argv[0], 3, "", where);
}
int tm_prep_on_reply(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return route_prep(g, &argv[0], 2, "", where);
}
int tm_prep_on_branch(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return route_prep(g, &argv[0], 4, "", where);
}
int tm_prep_on_bfail(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return route_prep(g, &argv[0], 6, "tm:branch-failure:", where);
}

int tm_prep_reply(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (mod_prep_pv(g, &argv[0], where) < 0 || mod_prep_pv(g, &argv[1], where) < 0)
		return -1;
	return 0;
}

int tm_prep_unsupported(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	rt_log(RT_L_ERR, "%s: tcp, tls and sctp are not supported by the runtime (udp only)", where);
	return -1;
}

/* ---- relaying -------------------------------------------------------------------- */

int tm_t_relay(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_relay(m, c, NULL, 0);
}

int tm_t_relay_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_dest d;
	if (dest_get(m, c, argv, &d) < 0)
		return -1;
	return tm_relay(m, c, &d, 0);
}

int tm_t_relay_to_udp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_relay(m, c, NULL, 0);
}

int tm_t_relay_to_udp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_t_relay_2(m, c, argv);
}

static int unsupported(const char *name)
{
	rt_log(RT_L_ERR, "%s: not supported by the runtime (udp only)", name);
	return -1;
}

int tm_t_relay_to_tcp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_relay_to_tcp"); }
int tm_t_relay_to_tcp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_relay_to_tcp"); }
int tm_t_relay_to_tls(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_relay_to_tls"); }
int tm_t_relay_to_tls_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_relay_to_tls"); }
int tm_t_relay_to_sctp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_relay_to_sctp"); }
int tm_t_relay_to_sctp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_relay_to_sctp"); }
int tm_t_replicate_tcp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_replicate_tcp"); }
int tm_t_replicate_tls(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_replicate_tls"); }
int tm_t_replicate_sctp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_replicate_sctp"); }

/* t_relay_to's flags act as their t_set_* functions would. */
static void relay_flags(rc_msg_t *m, int fl)
{
	tm_cell *t = m->tm_t;
	if (fl & 1) {
		if (t)
			t->flags &= ~TM_T_AUTO100;
		m->tm_tfl_reset |= TM_T_AUTO100;
		m->tm_tfl_set &= ~TM_T_AUTO100;
	}
	if (fl & 2) {
		if (t)
			t->flags |= TM_T_NO_INT_REPLY;
		m->tm_tfl_set |= TM_T_NO_INT_REPLY;
	}
	if (fl & 4) {
		if (t)
			t->flags |= TM_T_DISABLE_FAILOVER;
		m->tm_tfl_set |= TM_T_DISABLE_FAILOVER;
	}
}

int tm_t_relay_to(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_relay(m, c, NULL, 0);
}

int tm_t_relay_to_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const relay_to_arg *a = argv[0].p;
	if (!a)
		return -1;
	relay_flags(m, a->flags);
	return tm_relay(m, c, a->has_dest ? &a->d : NULL, 0);
}

int tm_t_relay_to_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_t_relay_to_1(m, c, argv);
}

/* t_forward_nonack: relay on a transaction created before (t_newtran). */
static int forward_nonack(rc_msg_t *m, rc_ctx_t *c, const tm_dest *d)
{
	tm_cell *t = tm_msg_cell(m);
	if (!t) {
		rt_log(RT_L_ERR, "tm: cannot forward a non-ACK message for which no T-state has been "
		       "established");
		return -1;
	}
	return tm_forward_nonack(t, m, c, d);
}

int tm_t_forward_nonack(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_dest d;
	if (dest_get(m, c, argv, &d) < 0)
		return -1;
	return forward_nonack(m, c, &d);
}

int tm_t_forward_nonack_udp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_t_forward_nonack(m, c, argv);
}

int tm_t_forward_nonack_uri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return forward_nonack(m, c, NULL);
}

int tm_t_forward_nonack_tcp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_forward_nonack_tcp"); }
int tm_t_forward_nonack_tls(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_forward_nonack_tls"); }
int tm_t_forward_nonack_sctp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv) { return unsupported("t_forward_nonack_sctp"); }

int tm_t_replicate(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_relay(m, c, NULL, 1);
}

int tm_t_replicate_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str u = mod_arg_str(m, c, &argv[0]);
	if (!u.len)
		return tm_relay(m, c, NULL, 1);
	/* the URI is the next hop, the R-URI stays (Kamailio's t_replicate(uri)) */
	rc_str saved = m->dst_uri;
	m->dst_uri = u;
	int r = tm_relay(m, c, NULL, 1);
	m->dst_uri = saved;
	return r;
}

int tm_t_replicate_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_dest d;
	if (dest_get(m, c, argv, &d) < 0)
		return -1;
	return tm_relay(m, c, &d, 1);
}

int tm_t_replicate_udp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_t_replicate_2(m, c, argv);
}

int tm_t_replicate_to(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str proto = mod_arg_str(m, c, &argv[0]), hp = mod_arg_str(m, c, &argv[1]);
	if (!(proto.len == 3 && !strncasecmp(proto.s, "udp", 3)))
		return unsupported("t_replicate_to");
	rc_str host;
	int port;
	tm_dest d;
	if (split_proxy(hp, &host, &port) != 0 || resolve(host, port, &d) < 0) {
		rt_log(RT_L_ERR, "t_replicate_to: bad destination '%.*s'", hp.len, hp.s);
		return -1;
	}
	return tm_relay(m, c, &d, 1);
}

int tm_t_relay_cancel(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	if (m->sip.method_id != SIP_M_CANCEL)
		return 1;
	tm_cell *inv = tm_lookup_invite(m);
	if (!inv)
		return 1; /* no INVITE: the script goes on (t_relay may follow) */
	tm_cell_unref(inv);
	int r = tm_relay(m, c, NULL, 0);
	return r > 0 ? 0 : r; /* relayed: stop the script, as Kamailio's does */
}

/* ---- transactions ------------------------------------------------------------------ */

int tm_t_newtran(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int r = tm_newtran(m);
	if (r == TM_E_SCRIPT)
		rt_log(RT_L_ERR, "tm: transaction already in process %u:%u", m->tm_t->hash, m->tm_t->label);
	if (r < 0)
		m->sl_err = m->tm_err = r;
	return r;
}

static int code_reason(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int *code, rc_str *reason)
{
	const tm_conf *cf = tm_conf_of(m->gen);
	if (mod_arg_int(m, c, &argv[0], code) < 0) {
		*code = cf->default_code;
		*reason = cf->default_reason;
		return 0;
	}
	*reason = mod_arg_str(m, c, &argv[1]);
	return 0;
}

int tm_t_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int code;
	rc_str reason;
	code_reason(m, c, argv, &code, &reason);
	tm_cell *t = tm_msg_cell(m);
	if (!t) {
		rt_log(RT_L_ERR, "tm: cannot send a t_reply to a message for which no T-state has been "
		       "established");
		return -1;
	}
	if (c->route_type & (RC_RT_TM_ONREPLY | RC_RT_CORE_ONREPLY))
		return tm_reply(t, NULL, code, reason); /* built from the transaction's request */
	return tm_reply(t, m, code, reason);
}

int tm_t_send_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	if (m->sip.is_request && !tm_msg_cell(m)) {
		int r = tm_newtran(m);
		if (r == 0)
			return 0;
		if (r < 0 && r != TM_E_SCRIPT)
			return r;
	}
	return tm_t_reply(m, c, argv);
}

int tm_t_retransmit_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = tm_msg_cell(m);
	if (!t)
		return -1;
	return tm_retransmit_reply(m, t);
}

int tm_t_release(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = tm_msg_cell(m);
	if (!t)
		return -1;
	tm_lock(t);
	tm_release(t);
	tm_unlock(t);
	m->tm_mflags |= TM_M_RELEASED;
	return 1;
}

int tm_t_check_trans(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	if (!m->sip.is_request)
		return tm_msg_cell(m) ? 1 : -1;
	if (m->sip.method_id == SIP_M_CANCEL) {
		tm_cell *inv = tm_lookup_invite(m);
		if (!inv)
			return -1;
		tm_cell_unref(inv);
		return 1;
	}
	int fresh = !(m->tm_mflags & TM_M_LOOKED);
	tm_cell *t = tm_msg_cell(m);
	if (!t)
		return -1;
	if (!fresh || (m->tm_mflags & TM_M_CREATED))
		return 1; /* created or found before in this run: no side effect again */
	if (m->sip.method_id == SIP_M_ACK) {
		/* an ACK to a negative or a local reply: tm absorbs it */
		tm_lock(t);
		int st = atomic_load(&t->uas_status);
		if (st >= 300 || t->relayed == -2)
			tm_release(t);
		tm_unlock(t);
		m->tm_mflags |= TM_M_RELEASED;
		return 0;
	}
	tm_retransmit_reply(m, t);
	return 0;
}

int tm_t_lookup_request(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return m->sip.is_request && tm_msg_cell(m) ? 1 : -1;
}

int tm_t_lookup_cancel(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	if (m->sip.method_id != SIP_M_CANCEL)
		return -1;
	tm_cell *inv = tm_lookup_invite(m);
	if (!inv)
		return -1;
	tm_cell_unref(inv);
	return 1;
}

int tm_t_lookup_cancel_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return tm_t_lookup_cancel(m, c, argv);
}

/* ---- routes of the transaction ------------------------------------------------------------ */

static int set_route(rc_msg_t *m, rc_arg *argv, int which)
{
	rc_route_fn fn = argv[0].p ? *(rc_route_fn *)argv[0].p : NULL;
	tm_cell *t = m->tm_t;
	if (t) {
		tm_lock(t);
		switch (which) {
		case 0: t->on_failure = fn; break;
		case 1: t->on_reply = fn; break;
		case 2: t->on_branch = fn; break;
		default: t->on_bfail = fn; break;
		}
		tm_unlock(t);
		return 1;
	}
	switch (which) {
	case 0: m->tm_on_failure = fn; break;
	case 1: m->tm_on_reply = fn; break;
	case 2: m->tm_on_branch = fn; break;
	default: m->tm_on_bfail = fn; break;
	}
	return 1;
}

int tm_t_on_failure(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_route(m, argv, 0);
}

int tm_t_on_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_route(m, argv, 1);
}

int tm_t_on_branch(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_route(m, argv, 2);
}

int tm_t_on_branch_failure(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return set_route(m, argv, 3);
}

int tm_prep_fmt1(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	return mod_prep_fmt(g, &argv[0], where);
}

int tm_send_reply(rc_msg_t *m, rc_ctx_t *c, int code, rc_str reason)
{
	tm_cell *t = m->tm_t;
	if (!t)
		return -1;
	if (c->route_type & (RC_RT_TM_ONREPLY | RC_RT_CORE_ONREPLY) || !m->sip.is_request)
		return tm_reply(t, NULL, code, reason);
	return tm_reply(t, m, code, reason);
}

/* t_relay_to_avp(proto, hostport) / t_forward_nonack_to(proto, hostport):
 * the destination given as values ("udp", "10.0.0.1:5060"). */
static int proto_dest(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, tm_dest *d, const char *fn)
{
	rc_str proto = mod_arg_str(m, c, &argv[0]), hp = mod_arg_str(m, c, &argv[1]);
	if (proto.len && !(proto.len == 3 && !strncasecmp(proto.s, "udp", 3)) &&
	    !(proto.len == 1 && proto.s[0] == '1')) {
		rt_log(RT_L_ERR, "%s: only udp is supported by the runtime ('%.*s')", fn, proto.len, proto.s);
		return -1;
	}
	rc_str host;
	int port;
	if (split_proxy(hp, &host, &port) != 0 || resolve(host, port, d) < 0) {
		rt_log(RT_L_ERR, "%s: bad destination '%.*s'", fn, hp.len, hp.s);
		return -1;
	}
	return 0;
}

int tm_t_relay_to_avp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_dest d;
	if (proto_dest(m, c, argv, &d, "t_relay_to_avp") < 0)
		return -1;
	return tm_relay(m, c, &d, 0);
}

int tm_t_forward_nonack_to(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_dest d;
	if (proto_dest(m, c, argv, &d, "t_forward_nonack_to") < 0)
		return -1;
	return forward_nonack(m, c, &d);
}

/* t_use_uac_headers(): our CANCELs take the To of the INVITE as sent (after
 * the script changed it) instead of the To as received.  Kamailio 5.6 sets
 * FL_USE_UAC_FROM|FL_USE_UAC_TO on the transaction's request (or on the
 * message, for the transaction to come); with reparse_invite on, the From
 * is already the one sent, the hop-by-hop ACK takes the reply's To, so the
 * CANCEL's To is all it changes.  Always 1. */
int tm_t_use_uac_headers(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	tm_cell *t = m->tm_t;
	if (t) {
		tm_lock(t);
		t->flags |= TM_T_UAC_HDRS;
		tm_unlock(t);
	}
	m->tm_tfl_set |= TM_T_UAC_HDRS; /* a transaction created later gets it too */
	return 1;
}
