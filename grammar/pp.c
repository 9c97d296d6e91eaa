/* pp.c: Kamailio-style preprocessing, token by token (see pp.h). */
#include "pp.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

#include "pp_int.h"


static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % PP_HASH;
}

pp_define *pp_find_def(const pp_ctx *pp, const char *name)
{
	for (pp_define *d = pp->defs[hash(name)]; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

void pp_set_def(pp_ctx *pp, const char *name, const char *value, const ast_src *src,
                    ast_pos at)
{
	pp_define *d = pp_find_def(pp, name);
	if (!d) {
		d = ast_alloc(pp->arena, sizeof *d);
		d->name = ast_strndup(pp->arena, name, strlen(name));
		unsigned h = hash(name);
		d->next = pp->defs[h];
		pp->defs[h] = d;
	}
	d->value = ast_strndup(pp->arena, value, strlen(value));
	d->def_src = src;
	d->def_at = at;
}

pp_ctx *pp_new(ast_arena *arena, diag_ctx *diags)
{
	pp_ctx *pp = calloc(1, sizeof *pp);
	if (!pp)
		abort();
	pp->arena = arena;
	pp->diags = diags;
	static const char *const predefined[] = { "KAMAILIO_5", "KAMAILIO_5_6", "KAMAILIO_5_6_3",
	                                          "ROUTEC" };
	for (size_t i = 0; i < sizeof predefined / sizeof *predefined; i++)
		pp_define_flag(pp, predefined[i]);
	return pp;
}

void pp_free(pp_ctx *pp)
{
	if (!pp)
		return;
	while (pp->depth > 0)
		lex_close(pp->stack[--pp->depth].sc);
	for (int i = 0; i < pp->nsubsts; i++)
		regfree(&pp->substs[i].re);
	free(pp->incdirs);
	free(pp->files);
	free(pp);
}

void pp_add_incdir(pp_ctx *pp, const char *dir)
{
	const char **v = realloc(pp->incdirs, (size_t)(pp->nincdirs + 1) * sizeof *v);
	if (!v)
		abort();
	pp->incdirs = v;
	pp->incdirs[pp->nincdirs++] = dir;
}

void pp_define_cmdline(pp_ctx *pp, const char *def)
{
	const char *eq = strchr(def, '=');
	char *name = ast_strndup(pp->arena, def, eq ? (size_t)(eq - def) : strlen(def));
	ast_pos none = { 0, 0 };
	pp_set_def(pp, name, eq ? eq + 1 : "", NULL, none);
}

void pp_define_flag(pp_ctx *pp, const char *name)
{
	ast_pos none = { 0, 0 };
	if (!pp_find_def(pp, name))
		pp_set_def(pp, name, "", NULL, none);
}

int pp_is_defined(const pp_ctx *pp, const char *name)
{
	return pp_find_def(pp, name) != NULL;
}

const char *pp_define_value(const pp_ctx *pp, const char *name)
{
	const pp_define *d = pp_find_def(pp, name);
	return d ? d->value : NULL;
}

int pp_file_count(const pp_ctx *pp)
{
	return pp->nfiles;
}

const char *pp_file_name(const pp_ctx *pp, int i)
{
	return i >= 0 && i < pp->nfiles ? pp->files[i] : NULL;
}

static ast_span at_span(const ast_src *src, ast_pos p)
{
	ast_span sp = { src, p, p };
	return sp;
}

static void push_frame(pp_ctx *pp, ast_src *src, int is_file)
{
	pp_frame *top = pp->depth ? &pp->stack[pp->depth - 1] : NULL;
	pp_frame *f = &pp->stack[pp->depth++];
	f->src = src;
	f->sc = lex_open(src, pp->arena, pp->diags);
	f->file_depth = (top ? top->file_depth : 0) + is_file;
	f->define_depth = (top ? top->define_depth : 0) + !is_file;
}

static int read_file(pp_ctx *pp, const char *path, char **text, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			abort();
		size_t r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	int err = ferror(fp);
	fclose(fp);
	if (err) {
		free(buf);
		return -1;
	}
	*text = ast_strndup(pp->arena, buf, n);
	*len = n;
	free(buf);
	return 0;
}

static ast_src *new_file_src(pp_ctx *pp, const char *path, const char *text, size_t len)
{
	ast_src *s = ast_alloc(pp->arena, sizeof *s);
	s->kind = SRC_FILE;
	s->name = ast_strndup(pp->arena, path, strlen(path));
	s->text = text;
	s->len = len;
	const char **v = realloc(pp->files, (size_t)(pp->nfiles + 1) * sizeof *v);
	if (!v)
		abort();
	pp->files = v;
	pp->files[pp->nfiles++] = s->name;
	return s;
}

int pp_open_text(pp_ctx *pp, const char *name, const char *text, size_t len)
{
	ast_src *s = new_file_src(pp, name, ast_strndup(pp->arena, text, len), len);
	push_frame(pp, s, 1);
	return 0;
}

int pp_open_file(pp_ctx *pp, const char *path)
{
	char *text;
	size_t len;
	if (read_file(pp, path, &text, &len) < 0) {
		ast_span none = { 0 };
		diag_report(pp->diags, DIAG_FATAL, "io", none, "cannot read '%s': %s", path,
		            strerror(errno));
		return -1;
	}
	push_frame(pp, new_file_src(pp, path, text, len), 1);
	return 0;
}

static int skipping(const pp_ctx *pp)
{
	return pp->nconds && !pp->conds[pp->nconds - 1].taking;
}

/* ---- directives ------------------------------------------------------- */

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Past "#!keyword" and the blanks after it. */
static const char *after_keyword(const char *text)
{
	const char *p = text + 2;
	while (isalpha((unsigned char)*p) || *p == '_')
		p++;
	return skip_blanks(p);
}

size_t pp_id_len(const char *p)
{
	size_t n = 0;
	if (!isalpha((unsigned char)p[0]) && p[0] != '_')
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

static ast_pos pos_plus(ast_pos p, size_t cols)
{
	p.col += (int)cols;
	return p;
}

/* Read the identifier after a directive keyword; NULL after an error. */
static char *directive_name(pp_ctx *pp, const lex_tok *t, const char *p, const char *what)
{
	size_t n = pp_id_len(p);
	ast_span sp = at_span(t->span.src, pos_plus(t->span.beg, (size_t)(p - t->s)));
	if (!n) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", sp,
		            "'%s' needs a name: a letter or '_', then letters, digits and '_'", what);
		return NULL;
	}
	if (p[n] == '-') {
		sp.beg = sp.end = pos_plus(sp.beg, n);
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", sp,
		            "'-' is not allowed in a define name (Kamailio stops here too)");
		return NULL;
	}
	return ast_strndup(pp->arena, p, n);
}

