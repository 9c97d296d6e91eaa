/* cg_stmt.c: statements and calls.
 *
 * `v` in every route function is the value of the last action executed, the
 * route's implicit return value (kamailio-language.md 4.5).  After anything
 * that may set a run flag, `if (c->flags) goto <target>;` leaves the current
 * construct; a while or switch consumes `break` at its own label and passes
 * exit and return on. */
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "sema_fn.h"

#define MAX_RECURSION 256 /* Kamailio's max_recursive_level default */

static const char *ret_label(cg *g, char *buf, size_t n, const char *prefix)
{
	snprintf(buf, n, "%s_%d", prefix, g->nlabel++);
	return buf;
}

static void declare_fn(cg *g, const char *csym, ast_span sp)
{
	for (int i = 0; i < g->nuses; i++)
		if (!strcmp(g->uses[i].csym, csym))
			return;
	cg_use *u = realloc(g->uses, (size_t)(g->nuses + 1) * sizeof *u);
	if (!u)
		abort();
	g->uses = u;
	g->uses[g->nuses].csym = csym;
	g->uses[g->nuses].span = sp;
	g->nuses++;
	fprintf(g->decls, "int %s(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);\n", csym);
}

static int is_const_arg(const ast_node *a)
{
	switch (a->kind) {
	case AST_INT: case AST_STR: case AST_BAREWORD: case AST_IPV4: case AST_IPV6:
	case AST_HOST: case AST_SOCKADDR: case AST_HOSTPORT: case AST_PROTO:
		return 1;
	case AST_UNOP:
		return a->op == OP_NEG && a->a->kind == AST_INT;
	default:
		return 0;
	}
}

/* The text of a constant argument: "udp:1.2.3.4:5060", "example.com". */
static void const_text(FILE *f, const ast_node *a)
{
	switch (a->kind) {
	case AST_INT: fprintf(f, "%ld", a->ival); break;
	case AST_UNOP: fprintf(f, "%ld", -a->a->ival); break;
	case AST_IPV6: fprintf(f, "[%s]", a->str); break;
	case AST_SOCKADDR:
		fprintf(f, "%s:", a->str);
		const_text(f, a->a);
		if (a->b)
			fprintf(f, ":%ld", a->b->ival);
		break;
	case AST_HOSTPORT:
		const_text(f, a->a);
		if (a->b)
			fprintf(f, ":%ld", a->b->ival);
		break;
	default:
		fwrite(a->str, 1, a->slen, f);
	}
}

/* Fill A_k[i] in the init function with a constant argument. */
static void init_const_arg(cg *g, int k, int i, const ast_node *a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	if (!mf)
		abort();
	const_text(mf, a);
	fclose(mf);
	int is_int = a->kind == AST_INT || a->kind == AST_UNOP;
	long iv = a->kind == AST_INT ? a->ival : a->kind == AST_UNOP ? -a->a->ival : 0;
	fprintf(g->init, "\tA_%d[%d].type = %s; A_%d[%d].i = %ld; A_%d[%d].s.s = ", k, i,
	        is_int ? "RC_INT" : "RC_STR", k, i, iv, k, i);
	cg_cstr(g->init, text, len);
	fprintf(g->init, "; A_%d[%d].s.len = %zu;\n", k, i, len);
	free(text);
}

