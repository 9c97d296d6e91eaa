/* pp_subst.c: #!subst rules (POSIX extended regexes) and their application
 * to string and pseudo-variable tokens, with the budgets that keep a small
 * input from growing without bound. */
#include "pp_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

/* "/re/repl/flags": split on the separator (the first character), where
 * a backslash before the separator makes it literal. */
static int split_subst(pp_ctx *pp, char *s, char **re, char **repl, char **flags)
{
	char sep = s[0];
	if (!sep)
		return -1;
	char *parts[3];
	int k = 0;
	char *o = s;
	parts[k++] = o;
	for (char *p = s + 1; *p; p++) {
		if (*p == '\\' && p[1] == sep) {
			*o++ = sep;
			p++;
		} else if (*p == sep) {
			*o++ = 0;
			if (k == 3)
				return -1;
			parts[k++] = o;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	if (k != 3)
		return -1;
	*re = parts[0];
	*repl = parts[1];
	*flags = parts[2];
	(void)pp;
	return 0;
}

/* What glibc's POSIX regex cannot do in bounded time or memory, or NULL:
 * back-references in the pattern (regexec backtracks exponentially: (a*)\1b
 * takes seconds on 300 bytes), and repetition counts that regcomp unrolls
 * into too many nodes (((a{100}){100}){100}).  A cost model of the unrolled
 * pattern: an atom is 1, x{m,n} is n times x, x+ twice x. */
static const char *subst_regex_problem(const char *re, unsigned *nodes)
{
	double cost[PP_MAX_RE_NEST + 1], last[PP_MAX_RE_NEST + 1];
	int lvl = 0;
	cost[0] = last[0] = 0;
	*nodes = 1;
	for (const char *p = re; *p; p++) {
		double k = 1;
		switch (*p) {
		case '\\':
			if (p[1] >= '1' && p[1] <= '9')
				return "back-references ('\\1' ...) in the pattern are not supported";
			if (p[1])
				p++;
			cost[lvl] += last[lvl] = 1;
			continue;
		case '[': { /* a bracket expression is one atom */
			const char *q = p + 1;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']') {
				if (q[0] == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
					const char *e = strchr(q + 2, q[1]);
					while (e && e[1] != ']')
						e = strchr(e + 1, q[1]);
					q = e ? e + 2 : q + 1;
				} else {
					q++;
				}
			}
			if (!*q)
				return NULL; /* unterminated: regcomp says so */
			p = q;
			cost[lvl] += last[lvl] = 1;
			continue;
		}
		case '(':
			if (lvl == PP_MAX_RE_NEST)
				return "groups nested too deeply";
			lvl++;
			cost[lvl] = last[lvl] = 0;
			continue;
		case ')':
			if (lvl) {
				lvl--;
				last[lvl] = cost[lvl + 1];
				cost[lvl] += last[lvl];
			}
			continue;
		case '|':
			last[lvl] = 0;
			continue;
		case '+':
			k = 2;
			break;
		case '{': {
			char *e;
			unsigned long lo = strtoul(p + 1, &e, 10), hi = lo;
			if (e == p + 1 || !(p[1] >= '0' && p[1] <= '9'))
				break; /* not a count: regcomp decides */
			if (*e == ',') {
				hi = e[1] >= '0' && e[1] <= '9' ? strtoul(e + 1, &e, 10) : (e++, lo + 1);
			}
			if (*e != '}')
				break;
			k = (double)(hi > lo ? hi : lo);
			if (k < 1)
				k = 1;
			p = e;
			break;
		}
		default:
			cost[lvl] += last[lvl] = 1;
			continue;
		}
		/* a repetition of the last atom */
		cost[lvl] += last[lvl] * (k - 1);
		last[lvl] *= k;
		if (cost[lvl] > PP_MAX_RE_COST)
			return "repetition counts too large (the pattern unrolls into too many states)";
	}
	while (lvl > 0) { /* unclosed groups: regcomp reports them */
		lvl--;
		cost[lvl] += cost[lvl + 1];
	}
	*nodes = cost[0] > 1 ? (unsigned)cost[0] : 1;
	return cost[0] > PP_MAX_RE_COST ? "pattern too long" : NULL;
}

void pp_do_subst(pp_ctx *pp, const lex_tok *t)
{
	const char *what = t->code == LX_SUBST ? "#!subst" : t->code == LX_SUBSTDEF ? "#!substdef"
	                                                                               : "#!substdefs";
	char *arg = pp_quoted_arg(pp, t);
	char *re, *repl, *flags;
	if (!arg)
		return;
	if (split_subst(pp, arg, &re, &repl, &flags) < 0) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
		            "bad '%s' expression: expected \"/regex/replacement/flags\"", what);
		return;
	}
	if (pp->nsubsts == PP_MAX_SUBST) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
		            "too many substitution rules (at most %d)", PP_MAX_SUBST);
		return;
	}
	int cflags = REG_EXTENDED | REG_NEWLINE, global = 0;
	for (char *f = flags; *f; f++) {
		if (*f == 'i')
			cflags |= REG_ICASE;
		else if (*f == 'g')
			global = 1;
		else if (*f == 's')
			cflags &= ~REG_NEWLINE;
		else {
			diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
			            "unknown flag '%c' in '%s' (use i, g or s)", *f, what);
			return;
		}
	}
	unsigned nodes;
	const char *problem = subst_regex_problem(re, &nodes);
	if (problem) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span, "bad regex in '%s': %s",
		            what, problem);
		return;
	}
	pp_subst *sb = &pp->substs[pp->nsubsts];
	int rc = regcomp(&sb->re, re, cflags);
	if (rc) {
		char eb[128];
		regerror(rc, &sb->re, eb, sizeof eb);
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span, "bad regex in '%s': %s",
		            what, eb);
		return;
	}
	sb->repl = repl;
	sb->global = global;
	sb->nodes = nodes;
	pp->nsubsts++;
	if (t->code == LX_SUBST)
		return;
	if (!pp_id_len(re) || re[pp_id_len(re)]) {
		/* Kamailio accepts it: the rule works, the define can never be used */
		diag_report(pp->diags, DIAG_WARNING, "preprocessor", t->span,
		            "'%s' defines its match part, and '%s' is not a name: only the "
		            "substitution has an effect", what, re);
		return;
	}
	if (pp_find_def(pp, re)) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span, "'%s' is already defined",
		            re);
		return;
	}
	if (t->code == LX_SUBSTDEFS) {
		size_t n = strlen(repl);
		char *q = ast_alloc(pp->arena, n + 3);
		q[0] = '"';
		memcpy(q + 1, repl, n);
		q[n + 1] = '"';
		repl = q;
	}
	pp_set_def(pp, re, repl, t->span.src, t->span.beg);
}