static void do_define(pp_ctx *pp, const lex_tok *t)
{
	const char *kw = "#!define";
	if (t->code == LX_TRYDEF)
		kw = "#!trydef";
	else if (t->code == LX_REDEF)
		kw = "#!redefine";
	const char *p = after_keyword(t->s);
	char *name = directive_name(pp, t, p, kw);
	if (!name)
		return;
	p += strlen(name);
	if (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\\') {
		/* Kamailio takes `#!define A=1` as A with the value "=1" */
		ast_span sp = at_span(t->span.src, pos_plus(t->span.beg, (size_t)(p - t->s)));
		diag_report(pp->diags, DIAG_WARNING, "define-value", sp,
		            "no blank after the define name: the value of '%s' starts with '%c'",
		            name, *p);
	}
	/* The value runs to the end of the line; backslash-newline continues it
	 * and is dropped.  Comments stay in the value, as in Kamailio. */
	p = skip_blanks(p);
	size_t n = strlen(p);
	char *val = ast_alloc(pp->arena, n + 1), *o = val;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if (p[i] == '\\' && p[i + 1] == '\r' && p[i + 2] == '\n') {
			i += 2;
			continue;
		}
		*o++ = p[i];
	}
	while (o > val && o[-1] == '\r')
		o--;
	*o = 0;
	pp_define *old = pp_find_def(pp, name);
	if (old && t->code == LX_TRYDEF)
		return;
	if (old && t->code == LX_DEFINE) {
		diag *dg = diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
		                       "'%s' is already defined; use '#!redefine' to change it, or "
		                       "'#!trydef' to define it only once", name);
		if (old->def_src)
			diag_note_add(dg, at_span(old->def_src, old->def_at), "previous definition is here");
		return;
	}
	pp_set_def(pp, name, val, t->span.src, t->span.beg);
}

