/* cmds.c: core commands (flags, R-URI rewriting, log, rport, sockets,
 * route by name) and core_fns, the core's row of the function registry. */
#include "core/cmds.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/forward.h"
#include "core/gen.h"
#include "core/rtmsg.h"
#include "core/sock.h"

#define RT_MAX_FLAG 31 /* Kamailio's flag_t is 32 bits */

/* ---- log ---------------------------------------------------------------------- */

static void log_arg(int level, const rc_arg *a)
{
	if (a->type == RC_STR && a->s.s)
		rt_log(level, "<script>: %.*s", a->s.len, a->s.s);
	else if (a->type == RC_INT)
		rt_log(level, "<script>: %d", a->i);
}

/* log("text") is Kamailio's L_DBG + 1: shown from debug=4 up. */
int core_log(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	log_arg(RT_L_DBG + 1, &argv[0]);
	return 1;
}

int core_log_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	log_arg(argv[0].type == RC_INT ? argv[0].i : RT_L_DBG + 1, &argv[1]);
	return 1;
}

/* Kamailio 5.6 only logs that error() is not implemented, and goes on. */
int core_error(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rt_log(RT_L_NOTICE, "error(\"%.*s\", \"%.*s\") not implemented yet",
	       argv[0].type == RC_STR ? argv[0].s.len : 0, argv[0].type == RC_STR ? argv[0].s.s : "",
	       argv[1].type == RC_STR ? argv[1].s.len : 0, argv[1].type == RC_STR ? argv[1].s.s : "");
	return 1;
}

/* ---- flags ---------------------------------------------------------------------- */

static int flag_of(const rc_arg *a)
{
	int f = -1;
	if (a->type == RC_INT) {
		f = a->i;
	} else if (a->type == RC_STR && a->s.s && a->s.len > 0 && a->s.len < 4) {
		f = 0;
		for (int i = 0; i < a->s.len; i++)
			f = a->s.s[i] >= '0' && a->s.s[i] <= '9' && f >= 0 ? f * 10 + a->s.s[i] - '0' : -1;
	}
	return f >= 0 && f <= RT_MAX_FLAG ? f : -1;
}

static int flag_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1 || flag_of(&argv[0]) < 0) {
		rt_log(RT_L_ERR, "%s: bad flag: a number 0..%d is expected", where, RT_MAX_FLAG);
		return -1;
	}
	return 0;
}

int core_setflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = flag_of(&argv[0]);
	if (f < 0)
		return -1;
	m->flags |= 1u << f;
	return 1;
}

int core_resetflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = flag_of(&argv[0]);
	if (f < 0)
		return -1;
	m->flags &= ~(1u << f);
	return 1;
}

int core_isflagset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int f = flag_of(&argv[0]);
	return f >= 0 && (m->flags & (1u << f)) ? 1 : -1;
}

/* ---- R-URI ---------------------------------------------------------------------- */

/* The parts of a sip/sips URI as spans, rebuilt as
 * scheme user[:password]@ host[:port] tail, where tail (params and headers)
 * is kept as written. */
typedef struct uri_parts {
	rc_str scheme; /* "sip:" */
	rc_str user, pass, host, port, tail;
	int has_pass;
} uri_parts;

static int uri_split(rc_msg_t *m, uri_parts *p)
{
	rc_str u = rt_msg_ruri(m);
	sip_uri pu;
	int rc = u.s ? sip_uri_parse(u.s, u.len, &pu) : SIP_E_ABSENT;
	if (rc < 0 || pu.scheme == SIP_URI_TEL) {
		rt_log(RT_L_ERR, "cannot change the Request-URI '%.*s': %s", u.s ? u.len : 0,
		       u.s ? u.s : "", rc < 0 ? sip_strerror(rc) : "not a sip URI");
		return -1;
	}
	const char *colon = memchr(u.s, ':', (size_t)u.len);
	p->scheme = (rc_str){ u.s, (int)(colon + 1 - u.s) };
	p->user = (rc_str){ pu.user.s, pu.user.len };
	p->has_pass = pu.password.s != NULL;
	p->pass = (rc_str){ pu.password.s, pu.password.len };
	const char *hs = pu.host.s - (pu.ipv6 ? 1 : 0);
	const char *he = pu.host.s + pu.host.len + (pu.ipv6 ? 1 : 0);
	p->host = (rc_str){ hs, (int)(he - hs) };
	p->port = (rc_str){ pu.port_s.s, pu.port_s.len };
	const char *te = pu.port_s.s && pu.port_s.len ? pu.port_s.s + pu.port_s.len : he;
	p->tail = (rc_str){ te, (int)(u.s + u.len - te) };
	return 0;
}

