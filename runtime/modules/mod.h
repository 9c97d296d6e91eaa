/* mod.h: what the modules in runtime/modules share: reading their
 * arguments, and small edits of the message.
 *
 * Arguments (rc_arg, routec.h) come in two ways.  A constant written in the
 * script is in argv[i] when the generation loads (type RC_INT or RC_STR,
 * with its text in s) and the function's prep turns it into what the call
 * needs, kept in argv[i].p: a format (rc_fmt) for a PK_FMT argument, a
 * pseudo-variable (rc_pv) for a PK_INT_PV/PK_STR_PV one written as "$x",
 * a regex for PK_REGEX.  A non-constant expression is RC_NULL at load and
 * evaluated at each call into type/i/s with p == NULL: its value is used
 * as it is (a string is not parsed again as a format).
 */
#ifndef ROUTEC_MOD_H
#define ROUTEC_MOD_H

#include "pv/pv.h"

/* The prototype of every script-callable function (exports.def). */
#define RC_FN(module, name, csym, route_types, args) int csym(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
#include "exports.def"
#undef RC_FN

/* PK_FMT: the constant becomes a format (p). */
int mod_prep_fmt(rc_gen_t *g, rc_arg *a, const char *where);
/* PK_INT_PV / PK_STR_PV: a constant "$..." becomes a pv (p). */
int mod_prep_pv(rc_gen_t *g, rc_arg *a, const char *where);
/* PK_REGEX: the constant becomes a regex (p). */
int mod_prep_re(rc_gen_t *g, rc_arg *a, int flags, const char *where);

/* The argument as text: the format printed, the pv's value, or the value. */
rc_str mod_arg_str(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a);
/* The argument as an int: 0, or -1 when it is null or not a number. */
int mod_arg_int(rc_msg_t *m, rc_ctx_t *c, const rc_arg *a, int *out);
/* The argument as a regex (prepared, or compiled from the value). */
const rc_re *mod_arg_re(rc_msg_t *m, const rc_arg *a, int flags);

/* 1 when text may be inserted at gap off: no delete/replace spans it (an
 * insert there would be refused and spoil the message, lump.h). */
int mod_insert_ok(const rc_msg_t *m, int off);
/* 1 when header h is the one `name` names (type from sip_hdr_type_of: a
 * known header by type, so compact forms match; others by name, any case). */
int mod_hdr_name_is(const sip_hdr *h, int type, rc_str name);

#endif
