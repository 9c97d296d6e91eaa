/* lint.c: warnings about code that is legal but probably wrong: unreachable
 * statements, Kamailio's surprising evaluation rules, requests that fall off
 * the end of request_route unanswered, requests relayed twice. */
#include <string.h>

#include "sema.h"

/* ---- statements and expressions, one by one ----------------------------- */

static int is_flow_end(const ast_node *n)
{
	return n && (n->kind == AST_RETURN || n->kind == AST_BREAK);
}

static int is_rc(const ast_node *n)
{
	return n->kind == AST_PV && (!strcmp(n->str, "$rc") || !strcmp(n->str, "$retcode") ||
	                             !strcmp(n->str, "$?"));
}

static int is_int_lit(const ast_node *n, long v)
{
	return n && n->kind == AST_INT && n->ival == v;
}

static void lint_expr(sema_ctx *s, const ast_node *n)
{
	if (!n)
		return;
	if (n->kind == AST_BINOP && n->a->kind != AST_FIELD) {
		int empty_l = n->a->kind == AST_STR && n->a->slen == 0;
		int empty_r = n->b->kind == AST_STR && n->b->slen == 0;
		if ((n->op == OP_EQ || n->op == OP_STREQ || n->op == OP_NE || n->op == OP_STRNE) &&
		    (empty_l || empty_r) && (n->a->kind == AST_PV || n->b->kind == AST_PV))
			diag_report(s->d, DIAG_WARNING, "empty-compare", n->span,
			            "Kamailio rewrites a comparison with \"\" into strempty(): an unset $var "
			            "is the integer 0, which is not empty; test with strempty() or $null "
			            "to say which you mean");
		if ((n->op == OP_LOR && (is_int_lit(n->a, 0) || is_int_lit(n->b, 0))) ||
		    (n->op == OP_LAND && (is_int_lit(n->a, 1) || is_int_lit(n->b, 1))))
			diag_report(s->d, DIAG_WARNING, "optimizer", n->span,
			            "Kamailio's optimizer reduces '%s %s' to the other operand without "
			            "making it 0 or 1, so a negative value stays false in if()",
			            ast_op_name(n->op), n->op == OP_LOR ? "0" : "1");
	}
	lint_expr(s, n->a);
	lint_expr(s, n->b);
	lint_expr(s, n->c);
}

/* `if` takes the branch when the value is > 0 (Kamailio 5.6), `while` loops
 * while it is != 0: values that may be negative surprise people. */
static void lint_if_cond(sema_ctx *s, const ast_node *c)
{
	const ast_node *v = c;
	if (v->kind == AST_UNOP && v->op == OP_LNOT)
		v = v->a;
	int arith = v->kind == AST_BINOP && (v->op == OP_SUB || v->op == OP_ADD) &&
	            v->a->kind != AST_STR;
	if (is_rc(v) || arith || (v->kind == AST_UNOP && v->op == OP_NEG))
		diag_report(s->d, DIAG_WARNING, "if-positive", c->span,
		            "in Kamailio 5.6 'if' takes the branch only when the value is > 0: a "
		            "negative value is false (and so is its negation); compare explicitly, "
		            "e.g. '!= 0'");
}

static void lint_stmt(sema_ctx *s, const ast_node *n);

static void lint_list(sema_ctx *s, const ast_list *l)
{
	for (int i = 0; i < l->n; i++) {
		lint_stmt(s, l->v[i]);
		if (is_flow_end(l->v[i]) && i + 1 < l->n && l->v[i + 1]->kind != AST_NOP) {
			diag *dg = diag_report(s->d, DIAG_WARNING, "unreachable", l->v[i + 1]->span,
			                       "this statement is never executed");
			diag_note_add(dg, l->v[i]->span, "control leaves here");
			break;
		}
	}
}

static void lint_stmt(sema_ctx *s, const ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_BLOCK:
		lint_list(s, &n->kids);
		break;
	case AST_IF:
		lint_if_cond(s, n->a);
		lint_expr(s, n->a);
		lint_stmt(s, n->b);
		lint_stmt(s, n->c);
		break;
	case AST_WHILE:
		lint_expr(s, n->a);
		lint_stmt(s, n->b);
		break;
	case AST_SWITCH:
		lint_expr(s, n->a);
		for (int i = 0; i < n->kids.n; i++)
			lint_list(s, &n->kids.v[i]->kids);
		break;
	case AST_ASSIGN:
		lint_expr(s, n->b);
		break;
	case AST_RETURN:
	case AST_CALL:
		lint_expr(s, n->a);
		for (int i = 0; i < n->kids.n; i++)
			lint_expr(s, n->kids.v[i]);
		break;
	default:
		break;
	}
}

/* ---- paths through request_route ---------------------------------------- */

/* The state of one path: answered (replied or relayed) or not, relayed or
 * not.  A set of states is 4 bits: bit (answered * 2 + relayed). */
enum { P_NONE = 1, P_RELAYED_ONLY = 2, P_ANSWERED = 4, P_RELAYED = 8 };
#define P_ALL_RELAYED (P_RELAYED_ONLY | P_RELAYED)

typedef struct paths {
	sema_ctx *s;
	int depth;          /* route() inlining depth */
	unsigned returned;  /* states that left the current route by `return` */
	unsigned broke;     /* states that left a loop/switch by `break` */
	int warned_relay;
} paths;

static int in_list(const char *name, const char *const *l)
{
	for (; *l; l++)
		if (!strcmp(*l, name))
			return 1;
	return 0;
}

