/* sema.c: name resolution, the call graph and route types.  Function
 * arguments are checked in sema_call.c, expressions in sema_expr.c,
 * modparam() in sema_modparam.c, lint rules in lint.c. */
#include "sema.h"

#include <stdlib.h>
#include <string.h>

#include "sema_fn.h"
#include "sema_pv.h"

static const char *const ctx_names[] = {
	"request_route", "failure_route", "onreply_route", "branch_route", "onsend_route",
	"reply_route", "event_route",
};

const char *sema_ctx_name(unsigned bit)
{
	for (int i = 0; i < CTX_COUNT; i++)
		if (bit == 1u << i)
			return ctx_names[i];
	return "route";
}

static int ctx_index(unsigned bit)
{
	for (int i = 0; i < CTX_COUNT; i++)
		if (bit == 1u << i)
			return i;
	return 0;
}

sema_route *sema_find_route(sema_ctx *s, int kind, const char *name)
{
	for (int i = 0; i < s->nroutes; i++)
		if (s->routes[i].kind == kind && !strcmp(s->routes[i].name, name))
			return &s->routes[i];
	return NULL;
}

static unsigned initial_ctx(const ast_node *r)
{
	switch (r->op) {
	case RT_KIND_REQUEST: return strcmp(r->str, "0") ? 0 : CTX_REQUEST;
	case RT_KIND_REPLY: return CTX_REPLY;
	case RT_KIND_ONREPLY: return CTX_ONREPLY;
	case RT_KIND_FAILURE: return CTX_FAILURE;
	case RT_KIND_BRANCH: return CTX_BRANCH;
	case RT_KIND_ONSEND: return CTX_ONSEND;
	case RT_KIND_EVENT:
		return CTX_EVENT;
	}
	return CTX_REQUEST;
}

/* Module files whose exports name (what modparam() matches and the tables
 * use) differs from the file name. */
static const char *const export_names[][2] = {
	{ "print", "print_stdout" }, { "print_lib", "print_stderr" }, { "ss7ops", "ss7" },
};

static void add_module(sema_ctx *s, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".so"))
		n -= 3;
	for (size_t i = 0; i < sizeof export_names / sizeof export_names[0]; i++)
		if (strlen(export_names[i][0]) == n && !memcmp(export_names[i][0], base, n)) {
			base = export_names[i][1];
			n = strlen(base);
		}
	char *name = malloc(n + 1);
	if (!name)
		abort();
	memcpy(name, base, n);
	name[n] = 0;
	s->modules = realloc(s->modules, (size_t)(s->nmodules + 1) * sizeof *s->modules);
	if (!s->modules)
		abort();
	s->modules[s->nmodules++] = name;
}

int sema_module_loaded(const sema_ctx *s, const char *module)
{
	if (!strcmp(module, "core"))
		return 1;
	for (int i = 0; i < s->nmodules; i++)
		if (!strcmp(s->modules[i], module))
			return 1;
	return 0;
}

/* Modules of older versions that scripts still load, and what replaced them. */
static const char *const renamed[][2] = {
	{ "mysql", "the module is db_mysql now" },
	{ "postgres", "the module is db_postgres now" },
	{ "uri", "its functions are in siputils and uri_db now" },
	{ "mi_fifo", "the MI interface is gone: use jsonrpcs (or ctl) for RPC" },
	{ "mi_rpc", "the MI interface is gone: use jsonrpcs (or ctl) for RPC" },
	{ "mi_datagram", "the MI interface is gone: use jsonrpcs (or ctl) for RPC" },
};

/* The core's own events: Kamailio 5.6's, and routec's core:reload (run once
 * after each successful reload, on the new script).  Kamailio accepts any
 * event name and never runs an unknown one, so a typo in a core event is
 * dead code nobody notices: warn about it.  Module events are not listed. */
static const char *const core_events[] = {
	"core:reload", "core:worker-one-init", "core:msg-received", "core:pre-routing",
	"core:receive-parse-error",
};

static void check_event_name(sema_ctx *s, const ast_node *n)
{
	if (strncmp(n->str, "core:", 5))
		return;
	for (size_t i = 0; i < sizeof core_events / sizeof core_events[0]; i++)
		if (!strcmp(n->str, core_events[i]))
			return;
	ast_span at = n->span;
	at.end = at.beg;
	diag *dg = diag_report(s->d, DIAG_WARNING, "event-name", at,
	                       "event_route[%s] is never run: the core has no such event", n->str);
	if (dg)
		diag_note_add(dg, (ast_span){ 0 },
		              "core events: core:reload (routec, after a reload), "
		              "core:worker-one-init, core:msg-received, core:pre-routing, "
		              "core:receive-parse-error");
}

