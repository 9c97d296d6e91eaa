/* forward.c: stateless forwarding of requests and replies. */
#include "core/forward.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/rtmsg.h"
#include "core/sock.h"
#include "core/worker.h"

/* A destination prepared at load (forward(host[, port]) with constants). */
typedef struct fwd_dest {
	struct sockaddr_storage to;
	socklen_t len;
} fwd_dest;

/* ---- addresses -------------------------------------------------------------------- */

int rt_resolve(const char *host, int hlen, int port, struct sockaddr_storage *to,
               socklen_t *tolen)
{
	if (port <= 0)
		port = 5060;
	if (rt_addr_parse(host, hlen, port, to, tolen) == 0)
		return 0;
	char name[256], ps[16];
	if (hlen <= 0 || hlen >= (int)sizeof name) {
		rt_log(RT_L_ERR, "bad host name '%.*s'", hlen > 0 ? hlen : 0, host);
		return -1;
	}
	memcpy(name, host, (size_t)hlen);
	name[hlen] = '\0';
	snprintf(ps, sizeof ps, "%d", port);
	/* A and AAAA only: Kamailio would try NAPTR and SRV first for a name
	 * without a port; that is not done here yet. */
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP }, *res, *r;
	int e = getaddrinfo(name, ps, &hints, &res);
	if (e) {
		rt_log(RT_L_ERR, "cannot resolve '%s': %s", name, gai_strerror(e));
		return -1;
	}
	const struct addrinfo *pick = NULL;
	for (r = res; r && !pick; r = r->ai_next) /* the first one we have a socket for */
		if ((r->ai_family == AF_INET || r->ai_family == AF_INET6) &&
		    (rt_sock_for(r->ai_family, NULL) || rt_sock_count() == 0))
			pick = r;
	if (!pick) {
		freeaddrinfo(res);
		rt_log(RT_L_ERR, "'%s' has no address of a family we listen on", name);
		return -1;
	}
	memset(to, 0, sizeof *to);
	memcpy(to, pick->ai_addr, pick->ai_addrlen);
	*tolen = pick->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* "host", "host:port", "[v6]:port" */
static void split_hostport(const char *s, int len, const char **h, int *hl, int *port)
{
	*h = s;
	*hl = len;
	*port = 0;
	const char *c = NULL;
	if (len > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', (size_t)len);
		if (rb && rb + 1 < s + len && rb[1] == ':')
			c = rb + 1;
	} else {
		c = memchr(s, ':', (size_t)len);
		if (c && memchr(c + 1, ':', (size_t)(s + len - c - 1)))
			c = NULL; /* bare IPv6 */
	}
	if (!c)
		return;
	int p = 0, n = 0;
	for (const char *d = c + 1; d < s + len && n < 6; d++, n++) {
		if (*d < '0' || *d > '9')
			return;
		p = p * 10 + (*d - '0');
	}
	if (n == 0 || n > 5 || p > 65535)
		return;
	*hl = (int)(c - s);
	*port = p;
}

static int arg_port(const rc_arg *a, int *port)
{
	if (a->type == RC_INT) {
		*port = a->i;
	} else if (a->type == RC_STR && a->s.s) {
		int p = 0;
		if (a->s.len <= 0 || a->s.len > 5)
			return -1;
		for (int i = 0; i < a->s.len; i++) {
			if (a->s.s[i] < '0' || a->s.s[i] > '9')
				return -1;
			p = p * 10 + (a->s.s[i] - '0');
		}
		*port = p;
	} else {
		return -1;
	}
	return *port >= 0 && *port <= 65535 ? 0 : -1;
}

/* The destination of forward(host[, port]) from the arguments as given. */
static int args_dest(const rc_arg *argv, int argc, struct sockaddr_storage *to, socklen_t *len)
{
	const char *h;
	int hl, port;
	if (argc < 1 || argv[0].type != RC_STR || !argv[0].s.s) {
		rt_log(RT_L_ERR, "forward: the host is not a string");
		return -1;
	}
	split_hostport(argv[0].s.s, argv[0].s.len, &h, &hl, &port);
	if (argc > 1 && arg_port(&argv[1], &port) < 0) {
		rt_log(RT_L_ERR, "forward: bad port");
		return -1;
	}
	return rt_resolve(h, hl, port, to, len);
}

