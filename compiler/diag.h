/* diag.h: diagnostics, collected and then rendered as gcc-style text or JSON.
 *
 * Every stage (preprocessor, lexer, parser, checker) reports through one
 * diag_ctx so the caps, counts and formats are the same everywhere.
 */
#ifndef ROUTEC_DIAG_H
#define ROUTEC_DIAG_H

#include <stdarg.h>
#include <stdio.h>
#include "ast.h"

typedef enum { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR, DIAG_FATAL } diag_severity;
typedef enum { DIAG_FMT_GCC, DIAG_FMT_JSON, DIAG_FMT_SARIF } diag_format;
/* What -W options ask of one warning rule. */
typedef enum { DIAG_RULE_ON, DIAG_RULE_OFF, DIAG_RULE_ERROR } diag_rule_state;
#define DIAG_MAX_RULES 32

#define DIAG_MAX_NOTES 4
#define DIAG_ERROR_CAP 20

typedef struct diag_note {
	ast_span span; /* span.src may be NULL: a note without a location */
	char *msg;
} diag_note;

typedef struct diag {
	diag_severity sev;
	const char *rule; /* warning name (for -W), or "syntax", "preprocessor" ... */
	ast_span span;
	char *msg;
	diag_note notes[DIAG_MAX_NOTES];
	int nnotes;
	int was_warning; /* a warning made an error by -Werror */
} diag;

typedef struct diag_ctx {
	diag *v;
	int n, cap;
	int errors, warnings;
	int suppressed;     /* errors past the cap: counted, not stored */
	int werror;         /* -Werror: warnings count as errors */
	struct { const char *name; diag_rule_state state; } rules[DIAG_MAX_RULES];
	int nrules;
} diag_ctx;

void diag_init(diag_ctx *d);
void diag_free(diag_ctx *d);

/* Report one diagnostic; returns it so notes can be added (NULL when capped). */
diag *diag_report(diag_ctx *d, diag_severity sev, const char *rule, ast_span sp,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
diag *diag_vreport(diag_ctx *d, diag_severity sev, const char *rule, ast_span sp,
                   const char *fmt, va_list ap);
void diag_note_add(diag *dg, ast_span sp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* -Wname (on), -Wno-name (off), -Werror=name (error).  Returns -1 when the
 * table is full. */
int diag_set_rule(diag_ctx *d, const char *name, diag_rule_state st);

/* True once the error cap is reached: callers may stop early. */
int diag_capped(const diag_ctx *d);

/* One JSON or SARIF document for several files: begin, the diagnostics of
 * each file (while its sources are alive), end.  gcc format: items only. */
void diag_doc_begin(diag_format fmt, FILE *out);
void diag_doc_items(const diag_ctx *d, diag_format fmt, FILE *out, int *count);
void diag_doc_end(diag_format fmt, FILE *out);
/* SARIF 2.1.0 (diag_sarif.c). */
void diag_sarif_begin(FILE *out);
void diag_sarif_items(const diag_ctx *d, FILE *out, int *count);
void diag_sarif_end(FILE *out);
/* Where a span is reported: define expansions map to their use site. */
const ast_src *diag_file_of(const ast_src *s, ast_pos *pos);
void diag_json_str(FILE *out, const char *s);

/* Render every diagnostic, then (gcc format) the "N errors, M warnings" line. */
void diag_print(const diag_ctx *d, diag_format fmt, FILE *out);

#endif
