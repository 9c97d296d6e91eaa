/* reload_diff.c: comparing a new script with what is running (reload_diff.h). */
#include "reload_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fn.h"
#include "core/log.h"

static int add(rl_change *v, int n, int max, const char *what, const char *was, const char *now)
{
	if (n >= max)
		return n;
	snprintf(v[n].what, sizeof v[n].what, "%s", what);
	snprintf(v[n].was, sizeof v[n].was, "%s", was);
	snprintf(v[n].now, sizeof v[n].now, "%s", now);
	return n + 1;
}

static int add_int(rl_change *v, int n, int max, const char *what, int was, int now)
{
	char a[16], b[16];
	snprintf(a, sizeof a, "%d", was);
	snprintf(b, sizeof b, "%d", now);
	return was == now ? n : add(v, n, max, what, a, b);
}

static int add_str(rl_change *v, int n, int max, const char *what, const char *was, const char *now)
{
	return strcmp(was, now) ? add(v, n, max, what, was, now) : n;
}

static const char *proto_name(int p)
{
	static const char *const names[] = { "?", "udp", "tcp", "tls", "sctp", "ws", "wss" };
	return p >= 0 && p < (int)(sizeof names / sizeof names[0]) ? names[p] : "?";
}

/* "udp:127.0.0.1:5060 advertise 1.2.3.4:5060, udp:..." for a whole list */
static void listens_text(const rt_conf *c, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!c->nlisten)
		snprintf(buf, cap, "(every local address, port %d)", c->port);
	for (int i = 0; i < c->nlisten && n < cap; i++) {
		const rt_listen *l = &c->listen[i];
		int v6 = strchr(l->host, ':') != NULL;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s:%s%s%s:%d", i ? ", " : "",
		                      proto_name(l->proto), v6 ? "[" : "", l->host, v6 ? "]" : "",
		                      l->port < 0 ? c->port : l->port);
		if (n < cap && l->adv_host[0])
			n += (size_t)snprintf(buf + n, cap - n, " advertise %s:%d", l->adv_host,
			                      l->adv_port ? l->adv_port : l->port < 0 ? c->port : l->port);
		if (n < cap && l->name[0])
			n += (size_t)snprintf(buf + n, cap - n, " name \"%s\"", l->name);
		if (n < cap && l->is_virtual)
			n += (size_t)snprintf(buf + n, cap - n, " virtual");
	}
}

static int same_listens(const rt_conf *a, const rt_conf *b)
{
	if (a->nlisten != b->nlisten)
		return 0;
	for (int i = 0; i < a->nlisten; i++) {
		const rt_listen *x = &a->listen[i], *y = &b->listen[i];
		int px = x->port < 0 ? a->port : x->port, py = y->port < 0 ? b->port : y->port;
		if (x->proto != y->proto || strcmp(x->host, y->host) || px != py ||
		    strcmp(x->adv_host, y->adv_host) || x->adv_port != y->adv_port ||
		    strcmp(x->name, y->name) || x->is_virtual != y->is_virtual)
			return 0;
	}
	return 1; /* both empty: every address, on the `port` row */
}

static void aliases_text(const rt_conf *c, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!c->nalias)
		snprintf(buf, cap, "(none)");
	for (int i = 0; i < c->nalias && n < cap; i++) {
		const rt_alias *a = &c->alias[i];
		n += (size_t)snprintf(buf + n, cap - n, "%s%s%s%s", i ? ", " : "",
		                      a->proto ? proto_name(a->proto) : "", a->proto ? ":" : "", a->host);
		if (n < cap && a->port)
			n += (size_t)snprintf(buf + n, cap - n, ":%d", a->port);
	}
}

