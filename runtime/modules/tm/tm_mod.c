/* tm_mod.c: the tm and tmx modules' tables (functions and life cycle). */
#include "core/fn.h"
#include "pv/pv.h"

const rt_fn tm_fns[] = {
	{ 0 },
};

const rt_fn tmx_fns[] = {
	{ 0 },
};

const rt_module tm_module = { "tm", NULL, NULL, NULL };

/* $T_branch_idx, $T_reply_code, $T(name), $T_req(..), $T_rpl(..) */
const pv_mod_class tm_pv_classes[] = {
	{ 0 },
};
