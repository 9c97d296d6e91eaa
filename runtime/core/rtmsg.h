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

#endif