static const char *facility_name(int f)
{
	static const char *const names[] = {
		"LOG_DAEMON", "LOG_USER", "LOG_LOCAL0", "LOG_LOCAL1", "LOG_LOCAL2", "LOG_LOCAL3",
		"LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7", "LOG_AUTH", "LOG_AUTHPRIV",
		"LOG_CRON", "LOG_FTP", "LOG_KERN", "LOG_LPR", "LOG_MAIL", "LOG_NEWS", "LOG_SYSLOG",
		"LOG_UUCP",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (rt_log_facility(names[i]) == f)
			return names[i];
	return "?";
}

/* Global parameters: every one is read at start only (reload_diff.h). */
static int diff_conf(const rt_conf *r, const rt_conf *c, rl_change *v, int n, int max)
{
	char a[320], b[320];
	if (!same_listens(r, c)) {
		listens_text(r, a, sizeof a);
		listens_text(c, b, sizeof b);
		n = add(v, n, max, "listen", a, b);
	} else if (!r->nlisten) {
		n = add_int(v, n, max, "port", r->port, c->port); /* of every local address */
	}
	int alias_same = r->nalias == c->nalias;
	for (int i = 0; alias_same && i < r->nalias; i++)
		alias_same = r->alias[i].proto == c->alias[i].proto &&
		             r->alias[i].port == c->alias[i].port &&
		             !strcmp(r->alias[i].host, c->alias[i].host);
	if (!alias_same) {
		aliases_text(r, a, sizeof a);
		aliases_text(c, b, sizeof b);
		n = add(v, n, max, "alias", a, b);
	}
	n = add_int(v, n, max, "children", r->children, c->children);
	n = add_int(v, n, max, "debug", r->debug, c->debug);
	n = add_int(v, n, max, "log_stderror", r->log_stderr, c->log_stderr);
	if (r->log_facility != c->log_facility)
		n = add(v, n, max, "log_facility", facility_name(r->log_facility),
		        facility_name(c->log_facility));
	n = add_str(v, n, max, "log_name", r->log_name, c->log_name);
	n = add_str(v, n, max, "server_header", r->server_header, c->server_header);
	n = add_str(v, n, max, "user_agent_header", r->user_agent_header, c->user_agent_header);
	n = add_int(v, n, max, "server_signature", r->server_signature, c->server_signature);
	n = add_int(v, n, max, "max_while_loops", r->max_while_loops, c->max_while_loops);
	n = add_int(v, n, max, "max_recursive_level", r->max_recursive_level,
	            c->max_recursive_level);
	return n;
}

/* ---- module parameters fixed at start ------------------------------------------- */

typedef struct base_val {
	char *module, *name;
	char *value; /* NULL: not set in the script (the module's default) */
} base_val;

static base_val *base;
static int nbase;
static char **base_mods; /* modules with a baseline */
static int nbase_mods;

/* The text of the last `modparam(module, name, ...)` of def, or NULL. */
static char *param_text(const rc_script_def *def, const char *module, const char *name)
{
	const rc_param_def *found = NULL;
	for (const rc_param_def *p = def->params; p && p->name; p++)
		if (p->module && !strcmp(p->module, module) && !strcmp(p->name, name))
			found = p;
	if (!found)
		return NULL;
	char buf[32];
	if (found->type == RC_INT)
		snprintf(buf, sizeof buf, "%d", found->i);
	return strdup(found->type == RC_INT ? buf : found->s ? found->s : "");
}

static int has_baseline(const char *module)
{
	for (int i = 0; i < nbase_mods; i++)
		if (!strcmp(base_mods[i], module))
			return 1;
	return 0;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort(); /* the compiler's policy on OOM (ast_alloc) */
	return d;
}

void rl_baseline_add(const rt_gen *g)
{
	for (const char *const *mod = g->def->modules; mod && *mod; mod++) {
		const rt_module *m = rt_module_find(*mod);
		if (!m || has_baseline(m->name))
			continue;
		char **nm = realloc(base_mods, (size_t)(nbase_mods + 1) * sizeof *nm);
		if (!nm)
			abort();
		base_mods = nm;
		base_mods[nbase_mods++] = xstrdup(m->name);
		for (const rt_gen_fixed *f = g->fixed; f; f = f->next) {
			if (strcmp(f->module, m->name))
				continue;
			base_val *nb = realloc(base, (size_t)(nbase + 1) * sizeof *nb);
			if (!nb)
				abort();
			base = nb;
			base[nbase].module = xstrdup(f->module);
			base[nbase].name = xstrdup(f->name);
			base[nbase].value = param_text(g->def, f->module, f->name);
			nbase++;
		}
	}
}

void rl_baseline_free(void)
{
	for (int i = 0; i < nbase; i++) {
		free(base[i].module);
		free(base[i].name);
		free(base[i].value);
	}
	for (int i = 0; i < nbase_mods; i++)
		free(base_mods[i]);
	free(base);
	free(base_mods);
	base = NULL;
	base_mods = NULL;
	nbase = nbase_mods = 0;
}

static int diff_fixed(const rt_gen *g, rl_change *v, int n, int max)
{
	for (int i = 0; i < nbase; i++) {
		const base_val *b = &base[i];
		/* only modules the new script loads: one it dropped keeps running
		   as it was, and one it loads anew starts with the new values */
		int loads = 0;
		for (const char *const *mod = g->def->modules; mod && *mod && !loads; mod++) {
			const rt_module *m = rt_module_find(*mod);
			loads = m && !strcmp(m->name, b->module);
		}
		if (!loads)
			continue;
		char *now = param_text(g->def, b->module, b->name);
		if ((now == NULL) != (b->value == NULL) || (now && strcmp(now, b->value))) {
			char what[96];
			snprintf(what, sizeof what, "modparam(\"%s\", \"%s\")", b->module, b->name);
			n = add(v, n, max, what, b->value ? b->value : "(not set)", now ? now : "(not set)");
		}
		free(now);
	}
	return n;
}

int rl_diff(const rt_conf *running, const rt_conf *c, const rt_gen *g, rl_change *v, int max)
{
	int n = diff_conf(running, c, v, 0, max);
	return diff_fixed(g, v, n, max);
}
