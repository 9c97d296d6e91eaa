/* sema.h: the checker behind `routec check`: names, arguments, types, route
 * types computed on the call graph, and lint rules (lint.c). */
#ifndef ROUTEC_SEMA_H
#define ROUTEC_SEMA_H

#include "ast.h"
#include "diag.h"

typedef struct sema_opts {
	/* Calls into modules routec's runtime does not implement are errors
	 * (for scripts meant to be compiled), not notes. */
	int require_runtime;
} sema_opts;

/* Route contexts a block can run in; a sub-route gets those of its callers. */
enum {
	CTX_REQUEST = 1 << 0,
	CTX_FAILURE = 1 << 1,
	CTX_ONREPLY = 1 << 2,   /* tm onreply_route[NAME] */
	CTX_BRANCH = 1 << 3,
	CTX_ONSEND = 1 << 4,
	CTX_REPLY = 1 << 5,     /* core reply_route */
	CTX_EVENT = 1 << 6,     /* every event_route: Kamailio checks them all as EVENT_ROUTE */
	CTX_COUNT = 7
};
/* Where the message is a request / a reply (onsend_route sees both). */
#define CTX_REQUEST_SIDE (CTX_REQUEST | CTX_FAILURE | CTX_BRANCH | CTX_ONSEND | CTX_EVENT)
#define CTX_REPLY_SIDE (CTX_ONREPLY | CTX_REPLY | CTX_ONSEND | CTX_EVENT)

/* One route block (several unnamed request_route blocks share one entry). */
typedef struct sema_route {
	const ast_node *node;  /* the first block */
	int kind;              /* ast_route_kind */
	const char *name;
	unsigned ctx;          /* CTX_* bits it can run in */
	int used;              /* called by route() or armed by t_on_* */
	/* For notes: for each context, the call that brought it here. */
	const ast_node *via_call[CTX_COUNT];
	struct sema_route *via_route[CTX_COUNT];
} sema_route;

typedef struct sema_ctx {
	diag_ctx *d;
	const sema_opts *opts;
	const ast_node *root;
	sema_route *routes;
	int nroutes;
	const char **modules; /* loaded, in order; "core" first */
	int nmodules;
	int unknown_modules;  /* loaded modules routec has no table for */
	const char **noted;   /* functions already noted as checker-only */
	int nnoted;
} sema_ctx;

/* Run every check over a parsed script. */
void sema_check(const ast_node *root, diag_ctx *d, const sema_opts *o);

/* Shared by the sema_*.c files and lint.c */
sema_route *sema_find_route(sema_ctx *s, int kind, const char *name);
int sema_module_loaded(const sema_ctx *s, const char *module);
const char *sema_ctx_name(unsigned ctx_bit);
/* Notes saying through which route() calls `r` runs in context `ctx_bit`. */
void sema_note_path(sema_ctx *s, diag *dg, sema_route *r, unsigned ctx_bit);
/* Check the statements of one block of route `r`, which runs in `ctx`. */
void sema_check_block(sema_ctx *s, sema_route *r, unsigned ctx, const ast_node *block);
/* One modparam()/modparamx() statement (sema_modparam.c). */
void sema_check_modparam(sema_ctx *s, const ast_node *n);
void lint_check(sema_ctx *s);

#endif
