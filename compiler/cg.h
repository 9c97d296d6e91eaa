/* cg.h: lowering a checked script to C99 against runtime/include/routec.h.
 *
 * One C function per route block, one block of C statements per script
 * statement.  Run flags (exit, return, break, drop) live in rc_ctx_t and are
 * tested after every statement that can set them; a test jumps to the label
 * of the innermost construct that consumes it (a while, a switch, the route).
 * Every constant the script uses (pv specs, formats, regexes, function
 * arguments) is prepared once in the script's init function.
 */
#ifndef ROUTEC_CG_H
#define ROUTEC_CG_H

#include <stdio.h>

#include "ast.h"
#include "diag.h"

/* A function the generated code calls: the runtime must provide it. */
typedef struct cg_use {
	const char *csym;
	ast_span span;
} cg_use;

typedef struct cg_out {
	char *c;      /* the C source (malloc'd) */
	size_t len;
	cg_use *uses; /* module functions called (malloc'd) */
	int nuses;
} cg_out;

typedef struct cg_opts {
	int include_header; /* emit #include "routec.h" (standalone); else the JIT prepends it */
} cg_opts;

/* Generate C for a script that passed `routec check` without errors.
 * Returns 0, or -1 after reporting (e.g. a function with no runtime support). */
int cg_generate(const ast_node *root, const cg_opts *o, diag_ctx *d, cg_out *out);
void cg_out_free(cg_out *o);

/* ---- internal, shared by cg*.c ---- */

typedef struct cg_route {
	int kind;          /* ast_route_kind */
	const char *name;
	int index;         /* R_<index> */
} cg_route;

typedef struct cg {
	FILE *init;        /* statements of the init function */
	FILE *decls;       /* file-scope declarations */
	FILE *body;        /* route functions */
	diag_ctx *d;
	const ast_node *root;
	cg_route *routes;
	int nroutes;
	int ntmp, npv, nfmt, nre, narg, nlabel;
	int indent;
	const char *target; /* label that flag tests jump to */
	cg_use *uses;
	int nuses;
	int failed;
	/* pv specs are prepared once per distinct text */
	const char **pv_text;
	int npv_text;
} cg;

void cg_stmt(cg *g, const ast_node *n);
/* Emit statements computing `n` into the rc_val variable `var`. */
void cg_expr(cg *g, const ast_node *n, const char *var);
/* Emit a call; `ret` receives its raw return code (an int variable). */
void cg_call(cg *g, const ast_node *call, const char *ret);

int cg_pv(cg *g, const char *text, size_t len, ast_span sp);  /* index of PV_n */
int cg_re(cg *g, const char *text, size_t len, int caseless, ast_span sp);
const cg_route *cg_find_route(const cg *g, int kind, const char *name);
void cg_line(cg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cg_cstr(FILE *f, const char *s, size_t n); /* a C string literal */
/* "file:line" of a span, as a C string literal, for runtime error messages */
void cg_where(FILE *f, ast_span sp);
int cg_tmp(cg *g);

#endif