static void do_defenv(pp_ctx *pp, const lex_tok *t)
{
	int quoted = t->s[2 + strcspn(t->s + 2, " \t") - 1] == 's';
	int try = t->s[2] == 't';
	const char *p = after_keyword(t->s);
	char *name = directive_name(pp, t, p, "#!defenv");
	if (!name)
		return;
	const char *var = name;
	p += strlen(name);
	if (*p == '=') {
		var = directive_name(pp, t, p + 1, "#!defenv");
		if (!var)
			return;
	}
	const char *env = getenv(var);
	if (!env) {
		if (!try)
			diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
			            "environment variable '%s' is not set (use '#!trydefenv' to allow that)",
			            var);
		return;
	}
	if (pp_find_def(pp, name)) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span, "'%s' is already defined",
		            name);
		return;
	}
	if (quoted) {
		size_t n = strlen(env);
		char *q = ast_alloc(pp->arena, n + 3);
		q[0] = '"';
		memcpy(q + 1, env, n);
		q[n + 1] = '"';
		pp_set_def(pp, name, q, t->span.src, t->span.beg);
	} else {
		pp_set_def(pp, name, env, t->span.src, t->span.beg);
	}
}

/* The text between the first and the last double quote of a directive. */
char *pp_quoted_arg(pp_ctx *pp, const lex_tok *t)
{
	const char *a = memchr(t->s, '"', t->len);
	const char *b = a ? memrchr(t->s, '"', t->len) : NULL;
	if (!a || b == a) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
		            "expected a double-quoted argument");
		return NULL;
	}
	return ast_strndup(pp->arena, a + 1, (size_t)(b - a - 1));
}

static int file_exists(const char *p)
{
	FILE *f = fopen(p, "rb");
	if (f)
		fclose(f);
	return f != NULL;
}

/* Kamailio's search: the path as given (relative to the working directory),
 * then beside the including file; routec adds the -I directories. */
static char *resolve_include(pp_ctx *pp, const char *path, const ast_src *from)
{
	if (file_exists(path) || path[0] == '/')
		return file_exists(path) ? ast_strndup(pp->arena, path, strlen(path)) : NULL;
	char buf[4096];
	if (from && from->kind == SRC_FILE) {
		const char *slash = strrchr(from->name, '/');
		if (slash) {
			snprintf(buf, sizeof buf, "%.*s/%s", (int)(slash - from->name), from->name, path);
			if (file_exists(buf))
				return ast_strndup(pp->arena, buf, strlen(buf));
		}
	}
	for (int i = 0; i < pp->nincdirs; i++) {
		snprintf(buf, sizeof buf, "%s/%s", pp->incdirs[i], path);
		if (file_exists(buf))
			return ast_strndup(pp->arena, buf, strlen(buf));
	}
	return NULL;
}

static const ast_src *current_file(const pp_ctx *pp)
{
	for (int i = pp->depth - 1; i >= 0; i--)
		if (pp->stack[i].src->kind == SRC_FILE)
			return pp->stack[i].src;
	return NULL;
}

static void do_include(pp_ctx *pp, lex_tok *t)
{
	int import = t->code == LX_IMPORT;
	char *name = pp_quoted_arg(pp, t);
	if (!name)
		return;
	lex_tok nt = *t;
	nt.s = name;
	nt.len = strlen(name);
	pp_apply_substs(pp, &nt);
	char *path = resolve_include(pp, nt.s, current_file(pp));
	if (!path) {
		if (!import)
			diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
			            "cannot open included file '%s' (searched the working directory, the "
			            "including file's directory and -I directories)",
			            nt.s);
		return;
	}
	if (pp->stack[pp->depth - 1].file_depth >= PP_MAX_FILES_DEPTH) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
		            "includes nested more than %d deep (an include loop?)", PP_MAX_FILES_DEPTH);
		return;
	}
	char *text;
	size_t len;
	if (read_file(pp, path, &text, &len) < 0) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span, "cannot read '%s': %s",
		            path, strerror(errno));
		return;
	}
	ast_src *s = new_file_src(pp, path, text, len);
	s->parent = t->span.src;
	s->at = t->span.beg;
	push_frame(pp, s, 1);
}

