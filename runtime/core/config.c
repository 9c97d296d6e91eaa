/* config.c: global parameters of the script, then the command line.
 *
 * Every global parameter is either applied here or logged as ignored, once
 * per name: a Kamailio script carries many settings that mean nothing to this
 * runtime (shm_mem_size, fork, tcp_*), and the user must be able to see which
 * of theirs had no effect.
 */
#include "core/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "core/log.h"

#ifndef ROUTEC_VERSION
#define ROUTEC_VERSION "0.1.0"
#endif

rt_conf rt_cfg;

void rt_conf_defaults(rt_conf *c)
{
	memset(c, 0, sizeof *c);
	c->port = 5060;
	c->children = 8; /* Kamailio's default */
	c->debug = RT_L_WARN;
	c->log_stderr = 0;
	c->log_facility = LOG_DAEMON;
	snprintf(c->log_name, sizeof c->log_name, "routec");
	snprintf(c->server_header, sizeof c->server_header, "routec (%s (%s/linux))", ROUTEC_VERSION,
#if defined(__x86_64__)
	         "x86_64"
#elif defined(__aarch64__)
	         "aarch64"
#else
	         "unknown"
#endif
	);
	memcpy(c->user_agent_header, c->server_header, sizeof c->user_agent_header);
	c->server_signature = 1;
	c->max_while_loops = 100;
	c->max_recursive_level = 256;
}

/* ---- socket texts ---------------------------------------------------------- */

static int proto_of(const char *s, size_t n)
{
	static const struct { const char *name; int proto; } t[] = {
		{ "udp", RT_PROTO_UDP }, { "tcp", RT_PROTO_TCP }, { "tls", RT_PROTO_TLS },
		{ "sctp", RT_PROTO_SCTP }, { "*", RT_PROTO_UDP },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strlen(t[i].name) == n && !strncasecmp(s, t[i].name, n))
			return t[i].proto;
	return 0;
}

static int copy_host(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '"' || (unsigned char)s[i] < 0x21)
			return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* "1234" in s[0..n): the port; "*": -2 (as if absent); -1: bad. */
static int parse_port(const char *s, size_t n)
{
	if (n == 1 && s[0] == '*')
		return -2;
	if (n == 0 || n > 5)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 65535 ? v : -1;
}

/* [proto:]host[:port] in s[0..n): IPv6 in brackets, or bare when it has
 * more than one ':' and so cannot carry a port.  No port: *port = -2. */
static int parse_phostport(const char *s, size_t n, int *proto, char *host, size_t cap, int *port)
{
	const char *e = s + n, *c = memchr(s, ':', n);
	*proto = 0;
	*port = -2;
	if (c) {
		int p = proto_of(s, (size_t)(c - s));
		if (p) {
			*proto = p;
			s = c + 1;
		}
	}
	if (s < e && *s == '[') {
		const char *rb = memchr(s, ']', (size_t)(e - s));
		if (!rb || copy_host(host, cap, s + 1, (size_t)(rb - s - 1)) < 0)
			return -1;
		if (rb + 1 == e)
			return 0;
		if (rb[1] != ':' || (*port = parse_port(rb + 2, (size_t)(e - rb - 2))) == -1)
			return -1;
		return 0;
	}
	const char *first = memchr(s, ':', (size_t)(e - s));
	if (first && memchr(first + 1, ':', (size_t)(e - first - 1))) /* bare IPv6 */
		return copy_host(host, cap, s, (size_t)(e - s));
	if (!first)
		return copy_host(host, cap, s, (size_t)(e - s));
	if (copy_host(host, cap, s, (size_t)(first - s)) < 0)
		return -1;
	if ((*port = parse_port(first + 1, (size_t)(e - first - 1))) == -1)
		return -1;
	return 0;
}

/* The next space-separated word of *p (a quoted word keeps its quotes). */
static int next_word(const char **p, const char **w, size_t *n)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return 0;
	*w = s;
	if (*s == '"') {
		const char *q = strchr(s + 1, '"');
		s = q ? q + 1 : s + strlen(s);
	} else {
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	*n = (size_t)(s - *w);
	*p = s;
	return 1;
}