int core_forward_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 1)
		return 0;
	fwd_dest *d = rt_gen_alloc(g, sizeof *d);
	if (!d)
		return -1;
	if (args_dest(argv, argc, &d->to, &d->len) < 0) {
		rt_log(RT_L_ERR, "%s: forward: bad destination '%.*s'", where,
		       argv[0].type == RC_STR ? argv[0].s.len : 0, argv[0].type == RC_STR ? argv[0].s.s : "");
		return -1;
	}
	argv[0].p = d;
	return 0;
}

int core_forward_unsupported_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	rt_log(RT_L_ERR, "%s: forward over tcp, tls or sctp is not supported by the runtime (udp only)",
	       where);
	return -1;
}

/* ---- requests -------------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* The branch of the Via we add.  RFC 3261 16.11: a stateless proxy must
 * give a retransmission the branch it gave the original, and a CANCEL or
 * non-2xx ACK the branch of its INVITE (they carry the INVITE's Via branch).
 * So: the received top Via's branch when it is an RFC 3261 one, else what
 * identifies a transaction in RFC 2543 (Call-ID, CSeq number, tags, top Via,
 * Request-URI); then where it goes (the new Request-URI and address), so
 * that forwarding one request to two places gives two branches. */
static void fwd_branch(rc_msg_t *m, const sip_via *v, rc_str ruri,
                       const struct sockaddr_storage *to, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	if (v->branch.s && v->branch.len > 7 && !strncmp(v->branch.s, "z9hG4bK", 7)) {
		h = fnv(h, v->branch.s, (size_t)v->branch.len);
	} else {
		sip_str cid = { 0 };
		const sip_cseq *cs;
		const sip_addr *a;
		if (sip_get_callid(&m->sip, &cid) == 0)
			h = fnv(h, cid.s, (size_t)cid.len);
		if (sip_get_cseq(&m->sip, &cs) == 0)
			h = fnv(h, &cs->num, sizeof cs->num);
		if (sip_get_from(&m->sip, &a) == 0 && a->tag.s)
			h = fnv(h, a->tag.s, (size_t)a->tag.len);
		if (sip_get_to(&m->sip, &a) == 0 && a->tag.s)
			h = fnv(h, a->tag.s, (size_t)a->tag.len);
		h = fnv(h, v->value.s, (size_t)v->value.len);
		h = fnv(h, m->sip.ruri.s, (size_t)m->sip.ruri.len);
	}
	h = fnv(h, ruri.s, (size_t)ruri.len);
	if (to->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)to;
		h = fnv(h, &a->sin_addr, sizeof a->sin_addr);
		h = fnv(h, &a->sin_port, sizeof a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)to;
		h = fnv(h, &a->sin6_addr, sizeof a->sin6_addr);
		h = fnv(h, &a->sin6_port, sizeof a->sin6_port);
	}
	/* finish with a mixer: FNV's high bits depend weakly on the last bytes */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--, h >>= 4)
		out[i] = hex[h & 15];
	out[16] = '\0';
}

/* Does the Via's host name the source address (so no ;received)? */
static int via_is_src(const rc_msg_t *m, const sip_via *v)
{
	struct sockaddr_storage a;
	socklen_t l;
	if (rt_addr_parse(v->host.s, v->host.len, 0, &a, &l) < 0 || a.ss_family != m->src.ss_family)
		return 0;
	if (a.ss_family == AF_INET)
		return ((struct sockaddr_in *)&a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&m->src)->sin_addr.s_addr;
	return !memcmp(&((struct sockaddr_in6 *)&a)->sin6_addr,
	               &((const struct sockaddr_in6 *)&m->src)->sin6_addr, sizeof(struct in6_addr));
}

/* The Path vector of the destination (lookup's, Kamailio's path_vec) goes
 * out as one Route header holding it as stored ("<sip:p1;lr>,<sip:p2;lr>"),
 * as Kamailio's build_req_buf_from_sip_req writes it: above the request's
 * first Route when it has one, else right below the Via we add.  Three
 * inserts at one gap, none copied: the path lives in the message's arena
 * until the request is built. */
