/* diag.c: collecting diagnostics and printing them like gcc (or as JSON). */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

void diag_init(diag_ctx *d)
{
	memset(d, 0, sizeof *d);
}

void diag_free(diag_ctx *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		for (int j = 0; j < d->v[i].nnotes; j++)
			free(d->v[i].notes[j].msg);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

int diag_capped(const diag_ctx *d)
{
	return d->errors >= DIAG_ERROR_CAP;
}

int diag_set_rule(diag_ctx *d, const char *name, diag_rule_state st)
{
	for (int i = 0; i < d->nrules; i++)
		if (!strcmp(d->rules[i].name, name)) {
			d->rules[i].state = st;
			return 0;
		}
	if (d->nrules == DIAG_MAX_RULES)
		return -1;
	d->rules[d->nrules].name = name;
	d->rules[d->nrules++].state = st;
	return 0;
}

static diag_rule_state rule_state(const diag_ctx *d, const char *rule)
{
	for (int i = 0; rule && i < d->nrules; i++)
		if (!strcmp(d->rules[i].name, rule))
			return d->rules[i].state;
	return DIAG_RULE_ON;
}

diag *diag_vreport(diag_ctx *d, diag_severity sev, const char *rule, ast_span sp,
                   const char *fmt, va_list ap)
{
	diag_severity orig = sev;
	if (sev == DIAG_WARNING) {
		diag_rule_state st = rule_state(d, rule);
		if (st == DIAG_RULE_OFF)
			return NULL;
		if (st == DIAG_RULE_ERROR || d->werror)
			sev = DIAG_ERROR;
	}
	if (sev >= DIAG_ERROR) {
		if (diag_capped(d)) {
			d->suppressed++;
			return NULL;
		}
		d->errors++;
	} else if (sev == DIAG_WARNING) {
		d->warnings++;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = realloc(d->v, (size_t)d->cap * sizeof *d->v);
		if (!d->v)
			abort();
	}
	diag *dg = &d->v[d->n++];
	memset(dg, 0, sizeof *dg);
	dg->sev = sev;
	dg->was_warning = sev == DIAG_ERROR && orig == DIAG_WARNING;
	dg->rule = rule;
	dg->span = sp;
	dg->msg = vfmt(fmt, ap);
	return dg;
}

diag *diag_report(diag_ctx *d, diag_severity sev, const char *rule, ast_span sp,
                  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag *dg = diag_vreport(d, sev, rule, sp, fmt, ap);
	va_end(ap);
	return dg;
}

void diag_note_add(diag *dg, ast_span sp, const char *fmt, ...)
{
	if (!dg || dg->nnotes == DIAG_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	dg->notes[dg->nnotes].span = sp;
	dg->notes[dg->nnotes].msg = vfmt(fmt, ap);
	dg->nnotes++;
	va_end(ap);
}

static const char *sev_name(diag_severity s)
{
	switch (s) {
	case DIAG_NOTE: return "note";
	case DIAG_WARNING: return "warning";
	case DIAG_ERROR: return "error";
	case DIAG_FATAL: return "fatal error";
	}
	return "error";
}

/* A position in a define expansion is reported where the define was used;
 * the define itself gets a note.  This walks up to the file. */
const ast_src *diag_file_of(const ast_src *s, ast_pos *pos)
{
	while (s && s->kind == SRC_DEFINE) {
		*pos = s->at;
		s = s->parent;
	}
	return s;
}

static void print_line(FILE *out, const ast_src *s, ast_pos beg, ast_pos end)
{
	if (!s || !s->text || beg.line < 1)
		return;
	const char *p = s->text, *lim = s->text + s->len;
	for (int l = 1; l < beg.line && p < lim; l++) {
		const char *nl = memchr(p, '\n', (size_t)(lim - p));
		if (!nl)
			return;
		p = nl + 1;
	}
	const char *eol = memchr(p, '\n', (size_t)(lim - p));
	if (!eol)
		eol = lim;
	int len = (int)(eol - p);
	if (len > 0 && p[len - 1] == '\r')
		len--;
	fprintf(out, "%5d | %.*s\n      | ", beg.line, len, p);
	/* Tabs are echoed under tabs so the caret lines up in any tab width;
	 * UTF-8 continuation bytes take no column (columns count bytes). */
	for (int i = 0; i < beg.col - 1 && i < len; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			fputc(p[i] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	int last = end.line == beg.line ? end.col : len;
	for (int i = beg.col; i < last && i < len; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			fputc('~', out);
	fputc('\n', out);
}

static void print_include_chain(FILE *out, const ast_src *s)
{
	/* gcc's layout: "In file included from b.cfg:3,\n                 from a.cfg:9:" */
	int first = 1;
	for (const ast_src *p = s; p && p->parent; p = p->parent)
		if (p->kind == SRC_FILE) {
			ast_pos at = p->at;
			const ast_src *f = diag_file_of(p->parent, &at);
			if (!f)
				continue;
			fprintf(out, "%s%s %s:%d", first ? "" : ",\n",
			        first ? "In file included from" : "                 from", f->name, at.line);
			first = 0;
		}
	if (!first)
		fputs(":\n", out);
}

static void print_one_gcc(FILE *out, diag_severity sev, ast_span sp, const char *msg,
                          const char *rule, int warning_rule, int chain)
{
	ast_pos beg = sp.beg, end = sp.end;
	const ast_src *def = sp.src && sp.src->kind == SRC_DEFINE ? sp.src : NULL;
	const ast_src *f = diag_file_of(sp.src, &beg);
	if (def) {
		end = beg;
	}
	if (chain && f)
		print_include_chain(out, f);
	if (f)
		fprintf(out, "%s:%d:%d: ", f->name, beg.line, beg.col);
	else
		fputs("routec: ", out);
	fprintf(out, "%s: %s", sev_name(sev), msg);
	if (rule && (sev == DIAG_WARNING || (sev == DIAG_ERROR && warning_rule)))
		fprintf(out, " [-W%s%s]", sev == DIAG_ERROR ? "error=" : "", rule);
	fputc('\n', out);
	if (f)
		print_line(out, f, beg, end);
	/* One note per nested define, innermost first, at the #!define line;
	 * a define met again (a recursive one) is not repeated. */
	for (const ast_src *s = def; s && s->kind == SRC_DEFINE; s = s->parent) {
		int seen = 0;
		for (const ast_src *q = def; q != s && !seen; q = q->parent)
			seen = !strcmp(q->name, s->name);
		if (seen)
			continue;
		ast_pos dp = s->def_at;
		const ast_src *df = diag_file_of(s->def_src, &dp);
		if (df) {
			fprintf(out, "%s:%d:%d: note: expanded from '#!define %s'\n", df->name,
			        dp.line, dp.col, s->name);
			print_line(out, df, dp, dp);
		} else {
			fprintf(out, "routec: note: expanded from '-D %s'\n", s->name);
		}
	}
}

void diag_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void json_loc(FILE *out, ast_span sp)
{
	ast_pos beg = sp.beg, end = sp.end;
	const ast_src *f = diag_file_of(sp.src, &beg);
	if (sp.src && sp.src->kind == SRC_DEFINE)
		end = beg;
	fputs("\"file\":", out);
	diag_json_str(out, f ? f->name : "");
	fprintf(out, ",\"line\":%d,\"column\":%d,\"end_line\":%d,\"end_column\":%d", beg.line,
	        beg.col, end.line, end.col);
}

static void print_json_items(const diag_ctx *d, FILE *out, int *count)
{
	for (int i = 0; i < d->n; i++) {
		const diag *dg = &d->v[i];
		fprintf(out, "%s\n {", (*count)++ ? "," : "");
		json_loc(out, dg->span);
		fputs(",\"severity\":", out);
		diag_json_str(out, sev_name(dg->sev));
		fputs(",\"rule\":", out);
		diag_json_str(out, dg->rule ? dg->rule : "");
		fputs(",\"message\":", out);
		diag_json_str(out, dg->msg);
		fputs(",\"notes\":[", out);
		for (int j = 0; j < dg->nnotes; j++) {
			fputs(j ? ",{" : "{", out);
			json_loc(out, dg->notes[j].span);
			fputs(",\"message\":", out);
			diag_json_str(out, dg->notes[j].msg);
			fputs("}", out);
		}
		fputs("]}", out);
	}
}

void diag_doc_begin(diag_format fmt, FILE *out)
{
	if (fmt == DIAG_FMT_JSON)
		fputs("[", out);
	else if (fmt == DIAG_FMT_SARIF)
		diag_sarif_begin(out);
}

void diag_doc_end(diag_format fmt, FILE *out)
{
	if (fmt == DIAG_FMT_JSON)
		fputs("\n]\n", out);
	else if (fmt == DIAG_FMT_SARIF)
		diag_sarif_end(out);
}

void diag_print(const diag_ctx *d, diag_format fmt, FILE *out)
{
	int count = 0;
	diag_doc_begin(fmt, out);
	diag_doc_items(d, fmt, out, &count);
	diag_doc_end(fmt, out);
}

void diag_doc_items(const diag_ctx *d, diag_format fmt, FILE *out, int *count)
{
	if (fmt == DIAG_FMT_JSON) {
		print_json_items(d, out, count);
		return;
	}
	if (fmt == DIAG_FMT_SARIF) {
		diag_sarif_items(d, out, count);
		return;
	}
	for (int i = 0; i < d->n; i++) {
		const diag *dg = &d->v[i];
		print_one_gcc(out, dg->sev, dg->span, dg->msg, dg->rule, dg->was_warning, 1);
		for (int j = 0; j < dg->nnotes; j++)
			print_one_gcc(out, DIAG_NOTE, dg->notes[j].span, dg->notes[j].msg, NULL, 0, 0);
	}
	/* At the cap the parser stops reading, so the rest is not even counted;
	 * the few found meanwhile (checks after the parse) are. */
	if (d->suppressed)
		fprintf(out, "routec: too many errors: stopped after %d (%d more found, not shown)\n",
		        DIAG_ERROR_CAP, d->suppressed);
	else if (diag_capped(d))
		fprintf(out, "routec: too many errors: stopped after %d\n", DIAG_ERROR_CAP);
	if (d->errors || d->warnings)
		fprintf(out, "%d error%s, %d warning%s\n", d->errors + d->suppressed,
		        d->errors + d->suppressed == 1 ? "" : "s", d->warnings,
		        d->warnings == 1 ? "" : "s");
}
