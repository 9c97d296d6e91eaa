/* parse.h: turning a script file into an AST (preprocessor + parser). */
#ifndef ROUTEC_PARSE_H
#define ROUTEC_PARSE_H

#include "ast.h"
#include "diag.h"

typedef struct parse_opts {
	const char *const *incdirs; /* -I */
	int nincdirs;
	const char *const *defines; /* -D NAME[=VALUE] */
	int ndefines;
} parse_opts;

/* Parse a file (or, with parse_text, a buffer).  The AST is returned even
 * when there were errors (with the statements that parsed); every problem is
 * in `d`.  Returns 0 when no error was reported, -1 otherwise.  Free the
 * script with parse_free. */
int parse_file(const char *path, const parse_opts *o, ast_script *out, diag_ctx *d);
int parse_text(const char *name, const char *text, size_t len, const parse_opts *o,
               ast_script *out, diag_ctx *d);
void parse_free(ast_script *s);

#endif
