/* forward.h: stateless forwarding (Kamailio's forward() family and the
 * core's relaying of replies).
 *
 * A forwarded request is the received bytes with the script's lumps, the
 * new Request-URI, ;received/;rport on the sender's Via and our Via on top,
 * written in one pass into the worker's send buffer.  Our Via branch is
 * derived from the request (see fwd_branch) so that retransmissions, and the
 * CANCEL and ACK of an INVITE, get the same branch as the original, as a
 * stateless proxy must (RFC 3261 16.11).
 *
 * Host names are resolved with getaddrinfo (A and AAAA records only: no SRV
 * or NAPTR lookups yet); constant hosts of forward(host, port) are resolved
 * once, when the script is loaded, like Kamailio does.
 */
#ifndef ROUTEC_FORWARD_H
#define ROUTEC_FORWARD_H

#include "core/fn.h"
#include "core/rt.h"

/* forward(), forward(host), forward(host, port); _udp: UDP whatever the URI
 * says; _tcp/_tls/_sctp: not supported (logged, -1). */
int core_forward(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_udp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_udp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_tcp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_tcp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_tls(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_tls_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_sctp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
int core_forward_sctp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv);
/* Preparation of forward(host[, port]): resolves a constant host at load. */
int core_forward_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int core_forward_unsupported_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where);

/* Forward request m to a resolved address (from: NULL picks a socket).
 * 1 when sent, -1 on error (logged, counted). */
int rt_forward_request(rc_msg_t *m, const struct sockaddr_storage *to, socklen_t tolen);
/* Build request m as it leaves socket s for `to`, without sending it (tm
 * keeps each branch's bytes for retransmissions): the edits in `lumps`
 * (m->lumps or the caller's copy), ;received/;rport on the sender's Via,
 * the new R-URI, m->reg_path (lookup's Path) as a Route header, and our Via
 * with `branch` as its branch parameter (NULL:
 * the stateless branch derived from the request, as rt_forward_request
 * uses).  Returns the length written to out, or -1 (logged). */
int rt_build_request(rc_msg_t *m, const sip_lumps *lumps, const rt_sock *s,
                     const struct sockaddr_storage *to, const char *branch, char *out, int cap);
/* The next hop of m as forward() computes it: $du if set, else the R-URI;
 * its maddr, else its host; its port, else 5060.  force_udp: whatever its
 * transport says.  0, or -1 (logged). */
int rt_uri_dest(rc_msg_t *m, int force_udp, struct sockaddr_storage *to, socklen_t *tolen);
/* Relay reply m statelessly: drop our top Via, send to the next Via.
 * 1 sent, 0 dropped (not ours / nowhere to go: logged at debug), -1 error. */
int rt_forward_reply(rc_msg_t *m);

/* host (IP, [IPv6] or name) and port (0: 5060) to an address a socket of
 * ours can reach: 0, or -1 (logged). */
int rt_resolve(const char *host, int hlen, int port, struct sockaddr_storage *to,
               socklen_t *tolen);

#endif
