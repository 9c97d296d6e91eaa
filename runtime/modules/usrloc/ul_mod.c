/* ul_mod.c: the usrloc module's life cycle. */
#include "core/fn.h"

const rt_module usrloc_module = { "usrloc", NULL, NULL, NULL };
