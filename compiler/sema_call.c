/* sema_call.c: walking route bodies; function calls, their arguments and the
 * route types that allow them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema.h"
#include "sema_expr.h"
#include "sema_fn.h"
#include "sema_pv.h"

typedef struct walk {
	sema_ctx *s;
	sema_route *r;
	unsigned ctx;
} walk;

static void stmt(walk *w, const ast_node *n);
static void expr(walk *w, const ast_node *n);

/* Kamailio's route-type bit for each context. */
static unsigned ctx_rt(unsigned bit)
{
	switch (bit) {
	case CTX_REQUEST: return RT_REQUEST;
	case CTX_FAILURE: return RT_FAILURE;
	case CTX_ONREPLY: return RT_TM_ONREPLY;
	case CTX_BRANCH: return RT_BRANCH;
	case CTX_ONSEND: return RT_ONSEND;
	case CTX_REPLY: return RT_CORE_ONREPLY;
	case CTX_EVENT: return RT_EVENT;
	}
	return RT_REQUEST;
}

static int is_const(const ast_node *a)
{
	switch (a->kind) {
	case AST_INT:
	case AST_STR:
	case AST_BAREWORD:
	case AST_IPV4:
	case AST_IPV6:
	case AST_HOST:
	case AST_SOCKADDR:
	case AST_HOSTPORT:
	case AST_PROTO:
		return 1;
	case AST_UNOP:
		return a->op != OP_DEFINED && is_const(a->a);
	case AST_BINOP:
		return is_const(a->a) && is_const(a->b);
	default:
		return 0;
	}
}

/* "5060", "0x10": Kamailio's str2int for int parameters. */
static int str_is_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int route_kind_of(int pk)
{
	switch (pk) {
	case PK_ROUTE_FAIL: return RT_KIND_FAILURE;
	case PK_ROUTE_ONREPLY: return RT_KIND_ONREPLY;
	case PK_ROUTE_BRANCH: return RT_KIND_BRANCH;
	case PK_ROUTE_BFAIL: return RT_KIND_EVENT;
	default: return RT_KIND_REQUEST;
	}
}

/* t_on_failure("X") and friends: X must be a block of that kind. */
static void check_route_arg(walk *w, const sema_fn *f, int pk, const ast_node *a)
{
	char name[64];
	if (a->kind == AST_INT)
		snprintf(name, sizeof name, "%ld", a->ival);
	else if (a->str)
		snprintf(name, sizeof name, "%s", a->str);
	else
		return;
	int kind = route_kind_of(pk);
	sema_route *r = NULL;
	if (kind == RT_KIND_EVENT) {
		char ev[96];
		snprintf(ev, sizeof ev, "tm:branch-failure:%s", name);
		r = sema_find_route(w->s, kind, ev);
	} else {
		r = sema_find_route(w->s, kind, name);
	}
	if (r)
		r->used = 1;
	else if (strchr(name, '$') == NULL)
		diag_report(w->s->d, DIAG_ERROR, "undefined-route", a->span,
		            "'%s' names %s '%s', which is not defined", f->name,
		            kind == RT_KIND_EVENT ? "event_route[tm:branch-failure:...]"
		                                  : ast_route_kind_name(kind),
		            name);
}

static void check_arg(walk *w, const sema_fn *f, int i, const ast_node *a)
{
	int pk = sema_fn_const_kind(f, i);
	char what[96];
	snprintf(what, sizeof what, "argument %d of '%s'", i + 1, f->name);
	if (a->kind == AST_CALL) {
		diag_report(w->s->d, DIAG_ERROR, "arg", a->span,
		            "%s is a function call: Kamailio does not allow calls inside arguments",
		            what);
		return;
	}
	if (pk == PK_DYN || pk == PK_ANY) {
		expr(w, a);
		return;
	}
	if (!is_const(a) && sema_fn_dynamic(f, i)) {
		expr(w, a);
		return;
	}
	if (!is_const(a)) {
		diag *dg = diag_report(w->s->d, DIAG_ERROR, "arg", a->span,
		                       "%s must be a constant (Kamailio: parameter %d is not constant)",
		                       what, i + 1);
		if (a->kind == AST_PV)
			diag_note_add(dg, a->span,
			              "write the pseudo-variable inside a string: \"%s\"", a->str);
		return;
	}
	/* Core commands with their own grammar take a string token only
	 * (module functions get constants folded to strings). */
	if (pk == PK_STR && !strcmp(f->module, "core") && a->kind != AST_STR) {
		diag_report(w->s->d, DIAG_ERROR, "arg", a->span,
		            "%s must be a string literal (Kamailio: bad argument, string expected)",
		            what);
		return;
	}
	switch (pk) {
	case PK_INT:
		if (!(a->kind == AST_INT || (a->kind == AST_STR && str_is_int(a->str)) ||
		      a->kind == AST_UNOP || a->kind == AST_BINOP))
			diag_report(w->s->d, DIAG_ERROR, "arg", a->span, "%s must be an integer", what);
		break;
	case PK_INT_PV:
		if (a->kind == AST_STR && !str_is_int(a->str)) {
			if (a->str[0] == '$')
				sema_pv_check(w->s->d, a->str, a->slen, a->span, 0);
			else
				diag_report(w->s->d, DIAG_ERROR, "arg", a->span,
				            "%s must be an integer or a pseudo-variable", what);
		}
		break;
	case PK_FMT:
	case PK_STR_PV:
		if (a->kind == AST_STR)
			sema_pv_check_format(w->s->d, a->str, a->slen, a->span);
		break;
	case PK_REGEX:
		if (a->kind == AST_STR)
			sema_check_regex(w->s, a, what);
		break;
	case PK_PV:
	case PK_PV_LVAL:
		if (a->kind == AST_STR && a->str[0] == '$')
			sema_pv_check(w->s->d, a->str, a->slen, a->span, pk == PK_PV_LVAL);
		else
			diag_report(w->s->d, DIAG_ERROR, "arg", a->span,
			            "%s must name a pseudo-variable (\"$var(x)\")", what);
		break;
	case PK_ROUTE_REQ:
	case PK_ROUTE_FAIL:
	case PK_ROUTE_ONREPLY:
	case PK_ROUTE_BRANCH:
	case PK_ROUTE_BFAIL:
		check_route_arg(w, f, pk, a);
		break;
	default:
		break;
	}
}

