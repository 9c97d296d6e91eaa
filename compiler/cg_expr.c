/* cg_expr.c: expressions, with Kamailio 5.6's value rules and the rewrites
 * its optimizer makes (kamailio-language.md 4.6), which change results and so
 * are reproduced: `e == ""` is strempty(e); `e || 0`, `e && 1`, `e + 0` ...
 * give (int)e without 0/1 normalization; `e && 0`, `e * 0` ... give 0 without
 * evaluating e. */
#include <string.h>

#include "cg.h"
#include "sema_expr.h"

static void set_int(cg *g, const char *var, const char *fmt_expr)
{
	cg_line(g, "%s.type = RC_INT; %s.i = %s;", var, var, fmt_expr);
}

static int tmp_var(cg *g, char *buf, size_t n)
{
	int t = cg_tmp(g);
	snprintf(buf, n, "t%d", t);
	cg_line(g, "rc_val %s;", buf);
	return t;
}

static int is_int_lit(const ast_node *n, long v)
{
	return n->kind == AST_INT && n->ival == v;
}

static int is_empty_str(const ast_node *n)
{
	return n->kind == AST_STR && n->slen == 0;
}

/* (int)e, as the optimizer leaves it: the raw value, not 0/1. */
static void as_int(cg *g, const ast_node *e, const char *var)
{
	char t[32];
	tmp_var(g, t, sizeof t);
	cg_expr(g, e, t);
	char x[64];
	snprintf(x, sizeof x, "rc_v_int(&%s)", t);
	set_int(g, var, x);
}

/* Returns 1 when an optimizer rewrite produced the value. */
static int rewrite(cg *g, const ast_node *n, const char *var)
{
	const ast_node *a = n->a, *b = n->b;
	int streq = n->op == OP_EQ || n->op == OP_STREQ, strne = n->op == OP_NE || n->op == OP_STRNE;
	if ((streq || strne) && (is_empty_str(a) != is_empty_str(b))) {
		const ast_node *e = is_empty_str(a) ? b : a;
		char t[32];
		tmp_var(g, t, sizeof t);
		cg_expr(g, e, t);
		char x[96];
		snprintf(x, sizeof x, "rc_v_str(m, &%s).len %s 0", t, streq ? "==" : "!=");
		set_int(g, var, x);
		return 1;
	}
	if ((n->op == OP_LOR && (is_int_lit(a, 0) || is_int_lit(b, 0))) ||
	    (n->op == OP_LAND && (is_int_lit(a, 1) || is_int_lit(b, 1)))) {
		as_int(g, is_int_lit(a, n->op == OP_LOR ? 0 : 1) ? b : a, var);
		return 1;
	}
	if ((n->op == OP_LAND && (is_int_lit(b, 0) || is_int_lit(a, 0))) ||
	    ((n->op == OP_MUL || n->op == OP_BAND) && (is_int_lit(b, 0) || is_int_lit(a, 0))) ||
	    ((n->op == OP_DIV || n->op == OP_MOD) && is_int_lit(a, 0))) {
		set_int(g, var, "0");
		return 1;
	}
	if (n->op == OP_LOR && (is_int_lit(b, 1) || is_int_lit(a, 1))) {
		set_int(g, var, "1");
		return 1;
	}
	int int_left = sema_type_of(a) == ST_INT;
	if (int_left && ((n->op == OP_BOR && is_int_lit(b, 0)) || (n->op == OP_MUL && is_int_lit(b, 1)) ||
	                 (n->op == OP_DIV && is_int_lit(b, 1)) || (n->op == OP_SUB && is_int_lit(b, 0)) ||
	                 (n->op == OP_ADD && is_int_lit(b, 0)))) {
		as_int(g, a, var);
		return 1;
	}
	return 0;
}

static int field_op(int op)
{
	switch (op) {
	case OP_EQ: case OP_STREQ: case OP_INTEQ: return 0;
	case OP_NE: case OP_STRNE: case OP_INTNE: return 1;
	case OP_MATCH: return 2;
	case OP_LT: return 3;
	case OP_GT: return 4;
	case OP_LE: return 5;
	case OP_GE: return 6;
	}
	return 0;
}