static void call_route(cg *g, const ast_node *call, const char *ret)
{
	const ast_node *a = call->kids.n ? call->kids.v[0] : NULL;
	const cg_route *r = NULL;
	if (a && (a->kind == AST_STR || a->kind == AST_BAREWORD || a->kind == AST_HOST))
		r = cg_find_route(g, RT_KIND_REQUEST, a->str);
	else if (a && a->kind == AST_INT) {
		char buf[32];
		snprintf(buf, sizeof buf, "%ld", a->ival);
		r = cg_find_route(g, RT_KIND_REQUEST, buf);
	}
	cg_line(g, "if (c->depth >= %d) {", MAX_RECURSION);
	g->indent++;
	fprintf(g->body, "%*src_script_error(m, ", g->indent * 8, "");
	cg_where(g->body, call->span);
	fputs(", \"route() nested too deeply\");\n", g->body);
	cg_line(g, "%s = -1;", ret);
	g->indent--;
	cg_line(g, "} else {");
	g->indent++;
	cg_line(g, "c->depth++;");
	if (r) {
		cg_line(g, "%s = R_%d(m, c);", ret, r->index);
	} else {
		/* route($var(x)): the name is known only when it runs */
		int t = cg_tmp(g);
		cg_line(g, "rc_val t%d;", t);
		char var[32];
		snprintf(var, sizeof var, "t%d", t);
		cg_expr(g, a, var);
		cg_line(g, "rc_str n%d = rc_v_str(m, &t%d);", t, t);
		cg_line(g, "%s = -1;", ret);
		for (int i = 0; i < g->nroutes; i++) {
			const cg_route *cr = &g->routes[i];
			if (cr->kind != RT_KIND_REQUEST)
				continue;
			fprintf(g->body, "%*sif (rc_str_eq(n%d, ", g->indent * 8, "", t);
			cg_cstr(g->body, cr->name, strlen(cr->name));
			fprintf(g->body, ", %zu)) %s = R_%d(m, c); else\n", strlen(cr->name), ret, cr->index);
		}
		fprintf(g->body, "%*src_script_error(m, ", g->indent * 8, "");
		cg_where(g->body, call->span);
		fputs(", \"route() names no route\");\n", g->body);
	}
	cg_line(g, "c->depth--;");
	g->indent--;
	cg_line(g, "}");
	cg_line(g, "c->flags &= ~(RC_F_RETURN | RC_F_BREAK);");
	cg_line(g, "c->rc = %s;", ret);
}

void cg_call(cg *g, const ast_node *call, const char *ret)
{
	if (!strcmp(call->str, "route")) {
		call_route(g, call, ret);
		return;
	}
	int n = call->kids.n;
	const sema_fn *f = sema_fn_find(call->str, n);
	if (!f || !f->csym) {
		diag_report(g->d, DIAG_ERROR, "runtime", call->span,
		            "'%s' is not implemented by routec's runtime: this script can be checked "
		            "but not compiled", call->str);
		g->failed = 1;
		cg_line(g, "%s = -1;", ret);
		return;
	}
	declare_fn(g, f->csym, call->span);
	int k = g->narg++;
	fprintf(g->decls, "static rc_arg A_%d[%d];\n", k, n ? n : 1);
	int dynamic = 0;
	for (int i = 0; i < n; i++) {
		if (is_const_arg(call->kids.v[i]))
			init_const_arg(g, k, i, call->kids.v[i]);
		else
			dynamic = 1;
	}
	fprintf(g->init, "\tif (rc_fn_prepare(g, \"%s\", A_%d, %d, ", f->csym, k, n);
	cg_where(g->init, call->span);
	fputs(") < 0) return -1;\n", g->init);
	const char *argv = "A_0";
	char abuf[32];
	snprintf(abuf, sizeof abuf, "A_%d", k);
	argv = abuf;
	if (dynamic) {
		/* a per-call copy: prepared constants plus the values of this call */
		int t = cg_tmp(g);
		cg_line(g, "rc_arg a%d[%d];", t, n);
		for (int i = 0; i < n; i++) {
			const ast_node *a = call->kids.v[i];
			if (is_const_arg(a)) {
				cg_line(g, "a%d[%d] = A_%d[%d];", t, i, k, i);
				continue;
			}
			int e = cg_tmp(g);
			char var[32];
			snprintf(var, sizeof var, "t%d", e);
			cg_line(g, "rc_val t%d;", e);
			cg_expr(g, a, var);
			cg_line(g, "a%d[%d].type = t%d.type; a%d[%d].i = rc_v_int(&t%d); "
			           "a%d[%d].s = rc_v_str(m, &t%d); a%d[%d].p = 0;",
			        t, i, e, t, i, e, t, i, e, t, i);
		}
		snprintf(abuf, sizeof abuf, "a%d", t);
	}
	cg_line(g, "%s = %s(m, c, %s);", ret, f->csym, argv);
	cg_line(g, "c->rc = %s;", ret);
	cg_line(g, "if (%s == 0) c->flags |= RC_F_EXIT;", ret);
}

static void stmt_list(cg *g, const ast_list *l)
{
	for (int i = 0; i < l->n; i++)
		cg_stmt(g, l->v[i]);
}

