/* params.h: global parameters (`debug = 2`, `listen = udp:...`) of Kamailio 5.6. */
#ifndef ROUTEC_PARAMS_H
#define ROUTEC_PARAMS_H

#include "ast.h"
#include "diag.h"

typedef enum {
	GPK_INT, GPK_INTNO, GPK_BOOL, GPK_STR, GPK_STR_ID, GPK_LISTEN, GPK_ALIAS,
	GPK_HOSTPORT, GPK_FACILITY, GPK_ANY
} params_kind;

/* The canonical name of a spelling (uid -> user), or NULL if unknown. */
const char *params_canonical(const char *spelling);
/* Check an AST_PARAM: known name, value of the right kind. */
void params_check_global(diag_ctx *d, const ast_node *param);
/* Edit distance (insert, delete, substitute, swap two neighbours) for "did you
 * mean" hints; 99 for names over 40 characters. */
int params_distance(const char *a, const char *b);

#endif