/* method == "INVITE", uri == myself, src_ip == 10.0.0.0/8 ... */
static void field_cmp(cg *g, const ast_node *n, const char *var)
{
	const ast_node *f = n->a->kind == AST_FIELD ? n->a : n->b;
	const ast_node *r = f == n->a ? n->b : n->a;
	int op = field_op(n->op);
	char x[160];
	if (r->kind == AST_MYSELF) {
		snprintf(x, sizeof x, "%src_field_myself(m, %d)", op == 1 ? "!" : "", f->op);
		set_int(g, var, x);
		return;
	}
	if (r->kind == AST_BINOP && r->op == OP_DIV && r->a->kind == AST_IPV4) {
		/* 10.0.0.0/8 or 10.0.0.0/255.0.0.0 */
		char net[96];
		int len = r->b->kind == AST_INT
		              ? snprintf(net, sizeof net, "%s/%ld", r->a->str, r->b->ival)
		              : snprintf(net, sizeof net, "%s/%s", r->a->str, r->b->str ? r->b->str : "32");
		fprintf(g->body, "%*s%s.type = RC_INT; %s.i = %src_field_ipnet(m, %d, ", g->indent * 8, "",
		        var, var, op == 1 ? "!" : "", f->op);
		cg_cstr(g->body, net, (size_t)len);
		fprintf(g->body, ", %d);\n", len);
		return;
	}
	char t[32];
	tmp_var(g, t, sizeof t);
	int re = -1;
	if (r->kind == AST_BAREWORD || r->kind == AST_HOST || r->kind == AST_IPV4 ||
	    r->kind == AST_IPV6 || r->kind == AST_PROTO || r->kind == AST_STR) {
		fprintf(g->body, "%*s%s.type = RC_STR; %s.s.s = ", g->indent * 8, "", t, t);
		cg_cstr(g->body, r->str, r->slen);
		fprintf(g->body, "; %s.s.len = %zu;\n", t, r->slen);
		if (op == 2)
			re = cg_re(g, r->str, r->slen, 1, r->span);
	} else {
		cg_expr(g, r, t);
	}
	char rebuf[32] = "0";
	if (re >= 0)
		snprintf(rebuf, sizeof rebuf, "RE_%d", re);
	snprintf(x, sizeof x, "rc_field_cmp(m, %d, %d, &%s, %s)", f->op, op, t, rebuf);
	set_int(g, var, x);
}

static void binop(cg *g, const ast_node *n, const char *var)
{
	if (n->a->kind == AST_FIELD || n->b->kind == AST_FIELD) {
		field_cmp(g, n, var);
		return;
	}
	if (rewrite(g, n, var))
		return;
	char a[32], b[32], x[160];
	tmp_var(g, a, sizeof a);
	cg_expr(g, n->a, a);
	if (n->op == OP_LOR || n->op == OP_LAND) {
		/* short circuit; the result is 0 or 1 */
		cg_line(g, "if (%src_v_int(&%s)) {", n->op == OP_LOR ? "" : "!", a);
		cg_line(g, "\t%s.type = RC_INT; %s.i = %d;", var, var, n->op == OP_LOR);
		cg_line(g, "} else {");
		g->indent++;
		tmp_var(g, b, sizeof b);
		cg_expr(g, n->b, b);
		snprintf(x, sizeof x, "rc_v_int(&%s) != 0", b);
		set_int(g, var, x);
		g->indent--;
		cg_line(g, "}");
		return;
	}
	if (n->op == OP_MATCH && n->b->kind == AST_STR) {
		int re = cg_re(g, n->b->str, n->b->slen, 1, n->b->span); /* =~ is caseless */
		snprintf(x, sizeof x, "rc_v_match(m, &%s, RE_%d) > 0", a, re);
		set_int(g, var, x);
		return;
	}
	tmp_var(g, b, sizeof b);
	cg_expr(g, n->b, b);
	/* integer arithmetic wraps at 32 bits, as in Kamailio 5.6: do it unsigned */
	const char *u = NULL;
	switch (n->op) {
	case OP_ADD:
		cg_line(g, "rc_v_add(m, &%s, &%s, &%s);", a, b, var);
		return;
	case OP_EQ: snprintf(x, sizeof x, "rc_v_eq(m, &%s, &%s)", a, b); break;
	case OP_NE: snprintf(x, sizeof x, "!rc_v_eq(m, &%s, &%s)", a, b); break;
	case OP_STREQ: snprintf(x, sizeof x, "rc_v_streq(m, &%s, &%s)", a, b); break;
	case OP_STRNE: snprintf(x, sizeof x, "!rc_v_streq(m, &%s, &%s)", a, b); break;
	case OP_MATCH: snprintf(x, sizeof x, "rc_v_match_dyn(m, &%s, &%s) > 0", a, b); break;
	case OP_INTEQ: u = "=="; break;
	case OP_INTNE: u = "!="; break;
	case OP_LT: u = "<"; break;
	case OP_GT: u = ">"; break;
	case OP_LE: u = "<="; break;
	case OP_GE: u = ">="; break;
	case OP_DIV:
	case OP_MOD: {
		int t = cg_tmp(g);
		cg_line(g, "int e%d = 0;", t);
		snprintf(x, sizeof x, "rc_v_%s(m, rc_v_int(&%s), rc_v_int(&%s), &e%d)",
		         n->op == OP_DIV ? "div" : "mod", a, b, t);
		break;
	}
	case OP_SUB:
	case OP_MUL:
	case OP_BOR:
	case OP_BAND:
	case OP_BXOR: {
		const char *c = n->op == OP_SUB ? "-" : n->op == OP_MUL ? "*" : n->op == OP_BOR ? "|"
		                : n->op == OP_BAND ? "&" : "^";
		snprintf(x, sizeof x, "(int)((unsigned)rc_v_int(&%s) %s (unsigned)rc_v_int(&%s))", a, c, b);
		break;
	}
	case OP_SHL:
	case OP_SHR:
		snprintf(x, sizeof x, "(int)((unsigned)rc_v_int(&%s) %s (rc_v_int(&%s) & 31))", a,
		         n->op == OP_SHL ? "<<" : ">>", b);
		break;
	default:
		snprintf(x, sizeof x, "0");
	}
	if (u)
		snprintf(x, sizeof x, "rc_v_int(&%s) %s rc_v_int(&%s)", a, u, b);
	set_int(g, var, x);
}

