/* pp_int.h: the preprocessor's own state, shared by pp.c (sources, defines,
 * conditionals, includes) and pp_subst.c (#!subst rules).  Not for other
 * parts of routec: they use pp.h. */
#ifndef ROUTEC_PP_INT_H
#define ROUTEC_PP_INT_H

#include <regex.h>

#include "pp.h"

#define PP_MAX_FILES_DEPTH 10   /* Kamailio's include nesting limit */
#define PP_MAX_DEFINE_DEPTH 64  /* Kamailio loops forever on `#!define A A`; we stop */
#define PP_MAX_IFDEF 512
#define PP_MAX_SUBST 64
/* Guards against inputs that are small but expand without bound (found by
 * fuzzing): defines that use each other twice double at every level, subst
 * rules can grow a string tenfold each, glibc's regcomp duplicates nested
 * bounded repetitions and its regexec is exponential with back-references. */
#define PP_MAX_EXPANSION (1u << 20) /* bytes of define text expanded, in all */
#define PP_EXPANSION_COST 16        /* counted per expansion besides its text */
#define PP_MAX_SUBST_WORK (256u << 20) /* #!subst work, in all: bytes searched times
                                         * pattern states, plus bytes produced */
#define PP_MAX_RE_COST 2000         /* regex nodes after repetition counts */
#define PP_MAX_RE_NEST 32           /* nested groups in a #!subst regex */

typedef struct pp_define {
	char *name;
	char *value; /* "" for a define without value */
	const ast_src *def_src; /* NULL: command line */
	ast_pos def_at;
	struct pp_define *next;
} pp_define;

typedef struct pp_frame {
	ast_src *src;
	lex_scanner sc;
	int file_depth;   /* number of SRC_FILE frames up to and including this one */
	int define_depth; /* nested define expansions */
} pp_frame;

typedef struct pp_cond {
	int taking;   /* this branch is being read */
	int dead;     /* inside a skipped branch: never taken */
	int in_else;
	ast_span at;
	const char *name;
	const char *kw;
} pp_cond;

typedef struct pp_subst {
	regex_t re;
	char *repl;
	int global;
	unsigned nodes; /* size of the unrolled pattern (subst_regex_problem) */
} pp_subst;

#define PP_HASH 256

struct pp_ctx {
	ast_arena *arena;
	diag_ctx *diags;
	pp_define *defs[PP_HASH];
	pp_frame stack[PP_MAX_FILES_DEPTH + PP_MAX_DEFINE_DEPTH + 2];
	int depth;
	pp_cond conds[PP_MAX_IFDEF];
	int nconds;
	pp_subst substs[PP_MAX_SUBST];
	int nsubsts;
	const char **incdirs;
	int nincdirs;
	const char **files;
	int nfiles;
	int last_code;        /* previous token handed to the parser */
	int last_code_before; /* and the one before it */
	ast_span last_span;   /* where the end of input is reported */
	int kamailio_mode;    /* #!KAMAILIO seen: SER-style AVPs are errors */
	size_t expanded;      /* define text expanded so far (PP_MAX_EXPANSION) */
	size_t subst_work;    /* bytes fed to and made by #!subst (PP_MAX_SUBST_WORK) */
	int stop;             /* a fatal error: the input ends here */
};

/* pp.c */
pp_define *pp_find_def(const pp_ctx *pp, const char *name);
void pp_set_def(pp_ctx *pp, const char *name, const char *value, const ast_src *src,
                ast_pos at);
char *pp_quoted_arg(pp_ctx *pp, const lex_tok *t);
size_t pp_id_len(const char *p);

/* pp_subst.c */
/* #!subst, #!substdef, #!substdefs: add a rule (and a define). */
void pp_do_subst(pp_ctx *pp, const lex_tok *t);
/* Apply every rule, in order, once each, to a string or pv token. */
void pp_apply_substs(pp_ctx *pp, lex_tok *t);

#endif
