/* jit.h: generated C compiled in memory (libtcc) for `routec run`. */
#ifndef ROUTEC_JIT_H
#define ROUTEC_JIT_H

#include "diag.h"
#include "routec.h"

typedef struct jit_unit {
	void *code;               /* the relocated code and data: a mapping of its own */
	size_t size;              /* its length */
	const rc_script_def *def; /* the script's rc_script, inside code */
} jit_unit;

/* Compile and link `src` (cg output without the #include); 0 or -1 after
 * reporting an internal error. */
int jit_compile(const char *src, diag_ctx *d, jit_unit *out);
void jit_free(jit_unit *u);

#endif