static int uri_join(rc_msg_t *m, const uri_parts *p)
{
	int bracket = p->host.len && p->host.s[0] != '[' && memchr(p->host.s, ':', (size_t)p->host.len);
	int n = p->scheme.len + p->user.len + 1 + p->pass.len + 1 + p->host.len + 2 + 1 + p->port.len +
	        p->tail.len;
	char *d = rc_tmp(m, n), *o = d;
	if (!d)
		return -1;
#define PUT(s, l) (memcpy(o, (s), (size_t)(l)), o += (l))
	PUT(p->scheme.s, p->scheme.len);
	if (p->user.len)
		PUT(p->user.s, p->user.len);
	if (p->has_pass) {
		*o++ = ':';
		PUT(p->pass.s, p->pass.len);
	}
	if (p->user.len || p->has_pass)
		*o++ = '@';
	if (bracket)
		*o++ = '[';
	PUT(p->host.s, p->host.len);
	if (bracket)
		*o++ = ']';
	if (p->port.len) {
		*o++ = ':';
		PUT(p->port.s, p->port.len);
	}
	PUT(p->tail.s, p->tail.len);
#undef PUT
	m->new_ruri = (rc_str){ d, (int)(o - d) };
	return 1;
}

static int str_arg(const rc_arg *a, rc_str *out)
{
	if (a->type == RC_STR && a->s.s) {
		*out = a->s;
		return 0;
	}
	rt_log(RT_L_ERR, "a string argument is expected");
	return -1;
}

enum { SET_HOST, SET_HOSTPORT, SET_USER, SET_USERPASS, SET_PORT, PREFIX_USER };

static int uri_set(rc_msg_t *m, const rc_arg *a, int what)
{
	uri_parts p;
	rc_str v;
	if (str_arg(a, &v) < 0 || uri_split(m, &p) < 0)
		return -1;
	const char *c;
	switch (what) {
	case SET_HOST:
		p.host = v;
		break;
	case SET_HOSTPORT:
		p.host = v;
		p.port = (rc_str){ NULL, 0 };
		if (v.len && v.s[0] == '[') {
			c = memchr(v.s, ']', (size_t)v.len);
			c = c && c + 1 < v.s + v.len && c[1] == ':' ? c + 1 : NULL;
		} else {
			c = memchr(v.s, ':', (size_t)v.len);
			if (c && memchr(c + 1, ':', (size_t)(v.s + v.len - c - 1)))
				c = NULL;
		}
		if (c) {
			p.host.len = (int)(c - v.s);
			p.port = (rc_str){ c + 1, (int)(v.s + v.len - c - 1) };
		}
		break;
	case SET_USER:
		p.user = v;
		break;
	case SET_USERPASS:
		c = memchr(v.s, ':', (size_t)v.len);
		p.user = (rc_str){ v.s, c ? (int)(c - v.s) : v.len };
		p.has_pass = c != NULL;
		p.pass = c ? (rc_str){ c + 1, (int)(v.s + v.len - c - 1) } : (rc_str){ NULL, 0 };
		break;
	case SET_PORT:
		p.port = v;
		break;
	case PREFIX_USER: {
		char *d = rc_tmp(m, v.len + p.user.len);
		if (!d)
			return -1;
		memcpy(d, v.s, (size_t)v.len);
		if (p.user.len)
			memcpy(d + v.len, p.user.s, (size_t)p.user.len);
		p.user = (rc_str){ d, v.len + p.user.len };
		break;
	}
	}
	if (p.host.len == 0) {
		rt_log(RT_L_ERR, "cannot set an empty host in the Request-URI");
		return -1;
	}
	return uri_join(m, &p);
}

