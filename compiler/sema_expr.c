/* sema_expr.c: the static type rules of Kamailio's rve_check_type, regex
 * literals and switch labels. */
#include "sema_expr.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

static int is_arith(int op)
{
	switch (op) {
	case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD: case OP_BOR: case OP_BAND:
	case OP_BXOR: case OP_SHL: case OP_SHR:
		return 1;
	}
	return 0;
}

sema_type sema_type_of(const ast_node *n)
{
	if (!n)
		return ST_UNKNOWN;
	switch (n->kind) {
	case AST_INT:
		return ST_INT;
	case AST_STR:
		return ST_STR;
	case AST_CALL:
		return ST_INT; /* a call used as a value is its return code */
	case AST_UNOP:
		return n->op == OP_CAST_STR ? ST_STR : ST_INT;
	case AST_BINOP:
		if (n->op == OP_ADD)
			return sema_type_of(n->a); /* the left operand decides */
		return ST_INT;
	case AST_SELVAL: {
		sema_type a = sema_type_of(n->b), b = sema_type_of(n->c);
		return a == b ? a : ST_UNKNOWN;
	}
	default:
		return ST_UNKNOWN;
	}
}

static void mismatch(sema_ctx *s, const ast_node *operand, const char *want, const char *op)
{
	diag_report(s->d, DIAG_ERROR, "type", operand->span,
	            "type mismatch: %s operand where '%s' needs %s", want[0] == 'a' ? "a string"
	                                                                          : "an integer",
	            op, want);
}

void sema_check_binop(sema_ctx *s, const ast_node *n)
{
	if (n->a->kind == AST_FIELD || n->a->kind == AST_MYSELF) {
		if (n->op == OP_MATCH && n->b->kind == AST_STR)
			sema_check_regex(s, n->b, "'=~'");
		return;
	}
	sema_type l = sema_type_of(n->a), r = sema_type_of(n->b);
	const char *op = ast_op_name(n->op);
	if (is_arith(n->op) || n->op == OP_LT || n->op == OP_GT || n->op == OP_LE ||
	    n->op == OP_GE || n->op == OP_INTEQ || n->op == OP_INTNE) {
		if (l == ST_STR)
			mismatch(s, n->a, "an integer", op);
		else if (r == ST_STR)
			mismatch(s, n->b, "an integer", op);
	} else if (n->op == OP_ADD || n->op == OP_EQ || n->op == OP_NE) {
		/* int on the left makes it an integer operation: a string right fails */
		if (l == ST_INT && r == ST_STR)
			mismatch(s, n->b, "an integer", op);
	} else if (n->op == OP_MATCH) {
		if (n->b->kind == AST_STR)
			sema_check_regex(s, n->b, "'=~'");
	}
}

void sema_check_unop(sema_ctx *s, const ast_node *n)
{
	if (n->kind != AST_UNOP)
		return;
	sema_type t = sema_type_of(n->a);
	if ((n->op == OP_NEG || n->op == OP_BNOT) && t == ST_STR)
		mismatch(s, n->a, "an integer", ast_op_name(n->op));
	if ((n->op == OP_STRLEN || n->op == OP_STREMPTY) && t == ST_INT)
		diag_report(s->d, DIAG_ERROR, "type", n->a->span,
		            "type mismatch: '%s' needs a string, this is an integer", ast_op_name(n->op));
}

static int label_is_int(const ast_node *l)
{
	return sema_type_of(l) == ST_INT;
}

/* An integer label's value: 5, or -5 written as unary minus. */
static long label_int(const ast_node *l)
{
	return l->kind == AST_UNOP ? -l->a->ival : l->ival;
}

void sema_check_switch(sema_ctx *s, const ast_node *sw)
{
	const ast_node *first = NULL, *deflt = NULL;
	for (int i = 0; i < sw->kids.n; i++) {
		const ast_node *c = sw->kids.v[i], *l = c->a;
		if (!l) {
			if (deflt) {
				diag *dg = diag_report(s->d, DIAG_ERROR, "switch", c->span,
				                       "a second 'default' in one switch");
				diag_note_add(dg, deflt->span, "the first one is here");
			}
			deflt = c;
			continue;
		}
		if (l->kind != AST_INT && l->kind != AST_STR &&
		    !(l->kind == AST_UNOP && l->op == OP_NEG && l->a->kind == AST_INT)) {
			diag_report(s->d, DIAG_ERROR, "switch", l->span,
			            "a case label must be a constant number or string");
			continue;
		}
		if (c->op && l->kind == AST_STR)
			sema_check_regex(s, l, "a regex case");
		if (!first) {
			first = c;
		} else if (label_is_int(first->a) != label_is_int(l)) {
			diag *dg = diag_report(s->d, DIAG_ERROR, "switch", l->span,
			                       "mixed integer and string cases in one switch");
			diag_note_add(dg, first->a->span, "the first case is here");
		}
		/* Kamailio (fix_switch, fix_match) rejects duplicate integer and
		 * string labels; two equal regex cases are accepted. */
		for (int j = 0; j < i && !c->op; j++) {
			const ast_node *p = sw->kids.v[j]->a;
			if (!p || label_is_int(p) != label_is_int(l) || sw->kids.v[j]->op != c->op)
				continue;
			int same = label_is_int(l) ? label_int(p) == label_int(l)
			                           : p->slen == l->slen && !memcmp(p->str, l->str, l->slen);
			if (same) {
				diag *dg = diag_report(s->d, DIAG_ERROR, "switch", l->span,
				                       "duplicate case label");
				diag_note_add(dg, p->span, "the same label is here");
				break;
			}
		}
	}
}

/* Regex literals are compiled at check time with PCRE2, the engine the
 * runtime uses, so the message is PCRE2's with its offset. */
void sema_check_regex(sema_ctx *s, const ast_node *a, const char *what)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)a->str, a->slen, PCRE2_CASELESS, &err, &off, NULL);
	if (re) {
		pcre2_code_free(re);
		return;
	}
	PCRE2_UCHAR msg[256];
	pcre2_get_error_message(err, msg, sizeof msg);
	ast_span sp = a->span;
	diag_report(s->d, DIAG_ERROR, "regex", sp, "invalid regular expression in %s: %s at offset %zu",
	            what, (const char *)msg, (size_t)off);
}

