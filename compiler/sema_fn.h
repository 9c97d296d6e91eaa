/* sema_fn.h: what a script may call and name, looked up in the tables
 * runtime/exports.def (functions routec runs), runtime/kamailio_sigs.def (other
 * Kamailio 5.6 functions, checker only), runtime/modparams.def and
 * runtime/pvars.def.  The tables are compiled in; an index over them is built on
 * the first lookup (single-threaded, like the rest of the checker). */
#ifndef ROUTEC_SEMA_FN_H
#define ROUTEC_SEMA_FN_H

/* Route-type bits, as Kamailio's route.h (REQUEST_ROUTE ...). */
#define RT_REQUEST        (1u << 0)
#define RT_FAILURE        (1u << 1)
#define RT_TM_ONREPLY     (1u << 2)
#define RT_BRANCH         (1u << 3)
#define RT_ONSEND         (1u << 4)
#define RT_ERROR          (1u << 5)
#define RT_LOCAL          (1u << 6)
#define RT_CORE_ONREPLY   (1u << 7)
#define RT_BRANCH_FAILURE (1u << 8)
#define RT_ONEVENT        (1u << 9)
#define RT_ONREPLY        (RT_TM_ONREPLY | RT_CORE_ONREPLY)
#define RT_EVENT          (RT_REQUEST | RT_ONEVENT)
#define RT_ANY            0xFFFFFFFFu

/* Parameter kinds; exports.def says what each one means.  PK_DYN is also a
 * modifier: a table kind PK_FMT|PK_DYN is a PK_FMT that may also be given as a
 * non-constant expression. */
enum {
	PK_NONE = 0,
	PK_STR,
	PK_FMT,
	PK_INT,
	PK_INT_PV,
	PK_STR_PV,
	PK_REGEX,
	PK_ROUTE_REQ,
	PK_ROUTE_FAIL,
	PK_ROUTE_ONREPLY,
	PK_ROUTE_BRANCH,
	PK_ROUTE_BFAIL,
	PK_PV_LVAL,
	PK_PV,
	PK_FLAG,
	PK_HOST,
	PK_PORT,
	PK_SOCKET,
	PK_TABLE,
	PK_ANY,
	PK_DYN = 0x40
};
#define PK_BASE_MASK 0x3f

#define SEMA_MAX_ARGS 6

typedef struct sema_fn {
	const char *module;
	const char *name;
	const char *csym;      /* C symbol; NULL for kamailio_sigs.def rows */
	unsigned route_mask;   /* RT_* bits */
	int min_args, max_args;
	unsigned char kinds[SEMA_MAX_ARGS]; /* as in the table (may carry PK_DYN) */
	int supported;         /* 1: routec's runtime implements it */
} sema_fn;

/* The first form of `name` (forms routec runs come first), or NULL; then the
 * other forms of the same name, in table order. */
const sema_fn *sema_fn_first(const char *name);
const sema_fn *sema_fn_next(const sema_fn *f);
/* The form of `name` that takes `nargs` arguments, or NULL. */
const sema_fn *sema_fn_find(const char *name, int nargs);

/* Kind to check argument i (0-based) against: PK_DYN when any expression,
 * also a non-constant one, is accepted; PK_ANY past the last argument. */
int sema_fn_kind(const sema_fn *f, int i);
/* Kind of argument i when it is given as a constant (PK_FMT for a table
 * PK_FMT|PK_DYN); PK_DYN for an argument with no fixup at all. */
int sema_fn_const_kind(const sema_fn *f, int i);
/* 1 when argument i may be a non-constant expression. */
int sema_fn_dynamic(const sema_fn *f, int i);

/* Kamailio's match rule (sr_cmd_flags_match): 1 when a function with route
 * mask `mask` may be called where the route type is `rt` (one RT_* bit, or
 * RT_EVENT). */
int sema_rt_allows(unsigned mask, unsigned rt);

/* Module parameters (modparams.def). */
enum { PARK_INT = 1, PARK_STR, PARK_FUNC_INT, PARK_FUNC_STR };

typedef struct sema_param {
	const char *module;
	const char *name;
	int kind;              /* PARK_* */
	const char *dflt;      /* C initializer as text; "" when unknown */
} sema_param;

/* A parameter may have two rows, a string and an integer form. */
const sema_param *sema_param_find(const char *module, const char *name);
const sema_param *sema_param_next(const sema_param *p);
int sema_param_is_str(const sema_param *p);
/* 1 when the parameter takes both a string and an integer. */
int sema_param_any(const sema_param *p);
/* The i-th row of the table (modparams.def order: grouped by module), NULL past
 * the end: for "did you mean" over a module's parameters. */
const sema_param *sema_param_at(int i);

/* 1 when `module` is a Kamailio 5.6 module (or "core"). */
int sema_module_known(const char *module);

/* Pseudo-variable classes (pvars.def). */
enum { PVF_RO = 0, PVF_RW = 1, PVF_NONAME = 0, PVF_NAME = 2 };

typedef struct sema_pv {
	const char *module;
	const char *name;
	unsigned flags;        /* PVF_* */
	int writable;          /* has a setter */
	int needs_name;        /* 1: $name(inner) required; 0: no inner name */
} sema_pv;

const sema_pv *sema_pv_find(const char *class_name);
/* The next row of the same class (several modules export "dlg"), or NULL. */
const sema_pv *sema_pv_next(const sema_pv *p);
/* 1 when `class_name` is a transformation class ({s.len}: "s"). */
int sema_tr_known(const char *class_name);
/* The module exporting a transformation class, or NULL when unknown. */
const char *sema_tr_module(const char *class_name);

/* For messages: "a constant string", "request_route"; sema_rt_names lists the
 * routes of a mask ("request_route, failure_route") in a static buffer. */
const char *sema_pk_name(int kind);
const char *sema_rt_name(unsigned bit);
const char *sema_rt_names(unsigned mask);

/* Rows in each table, for tests and `routec doc modules`. */
int sema_fn_count(void);
const sema_fn *sema_fn_at(int i);

#endif
