/* routec.h: the one header generated script code includes; the ABI between a
 * compiled script and the runtime.
 *
 * It includes nothing (tcc compiles it in memory without system headers) and
 * uses only C99 that both tcc and gcc accept.  Everything the generated code
 * calls is declared here with the rc_ prefix; the runtime implements it, and
 * jit.c hands the same functions to tcc with tcc_add_symbol (rc_abi.def lists
 * them once).
 *
 * A compiled script defines one object, `rc_script` (rc_script_def), with its
 * route functions and an init function that prepares every constant (pseudo-
 * variable specs, formats, regexes, function arguments) once per generation.
 *
 * Value semantics are Kamailio 5.6's: integers are 32-bit and wrap; a string
 * is a span; "null" is what an absent header or an unset AVP gives.
 */
#ifndef ROUTEC_H
#define ROUTEC_H

#define RC_ABI_VERSION 1

typedef struct rc_msg rc_msg_t; /* the message being routed (opaque) */
typedef struct rc_gen rc_gen_t; /* the generation (compiled script) being loaded */

typedef struct rc_str {
	const char *s;
	int len;
} rc_str;

enum { RC_NULL = 0, RC_INT = 1, RC_STR = 2 };

typedef struct rc_val {
	int type; /* RC_NULL, RC_INT or RC_STR */
	int i;    /* RC_INT */
	rc_str s; /* RC_STR: points into the message, the script's constants or the
	             message's scratch arena, valid until the message is done */
} rc_val;

/* Run flags, as Kamailio's run_act_ctx: exit ends the whole script for this
 * message, return ends the current route, break leaves a switch or while,
 * drop is exit plus "do not do the default action". */
#define RC_F_EXIT 1
#define RC_F_RETURN 2
#define RC_F_BREAK 4
#define RC_F_DROP 8

/* Route types, Kamailio's bits (route.h). */
#define RC_RT_REQUEST 1
#define RC_RT_FAILURE 2
#define RC_RT_TM_ONREPLY 4
#define RC_RT_BRANCH 8
#define RC_RT_ONSEND 16
#define RC_RT_LOCAL 64
#define RC_RT_CORE_ONREPLY 128
#define RC_RT_BRANCH_FAILURE 256
#define RC_RT_EVENT 513

typedef struct rc_ctx {
	int flags;      /* RC_F_* */
	int rc;         /* $rc: the last function or route return code */
	int route_type; /* RC_RT_* of the top-level route running */
	int depth;      /* nested route() calls (max_recursive_level) */
	int while_max;  /* max_while_loops; 0 = unlimited */
} rc_ctx_t;

/* ---- function arguments ------------------------------------------------- */

/* One argument of a module function, prepared once for constants (at init)
 * or built per call for expressions.  `p` holds what the function's own
 * preparation made of it (a parsed format, a pv spec, a regex, a route).
 * An argument that is an expression (allowed only where Kamailio allows a
 * non-constant) is RC_NULL when the function's preparation runs, and is
 * filled per call with p == NULL: the function then uses type/i/s as they
 * are (both i and s are set: the value's int and string conversions). */
typedef struct rc_arg {
	int type;  /* RC_NULL, RC_INT or RC_STR: the value as written / evaluated */
	int i;
	rc_str s;
	void *p;
} rc_arg;

typedef int (*rc_fn)(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);

/* Prepare the arguments of one call site of function `csym` (its fixup):
 * returns 0, or -1 after logging why (the load then fails). */
int rc_fn_prepare(rc_gen_t *g, const char *csym, rc_arg *argv, int argc, const char *where);

/* ---- constants prepared at load ------------------------------------------ */

typedef struct rc_pv rc_pv;   /* a parsed pseudo-variable spec */
typedef struct rc_fmt rc_fmt; /* a parsed format string ("from $fu") */
typedef struct rc_re rc_re;   /* a compiled regex (PCRE2, JIT) */