static void stmt_assign(cg *g, const ast_node *n)
{
	int t = cg_tmp(g);
	char var[32];
	snprintf(var, sizeof var, "t%d", t);
	cg_line(g, "{");
	g->indent++;
	cg_line(g, "rc_val t%d;", t);
	if (n->b->kind == AST_CALL) {
		/* the raw return code, not the 0/1 of a call inside an expression */
		cg_line(g, "int r%d;", t);
		char r[32];
		snprintf(r, sizeof r, "r%d", t);
		cg_call(g, n->b, r);
		cg_line(g, "t%d.type = RC_INT; t%d.i = r%d;", t, t, t);
	} else {
		cg_expr(g, n->b, var);
	}
	cg_line(g, "if (c->flags & RC_F_EXIT) goto %s;", g->target);
	int pv = cg_pv(g, n->a->str, n->a->slen, n->a->span);
	cg_line(g, "v = rc_pv_set(m, c, PV_%d, &t%d);", pv, t);
	g->indent--;
	cg_line(g, "}");
}

/* Declares rc_val t<N>, evaluates e into it, and leaves for `exit_to` when
 * the evaluation ended the script (a call returned 0, a route exited).
 * Returns N. */
static int eval_checked(cg *g, const ast_node *e, const char *exit_to)
{
	int t = cg_tmp(g);
	char var[32];
	snprintf(var, sizeof var, "t%d", t);
	cg_line(g, "rc_val %s;", var);
	cg_expr(g, e, var);
	cg_line(g, "if (c->flags & RC_F_EXIT) goto %s;", exit_to);
	return t;
}

static void stmt_if(cg *g, const ast_node *n)
{
	cg_line(g, "{");
	g->indent++;
	int t = eval_checked(g, n->a, g->target);
	/* Kamailio 5.6: the branch is taken when the value is > 0 */
	cg_line(g, "if (rc_v_int(&t%d) > 0) {", t);
	g->indent++;
	cg_stmt(g, n->b);
	g->indent--;
	cg_line(g, "} else {");
	g->indent++;
	if (n->c)
		cg_stmt(g, n->c);
	else
		cg_line(g, "v = 1;");
	g->indent--;
	cg_line(g, "}");
	g->indent--;
	cg_line(g, "}");
}

static void stmt_while(cg *g, const ast_node *n)
{
	char lbl[32];
	ret_label(g, lbl, sizeof lbl, "W");
	const char *outer = g->target;
	int k = cg_tmp(g); /* the iteration counter n<k> */
	cg_line(g, "{");
	g->indent++;
	cg_line(g, "int n%d = 0;", k);
	cg_line(g, "v = 1;");
	cg_line(g, "for (;;) {");
	g->indent++;
	int t = eval_checked(g, n->a, outer);
	/* while loops on any non-zero value, unlike if */
	cg_line(g, "if (rc_v_int(&t%d) == 0) break;", t);
	cg_line(g, "if (c->while_max && ++n%d > c->while_max) {", k);
	fprintf(g->body, "%*src_script_error(m, ", (g->indent + 1) * 8, "");
	cg_where(g->body, n->span);
	fputs(", \"while loop stopped after max_while_loops iterations\");\n", g->body);
	cg_line(g, "\tv = -1;");
	cg_line(g, "\tbreak;");
	cg_line(g, "}");
	g->target = lbl;
	cg_stmt(g, n->b);
	g->target = outer;
	cg_line(g, "continue;");
	fprintf(g->body, "%s:\n", lbl);
	cg_line(g, "if (c->flags & RC_F_BREAK) {");
	cg_line(g, "\tc->flags &= ~RC_F_BREAK;");
	cg_line(g, "\tbreak;");
	cg_line(g, "}");
	cg_line(g, "goto %s;", outer);
	g->indent--;
	cg_line(g, "}");
	g->indent--;
	cg_line(g, "}");
}

/* Cases are flattened into one C switch over the index of the matching case,
 * so fall-through is C's own; string and regex labels are tested first. */