int core_rewritehost(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_set(m, &argv[0], SET_HOST);
}

int core_rewritehostport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_set(m, &argv[0], SET_HOSTPORT);
}

int core_rewriteuser(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_set(m, &argv[0], SET_USER);
}

int core_rewriteuserpass(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_set(m, &argv[0], SET_USERPASS);
}

int core_rewriteport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_set(m, &argv[0], SET_PORT);
}

int core_prefix(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return uri_set(m, &argv[0], PREFIX_USER);
}

int core_rewriteuri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str v;
	if (str_arg(&argv[0], &v) < 0)
		return -1;
	char *d = rc_tmp(m, v.len);
	if (!d)
		return -1;
	memcpy(d, v.s, (size_t)v.len);
	m->new_ruri = (rc_str){ d, v.len };
	return 1;
}

int core_revert_uri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	m->new_ruri = (rc_str){ NULL, 0 };
	return 1;
}

static int strip_user(rc_msg_t *m, const rc_arg *a, int tail)
{
	uri_parts p;
	int n = a->type == RC_INT ? a->i : -1;
	if (n < 0) {
		rt_log(RT_L_ERR, "strip%s: a non-negative number is expected", tail ? "_tail" : "");
		return -1;
	}
	if (uri_split(m, &p) < 0)
		return -1;
	if (n > p.user.len) {
		/* Kamailio: "too long strip asked; deleting username" */
		rt_log(RT_L_WARN, "strip%s(%d): the user part has %d characters: removed", tail ? "_tail" : "",
		       n, p.user.len);
		n = p.user.len;
	}
	if (!tail)
		p.user.s += n;
	p.user.len -= n;
	return uri_join(m, &p);
}

int core_strip(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return strip_user(m, &argv[0], 0);
}

int core_strip_tail(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return strip_user(m, &argv[0], 1);
}

/* ---- Via, sockets ---------------------------------------------------------------- */

int core_force_rport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	m->mflags |= RT_MF_FORCE_RPORT;
	return 1;
}

int core_add_local_rport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	m->mflags |= RT_MF_ADD_LOCAL_RPORT;
	return 1;
}

static const rt_sock *socket_of(const rc_arg *a, const char *where)
{
	rt_alias s; /* the same [proto:]host[:port] form */
	char text[RT_HOST_MAX + 16];
	if (a->type != RC_STR || !a->s.s || a->s.len >= (int)sizeof text) {
		rt_log(RT_L_ERR, "%s: force_send_socket: [proto:]address[:port] expected", where);
		return NULL;
	}
	memcpy(text, a->s.s, (size_t)a->s.len);
	text[a->s.len] = '\0';
	if (rt_alias_parse(text, &s) < 0)
		return NULL;
	const rt_sock *so = rt_sock_find(s.proto, s.host, s.port);
	if (!so) /* Kamailio warns and sends from the default socket */
		rt_log(RT_L_WARN, "%s: force_send_socket: no socket of ours is %s: ignored", where, text);
	return so;
}

/* What a preparation found: the socket, or NULL when none matched (warned
 * once at load; the call then does nothing). */
typedef struct sock_ref {
	const rt_sock *s;
} sock_ref;

static int force_socket_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1 || argv[0].type != RC_STR) {
		rt_log(RT_L_ERR, "%s: force_send_socket: [proto:]address[:port] expected", where);
		return -1;
	}
	sock_ref *r = rt_gen_alloc(g, sizeof *r);
	if (!r)
		return -1;
	r->s = socket_of(&argv[0], where);
	argv[0].p = r;
	return 0;
}

int core_force_send_socket(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const sock_ref *r = argv[0].p;
	const rt_sock *s = r ? r->s : socket_of(&argv[0], "force_send_socket");
	if (s)
		m->force_send = s;
	return 1;
}

/* TCP connection options: meaningless for UDP, as in Kamailio. */
int core_set_forward_no_connect(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return 1;
}