int rt_listen_parse(const char *text, rt_listen *out)
{
	const char *p = text, *w;
	size_t n;
	int proto;
	memset(out, 0, sizeof *out);
	if (!text || !next_word(&p, &w, &n) ||
	    parse_phostport(w, n, &proto, out->host, sizeof out->host, &out->port) < 0)
		goto bad;
	out->proto = proto ? proto : RT_PROTO_UDP;
	if (out->port < 0)
		out->port = -1; /* the `port` parameter */
	while (next_word(&p, &w, &n)) {
		if (n == 9 && !strncasecmp(w, "advertise", 9)) {
			int ap;
			if (!next_word(&p, &w, &n) ||
			    parse_phostport(w, n, &ap, out->adv_host, sizeof out->adv_host, &out->adv_port) < 0 ||
			    ap)
				goto bad;
			if (out->adv_port < 0)
				out->adv_port = 0;
		} else if (n == 4 && !strncasecmp(w, "name", 4)) {
			if (!next_word(&p, &w, &n))
				goto bad;
			if (n >= 2 && w[0] == '"' && w[n - 1] == '"') {
				w++;
				n -= 2;
			}
			if (n == 0 || n >= sizeof out->name || memchr(w, '\\', n))
				goto bad;
			memcpy(out->name, w, n);
			out->name[n] = '\0';
		} else if (n == 7 && !strncasecmp(w, "virtual", 7)) {
			out->is_virtual = 1;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	rt_log(RT_L_ERR, "listen: cannot parse '%s' (expected [proto:]addr[:port] "
	       "[advertise host[:port]] [name \"x\"] [virtual])", text ? text : "");
	return -1;
}

int rt_alias_parse(const char *text, rt_alias *out)
{
	memset(out, 0, sizeof *out);
	if (!text || parse_phostport(text, strlen(text), &out->proto, out->host, sizeof out->host,
	                             &out->port) < 0) {
		rt_log(RT_L_ERR, "alias: cannot parse '%s' (expected [proto:]host[:port])",
		       text ? text : "");
		return -1;
	}
	if (out->port < 0)
		out->port = 0;
	return 0;
}

int rt_listen_parse_cmdline(const char *text, rt_listen *out)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	if (!slash || strchr(text, ' '))
		return rt_listen_parse(text, out);
	/* Kamailio's "-l udp:1.2.3.4:5060/203.0.113.7:5080" */
	char sock[RT_HOST_MAX + 16];
	size_t n = (size_t)(slash - text);
	if (n >= sizeof sock)
		return rt_listen_parse(text, out); /* reports the error */
	memcpy(sock, text, n);
	sock[n] = '\0';
	if (rt_listen_parse(sock, out) < 0)
		return -1;
	int ap;
	if (parse_phostport(slash + 1, strlen(slash + 1), &ap, out->adv_host, sizeof out->adv_host,
	                    &out->adv_port) < 0 || ap) {
		rt_log(RT_L_ERR, "-l %s: cannot parse the advertised address", text);
		return -1;
	}
	if (out->adv_port < 0)
		out->adv_port = 0;
	return 0;
}

/* ---- global parameters -------------------------------------------------------- */

static int p_int(const rc_param_def *p, int *out)
{
	if (p->type == RC_INT) {
		*out = p->i;
		return 0;
	}
	if (p->type == RC_STR && p->s) {
		char *end;
		long v = strtol(p->s, &end, 0);
		if (end != p->s && !*end) {
			*out = (int)v;
			return 0;
		}
		if (!strcasecmp(p->s, "yes") || !strcasecmp(p->s, "on") || !strcasecmp(p->s, "true")) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(p->s, "no") || !strcasecmp(p->s, "off") || !strcasecmp(p->s, "false")) {
			*out = 0;
			return 0;
		}
	}
	rt_log(RT_L_ERR, "parameter '%s': a number is expected", p->name);
	return -1;
}

static int p_str(const rc_param_def *p, char *dst, size_t cap)
{
	if (p->type != RC_STR || !p->s) {
		rt_log(RT_L_ERR, "parameter '%s': a string is expected", p->name);
		return -1;
	}
	if (strlen(p->s) >= cap) {
		rt_log(RT_L_ERR, "parameter '%s': longer than %zu bytes", p->name, cap - 1);
		return -1;
	}
	snprintf(dst, cap, "%s", p->s);
	return 0;
}

/* server_header / user_agent_header are whole header lines in Kamailio
 * ("Server: x"); replies are built from the value, so the name goes. */
static int p_header(const rc_param_def *p, const char *hname, char *dst, size_t cap)
{
	if (p_str(p, dst, cap) < 0)
		return -1;
	size_t hl = strlen(hname);
	if (!strncasecmp(dst, hname, hl) && dst[hl] == ':') {
		const char *v = dst + hl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		memmove(dst, v, strlen(v) + 1);
	}
	size_t n = strlen(dst);
	while (n && (dst[n - 1] == '\r' || dst[n - 1] == '\n' || dst[n - 1] == ' '))
		dst[--n] = '\0';
	return 0;
}

