/* jr_mod.c: the jsonrpcs module's life cycle (the control transports). */
#include "core/fn.h"

const rt_module jsonrpcs_module = { "jsonrpcs", NULL, NULL, NULL };
