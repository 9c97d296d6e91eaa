/* sema_expr.h: static types of expressions (Kamailio rejects "10" > "9" at
 * parse time), regex literals, switch labels. */
#ifndef ROUTEC_SEMA_EXPR_H
#define ROUTEC_SEMA_EXPR_H

#include "sema.h"

typedef enum { ST_UNKNOWN, ST_INT, ST_STR } sema_type;

sema_type sema_type_of(const ast_node *n);
void sema_check_binop(sema_ctx *s, const ast_node *n);
void sema_check_unop(sema_ctx *s, const ast_node *n);
void sema_check_switch(sema_ctx *s, const ast_node *sw);
void sema_check_regex(sema_ctx *s, const ast_node *a, const char *what);

#endif