static void unop(cg *g, const ast_node *n, const char *var)
{
	char a[32], x[128];
	if (n->op == OP_DEFINED) {
		/* 0 only for a single pseudo-variable that is null */
		if (n->a->kind == AST_PV) {
			int pv = cg_pv(g, n->a->str, n->a->slen, n->a->span);
			snprintf(x, sizeof x, "rc_pv_defined(m, c, PV_%d)", pv);
			set_int(g, var, x);
		} else {
			set_int(g, var, "1");
		}
		return;
	}
	tmp_var(g, a, sizeof a);
	cg_expr(g, n->a, a);
	switch (n->op) {
	case OP_NEG: snprintf(x, sizeof x, "(int)(0u - (unsigned)rc_v_int(&%s))", a); break;
	case OP_LNOT: snprintf(x, sizeof x, "!rc_v_int(&%s)", a); break;
	case OP_BNOT: snprintf(x, sizeof x, "~rc_v_int(&%s)", a); break;
	case OP_STRLEN: snprintf(x, sizeof x, "rc_v_str(m, &%s).len", a); break;
	case OP_STREMPTY: snprintf(x, sizeof x, "rc_v_str(m, &%s).len == 0", a); break;
	case OP_CAST_INT: snprintf(x, sizeof x, "rc_v_int(&%s)", a); break;
	case OP_CAST_STR:
		cg_line(g, "%s.type = RC_STR; %s.s = rc_v_str(m, &%s);", var, var, a);
		return;
	default: snprintf(x, sizeof x, "0");
	}
	set_int(g, var, x);
}

static void str_const(cg *g, const char *var, const char *s, size_t n)
{
	fprintf(g->body, "%*s%s.type = RC_STR; %s.s.s = ", g->indent * 8, "", var, var);
	cg_cstr(g->body, s, n);
	fprintf(g->body, "; %s.s.len = %zu;\n", var, n);
}

void cg_expr(cg *g, const ast_node *n, const char *var)
{
	char x[64];
	switch (n->kind) {
	case AST_INT:
		snprintf(x, sizeof x, "%d", (int)n->ival);
		set_int(g, var, x);
		break;
	case AST_STR:
	case AST_BAREWORD:
	case AST_HOST:
	case AST_IPV4:
	case AST_IPV6:
	case AST_PROTO:
		str_const(g, var, n->str, n->slen);
		break;
	case AST_PV:
		if (!strcmp(n->str, "$null")) {
			cg_line(g, "%s.type = RC_NULL;", var);
			break;
		}
		cg_line(g, "if (rc_pv_get(m, c, PV_%d, &%s) < 0) %s.type = RC_NULL;",
		        cg_pv(g, n->str, n->slen, n->span), var, var);
		break;
	case AST_UNOP:
		unop(g, n, var);
		break;
	case AST_BINOP:
		binop(g, n, var);
		break;
	case AST_SELVAL: {
		char c[32];
		tmp_var(g, c, sizeof c);
		cg_expr(g, n->a, c);
		cg_line(g, "if (rc_v_int(&%s) > 0) {", c);
		g->indent++;
		cg_expr(g, n->b, var);
		g->indent--;
		cg_line(g, "} else {");
		g->indent++;
		cg_expr(g, n->c, var);
		g->indent--;
		cg_line(g, "}");
		break;
	}
	case AST_CALL: {
		/* a call used as a value is 1 when it returned > 0, else 0 */
		int t = cg_tmp(g);
		char r[32];
		snprintf(r, sizeof r, "r%d", t);
		cg_line(g, "int %s;", r);
		cg_call(g, n, r);
		snprintf(x, sizeof x, "%s > 0", r);
		set_int(g, var, x);
		break;
	}
	default:
		cg_line(g, "%s.type = RC_NULL;", var);
	}
}