static void add_path_route(rc_msg_t *m, sip_lumps *l)
{
	static const char pre[] = "Route: ", crlf[] = "\r\n";
	const sip_hdr *r = sip_hdr_get(&m->sip, SIP_H_ROUTE);
	const sip_hdr *v = sip_hdr_get(&m->sip, SIP_H_VIA);
	int off = r ? r->start : v ? v->start : m->sip.hdrs_start;
	sip_lump_insert_before(l, off, pre, (int)sizeof pre - 1);
	sip_lump_insert_before(l, off, m->reg_path.s, m->reg_path.len);
	sip_lump_insert_before(l, off, crlf, (int)sizeof crlf - 1);
}

static const char *sendbuf(rc_msg_t *m, int *cap)
{
	*cap = RT_SENDBUF;
	return m->worker ? m->worker->sendbuf : NULL;
}

int rt_build_request(rc_msg_t *m, const sip_lumps *lumps, const rt_sock *s,
                     const struct sockaddr_storage *to, const char *branch, char *out, int cap)
{
	const sip_via *v;
	if (!m->sip.is_request || sip_get_via(&m->sip, 0, &v) < 0) {
		rt_log(RT_L_ERR, "forward: not a request with a Via");
		return -1;
	}
	/* Our additions go into a copy of the script's lumps: the message can
	 * be forwarded again (another destination) from the same edits. */
	sip_lumps l = *lumps;
	const char *vend = v->value.s + v->value.len;
	char rcvd[80], rport[16];
	int n;
	if (v->received.s) {
		sip_lump_replace(&l, (int)(v->received.s - m->sip.buf), v->received.len, m->src_ip,
		                 (int)strlen(m->src_ip));
	} else if (v->rport.s || !via_is_src(m, v)) {
		/* RFC 3581 4: with rport, received is added even when it equals the host */
		n = snprintf(rcvd, sizeof rcvd, ";received=%s", m->src_ip);
		sip_lump_insert_after(&l, (int)(vend - m->sip.buf), rcvd, n);
	}
	if (v->rport.s && v->rport.len == 0) {
		n = snprintf(rport, sizeof rport, "=%d", m->src_port);
		sip_lump_insert_before(&l, (int)(v->rport.s - m->sip.buf), rport, n);
	} else if (v->rport.s) {
		n = snprintf(rport, sizeof rport, "%d", m->src_port);
		sip_lump_replace(&l, (int)(v->rport.s - m->sip.buf), v->rport.len, rport, n);
	} else if (m->mflags & RT_MF_FORCE_RPORT) {
		n = snprintf(rport, sizeof rport, ";rport=%d", m->src_port);
		sip_lump_insert_after(&l, (int)(vend - m->sip.buf), rport, n);
	}
	rc_str ruri = rt_msg_ruri(m);
	if (m->new_ruri.s)
		sip_lump_set_ruri(&l, m->new_ruri.s, m->new_ruri.len);

	char host[RT_HOST_MAX + 2], br[32], via[RT_HOST_MAX + 160];
	int port;
	rt_sock_via_host(s, host, sizeof host, &port);
	if (!branch) {
		memcpy(br, "z9hG4bKrc", 9);
		fwd_branch(m, v, ruri, to, br + 9);
		branch = br;
	}
	n = snprintf(via, sizeof via, "Via: SIP/2.0/UDP %s:%d;branch=%s%s\r\n", host, port, branch,
	             (m->mflags & RT_MF_ADD_LOCAL_RPORT) ? ";rport" : "");
	if (n >= (int)sizeof via) {
		rt_log(RT_L_ERR, "forward: our Via does not fit");
		return -1;
	}
	sip_lump_add_via(&l, via, n);
	if (m->reg_path.len > 0)
		add_path_route(m, &l);
	n = sip_lump_apply(&m->sip, &l, out, (size_t)cap);
	if (n < 0)
		rt_log(RT_L_ERR, "forward: cannot build the request: %s", sip_strerror(n));
	return n;
}

