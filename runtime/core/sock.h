/* sock.h: the UDP listening sockets.
 *
 * rt_socks_open binds one socket per listen address (a host name or an
 * interface name gives one per address it has) and keeps them in listen
 * order; rt_sock_at (rt.h) walks them.  In SO_REUSEPORT mode every worker
 * binds its own extra socket to each address (rt_sock_open_twin) and the
 * kernel spreads datagrams over them; rt_sock.fd stays the first one, used
 * for sending by every worker (sendto on one UDP socket is thread-safe).
 */
#ifndef ROUTEC_SOCK_H
#define ROUTEC_SOCK_H

#include "core/config.h"

/* Open the sockets of c (no listen: every address of every interface, on
 * c->port).  reuseport: set SO_REUSEPORT so twins can be bound.  Returns
 * the number of sockets, or -1 (logged; nothing left open). */
int rt_socks_open(const rt_conf *c, int reuseport);
void rt_socks_close(void);
int rt_sock_count(void);
/* Another socket bound to the same address as socket i (SO_REUSEPORT): an
 * fd, or -1 (logged). */
int rt_sock_open_twin(int i);

/* The socket to send to an address of this family: pref if it fits, else
 * the first of that family; NULL if none. */
const rt_sock *rt_sock_for(int family, const rt_sock *pref);
/* The socket bound to proto/host/port (host an IP address; port 0: any),
 * or NULL. */
const rt_sock *rt_sock_find(int proto, const char *host, int port);

/* The address a socket puts in Via and Record-Route ("[::1]" for IPv6),
 * written to buf (NUL-terminated); returns its length.  *port gets the port. */
int rt_sock_via_host(const rt_sock *s, char *buf, int cap, int *port);

/* Numeric address text (IPv6 with or without brackets) to a sockaddr with
 * the port: 0, or -1 if the text is not a numeric address. */
int rt_addr_parse(const char *host, int hlen, int port, struct sockaddr_storage *out,
                  socklen_t *len);

#endif