static void list_forms(diag *dg, const char *name, ast_span sp)
{
	char buf[256];
	int len = 0;
	for (const sema_fn *f = sema_fn_first(name); f && len < 200; f = sema_fn_next(f))
		len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%s(%d%s arg%s)", len ? ", " : "",
		                name, f->min_args, f->max_args != f->min_args ? "+" : "",
		                f->min_args == 1 && f->max_args == 1 ? "" : "s");
	diag_note_add(dg, sp, "forms: %s", buf);
}

static void check_route_types(walk *w, const sema_fn *f, const ast_node *call)
{
	for (int b = 0; b < CTX_COUNT; b++) {
		unsigned bit = 1u << b;
		if (!(w->ctx & bit) || sema_rt_allows(f->route_mask, ctx_rt(bit)))
			continue;
		diag *dg;
		if (w->r->ctx & bit && w->r->kind == RT_KIND_REQUEST && strcmp(w->r->name, "0")) {
			dg = diag_report(w->s->d, DIAG_ERROR, "route-type", call->span,
			                 "'%s' cannot be used in %s, and route '%s' runs there", f->name,
			                 sema_ctx_name(bit), w->r->name);
			sema_note_path(w->s, dg, w->r, bit);
		} else {
			dg = diag_report(w->s->d, DIAG_ERROR, "route-type", call->span,
			                 "'%s' cannot be used in %s", f->name, sema_ctx_name(bit));
		}
		diag_note_add(dg, call->span, "'%s' is allowed in: %s", f->name,
		              sema_rt_names(f->route_mask));
		return;
	}
}

/* Notes about checker-only functions come once per name, not per call. */
static int first_use(sema_ctx *s, const char *name)
{
	for (int i = 0; i < s->nnoted; i++)
		if (!strcmp(s->noted[i], name))
			return 0;
	const char **v = realloc(s->noted, (size_t)(s->nnoted + 1) * sizeof *v);
	if (!v)
		abort();
	s->noted = v;
	s->noted[s->nnoted++] = name;
	return 1;
}

/* Functions of SER's and OpenSIPS's tm that scripts of that lineage (and the
 * tm reference this project started from) still use, and what Kamailio 5.6
 * has instead; `kamailio -c` 5.6.3 refuses both names. */
static const struct {
	const char *name, *note;
} foreign[] = {
	{ "t_was_cancelled",
	  "a SER/OpenSIPS tm name: Kamailio spells it 't_is_canceled()' (true when a CANCEL "
	  "matched the INVITE transaction)" },
	{ "t_local_replied",
	  "a SER/OpenSIPS tm function Kamailio 5.6 does not have: '!t_any_replied()' is true "
	  "when no branch received a reply (what t_local_replied(\"all\") tested)" },
};