int rt_forward_request(rc_msg_t *m, const struct sockaddr_storage *to, socklen_t tolen)
{
	rt_worker *w = m->worker;
	const rt_sock *s = rt_sock_for(to->ss_family, m->force_send ? m->force_send : m->rcv);
	if (!s) {
		rt_log(RT_L_ERR, "forward: no %s socket to send from",
		       to->ss_family == AF_INET6 ? "IPv6" : "IPv4");
		goto fail;
	}
	int cap, n;
	char *out = (char *)sendbuf(m, &cap);
	if (!out) {
		rt_log(RT_L_ERR, "forward: called outside a worker");
		goto fail;
	}
	if ((n = rt_build_request(m, &m->lumps, s, to, NULL, out, cap)) < 0)
		goto fail;
	if (rt_send(m, s, (const struct sockaddr *)to, tolen, out, n) < 0)
		goto fail;
	m->forwarded = 1;
	RT_STAT_INC(w, fwd_requests);
	return 1;
fail:
	RT_STAT_INC(w, err_requests);
	return -1;
}

/* The next hop of forward(): $du if set, else the Request-URI; its maddr,
 * else its host; its port, else 5060. */
int rt_uri_dest(rc_msg_t *m, int force_udp, struct sockaddr_storage *to, socklen_t *tolen)
{
	rc_str u = m->dst_uri.s ? m->dst_uri : rt_msg_ruri(m);
	sip_uri pu;
	int rc = u.s ? sip_uri_parse(u.s, u.len, &pu) : SIP_E_ABSENT;
	if (rc < 0 || pu.scheme == SIP_URI_TEL) {
		rt_log(RT_L_ERR, "forward: bad next-hop URI '%.*s': %s", u.s ? u.len : 0, u.s ? u.s : "",
		       rc < 0 ? sip_strerror(rc) : "a tel URI has no host");
		return -1;
	}
	if (!force_udp) {
		if (pu.scheme == SIP_URI_SIPS ||
		    (pu.transport.s && !(pu.transport.len == 3 && !strncasecmp(pu.transport.s, "udp", 3)))) {
			rt_log(RT_L_ERR, "forward: '%.*s' asks for %s: only udp is supported by the runtime",
			       u.len, u.s, pu.scheme == SIP_URI_SIPS ? "tls" : "another transport");
			return -1;
		}
	}
	sip_str h = pu.maddr.s && pu.maddr.len ? pu.maddr : pu.host;
	return rt_resolve(h.s, h.len, pu.port, to, tolen);
}

static int fwd_common(rc_msg_t *m, rc_arg *argv, int argc, int force_udp)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	if (!m->sip.is_request) {
		rt_log(RT_L_ERR, "forward() applies to requests; a reply is relayed by the core when "
		       "reply_route ends");
		return -1;
	}
	if (argc == 0) {
		if (rt_uri_dest(m, force_udp, &to, &tolen) < 0)
			goto fail;
	} else if (argv[0].p) {
		const fwd_dest *d = argv[0].p;
		to = d->to;
		tolen = d->len;
	} else if (args_dest(argv, argc, &to, &tolen) < 0) {
		goto fail;
	}
	return rt_forward_request(m, &to, tolen);
fail:
	RT_STAT_INC(m->worker, err_requests);
	return -1;
}

int core_forward(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_common(m, argv, 0, 0);
}

int core_forward_1(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_common(m, argv, 1, 0);
}

int core_forward_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_common(m, argv, 2, 0);
}

int core_forward_udp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_common(m, argv, 1, 1);
}

int core_forward_udp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_common(m, argv, 2, 1);
}

static int fwd_unsupported(rc_msg_t *m, const char *proto)
{
	rt_log(RT_L_ERR, "forward_%s: not supported by the runtime (udp only)", proto);
	RT_STAT_INC(m->worker, err_requests);
	return -1;
}

int core_forward_tcp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_unsupported(m, "tcp");
}

int core_forward_tcp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_unsupported(m, "tcp");
}

int core_forward_tls(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_unsupported(m, "tls");
}

int core_forward_tls_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_unsupported(m, "tls");
}