int core_set_reply_no_connect(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return 1;
}

int core_set_forward_close(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return 1;
}

int core_set_reply_close(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return 1;
}

int core_clear_branches(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	m->nbranches = 0;
	return 1;
}

/* ---- route(name) with a name computed at run time ----------------------------- */

typedef struct route_ref {
	rc_route_fn fn;
} route_ref;

static int route_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1 || argv[0].type != RC_STR || !argv[0].s.s)
		return 0; /* an expression: looked up at each call */
	char name[128];
	if (argv[0].s.len >= (int)sizeof name)
		goto unknown;
	memcpy(name, argv[0].s.s, (size_t)argv[0].s.len);
	name[argv[0].s.len] = '\0';
	route_ref *r = rt_gen_alloc(g, sizeof *r);
	if (!r)
		return -1;
	if (!(r->fn = rt_gen_route(g, 0, name)))
		goto unknown;
	argv[0].p = r;
	return 0;
unknown:
	rt_log(RT_L_ERR, "%s: route '%.*s' not found", where, argv[0].s.len, argv[0].s.s);
	return -1;
}

int core_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	const route_ref *r = argv[0].p;
	rc_route_fn fn = r ? r->fn : NULL;
	if (!fn) {
		char name[128];
		if (argv[0].type != RC_STR || !argv[0].s.s || argv[0].s.len >= (int)sizeof name ||
		    !m->gen) {
			rt_log(RT_L_ERR, "route(): no route name");
			return -1;
		}
		memcpy(name, argv[0].s.s, (size_t)argv[0].s.len);
		name[argv[0].s.len] = '\0';
		if (!(fn = rt_gen_route(m->gen, 0, name))) {
			rt_log(RT_L_ERR, "route(%s): no such route", name);
			return -1;
		}
	}
	if (c->depth >= rt_cfg.max_recursive_level) {
		rt_log(RT_L_ERR, "route(): too many nested routes (max_recursive_level %d)",
		       rt_cfg.max_recursive_level);
		return -1;
	}
	c->depth++;
	int v = fn(m, c);
	c->depth--;
	/* as Kamailio's route(): the callee's return/break stop at the call */
	c->flags &= ~(RC_F_RETURN | RC_F_BREAK);
	c->rc = v;
	return v;
}

/* ---- not supported yet ---------------------------------------------------------- */

static int unsupported_call(rc_msg_t *m, const char *name)
{
	rt_log(RT_L_ERR, "%s(): not supported by the runtime", name);
	return -1;
}

static int unsupported_prep(const char *name, const char *where)
{
	rt_log(RT_L_ERR, "%s: %s() is not supported by the runtime yet", where, name);
	return -1;
}

/* Defines core_<sym> and its preparation, which refuses the script. */
#define UNSUPPORTED(sym, name)                                                            \
	int sym(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)                                   \
	{                                                                                 \
		return unsupported_call(m, name);                                         \
	}                                                                                 \
	static int sym##_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)     \
	{                                                                                 \
		return unsupported_prep(name, where);                                     \
	}

UNSUPPORTED(core_exec, "exec")
UNSUPPORTED(core_setavpflag, "setavpflag")
UNSUPPORTED(core_resetavpflag, "resetavpflag")
UNSUPPORTED(core_isavpflagset, "isavpflagset")
UNSUPPORTED(core_rewritehostporttrans, "rewritehostporttrans")
UNSUPPORTED(core_userphone, "userphone")
UNSUPPORTED(core_remove_branch, "remove_branch")
UNSUPPORTED(core_remove_branch_1, "remove_branch")
UNSUPPORTED(core_force_tcp_alias, "force_tcp_alias")
UNSUPPORTED(core_force_tcp_alias_1, "force_tcp_alias")
UNSUPPORTED(core_udp_mtu_try_proto, "udp_mtu_try_proto")
UNSUPPORTED(core_set_advertised_address, "set_advertised_address")
UNSUPPORTED(core_set_advertised_port, "set_advertised_port")
UNSUPPORTED(core_cfg_select, "cfg_select")
UNSUPPORTED(core_cfg_reset, "cfg_reset")