rc_pv *rc_pv_prepare(rc_gen_t *g, const char *spec, int len, const char *where);
rc_fmt *rc_fmt_prepare(rc_gen_t *g, const char *text, int len, const char *where);
/* flags: 1 = case-insensitive (the =~ operator), 0 = as written */
rc_re *rc_re_prepare(rc_gen_t *g, const char *re, int len, int flags, const char *where);

/* ---- values -------------------------------------------------------------- */

int rc_pv_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out);
/* Assignment: returns 1, or -1 after logging (the statement's value). */
int rc_pv_set(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, const rc_val *v);
/* `defined $pv`: 0 when the pv gives null. */
int rc_pv_defined(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv);
rc_str rc_fmt_eval(rc_msg_t *m, rc_ctx_t *c, const rc_fmt *f);

/* Conversions (Kamailio's rval_get_int / rval_get_str). */
int rc_v_int(const rc_val *v);
rc_str rc_v_str(rc_msg_t *m, const rc_val *v);

/* Operators whose result depends on the operand types. */
void rc_v_add(rc_msg_t *m, const rc_val *a, const rc_val *b, rc_val *out);
int rc_v_eq(rc_msg_t *m, const rc_val *a, const rc_val *b);     /* == */
int rc_v_streq(rc_msg_t *m, const rc_val *a, const rc_val *b);  /* eq */
int rc_v_match(rc_msg_t *m, const rc_val *a, const rc_re *re);  /* =~ */
int rc_v_match_dyn(rc_msg_t *m, const rc_val *a, const rc_val *re);
/* Division and modulo by zero are evaluation errors (the expression fails). */
int rc_v_div(rc_msg_t *m, int a, int b, int *err);
int rc_v_mod(rc_msg_t *m, int a, int b, int *err);

/* ---- legacy condition elements: method == "INVITE", src_ip == 10.0.0.0/8 -- */

/* field: the ast_field numbers (F_METHOD ...);
 * op: 0 ==, 1 !=, 2 =~ (re is set), 3 <, 4 >, 5 <=, 6 >= */
int rc_field_cmp(rc_msg_t *m, int field, int op, const rc_val *v, const rc_re *re);
int rc_field_myself(rc_msg_t *m, int field);
int rc_field_ipnet(rc_msg_t *m, int field, const char *net, int len);

/* ---- misc ---------------------------------------------------------------- */

/* 1 when a equals the len bytes at s (string switch labels). */
int rc_str_eq(rc_str a, const char *s, int len);
/* Scratch memory of the current message (freed when it is done). */
char *rc_tmp(rc_msg_t *m, int len);
/* Log a runtime error of the script with its position. */
void rc_script_error(rc_msg_t *m, const char *where, const char *what);

/* ---- the compiled script ------------------------------------------------- */

typedef int (*rc_route_fn)(rc_msg_t *m, rc_ctx_t *c);

typedef struct rc_route_def {
	int kind;         /* 0 request, 1 reply, 2 onreply, 3 failure, 4 branch, 5 onsend, 6 event */
	const char *name; /* "0" for the main block of its kind */
	rc_route_fn fn;
} rc_route_def;

/* A global parameter (`listen = udp:127.0.0.1:5060`) or a module parameter,
 * as written: the value's text for socket forms, else the int or string. */
typedef struct rc_param_def {
	const char *module; /* NULL for a global parameter */
	const char *name;
	int type;           /* RC_INT or RC_STR */
	int i;
	const char *s;      /* RC_STR; for socket forms the normalized text */
} rc_param_def;

typedef struct rc_script_def {
	int abi;                      /* RC_ABI_VERSION */
	int (*init)(rc_gen_t *g);     /* prepare constants: 0 or -1 */
	const rc_route_def *routes;   /* terminated by fn == 0 */
	const rc_param_def *params;   /* globals then modparams, in script order;
	                                 terminated by name == 0 */
	const char *const *modules;   /* loadmodule names ("tm"), terminated by 0 */
	const char *source;           /* the main script file, for logs */
} rc_script_def;

#endif
