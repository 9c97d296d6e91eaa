/* rtmsg.c: per-message reset and scratch memory (rc_tmp); local To-tags. */
#include "core/rtmsg.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pv/pv.h"

void rt_msg_reset(rc_msg_t *m)
{
	m->buf = NULL;
	m->len = 0;
	m->srclen = 0;
	m->src_ip[0] = '\0';
	m->src_port = 0;
	m->rcv = NULL;
	m->recv_us = 0;
	m->new_ruri = (rc_str){ NULL, 0 };
	m->dst_uri = (rc_str){ NULL, 0 };
	m->force_send = NULL;
	m->flags = 0;
	m->bflags = 0;
	m->nbranches = 0;
	m->replied = 0;
	m->forwarded = 0;
	m->arena_used = 0;
	m->ctx = NULL;
	/* the core section and every module section: from `gen` to the end */
	size_t off = offsetof(struct rc_msg, gen);
	memset((char *)m + off, 0, sizeof *m - off);
}

rc_str rt_msg_ruri(const rc_msg_t *m)
{
	if (m->new_ruri.s)
		return m->new_ruri;
	return (rc_str){ m->sip.is_request ? m->sip.ruri.s : NULL, m->sip.ruri.len };
}

char *rc_tmp(rc_msg_t *m, int len)
{
	/* 8-byte aligned: callers may put small structs here, not just text */
	uintptr_t base = (uintptr_t)m->arena;
	int off = (int)(((base + (uintptr_t)m->arena_used + 7) & ~(uintptr_t)7) - base);
	if (len < 0 || len > RT_ARENA - off) {
		rt_log(RT_L_ERR, "message scratch memory full (%d of %d bytes used, %d asked)",
		       m->arena_used, RT_ARENA, len);
		return NULL;
	}
	m->arena_used = off + len;
	return m->arena + off;
}

void rc_script_error(rc_msg_t *m, const char *where, const char *what)
{
	(void)m;
	rt_log(RT_L_ERR, "%s: %s", where ? where : "?", what ? what : "error");
}

const char *rt_local_tag_md5(const char *seed, char buf[32], const rt_sock **sock)
{
	const rt_sock *s = rt_sock_at(0);
	if (*sock && s == *sock)
		return buf;
	char port[16];
	rc_str parts[3] = { { seed, (int)strlen(seed) }, { "", 0 }, { "", 0 } };
	if (s) {
		parts[1] = (rc_str){ s->ip, (int)strlen(s->ip) };
		parts[2] = (rc_str){ port, snprintf(port, sizeof port, "%d", s->port) };
	}
	pv_md5_hex(parts, 3, buf);
	*sock = s;
	return buf;
}