/* ---- the table -------------------------------------------------------------------- */

const rt_fn core_fns[] = {
	{ "core_forward", core_forward, NULL },
	{ "core_forward_1", core_forward_1, core_forward_prep },
	{ "core_forward_2", core_forward_2, core_forward_prep },
	{ "core_forward_udp", core_forward_udp, core_forward_prep },
	{ "core_forward_udp_2", core_forward_udp_2, core_forward_prep },
	{ "core_forward_tcp", core_forward_tcp, core_forward_unsupported_prep },
	{ "core_forward_tcp_2", core_forward_tcp_2, core_forward_unsupported_prep },
	{ "core_forward_tls", core_forward_tls, core_forward_unsupported_prep },
	{ "core_forward_tls_2", core_forward_tls_2, core_forward_unsupported_prep },
	{ "core_forward_sctp", core_forward_sctp, core_forward_unsupported_prep },
	{ "core_forward_sctp_2", core_forward_sctp_2, core_forward_unsupported_prep },
	{ "core_log", core_log, NULL },
	{ "core_log_2", core_log_2, NULL },
	{ "core_error", core_error, NULL },
	{ "core_route", core_route, route_prep },
	{ "core_setflag", core_setflag, flag_prep },
	{ "core_resetflag", core_resetflag, flag_prep },
	{ "core_isflagset", core_isflagset, flag_prep },
	{ "core_rewritehost", core_rewritehost, NULL },
	{ "core_rewritehostport", core_rewritehostport, NULL },
	{ "core_rewriteuser", core_rewriteuser, NULL },
	{ "core_rewriteuserpass", core_rewriteuserpass, NULL },
	{ "core_rewriteport", core_rewriteport, NULL },
	{ "core_rewriteuri", core_rewriteuri, NULL },
	{ "core_revert_uri", core_revert_uri, NULL },
	{ "core_prefix", core_prefix, NULL },
	{ "core_strip", core_strip, NULL },
	{ "core_strip_tail", core_strip_tail, NULL },
	{ "core_force_rport", core_force_rport, NULL },
	{ "core_add_local_rport", core_add_local_rport, NULL },
	{ "core_force_send_socket", core_force_send_socket, force_socket_prep },
	{ "core_clear_branches", core_clear_branches, NULL },
	{ "core_set_forward_no_connect", core_set_forward_no_connect, NULL },
	{ "core_set_reply_no_connect", core_set_reply_no_connect, NULL },
	{ "core_set_forward_close", core_set_forward_close, NULL },
	{ "core_set_reply_close", core_set_reply_close, NULL },
	{ "core_exec", core_exec, core_exec_prep },
	{ "core_setavpflag", core_setavpflag, core_setavpflag_prep },
	{ "core_resetavpflag", core_resetavpflag, core_resetavpflag_prep },
	{ "core_isavpflagset", core_isavpflagset, core_isavpflagset_prep },
	{ "core_rewritehostporttrans", core_rewritehostporttrans, core_rewritehostporttrans_prep },
	{ "core_userphone", core_userphone, core_userphone_prep },
	{ "core_remove_branch", core_remove_branch, core_remove_branch_prep },
	{ "core_remove_branch_1", core_remove_branch_1, core_remove_branch_1_prep },
	{ "core_force_tcp_alias", core_force_tcp_alias, core_force_tcp_alias_prep },
	{ "core_force_tcp_alias_1", core_force_tcp_alias_1, core_force_tcp_alias_1_prep },
	{ "core_udp_mtu_try_proto", core_udp_mtu_try_proto, core_udp_mtu_try_proto_prep },
	{ "core_set_advertised_address", core_set_advertised_address, core_set_advertised_address_prep },
	{ "core_set_advertised_port", core_set_advertised_port, core_set_advertised_port_prep },
	{ "core_cfg_select", core_cfg_select, core_cfg_select_prep },
	{ "core_cfg_reset", core_cfg_reset, core_cfg_reset_prep },
	{ 0 },
};