static const char *const relay_fns[] = {
	"t_relay", "t_relay_to", "t_relay_to_udp", "t_relay_to_tcp", "t_relay_to_tls",
	"t_relay_to_sctp", "t_forward_nonack", "t_forward_nonack_udp", "t_forward_nonack_tcp",
	"t_forward_nonack_tls", "t_forward_nonack_sctp", "forward", "forward_udp", "forward_tcp",
	"forward_tls", "forward_sctp", NULL,
};
static const char *const reply_fns[] = {
	"sl_send_reply", "sl_reply_error", "sl_reply", "send_reply", "t_reply", "t_send_reply",
	"t_reply_error", "sl_forward_reply", "save", "www_challenge", "proxy_challenge",
	"auth_challenge", "xhttp_reply", "jsonrpc_reply", "ws_handle_handshake", NULL,
};

static unsigned p_stmt(paths *p, const ast_node *n, unsigned st);

static unsigned p_call(paths *p, const ast_node *call, unsigned st)
{
	if (!st)
		return st;
	if (!strcmp(call->str, "route")) {
		sema_route *r = NULL;
		if (call->kids.n == 1 && call->kids.v[0]->str)
			r = sema_find_route(p->s, RT_KIND_REQUEST, call->kids.v[0]->str);
		if (!r || p->depth >= 8)
			return st;
		unsigned saved = p->returned;
		p->returned = 0;
		p->depth++;
		unsigned out = p_stmt(p, r->node->a, st) | p->returned;
		p->depth--;
		p->returned = saved;
		return out;
	}
	if (in_list(call->str, relay_fns)) {
		if ((st & P_ALL_RELAYED) && !p->warned_relay) {
			diag_report(p->s->d, DIAG_WARNING, "double-relay", call->span,
			            "a request that was already relayed on this path can be relayed again "
			            "here; end the first relay with 'exit'");
			p->warned_relay = 1;
		}
		return P_RELAYED;
	}
	if (in_list(call->str, reply_fns)) {
		unsigned out = st & (P_ANSWERED | P_RELAYED);
		if (st & P_NONE)
			out |= P_ANSWERED;
		if (st & P_RELAYED_ONLY)
			out |= P_RELAYED;
		return out;
	}
	return st;
}

/* Calls inside an expression run before the branch is taken. */
static unsigned p_expr(paths *p, const ast_node *n, unsigned st)
{
	if (!n)
		return st;
	if (n->kind == AST_CALL)
		return p_call(p, n, st);
	st = p_expr(p, n->a, st);
	st = p_expr(p, n->b, st);
	return p_expr(p, n->c, st);
}

static unsigned p_list(paths *p, const ast_list *l, int from, unsigned st)
{
	for (int i = from; i < l->n && st; i++)
		st = p_stmt(p, l->v[i], st);
	return st;
}

static unsigned p_stmt(paths *p, const ast_node *n, unsigned st)
{
	if (!n || !st)
		return st;
	switch (n->kind) {
	case AST_BLOCK:
		return p_list(p, &n->kids, 0, st);
	case AST_CALL:
		return p_call(p, n, st);
	case AST_ASSIGN:
		return p_expr(p, n->b, st);
	case AST_IF: {
		st = p_expr(p, n->a, st);
		return p_stmt(p, n->b, st) | (n->c ? p_stmt(p, n->c, st) : st);
	}
	case AST_WHILE: {
		unsigned saved = p->broke, acc = p_expr(p, n->a, st);
		p->broke = 0;
		for (int k = 0; k < 3; k++)
			acc |= p_expr(p, n->a, p_stmt(p, n->b, acc));
		acc |= p->broke;
		p->broke = saved;
		return acc;
	}
	case AST_SWITCH: {
		st = p_expr(p, n->a, st);
		unsigned saved = p->broke, out = 0;
		int has_default = 0;
		p->broke = 0;
		for (int i = 0; i < n->kids.n; i++) {
			/* entering at case i falls through every later case until a break */
			unsigned s2 = st;
			for (int j = i; j < n->kids.n && s2; j++)
				s2 = p_list(p, &n->kids.v[j]->kids, 0, s2);
			out |= s2;
			has_default |= !n->kids.v[i]->a;
		}
		out |= p->broke | (has_default ? 0 : st);
		p->broke = saved;
		return out;
	}
	case AST_RETURN:
		if (n->op == FLOW_RETURN)
			p->returned |= p_expr(p, n->a, st);
		return 0; /* exit and drop end the script on purpose */
	case AST_BREAK:
		p->broke |= st;
		return 0;
	default:
		return st;
	}
}

static void check_request_paths(sema_ctx *s)
{
	const ast_list *top = &s->root->kids;
	paths p = { .s = s };
	unsigned st = P_NONE;
	const ast_node *last = NULL;
	/* Several request_route blocks run one after the other. */
	for (int i = 0; i < top->n && st; i++) {
		const ast_node *n = top->v[i];
		if (n->kind == AST_ROUTE && n->op == RT_KIND_REQUEST && !strcmp(n->str, "0")) {
			st = p_stmt(&p, n->a, st);
			last = n;
		}
	}
	st |= p.returned;
	if (last && (st & P_NONE))
		diag_report(s->d, DIAG_WARNING, "no-reply", last->span,
		            "a request can reach the end of request_route with no reply and no relay: "
		            "it is then dropped silently (end with an explicit 'exit' or 'drop' where "
		            "that is meant)");
}

void lint_check(sema_ctx *s)
{
	for (int i = 0; i < s->nroutes; i++) {
		const ast_list *top = &s->root->kids;
		for (int k = 0; k < top->n; k++) {
			const ast_node *n = top->v[k];
			if (n->kind == AST_ROUTE && n->op == s->routes[i].kind &&
			    !strcmp(n->str, s->routes[i].name))
				lint_stmt(s, n->a);
		}
	}
	check_request_paths(s);
}