/* Apply every #!subst rule, in order, once each, to a string. */
void pp_apply_substs(pp_ctx *pp, lex_tok *t)
{
	for (int r = 0; r < pp->nsubsts && !pp->stop; r++) {
		pp_subst *sb = &pp->substs[r];
		const char *in = t->s;
		size_t inlen = t->len, cap = inlen * 2 + 64, n = 0, off = 0;
		/* The string ends at its first NUL for the regex, as before; the
		 * explicit end (REG_STARTEND) keeps each search from measuring the
		 * rest of the string again, which made 'g' quadratic. */
		size_t end = strnlen(in, inlen);
		char *out = NULL;
		regmatch_t m[10];
		int changed = 0;
		pp->subst_work += (inlen + 1) * sb->nodes; /* regexec is about text x states */
		while (off <= end && pp->subst_work <= PP_MAX_SUBST_WORK) {
			m[0].rm_so = 0;
			m[0].rm_eo = (regoff_t)(end - off);
			pp->subst_work += end - off; /* regexec implementations that measure the rest */
			if (regexec(&sb->re, in + off, 10, m, REG_STARTEND | (off ? REG_NOTBOL : 0)))
				break;
			if (!out)
				out = malloc(cap);
			/* What this match turns into, exactly. */
			size_t rl = 0;
			for (const char *p = sb->repl; *p; p++) {
				if (*p == '\\' && p[1] >= '0' && p[1] <= '9') {
					regmatch_t g = m[p[1] - '0'];
					if (g.rm_so >= 0)
						rl += (size_t)(g.rm_eo - g.rm_so);
					p++;
				} else {
					rl++;
				}
			}
			size_t need = n + (size_t)m[0].rm_so + rl + 2;
			pp->subst_work += rl;
			if (pp->subst_work > PP_MAX_SUBST_WORK)
				break;
			if (need > cap)
				out = realloc(out, cap = need * 2);
			if (!out)
				abort();
			memcpy(out + n, in + off, (size_t)m[0].rm_so);
			n += (size_t)m[0].rm_so;
			for (const char *p = sb->repl; *p; p++) {
				if (*p == '\\' && p[1] >= '0' && p[1] <= '9') {
					regmatch_t g = m[p[1] - '0'];
					if (g.rm_so >= 0) {
						memcpy(out + n, in + off + g.rm_so, (size_t)(g.rm_eo - g.rm_so));
						n += (size_t)(g.rm_eo - g.rm_so);
					}
					p++;
				} else {
					out[n++] = *p;
				}
			}
			changed = 1;
			size_t adv = (size_t)m[0].rm_eo;
			if (adv == 0) { /* empty match: copy one byte to make progress */
				if (off < inlen)
					out[n++] = in[off];
				adv = 1;
			}
			off += adv;
			if (!sb->global)
				break;
		}
		if (pp->subst_work > PP_MAX_SUBST_WORK) {
			diag_report(pp->diags, DIAG_FATAL, "preprocessor", t->span,
			            "#!subst rules have too much text to rewrite (a rule that grows "
			            "what it matches, applied again and again?); stopping here");
			pp->stop = 1;
			free(out);
			return;
		}
		if (!changed) {
			free(out);
			continue;
		}
		if (off < inlen) {
			if (n + inlen - off + 1 > cap)
				out = realloc(out, cap = n + inlen - off + 1);
			if (!out)
				abort();
			memcpy(out + n, in + off, inlen - off);
			n += inlen - off;
		}
		t->s = ast_strndup(pp->arena, out, n);
		t->len = n;
		free(out);
	}
}
