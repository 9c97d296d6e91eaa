/* rtmsg.h: the life of an rc_msg between datagrams. */
#ifndef ROUTEC_RTMSG_H
#define ROUTEC_RTMSG_H

#include "core/rt.h"

/* Ready m for the next datagram: the fields that describe one message are
 * reset, the core and module sections zeroed; the 64 KiB arena is not
 * touched (arena_used = 0 is enough). */
void rt_msg_reset(rc_msg_t *m);

/* The current Request-URI: m->new_ruri if the script set one, else the
 * received one (s == NULL for a reply). */
rc_str rt_msg_ruri(const rc_msg_t *m);

/* The constant half of a local To-tag, as Kamailio makes it: MD5 (32 hex
 * digits, no NUL) of seed ("KAMAILIO-stateless" for sl, "SER-TM/tags" for
 * tm), the first listen address and its port.  buf and *sock are the
 * caller's cache (thread-local): computed again only when the first socket
 * changes.  Returns buf. */
const char *rt_local_tag_md5(const char *seed, char buf[32], const rt_sock **sock);

#endif
