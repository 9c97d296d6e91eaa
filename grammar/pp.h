/* pp.h: the preprocessor that sits between the flex scanner and the parser.
 *
 * Kamailio preprocesses inside its scanner, token by token: defines expand
 * only where an identifier token stands, their values are scanned again,
 * #!subst rules rewrite string and pseudo-variable tokens, includes push a new
 * input anywhere (even inside a route body).  routec does the same: the flex
 * scanner (lexer.l) cuts raw tokens and directive lines out of one source, and
 * pp keeps a stack of sources (files, includes, define expansions), the define
 * table, the #!ifdef stack and the subst rules, and hands finished tokens to
 * the bison parser.
 */
#ifndef ROUTEC_PP_H
#define ROUTEC_PP_H

#include <stddef.h>
#include "ast.h"
#include "diag.h"

/* Raw token codes the scanner returns besides the parser's own tokens.
 * They never reach the parser (bison's codes are below 1000). */
enum {
	LX_EOF = 0,
	LX_DEFINE = 1000, /* #!define, #!def */
	LX_TRYDEF,        /* #!trydef, #!trydefine */
	LX_REDEF,         /* #!redefine, #!redef */
	LX_IFDEF,
	LX_IFNDEF,
	LX_ELSE,
	LX_ENDIF,
	LX_SUBST,
	LX_SUBSTDEF,
	LX_SUBSTDEFS,
	LX_INCLUDE,
	LX_IMPORT,
	LX_DEFENV,        /* #!defenv, #!defenvs, #!trydefenv, #!trydefenvs: text says which */
	LX_COMPAT,        /* #!KAMAILIO, #!SER, #!MAXCOMPAT ...: compatibility mode */
	LX_AVP,           /* SER-style AVP ($f.x, %x): only outside #!KAMAILIO mode */
	LX_ERROR          /* the scanner already reported an error; skip this token */
};

/* One token as the scanner cuts it. `s` points into the scanner's buffer or
 * the arena; `len` is the decoded length (strings are unescaped). */
typedef struct lex_tok {
	int code;
	long num;
	const char *s;
	size_t len;
	ast_span span;
} lex_tok;

/* Scanner modes pp switches between. */
typedef enum { LEX_CODE, LEX_SKIP, LEX_EVNAME } lex_mode;

typedef void *lex_scanner;
lex_scanner lex_open(const ast_src *src, ast_arena *arena, diag_ctx *diags);
void lex_close(lex_scanner sc);
int lex_next(lex_scanner sc, lex_tok *t);
void lex_set_mode(lex_scanner sc, lex_mode m);
/* True when the source ended inside a line comment without its newline
 * (a define value like `7 # c` comments out the rest of the using line). */
int lex_ended_in_line_comment(lex_scanner sc);
/* Skip the rest of the current line (see above). */
void lex_skip_line(lex_scanner sc);

typedef struct pp_ctx pp_ctx;

pp_ctx *pp_new(ast_arena *arena, diag_ctx *diags);
void pp_free(pp_ctx *pp);
void pp_add_incdir(pp_ctx *pp, const char *dir);
/* -D NAME or -D NAME=VALUE (value text as written). */
void pp_define_cmdline(pp_ctx *pp, const char *def);
/* A define without value, e.g. MOD_tm when tm is loaded.  */
void pp_define_flag(pp_ctx *pp, const char *name);
int pp_is_defined(const pp_ctx *pp, const char *name);
/* Value text of a define (NULL if not defined, "" for a define without value). */
const char *pp_define_value(const pp_ctx *pp, const char *name);

/* Open the main input.  Returns 0, or -1 after reporting an error. */
int pp_open_file(pp_ctx *pp, const char *path);
int pp_open_text(pp_ctx *pp, const char *name, const char *text, size_t len);

/* The next token for the parser: fills *t and returns t->code (0 at the end). */
int pp_next(pp_ctx *pp, lex_tok *t);

/* Every file read (main and includes), for reload watching and cfg.info. */
int pp_file_count(const pp_ctx *pp);
const char *pp_file_name(const pp_ctx *pp, int i);

#endif
