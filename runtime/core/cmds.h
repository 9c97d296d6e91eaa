/* cmds.h: the core commands of the script language (module core of
 * exports.def) other than the forward family (forward.h).
 *
 * Each follows Kamailio 5.6's action.c: 1 for success, a negative value for
 * failure (the script sees false), never 0 unless the script must stop.
 * The R-URI commands work on $ru (m->new_ruri, else the received URI) and
 * keep every part they do not change byte for byte.
 */
#ifndef ROUTEC_CMDS_H
#define ROUTEC_CMDS_H

#include "core/fn.h"
#include "core/rt.h"

int core_log(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_log_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_error(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_setflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_resetflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_isflagset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_rewritehost(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_rewritehostport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_rewriteuser(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_rewriteuserpass(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_rewriteport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_rewriteuri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_revert_uri(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_prefix(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_strip(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_strip_tail(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_force_rport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_add_local_rport(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_force_send_socket(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_route(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_clear_branches(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_set_forward_no_connect(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_set_reply_no_connect(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_set_forward_close(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_set_reply_close(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);

/* Listed in exports.def but not supported by the runtime yet: loading a
 * script that calls one fails with a message naming it; called anyway, they
 * log and return -1. */
int core_exec(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_setavpflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_resetavpflag(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_isavpflagset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_rewritehostporttrans(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_userphone(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_remove_branch(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_remove_branch_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_force_tcp_alias(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_force_tcp_alias_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_udp_mtu_try_proto(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_set_advertised_address(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_set_advertised_port(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_cfg_select(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_cfg_reset(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);

#endif
