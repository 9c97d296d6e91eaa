/* reg_mod.c: the registrar module's tables (functions and life cycle). */
#include "core/fn.h"
#include "pv/pv.h"

const rt_fn registrar_fns[] = {
	{ 0 },
};

const rt_module registrar_module = { "registrar", NULL, NULL, NULL };

/* $ulc(profile=>attr) */
const pv_mod_class registrar_pv_classes[] = {
	{ 0 },
};