static void do_cond(pp_ctx *pp, lex_tok *t)
{
	if (t->code == LX_IFDEF || t->code == LX_IFNDEF) {
		const char *kw = t->code == LX_IFDEF ? "#!ifdef" : "#!ifndef";
		if (pp->nconds == PP_MAX_IFDEF) {
			diag_report(pp->diags, DIAG_FATAL, "preprocessor", t->span,
			            "'%s' nested more than %d deep", kw, PP_MAX_IFDEF);
			return;
		}
		int dead = skipping(pp);
		char *name = directive_name(pp, t, after_keyword(t->s), kw);
		int def = name && pp_find_def(pp, name);
		pp_cond *c = &pp->conds[pp->nconds++];
		c->dead = dead;
		c->taking = !dead && (t->code == LX_IFDEF ? def : !def);
		c->in_else = 0;
		c->at = t->span;
		c->name = name ? name : "?";
		c->kw = kw;
		return;
	}
	if (!pp->nconds) {
		if (t->code == LX_ELSE)
			diag_report(pp->diags, DIAG_WARNING, "preprocessor", t->span,
			            "'#!else' without '#!ifdef' or '#!ifndef'");
		else
			diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
			            "'#!endif' without '#!ifdef' or '#!ifndef'");
		return;
	}
	pp_cond *c = &pp->conds[pp->nconds - 1];
	if (t->code == LX_ELSE) {
		if (c->in_else)
			diag_report(pp->diags, DIAG_ERROR, "preprocessor", t->span,
			            "a second '#!else' for the same '#!ifdef'");
		c->in_else = 1;
		if (!c->dead)
			c->taking = !c->taking;
	} else {
		pp->nconds--;
	}
}

