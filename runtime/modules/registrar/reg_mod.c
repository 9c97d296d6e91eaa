/* reg_mod.c: the registrar module's tables (functions and life cycle). */
#include "core/fn.h"

const rt_fn registrar_fns[] = {
	{ 0 },
};

const rt_module registrar_module = { "registrar", NULL, NULL, NULL };