int core_forward_sctp(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_unsupported(m, "sctp");
}

int core_forward_sctp_2(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return fwd_unsupported(m, "sctp");
}

/* ---- replies -------------------------------------------------------------------- */

static int str_port(sip_str s, int dflt)
{
	int p = 0;
	if (!s.s || s.len <= 0 || s.len > 5)
		return dflt;
	for (int i = 0; i < s.len; i++) {
		if (s.s[i] < '0' || s.s[i] > '9')
			return dflt;
		p = p * 10 + (s.s[i] - '0');
	}
	return p > 0 && p <= 65535 ? p : dflt;
}

int rt_forward_reply(rc_msg_t *m)
{
	rt_worker *w = m->worker;
	const sip_via *v1, *v2;
	if (sip_get_via(&m->sip, 0, &v1) < 0) {
		rt_log(RT_L_DBG, "reply from %s:%d without a usable Via: dropped", m->src_ip, m->src_port);
		goto drop;
	}
	if (!rt_myself(v1->host.s, v1->host.len, v1->port ? v1->port : 5060, 0)) {
		rt_log(RT_L_DBG, "reply from %s:%d: top Via %.*s:%d is not ours: dropped", m->src_ip,
		       m->src_port, v1->host.len, v1->host.s, v1->port ? v1->port : 5060);
		goto drop;
	}
	if (sip_get_via(&m->sip, 1, &v2) < 0) {
		rt_log(RT_L_DBG, "reply from %s:%d has no second Via: dropped", m->src_ip, m->src_port);
		goto drop;
	}
	if (v2->transport.s && !(v2->transport.len == 3 && !strncasecmp(v2->transport.s, "UDP", 3))) {
		rt_log(RT_L_ERR, "reply: next hop over %.*s: only udp is supported by the runtime",
		       v2->transport.len, v2->transport.s);
		goto err;
	}
	sip_str h = v2->received.s && v2->received.len ? v2->received : v2->host;
	int port = str_port(v2->rport, v2->port ? v2->port : 5060);
	struct sockaddr_storage to;
	socklen_t tolen;
	if (rt_resolve(h.s, h.len, port, &to, &tolen) < 0)
		goto err;
	sip_lumps l = m->lumps;
	sip_lump_del_via1(&l);
	int cap, n;
	char *out = (char *)sendbuf(m, &cap);
	if (!out) {
		rt_log(RT_L_ERR, "reply: relayed outside a worker");
		goto err;
	}
	if ((n = sip_lump_apply(&m->sip, &l, out, (size_t)cap)) < 0) {
		rt_log(RT_L_ERR, "reply: cannot build the relayed reply: %s", sip_strerror(n));
		goto err;
	}
	if (rt_send(m, rt_sock_for(to.ss_family, m->rcv), (const struct sockaddr *)&to, tolen, out, n) < 0)
		goto err;
	m->forwarded = 1;
	RT_STAT_INC(w, fwd_replies);
	return 1;
drop:
	RT_STAT_INC(w, drop_replies);
	return 0;
err:
	RT_STAT_INC(w, err_replies);
	return -1;
}

int rt_reply_dest(rc_msg_t *m, struct sockaddr_storage *to, socklen_t *tolen)
{
	const sip_via *v;
	if (sip_get_via(&m->sip, 0, &v) < 0 || !m->srclen)
		return -1;
	int port = m->src_port;
	if (!v->rport.s && !(m->mflags & RT_MF_FORCE_RPORT))
		port = v->port ? v->port : 5060;
	memcpy(to, &m->src, sizeof *to);
	*tolen = m->srclen;
	if (to->ss_family == AF_INET)
		((struct sockaddr_in *)to)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)to)->sin6_port = htons((uint16_t)port);
	return 0;
}

int rt_send_reply(rc_msg_t *m, const char *buf, int len)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	if (rt_reply_dest(m, &to, &tolen) < 0) {
		rt_log(RT_L_ERR, "reply: no Via or source address to send it to");
		return -1;
	}
	return rt_send(m, m->rcv, (const struct sockaddr *)&to, tolen, buf, len);
}