/* At the end of all input: every #!ifdef must have been closed. */
static void check_conds(pp_ctx *pp)
{
	for (int i = 0; i < pp->nconds; i++) {
		diag *dg = diag_report(pp->diags, DIAG_ERROR, "preprocessor", pp->conds[i].at,
		                       "unterminated '%s %s': no matching '#!endif'",
		                       pp->conds[i].kw, pp->conds[i].name);
		const ast_src *s = pp->conds[i].at.src;
		/* The classic cause: `#!endif` as the last bytes of a file, with no
		 * newline after it, or with a comment after it on the same line. */
		if (dg && s && s->len >= 7) {
			const char *e = s->text + s->len;
			while (e > s->text && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (e - s->text >= 7 && !memcmp(e - 7, "#!endif", 7)) {
				ast_span at = { s, { 1, 1 }, { 1, 1 } };
				for (const char *c = s->text; c < e - 7; c++) {
					at.beg.col++;
					if (*c == '\n') {
						at.beg.line++;
						at.beg.col = 1;
					}
				}
				at.end = at.beg;
				at.end.col += 6;
				diag_note_add(dg, at, "this '#!endif' is not one: at the very end of a "
				              "file it needs a newline after it");
			}
		}
	}
	pp->nconds = 0;
}

static void pop_frame(pp_ctx *pp)
{
	pp_frame *f = &pp->stack[--pp->depth];
	int comment = f->src->kind == SRC_DEFINE && lex_ended_in_line_comment(f->sc);
	lex_close(f->sc);
	if (comment && pp->depth)
		lex_skip_line(pp->stack[pp->depth - 1].sc);
}

static void expand(pp_ctx *pp, const pp_define *d, const lex_tok *use)
{
	const ast_src *parent = use->span.src;
	ast_pos at = use->span.beg;
	pp_define zero;
	if (pp->stack[pp->depth - 1].define_depth >= PP_MAX_DEFINE_DEPTH) {
		diag_report(pp->diags, DIAG_ERROR, "preprocessor", use->span,
		            "define '%s' expands into itself (more than %d nested expansions)", d->name,
		            PP_MAX_DEFINE_DEPTH);
		/* Drop what is left of this chain of expansions and let a 0 stand
		 * for it, at the outermost use, so the statement still parses. */
		static char zero_value[] = "0";
		while (pp->depth > 1 && pp->stack[pp->depth - 1].src->kind == SRC_DEFINE) {
			parent = pp->stack[pp->depth - 1].src->parent;
			at = pp->stack[pp->depth - 1].src->at;
			lex_close(pp->stack[--pp->depth].sc);
		}
		zero = *d;
		zero.value = zero_value;
		d = &zero;
	}
	pp->expanded += strlen(d->value) + PP_EXPANSION_COST;
	if (pp->expanded > PP_MAX_EXPANSION) {
		diag_report(pp->diags, DIAG_FATAL, "preprocessor", use->span,
		            "defines expand to more than %u MiB of text (defines that use each other "
		            "several times grow exponentially); stopping here",
		            PP_MAX_EXPANSION >> 20);
		pp->stop = 1;
		return;
	}
	ast_src *s = ast_alloc(pp->arena, sizeof *s);
	s->kind = SRC_DEFINE;
	s->name = d->name;
	s->text = d->value;
	s->len = strlen(d->value);
	s->parent = parent;
	s->at = at;
	s->def_src = d->def_src;
	s->def_at = d->def_at;
	push_frame(pp, s, 0);
}

int pp_next(pp_ctx *pp, lex_tok *t)
{
	while (pp->depth > 0 && !pp->stop) {
		pp_frame *f = &pp->stack[pp->depth - 1];
		lex_mode mode = skipping(pp) ? LEX_SKIP : LEX_CODE;
		if (mode == LEX_CODE && pp->last_code == '[' && pp->last_code_before == EVENT_ROUTE)
			mode = LEX_EVNAME;
		lex_set_mode(f->sc, mode);
		int code = lex_next(f->sc, t);
		switch (code) {
		case LX_EOF:
			pop_frame(pp);
			continue;
		case LX_ERROR:
			/* A bad event_route name: read what follows as code, or the
			 * scanner would be put back into the name mode forever. */
			if (mode == LEX_EVNAME)
				pp->last_code = LX_ERROR;
			continue;
		case LX_IFDEF:
		case LX_IFNDEF:
		case LX_ELSE:
		case LX_ENDIF:
			do_cond(pp, t);
			continue;
		}
		if (skipping(pp))
			continue;
		switch (code) {
		case LX_DEFINE:
		case LX_TRYDEF:
		case LX_REDEF:
			do_define(pp, t);
			continue;
		case LX_DEFENV:
			do_defenv(pp, t);
			continue;
		case LX_SUBST:
		case LX_SUBSTDEF:
		case LX_SUBSTDEFS:
			pp_do_subst(pp, t);
			continue;
		case LX_INCLUDE:
		case LX_IMPORT:
			do_include(pp, t);
			continue;
		case LX_COMPAT:
			pp->kamailio_mode = t->s[t->s[0] == '/' ? 3 : 2] == 'K' ||
			                    t->s[t->s[0] == '/' ? 3 : 2] == 'O'; /* "//!KAMAILIO" too */
			continue;
		case LX_AVP:
			/* Kamailio's default (no header) is its MAX compatibility mode,
			 * where these are AVPs; after #!KAMAILIO they are errors. */
			if (pp->kamailio_mode)
				diag_report(pp->diags, DIAG_ERROR, "syntax", t->span,
				            "'%.*s' is SER-style AVP syntax, not accepted after '#!KAMAILIO': "
				            "write $avp(name)", (int)t->len, t->s);
			code = PVAR;
			t->s = ast_strndup(pp->arena, t->s, t->len);
			pp_apply_substs(pp, t);
			break;
		case ID: {
			char *name = ast_strndup(pp->arena, t->s, t->len);
			const pp_define *d = pp_find_def(pp, name);
			if (d) {
				expand(pp, d, t);
				continue;
			}
			t->s = name;
			break;
		}
		case STRING:
		case PVAR:
			t->s = ast_strndup(pp->arena, t->s, t->len);
			pp_apply_substs(pp, t);
			break;
		default:
			t->s = ast_strndup(pp->arena, t->s, t->len);
		}
		t->code = code;
		pp->last_code_before = pp->last_code;
		pp->last_code = code;
		pp->last_span = t->span;
		return code;
	}
	if (!pp->stop)
		check_conds(pp);
	memset(t, 0, sizeof *t);
	t->span = pp->last_span;
	t->span.beg = t->span.end;
	return 0;
}