static int p_range(const rc_param_def *p, int *out, int lo, int hi)
{
	int v;
	if (p_int(p, &v) < 0)
		return -1;
	if (v < lo || v > hi) {
		rt_log(RT_L_ERR, "parameter '%s': %d is out of range %d..%d", p->name, v, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int apply_one(rt_conf *c, const rc_param_def *p)
{
	const char *n = p->name;
	if (!strcmp(n, "listen")) {
		if (c->nlisten == RT_MAX_SOCKS) {
			rt_log(RT_L_ERR, "listen: more than %d sockets", RT_MAX_SOCKS);
			return -1;
		}
		if (p->type != RC_STR || rt_listen_parse(p->s, &c->listen[c->nlisten]) < 0)
			return -1;
		c->nlisten++;
		return 0;
	}
	if (!strcmp(n, "alias")) {
		if (c->nalias == RT_MAX_ALIASES) {
			rt_log(RT_L_ERR, "alias: more than %d aliases", RT_MAX_ALIASES);
			return -1;
		}
		if (p->type != RC_STR || rt_alias_parse(p->s, &c->alias[c->nalias]) < 0)
			return -1;
		c->nalias++;
		return 0;
	}
	if (!strcmp(n, "port"))
		return p_range(p, &c->port, 1, 65535);
	if (!strcmp(n, "children"))
		return p_range(p, &c->children, 1, 1024);
	if (!strcmp(n, "debug"))
		return p_range(p, &c->debug, -5, 10);
	if (!strcmp(n, "log_stderror"))
		return p_int(p, &c->log_stderr);
	if (!strcmp(n, "log_facility")) {
		int f = p->type == RC_STR ? rt_log_facility(p->s) : -1;
		if (f < 0) {
			rt_log(RT_L_ERR, "log_facility: bad facility '%s'", p->s ? p->s : "");
			return -1;
		}
		c->log_facility = f;
		return 0;
	}
	if (!strcmp(n, "log_name"))
		return p_str(p, c->log_name, sizeof c->log_name);
	if (!strcmp(n, "server_header"))
		return p_header(p, "Server", c->server_header, sizeof c->server_header);
	if (!strcmp(n, "user_agent_header"))
		return p_header(p, "User-Agent", c->user_agent_header, sizeof c->user_agent_header);
	if (!strcmp(n, "server_signature"))
		return p_int(p, &c->server_signature);
	if (!strcmp(n, "max_while_loops"))
		return p_range(p, &c->max_while_loops, 0, 1 << 30);
	if (!strcmp(n, "max_recursive_level"))
		return p_range(p, &c->max_recursive_level, 1, 1 << 20);
	return 1; /* not ours */
}

int rt_conf_apply(rt_conf *c, const rc_script_def *def)
{
	int rc = 0;
	const rc_param_def *ps = def ? def->params : NULL;
	for (int i = 0; ps && ps[i].name; i++) {
		const rc_param_def *p = &ps[i];
		if (p->module) /* modparams: asked for by the modules (rt_gen_param) */
			continue;
		int r = apply_one(c, p);
		if (r < 0) {
			rc = -1;
			continue;
		}
		if (r == 0)
			continue;
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = !ps[j].module && !strcmp(ps[j].name, p->name);
		if (!seen)
			rt_log(RT_L_WARN, "parameter '%s' ignored: not supported by the runtime", p->name);
	}
	return rc;
}

int rt_conf_cmdline(rt_conf *c, const rt_cmdline *cl)
{
	if (!cl)
		return 0;
	if (cl->nlisten > 0) {
		if (c->nlisten)
			rt_log(RT_L_INFO, "-l given: the script's %d listen socket(s) are replaced",
			       c->nlisten);
		c->nlisten = 0;
		for (int i = 0; i < cl->nlisten && i < RT_MAX_SOCKS; i++)
			if (rt_listen_parse_cmdline(cl->listen[i], &c->listen[c->nlisten++]) < 0)
				return -1;
	}
	if (cl->children > 0)
		c->children = cl->children;
	if (cl->log_stderr)
		c->log_stderr = 1;
	if (cl->debug_set)
		c->debug = cl->debug;
	c->debug += cl->debug_bump;
	return 0;
}

/* ---- for modules ------------------------------------------------------------------ */

static rc_str signature(const char *v)
{
	if (!rt_cfg.server_signature || !v[0])
		return (rc_str){ NULL, 0 };
	return (rc_str){ v, (int)strlen(v) };
}

rc_str rt_server_header(void)
{
	return signature(rt_cfg.server_header);
}

rc_str rt_user_agent_header(void)
{
	return signature(rt_cfg.user_agent_header);
}