static void check_call(walk *w, const ast_node *call)
{
	if (!strcmp(call->str, "route")) {
		for (int i = 0; i < call->kids.n; i++)
			if (call->kids.v[i]->kind == AST_PV)
				expr(w, call->kids.v[i]);
		return;
	}
	int nargs = call->kids.n;
	const sema_fn *any = sema_fn_first(call->str), *fit = NULL, *fit_loaded = NULL;
	if (!any) {
		diag_severity sev = w->s->unknown_modules ? DIAG_WARNING : DIAG_ERROR;
		diag *dg = diag_report(w->s->d, sev, "unknown-function", call->span,
		                       "unknown function '%s'", call->str);
		for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
			if (!strcmp(foreign[i].name, call->str))
				diag_note_add(dg, call->span, "%s", foreign[i].note);
		if (w->s->unknown_modules)
			diag_note_add(dg, call->span,
			              "it may come from a loaded module routec has no table for");
		return;
	}
	for (const sema_fn *f = any; f; f = sema_fn_next(f)) {
		if (nargs < f->min_args || nargs > f->max_args)
			continue;
		if (!fit)
			fit = f;
		if (!fit_loaded && sema_module_loaded(w->s, f->module))
			fit_loaded = f;
	}
	if (!fit) {
		diag *dg = diag_report(w->s->d, DIAG_ERROR, "arity", call->span,
		                       "no form of '%s' takes %d argument%s", call->str, nargs,
		                       nargs == 1 ? "" : "s");
		list_forms(dg, call->str, call->span);
		return;
	}
	if (!fit_loaded) {
		diag *dg = diag_report(w->s->d, DIAG_ERROR, "module", call->span,
		                       "'%s' needs module '%s', which is not loaded", call->str,
		                       fit->module);
		diag_note_add(dg, call->span, "add: loadmodule \"%s.so\"", fit->module);
		fit_loaded = fit;
	}
	const sema_fn *f = fit_loaded;
	check_route_types(w, f, call);
	if (!f->supported && first_use(w->s, f->name))
		diag_report(w->s->d, w->s->opts->require_runtime ? DIAG_ERROR : DIAG_NOTE, "runtime",
		            call->span, "'%s' (module %s) is supported by the checker, not by the runtime%s",
		            f->name, f->module,
		            w->s->opts->require_runtime ? "" : " (said once per function)");
	for (int i = 0; i < nargs; i++)
		check_arg(w, f, i, call->kids.v[i]);
}

static void expr(walk *w, const ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_PV:
		sema_pv_check(w->s->d, n->str, n->slen, n->span, 0);
		return;
	case AST_CALL:
		check_call(w, n);
		return;
	case AST_BAREWORD:
		diag_report(w->s->d, DIAG_ERROR, "syntax", n->span,
		            "'%s' is not a value here: write a string (\"%s\") or a pseudo-variable",
		            n->str, n->str);
		return;
	case AST_BINOP:
		/* `method == INVITE`: a bare word is the compared text */
		if (n->a && n->a->kind == AST_FIELD) {
			if (n->b->kind != AST_BAREWORD && n->b->kind != AST_HOST)
				expr(w, n->b);
			sema_check_binop(w->s, n);
			return;
		}
		expr(w, n->a);
		expr(w, n->b);
		sema_check_binop(w->s, n);
		return;
	default:
		expr(w, n->a);
		expr(w, n->b);
		expr(w, n->c);
		sema_check_unop(w->s, n);
	}
}

/* The contexts where the then and else branches of `if (cond)` can run, when
 * cond tests whether the message is a request or a reply. */
static void narrow(const ast_node *cond, unsigned *then_ctx, unsigned *else_ctx)
{
	int neg = 0;
	while (cond->kind == AST_UNOP && cond->op == OP_LNOT) {
		neg = !neg;
		cond = cond->a;
	}
	if (cond->kind != AST_CALL || cond->kids.n)
		return;
	unsigned side;
	if (!strcmp(cond->str, "is_request"))
		side = CTX_REQUEST_SIDE;
	else if (!strcmp(cond->str, "is_reply"))
		side = CTX_REPLY_SIDE;
	else
		return;
	unsigned other = side == CTX_REQUEST_SIDE ? CTX_REPLY_SIDE : CTX_REQUEST_SIDE;
	*then_ctx &= neg ? other : side;
	*else_ctx &= neg ? side : other;
}

static void stmts(walk *w, const ast_list *l)
{
	for (int i = 0; i < l->n; i++)
		stmt(w, l->v[i]);
}

static void stmt(walk *w, const ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_BLOCK:
		stmts(w, &n->kids);
		break;
	case AST_IF: {
		expr(w, n->a);
		/* `if (is_request())` narrows the contexts a sub-route runs in */
		unsigned saved = w->ctx, then_ctx = w->ctx, else_ctx = w->ctx;
		narrow(n->a, &then_ctx, &else_ctx);
		w->ctx = then_ctx;
		if (then_ctx)
			stmt(w, n->b);
		w->ctx = else_ctx;
		if (else_ctx)
			stmt(w, n->c);
		w->ctx = saved;
		break;
	}
	case AST_WHILE:
		expr(w, n->a);
		stmt(w, n->b);
		break;
	case AST_SWITCH:
		expr(w, n->a);
		sema_check_switch(w->s, n);
		for (int i = 0; i < n->kids.n; i++)
			stmts(w, &n->kids.v[i]->kids);
		break;
	case AST_RETURN:
		expr(w, n->a);
		break;
	case AST_ASSIGN:
		sema_pv_check(w->s->d, n->a->str, n->a->slen, n->a->span, 1);
		expr(w, n->b);
		break;
	case AST_CALL:
		check_call(w, n);
		break;
	default:
		break;
	}
}

void sema_check_block(sema_ctx *s, sema_route *r, unsigned ctx, const ast_node *block)
{
	walk w = { s, r, ctx };
	stmt(&w, block);
}
