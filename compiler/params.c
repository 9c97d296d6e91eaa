/* params.c: checking global parameter statements against compiler/params.def. */
#include "params.h"

#include <stdlib.h>
#include <string.h>

typedef struct gparam {
	const char *name;
	params_kind kind;
	const char *canonical;
} gparam;

static const gparam table[] = {
#define GP(spelling, kind, canonical) { spelling, kind, canonical },
#include "params.def"
#undef GP
};
#define NPARAMS (sizeof table / sizeof table[0])

static const gparam *lookup(const char *name)
{
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const char *params_canonical(const char *spelling)
{
	const gparam *p = lookup(spelling);
	return p ? p->canonical : NULL;
}

static const char *kind_text(params_kind k)
{
	switch (k) {
	case GPK_INT: return "a number";
	case GPK_INTNO: return "a number";
	case GPK_BOOL: return "yes or no";
	case GPK_STR: return "a quoted string";
	case GPK_STR_ID: return "a string or a name";
	case GPK_LISTEN: return "a socket address ([proto:]host[:port])";
	case GPK_ALIAS: return "a host name ([proto:]host[:port])";
	case GPK_HOSTPORT: return "an address or host name";
	case GPK_FACILITY: return "a syslog facility name such as LOG_LOCAL0";
	case GPK_ANY: return "a value";
	}
	return "a value";
}

static int value_fits(params_kind k, const ast_node *v)
{
	const ast_node *first = v->kids.n ? v->kids.v[0] : NULL;
	int single = v->kids.n == 1;
	if (!first)
		return 0;
	switch (k) {
	case GPK_INT:
	case GPK_BOOL:
		return single && first->kind == AST_INT && first->ival >= 0;
	case GPK_INTNO:
		return single && first->kind == AST_INT;
	case GPK_STR:
		return single && first->kind == AST_STR;
	case GPK_STR_ID:
		return single && (first->kind == AST_STR || first->kind == AST_BAREWORD);
	case GPK_FACILITY:
		return single && first->kind == AST_BAREWORD;
	case GPK_HOSTPORT:
		return single && first->kind != AST_INT && first->kind != AST_HOSTPORT &&
		       first->kind != AST_SOCKADDR;
	case GPK_ALIAS:
		for (int i = 0; i < v->kids.n; i++)
			if (v->kids.v[i]->kind == AST_ADVERTISE || v->kids.v[i]->kind == AST_SOCKNAME ||
			    v->kids.v[i]->kind == AST_VIRTUAL)
				return 0;
		return first->kind != AST_INT || first->ival >= 0;
	case GPK_LISTEN:
		return first->kind != AST_INT || first->ival >= 0;
	case GPK_ANY:
		return 1;
	}
	return 1;
}

/* Edit distance (insert, delete, substitute, swap two neighbours), capped:
 * enough to suggest `children` for `chlidren`. */
int params_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	int d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

static const char *closest(const char *name)
{
	const char *best = NULL;
	int bd = (int)strlen(name) / 3 + 1;
	if (bd > 2)
		bd = 2;
	bd++;
	for (size_t i = 0; i < NPARAMS; i++) {
		int dd = params_distance(name, table[i].name);
		if (dd < bd) {
			bd = dd;
			best = table[i].name;
		}
	}
	return best;
}

void params_check_global(diag_ctx *d, const ast_node *param)
{
	const gparam *p = lookup(param->str);
	if (!p) {
		const char *near = closest(param->str);
		if (near)
			diag_report(d, DIAG_ERROR, "syntax", param->span,
			            "unknown global parameter '%s'; did you mean '%s'?", param->str, near);
		else
			diag_report(d, DIAG_ERROR, "syntax", param->span,
			            "unknown global parameter '%s' (Kamailio: unknown config variable)",
			            param->str);
		return;
	}
	if (p->kind == GPK_ALIAS && !value_fits(p->kind, param->a)) {
		for (int i = 0; i < param->a->kids.n; i++) {
			const ast_node *k = param->a->kids.v[i];
			if (k->kind == AST_ADVERTISE || k->kind == AST_SOCKNAME || k->kind == AST_VIRTUAL) {
				diag_report(d, DIAG_ERROR, "syntax", k->span,
				            "'alias' takes host names only: '%s' belongs to 'listen'",
				            k->kind == AST_ADVERTISE ? "advertise"
				            : k->kind == AST_SOCKNAME ? "name" : "virtual");
				return;
			}
		}
	}
	if (!value_fits(p->kind, param->a))
		diag_report(d, DIAG_ERROR, "syntax", param->a->span, "'%s' takes %s", param->str,
		            kind_text(p->kind));
}