static void collect(sema_ctx *s)
{
	const ast_list *top = &s->root->kids;
	s->routes = calloc((size_t)top->n + 1, sizeof *s->routes);
	if (!s->routes)
		abort();
	for (int i = 0; i < top->n; i++) {
		const ast_node *n = top->v[i];
		if (n->kind == AST_LOADMODULE && !n->op) {
			add_module(s, n->a->str);
			const char *m = s->modules[s->nmodules - 1];
			if (!sema_module_known(m)) {
				/* Kamailio: "could not find module", "failed to load module" */
				s->unknown_modules++;
				diag *dg = diag_report(s->d, DIAG_ERROR, "module", n->a->span,
				                       "'%s' is not a Kamailio 5.6 module", m);
				for (size_t k = 0; k < sizeof renamed / sizeof renamed[0]; k++)
					if (!strcmp(renamed[k][0], m))
						diag_note_add(dg, n->a->span, "%s", renamed[k][1]);
			}
		}
		if (n->kind != AST_ROUTE || sema_find_route(s, n->op, n->str))
			continue; /* duplicates were reported by the parser */
		if (n->op == RT_KIND_EVENT)
			check_event_name(s, n);
		sema_route *r = &s->routes[s->nroutes++];
		r->node = n;
		r->kind = n->op;
		r->name = n->str;
		r->ctx = initial_ctx(n);
		r->used = r->ctx != 0 && (n->op == RT_KIND_REQUEST || n->op == RT_KIND_REPLY ||
		                          n->op == RT_KIND_ONSEND || n->op == RT_KIND_EVENT);
	}
}

/* ---- the call graph ------------------------------------------------------ */

typedef struct edge {
	sema_route *from, *to;
	const ast_node *call;
} edge;

typedef struct graph {
	edge *v;
	int n, cap;
	int dynamic; /* a route($pv) call exists: any route may be used */
} graph;

/* The target of route(X) when X is a constant name. */
static const char *route_target(const ast_node *call)
{
	if (call->kids.n != 1)
		return NULL;
	const ast_node *a = call->kids.v[0];
	if (a->kind == AST_STR || a->kind == AST_BAREWORD || a->kind == AST_HOST)
		return a->str;
	if (a->kind == AST_INT) {
		static char buf[32];
		snprintf(buf, sizeof buf, "%ld", a->ival);
		return buf;
	}
	return NULL;
}

static void edges_in(sema_ctx *s, graph *g, sema_route *from, const ast_node *n)
{
	if (!n)
		return;
	if (n->kind == AST_CALL && !strcmp(n->str, "route")) {
		const char *t = route_target(n);
		sema_route *to = t ? sema_find_route(s, RT_KIND_REQUEST, t) : NULL;
		if (!t) {
			g->dynamic = 1;
		} else if (!to) {
			diag_report(s->d, DIAG_ERROR, "undefined-route", n->span,
			            "route '%s' is not defined", t);
		} else {
			to->used = 1;
			if (g->n == g->cap) {
				g->cap = g->cap ? g->cap * 2 : 32;
				g->v = realloc(g->v, (size_t)g->cap * sizeof *g->v);
				if (!g->v)
					abort();
			}
			g->v[g->n++] = (edge){ from, to, n };
		}
	}
	edges_in(s, g, from, n->a);
	edges_in(s, g, from, n->b);
	edges_in(s, g, from, n->c);
	for (int i = 0; i < n->kids.n; i++)
		edges_in(s, g, from, n->kids.v[i]);
}

/* A sub-route runs in every context of every route that calls it. */
static void propagate(graph *g)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < g->n; i++) {
			edge *e = &g->v[i];
			unsigned add = e->from->ctx & ~e->to->ctx;
			if (!add)
				continue;
			for (int b = 0; b < CTX_COUNT; b++)
				if (add & (1u << b)) {
					e->to->via_call[b] = e->call;
					e->to->via_route[b] = e->from;
				}
			e->to->ctx |= add;
			changed = 1;
		}
	}
}

/* Recursion between routes: Kamailio allows it (bounded by
 * max_recursive_level), but a cycle is almost always a mistake. */