static void stmt_switch(cg *g, const ast_node *n)
{
	char lbl[32];
	ret_label(g, lbl, sizeof lbl, "S");
	const char *outer = g->target;
	int is_int = 1, deflt = -1;
	for (int i = 0; i < n->kids.n; i++) {
		const ast_node *l = n->kids.v[i]->a;
		if (!l)
			deflt = i;
		else if (l->kind == AST_STR)
			is_int = 0;
	}
	cg_line(g, "{");
	g->indent++;
	int t = eval_checked(g, n->a, outer);
	cg_line(g, "int ci%d = %d;", t, deflt);
	if (is_int)
		cg_line(g, "int x%d = rc_v_int(&t%d);", t, t);
	else
		cg_line(g, "rc_str x%d = rc_v_str(m, &t%d);", t, t);
	int first = 1;
	for (int i = 0; i < n->kids.n; i++) {
		const ast_node *c = n->kids.v[i], *l = c->a;
		if (!l)
			continue;
		fprintf(g->body, "%*s%sif (", g->indent * 8, "", first ? "" : "else ");
		first = 0;
		if (is_int) {
			long val = l->kind == AST_UNOP ? -l->a->ival : l->ival;
			fprintf(g->body, "x%d == %ld", t, val);
		} else if (c->op) {
			int re = cg_re(g, l->str, l->slen, 0, l->span); /* case-sensitive */
			fprintf(g->body, "rc_v_match(m, &t%d, RE_%d) > 0", t, re);
		} else {
			fprintf(g->body, "rc_str_eq(x%d, ", t);
			cg_cstr(g->body, l->str, l->slen);
			fprintf(g->body, ", %zu)", l->slen);
		}
		fprintf(g->body, ") ci%d = %d;\n", t, i);
	}
	cg_line(g, "v = 1;");
	cg_line(g, "switch (ci%d) {", t);
	g->target = lbl;
	for (int i = 0; i < n->kids.n; i++) {
		if (i)
			cg_line(g, "/* fall through */"); /* the script's own fall-through */
		cg_line(g, "case %d:", i);
		g->indent++;
		stmt_list(g, &n->kids.v[i]->kids);
		g->indent--;
	}
	g->target = outer;
	cg_line(g, "/* fall through */");
	cg_line(g, "default:");
	cg_line(g, "\tbreak;");
	cg_line(g, "}");
	fprintf(g->body, "%s:\n", lbl);
	cg_line(g, "if (c->flags & RC_F_BREAK)");
	cg_line(g, "\tc->flags &= ~RC_F_BREAK;");
	cg_line(g, "else if (c->flags)");
	cg_line(g, "\tgoto %s;", outer);
	g->indent--;
	cg_line(g, "}");
}

static void stmt_flow(cg *g, const ast_node *n)
{
	if (n->a) {
		int t = cg_tmp(g);
		char var[32];
		snprintf(var, sizeof var, "t%d", t);
		cg_line(g, "{");
		g->indent++;
		cg_line(g, "rc_val t%d;", t);
		cg_expr(g, n->a, var);
		cg_line(g, "v = rc_v_int(&t%d);", t);
		g->indent--;
		cg_line(g, "}");
	} else {
		cg_line(g, "v = %d;", n->op == FLOW_DROP ? 0 : 1);
	}
	switch (n->op) {
	case FLOW_RETURN:
		/* return 0 ends the whole script, like exit */
		cg_line(g, "c->flags |= RC_F_RETURN | (v == 0 ? RC_F_EXIT : 0);");
		break;
	case FLOW_EXIT:
		cg_line(g, "c->flags |= RC_F_EXIT;");
		break;
	case FLOW_DROP:
		cg_line(g, "c->flags |= RC_F_EXIT | RC_F_DROP;");
		break;
	}
	cg_line(g, "goto %s;", g->target);
}

void cg_stmt(cg *g, const ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_BLOCK:
		stmt_list(g, &n->kids);
		break;
	case AST_CALL:
		/* braces: a call may declare its argument array, and may follow a label */
		cg_line(g, "{");
		g->indent++;
		cg_call(g, n, "v");
		cg_line(g, "if (c->flags) goto %s;", g->target);
		g->indent--;
		cg_line(g, "}");
		break;
	case AST_ASSIGN:
		stmt_assign(g, n);
		break;
	case AST_IF:
		stmt_if(g, n);
		break;
	case AST_WHILE:
		stmt_while(g, n);
		break;
	case AST_SWITCH:
		stmt_switch(g, n);
		break;
	case AST_RETURN:
		stmt_flow(g, n);
		break;
	case AST_BREAK:
		cg_line(g, "v = 0;");
		cg_line(g, "c->flags |= RC_F_BREAK;");
		cg_line(g, "goto %s;", g->target);
		break;
	default:
		break;
	}
}
