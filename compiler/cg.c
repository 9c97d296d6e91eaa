/* cg.c: the C file of a script: declarations, route functions, the init
 * function that prepares constants, and the rc_script table. */
#include "cg.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cg_cstr(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20 || ch >= 0x7f || ch == '?') /* '?': no trigraphs */
			fprintf(f, "\\%03o", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void cg_where(FILE *f, ast_span sp)
{
	ast_pos p = sp.beg;
	const ast_src *s = diag_file_of(sp.src, &p);
	char buf[512];
	snprintf(buf, sizeof buf, "%s:%d", s ? s->name : "?", p.line);
	cg_cstr(f, buf, strlen(buf));
}

void cg_line(cg *g, const char *fmt, ...)
{
	fprintf(g->body, "%*s", g->indent * 8, "");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(g->body, fmt, ap);
	va_end(ap);
	fputc('\n', g->body);
}

int cg_tmp(cg *g)
{
	return g->ntmp++;
}

int cg_pv(cg *g, const char *text, size_t len, ast_span sp)
{
	for (int i = 0; i < g->npv_text; i++)
		if (strlen(g->pv_text[i]) == len && !memcmp(g->pv_text[i], text, len))
			return i;
	const char **v = realloc(g->pv_text, (size_t)(g->npv_text + 1) * sizeof *v);
	if (!v)
		abort();
	g->pv_text = v;
	g->pv_text[g->npv_text] = text;
	fprintf(g->decls, "static rc_pv *PV_%d; /* %.*s */\n", g->npv_text, (int)len, text);
	fprintf(g->init, "\tif (!(PV_%d = rc_pv_prepare(g, ", g->npv_text);
	cg_cstr(g->init, text, len);
	fprintf(g->init, ", %zu, ", len);
	cg_where(g->init, sp);
	fputs("))) return -1;\n", g->init);
	return g->npv_text++;
}

int cg_re(cg *g, const char *text, size_t len, int caseless, ast_span sp)
{
	int k = g->nre++;
	fprintf(g->decls, "static rc_re *RE_%d;\n", k);
	fprintf(g->init, "\tif (!(RE_%d = rc_re_prepare(g, ", k);
	cg_cstr(g->init, text, len);
	fprintf(g->init, ", %zu, %d, ", len, caseless);
	cg_where(g->init, sp);
	fputs("))) return -1;\n", g->init);
	return k;
}

const cg_route *cg_find_route(const cg *g, int kind, const char *name)
{
	for (int i = 0; i < g->nroutes; i++)
		if (g->routes[i].kind == kind && !strcmp(g->routes[i].name, name))
			return &g->routes[i];
	return NULL;
}

static int abi_kind(int k)
{
	switch (k) {
	case RT_KIND_REQUEST: return 0;
	case RT_KIND_REPLY: return 1;
	case RT_KIND_ONREPLY: return 2;
	case RT_KIND_FAILURE: return 3;
	case RT_KIND_BRANCH: return 4;
	case RT_KIND_ONSEND: return 5;
	default: return 6;
	}
}

static void collect_routes(cg *g)
{
	const ast_list *top = &g->root->kids;
	g->routes = calloc((size_t)top->n + 1, sizeof *g->routes);
	if (!g->routes)
		abort();
	for (int i = 0; i < top->n; i++) {
		const ast_node *n = top->v[i];
		if (n->kind != AST_ROUTE || cg_find_route(g, n->op, n->str))
			continue;
		cg_route *r = &g->routes[g->nroutes];
		r->kind = n->op;
		r->name = n->str;
		r->index = g->nroutes++;
	}
}

/* One C function per route; several blocks of the same route (unnamed
 * request_route blocks) run one after the other in it. */
static void emit_route(cg *g, const cg_route *r)
{
	fprintf(g->body, "\n/* %s %s */\nstatic int R_%d(rc_msg_t *m, rc_ctx_t *c)\n{\n",
	        ast_route_kind_name(r->kind), r->name, r->index);
	g->indent = 1;
	g->target = "out";
	cg_line(g, "int v = 1;");
	cg_line(g, "(void)m;");
	cg_line(g, "if (c->flags) goto out;");
	const ast_list *top = &g->root->kids;
	for (int i = 0; i < top->n; i++) {
		const ast_node *n = top->v[i];
		if (n->kind == AST_ROUTE && n->op == r->kind && !strcmp(n->str, r->name))
			cg_stmt(g, n->a);
	}
	fputs("out:\n\treturn v;\n}\n", g->body);
}

/* The value text of a global parameter: atoms joined by blanks, sockets as
 * proto:host:port, advertise/name/virtual as written. */
static void value_text(FILE *f, const ast_node *v)
{
	switch (v->kind) {
	case AST_INT:
		fprintf(f, "%ld", v->ival);
		break;
	case AST_STR:
	case AST_BAREWORD:
	case AST_HOST:
	case AST_IPV4:
		fwrite(v->str, 1, v->slen, f);
		break;
	case AST_IPV6:
		fprintf(f, "[%s]", v->str);
		break;
	case AST_SOCKADDR:
		fprintf(f, "%s:", v->str);
		value_text(f, v->a);
		if (v->b)
			fprintf(f, ":%ld", v->b->ival);
		break;
	case AST_HOSTPORT:
		value_text(f, v->a);
		if (v->b)
			fprintf(f, ":%ld", v->b->ival);
		break;
	case AST_ADVERTISE:
		fputs("advertise ", f);
		value_text(f, v->a);
		break;
	case AST_SOCKNAME:
		fprintf(f, "name \"%s\"", v->a->str);
		break;
	case AST_VIRTUAL:
		fputs("virtual", f);
		break;
	case AST_MULTIHOST:
		fputc('(', f);
		for (int i = 0; i < v->kids.n; i++) {
			if (i)
				fputs(", ", f);
			value_text(f, v->kids.v[i]);
		}
		fputc(')', f);
		break;
	case AST_PVALUE:
		for (int i = 0; i < v->kids.n; i++) {
			if (i)
				fputc(' ', f);
			value_text(f, v->kids.v[i]);
		}
		break;
	default:
		break;
	}
}

static void emit_param(FILE *f, const char *module, const char *name, const ast_node *v)
{
	fputs("\t{ ", f);
	if (module)
		cg_cstr(f, module, strlen(module));
	else
		fputs("0", f);
	fputs(", ", f);
	cg_cstr(f, name, strlen(name));
	const ast_node *one = v->kind == AST_PVALUE && v->kids.n == 1 ? v->kids.v[0] : v;
	if (one->kind == AST_INT) {
		fprintf(f, ", RC_INT, %ld, 0 },\n", one->ival);
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	if (!mf)
		abort();
	value_text(mf, one->kind == AST_STR ? one : v);
	fclose(mf);
	fputs(", RC_STR, 0, ", f);
	cg_cstr(f, text, len);
	fputs(" },\n", f);
	free(text);
}

/* listen and alias: one param per socket address, each followed by the
 * line's advertise/name/virtual parts (runtime/core/config.h has the format). */
static int is_sock_part(const ast_node *k)
{
	return k->kind != AST_ADVERTISE && k->kind != AST_SOCKNAME && k->kind != AST_VIRTUAL;
}

static void emit_sock_param(FILE *f, const char *name, const ast_node *addr, const ast_node *line)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	if (!mf)
		abort();
	value_text(mf, addr);
	for (int i = 0; i < line->kids.n; i++)
		if (!is_sock_part(line->kids.v[i])) {
			fputc(' ', mf);
			value_text(mf, line->kids.v[i]);
		}
	fclose(mf);
	fputs("\t{ 0, ", f);
	cg_cstr(f, name, strlen(name));
	fputs(", RC_STR, 0, ", f);
	cg_cstr(f, text, len);
	fputs(" },\n", f);
	free(text);
}

static void emit_socks(FILE *f, const char *name, const ast_node *v)
{
	for (int i = 0; i < v->kids.n; i++) {
		const ast_node *k = v->kids.v[i];
		if (!is_sock_part(k))
			continue;
		/* (a, b):5060 -> one socket per address */
		const ast_node *host = k->kind == AST_SOCKADDR || k->kind == AST_HOSTPORT ? k->a : k;
		if (host && host->kind == AST_MULTIHOST) {
			for (int j = 0; j < host->kids.n; j++) {
				ast_node one = *k;
				if (k == host)
					emit_sock_param(f, name, host->kids.v[j], v);
				else {
					one.a = host->kids.v[j];
					emit_sock_param(f, name, &one, v);
				}
			}
		} else {
			emit_sock_param(f, name, k, v);
		}
	}
}

static void emit_tables(cg *g, FILE *out)
{
	fputs("\nstatic const rc_route_def rc_routes[] = {\n", out);
	for (int i = 0; i < g->nroutes; i++) {
		fprintf(out, "\t{ %d, ", abi_kind(g->routes[i].kind));
		cg_cstr(out, g->routes[i].name, strlen(g->routes[i].name));
		fprintf(out, ", R_%d },\n", g->routes[i].index);
	}
	fputs("\t{ 0, 0, 0 }\n};\n\nstatic const rc_param_def rc_params[] = {\n", out);
	const ast_list *top = &g->root->kids;
	for (int i = 0; i < top->n; i++) {
		const ast_node *n = top->v[i];
		if (n->kind == AST_PARAM && (!strcmp(n->str, "listen") || !strcmp(n->str, "alias")))
			emit_socks(out, n->str, n->a);
		else if (n->kind == AST_PARAM)
			emit_param(out, NULL, n->str, n->a);
		else if (n->kind == AST_MODPARAM)
			emit_param(out, n->kids.v[0]->str, n->kids.v[1]->str, n->kids.v[2]);
	}
	fputs("\t{ 0, 0, 0, 0, 0 }\n};\n\nstatic const char *const rc_modules[] = {\n", out);
	for (int i = 0; i < top->n; i++) {
		const ast_node *n = top->v[i];
		if (n->kind != AST_LOADMODULE)
			continue;
		const char *base = strrchr(n->a->str, '/');
		base = base ? base + 1 : n->a->str;
		size_t len = strlen(base);
		if (len > 3 && !strcmp(base + len - 3, ".so"))
			len -= 3;
		fputc('\t', out);
		cg_cstr(out, base, len);
		fputs(",\n", out);
	}
	fputs("\t0\n};\n\nconst rc_script_def rc_script = { RC_ABI_VERSION, rc_init, rc_routes, "
	      "rc_params, rc_modules, ",
	      out);
	const ast_src *main_src = NULL;
	for (int i = 0; i < top->n && !main_src; i++) {
		ast_pos p;
		main_src = diag_file_of(top->v[i]->span.src, &p);
		while (main_src && main_src->parent)
			main_src = diag_file_of(main_src->parent, &p);
	}
	const char *name = main_src ? main_src->name : "?";
	cg_cstr(out, name, strlen(name));
	fputs(" };\n", out);
}

int cg_generate(const ast_node *root, const cg_opts *o, diag_ctx *d, cg_out *out)
{
	memset(out, 0, sizeof *out);
	cg g = { .d = d, .root = root };
	char *ib = NULL, *db = NULL, *bb = NULL;
	size_t il = 0, dl = 0, bl = 0;
	g.init = open_memstream(&ib, &il);
	g.decls = open_memstream(&db, &dl);
	g.body = open_memstream(&bb, &bl);
	if (!g.init || !g.decls || !g.body)
		abort();
	collect_routes(&g);
	for (int i = 0; i < g.nroutes; i++)
		fprintf(g.decls, "static int R_%d(rc_msg_t *m, rc_ctx_t *c);\n", g.routes[i].index);
	for (int i = 0; i < g.nroutes; i++)
		emit_route(&g, &g.routes[i]);
	/* open_memstream buffers are complete and NUL-terminated once closed */
	fclose(g.init);
	fclose(g.decls);
	fclose(g.body);

	FILE *f = open_memstream(&out->c, &out->len);
	if (!f)
		abort();
	fputs("/* Generated by routec from a routing script: do not edit. */\n", f);
	if (o && o->include_header)
		fputs("#include \"routec.h\"\n", f);
	fputs("\n", f);
	fputs(db, f);
	fputs(bb, f);
	fputs("\nstatic int rc_init(rc_gen_t *g)\n{\n\t(void)g;\n", f);
	fputs(ib, f);
	fputs("\treturn 0;\n}\n", f);
	emit_tables(&g, f);
	fclose(f);
	free(ib);
	free(db);
	free(bb);
	free(g.routes);
	free(g.pv_text);
	out->uses = g.uses;
	out->nuses = g.nuses;
	return g.failed ? -1 : 0;
}

void cg_out_free(cg_out *o)
{
	free(o->c);
	free(o->uses);
	memset(o, 0, sizeof *o);
}