static int cycle_from(graph *g, sema_route *start, sema_route *at, int depth, char *seen,
                      sema_route *base)
{
	if (depth > 64)
		return 0;
	for (int i = 0; i < g->n; i++) {
		edge *e = &g->v[i];
		if (e->from != at)
			continue;
		if (e->to == start)
			return 1;
		int idx = (int)(e->to - base);
		if (seen[idx])
			continue;
		seen[idx] = 1;
		if (cycle_from(g, start, e->to, depth + 1, seen, base))
			return 1;
	}
	return 0;
}

static void check_cycles(sema_ctx *s, graph *g)
{
	char *seen = calloc((size_t)s->nroutes + 1, 1);
	if (!seen)
		abort();
	for (int i = 0; i < s->nroutes; i++) {
		sema_route *r = &s->routes[i];
		if (r->kind != RT_KIND_REQUEST)
			continue;
		memset(seen, 0, (size_t)s->nroutes);
		if (cycle_from(g, r, r, 0, seen, s->routes))
			diag_report(s->d, DIAG_WARNING, "recursion", r->node->span,
			            "route '%s' can call itself (directly or through other routes)",
			            r->name);
	}
	free(seen);
}

/* "route" for a named route[X], else the kind's name ("failure_route"). */
static const char *route_label(int kind)
{
	return kind == RT_KIND_REQUEST ? "route" : ast_route_kind_name(kind);
}

static void check_unused(sema_ctx *s, const graph *g)
{
	for (int i = 0; i < s->nroutes; i++) {
		sema_route *r = &s->routes[i];
		if (r->used || !strcmp(r->name, "0"))
			continue;
		if (r->kind == RT_KIND_REQUEST && g->dynamic)
			continue;
		const char *how = r->kind == RT_KIND_REQUEST ? "called with route()" : "armed";
		diag_report(s->d, DIAG_WARNING, "unused-route", r->node->span,
		            "%s '%s' is never %s", route_label(r->kind), r->name, how);
	}
}

/* ---- the driver ---------------------------------------------------------- */

static void check_route_bodies(sema_ctx *s)
{
	for (int i = 0; i < s->nroutes; i++) {
		sema_route *r = &s->routes[i];
		unsigned ctx = r->ctx ? r->ctx : CTX_REQUEST; /* unused: as Kamailio does */
		/* every block of this name and kind (unnamed request blocks repeat) */
		const ast_list *top = &s->root->kids;
		for (int k = 0; k < top->n; k++) {
			const ast_node *n = top->v[k];
			if (n->kind == AST_ROUTE && n->op == r->kind && !strcmp(n->str, r->name))
				sema_check_block(s, r, ctx, n->a);
		}
	}
}

void sema_check(const ast_node *root, diag_ctx *d, const sema_opts *o)
{
	sema_ctx s = { .d = d, .opts = o, .root = root };
	collect(&s);
	pv_set_modules(s.modules, s.nmodules);
	for (int i = 0; i < root->kids.n; i++)
		if (root->kids.v[i]->kind == AST_MODPARAM)
			sema_check_modparam(&s, root->kids.v[i]);
	graph g = { 0 };
	for (int i = 0; i < s.nroutes; i++)
		edges_in(&s, &g, &s.routes[i], s.routes[i].node->a);
	propagate(&g);
	check_route_bodies(&s);
	check_cycles(&s, &g);
	check_unused(&s, &g);
	lint_check(&s);
	pv_set_modules(NULL, -1);
	free(g.v);
	for (int i = 0; i < s.nmodules; i++)
		free((char *)s.modules[i]);
	free(s.modules);
	free(s.routes);
	free(s.noted);
}

/* Why a route runs in a context: "route[X] is called from failure_route[Y] here". */
void sema_note_path(sema_ctx *s, diag *dg, sema_route *r, unsigned ctx_bit)
{
	(void)s;
	int b = ctx_index(ctx_bit);
	for (int depth = 0; r && r->via_call[b] && depth < 4; depth++) {
		const sema_route *from = r->via_route[b];
		if (!strcmp(from->name, "0")) /* the unnamed request_route, reply_route */
			diag_note_add(dg, r->via_call[b]->span, "route '%s' is called here, in %s",
			              r->name, ast_route_kind_name(from->kind));
		else
			diag_note_add(dg, r->via_call[b]->span, "route '%s' is called here, in %s '%s'",
			              r->name, route_label(from->kind), from->name);
		r = r->via_route[b];
	}
}
