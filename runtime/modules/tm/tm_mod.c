/* tm_mod.c: the tm and tmx modules' tables (functions and life cycle). */
#include "core/fn.h"

const rt_fn tm_fns[] = {
	{ 0 },
};

const rt_fn tmx_fns[] = {
	{ 0 },
};

const rt_module tm_module = { "tm", NULL, NULL, NULL };
