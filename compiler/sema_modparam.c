/* sema_modparam.c: modparam() checks: the module regex matches a loaded
 * module, each module it matches has the parameter, the value has the
 * parameter's kind.  Kamailio 5.6 refuses the same at startup ("parameter
 * <x> of type <..> not found in module <m>").
 *
 * An unknown name gets a hint: the 5.6 spelling of a parameter of older tm
 * modules (SER, OpenSER) when one exists, else what became of it, else the
 * closest parameter of the module by edit distance.
 */
#include "sema.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "sema_fn.h"

/* Parameters older tm modules had and Kamailio 5.6's does not, with what a
 * script should do instead.  Each release named was checked against
 * Kamailio's history: the tm parameter tables and core grammar of 3.0.0,
 * 3.1, 4.0/4.1 and 5.2/5.3. */
static const struct {
	const char *module, *name, *note;
} retired[] = {
	{ "tm", "T1_timer",
	  "Kamailio 3.0 and later name it 'retr_timer1' (T1, the first retransmission "
	  "interval, in milliseconds)" },
	{ "tm", "T2_timer",
	  "Kamailio 3.0 and later name it 'retr_timer2' (T2, the longest retransmission "
	  "interval, in milliseconds)" },
	{ "tm", "retr_timer1p1",
	  "SER's retr_timer1p1..p3 (seconds) became 'retr_timer1' and 'retr_timer2' "
	  "(milliseconds) in Kamailio 3.0" },
	{ "tm", "retr_timer1p2",
	  "SER's retr_timer1p1..p3 (seconds) became 'retr_timer1' and 'retr_timer2' "
	  "(milliseconds) in Kamailio 3.0" },
	{ "tm", "retr_timer1p3",
	  "SER's retr_timer1p1..p3 (seconds) became 'retr_timer1' and 'retr_timer2' "
	  "(milliseconds) in Kamailio 3.0" },
	{ "tm", "delete_timer",
	  "removed in Kamailio 5.3: a transaction is freed with its last reference; "
	  "delete the line" },
	{ "tm", "syn_branch",
	  "removed in Kamailio 4.1 (from 3.0 on it was a global parameter, not tm's): "
	  "there are no synonym branches any more; delete the line" },
	{ "tm", "onreply_avp_mode",
	  "not a tm parameter since Kamailio 3.0: onreply_route always sees the "
	  "transaction's $avp values (what mode 1 did); delete the line" },
	{ "tm", "fr_inv_timer_next",
	  "removed in Kamailio 3.1: call t_set_fr() before t_relay() instead" },
};

static const char *retired_note(const char *module, const char *name)
{
	for (size_t i = 0; i < sizeof retired / sizeof retired[0]; i++)
		if (!strcmp(retired[i].module, module) && !strcmp(retired[i].name, name))
			return retired[i].note;
	return NULL;
}

/* The parameter of `module` closest to `name`, or NULL when none is close:
 * one edit for short names, up to three for long ones (fr_timeout ->
 * fr_timer).  Ties go to the first in the table, so the hint is stable. */
static const char *closest_param(const char *module, const char *name)
{
	int len = (int)strlen(name);
	int limit = len <= 4 ? 1 : len / 3 < 3 ? len / 3 : 3;
	const char *best = NULL;
	int bd = limit + 1;
	const sema_param *p;
	for (int i = 0; (p = sema_param_at(i)) != NULL; i++) {
		if (strcmp(p->module, module))
			continue;
		int d = params_distance(name, p->name);
		if (d < bd) {
			bd = d;
			best = p->name;
		}
	}
	return best;
}

static void unknown_param(sema_ctx *s, const char *module, const ast_node *name)
{
	const char *note = retired_note(module, name->str);
	const char *near = note ? NULL : closest_param(module, name->str);
	if (near) {
		diag_report(s->d, DIAG_ERROR, "modparam", name->span,
		            "module '%s' has no parameter '%s'; did you mean '%s'?", module, name->str,
		            near);
		return;
	}
	diag *dg = diag_report(s->d, DIAG_ERROR, "modparam", name->span,
	                       "module '%s' has no parameter '%s'", module, name->str);
	if (note)
		diag_note_add(dg, name->span, "%s", note);
}

void sema_check_modparam(sema_ctx *s, const ast_node *n)
{
	const ast_node *mod = n->kids.v[0], *name = n->kids.v[1], *val = n->kids.v[2];
	char *re = malloc(mod->slen + 8);
	if (!re)
		abort();
	sprintf(re, "^(%s)$", mod->str);
	regex_t rx;
	if (regcomp(&rx, re, REG_EXTENDED | REG_ICASE | REG_NOSUB)) {
		diag_report(s->d, DIAG_ERROR, "modparam", mod->span, "bad module regex '%s'", mod->str);
		free(re);
		return;
	}
	free(re);
	int matched = 0;
	for (int i = 0; i < s->nmodules; i++) {
		if (regexec(&rx, s->modules[i], 0, NULL, 0))
			continue;
		matched++;
		if (!sema_module_known(s->modules[i]))
			continue;
		const sema_param *p = sema_param_find(s->modules[i], name->str);
		if (!p) {
			unknown_param(s, s->modules[i], name);
			continue;
		}
		int is_str = val->kind == AST_STR || val->kind == AST_PV;
		if (is_str != sema_param_is_str(p) && !sema_param_any(p))
			diag_report(s->d, DIAG_ERROR, "modparam", val->span,
			            "parameter '%s' of module '%s' takes %s", name->str, s->modules[i],
			            sema_param_is_str(p) ? "a string" : "an integer");
	}
	regfree(&rx);
	if (!matched) {
		diag *dg = diag_report(s->d, DIAG_ERROR, "modparam", mod->span,
		                       "no loaded module matches '%s'", mod->str);
		if (sema_module_known(mod->str))
			diag_note_add(dg, mod->span,
			              "add 'loadmodule \"%s.so\"' before this line", mod->str);
	}
}
