/* sock.c: UDP listening sockets, rt_send, and rt_myself. */
#include "core/sock.h"
#include "core/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Large receive buffers absorb bursts while every worker is busy; the kernel
 * clamps the request to net.core.rmem_max (4 MiB here), without error. */
#define RT_RCVBUF (4 << 20)
#define RT_SNDBUF (1 << 20)

static rt_sock socks[RT_MAX_SOCKS];
static int nsocks;

int rt_sock_count(void)
{
	return nsocks;
}

const rt_sock *rt_sock_at(int i)
{
	return i >= 0 && i < nsocks ? &socks[i] : NULL;
}

int rt_addr_parse(const char *host, int hlen, int port, struct sockaddr_storage *out,
                  socklen_t *len)
{
	char tmp[64];
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen <= 0 || hlen >= (int)sizeof tmp)
		return -1;
	memcpy(tmp, host, (size_t)hlen);
	tmp[hlen] = '\0';
	memset(out, 0, sizeof *out);
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, tmp, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		return 0;
	}
	return -1;
}

static int same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	               &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

static int sa_port(const void *sa)
{
	const struct sockaddr *a = sa;
	return ntohs(a->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
	                                     : ((const struct sockaddr_in6 *)sa)->sin6_port);
}

static int bind_one(const struct sockaddr_storage *addr, socklen_t alen, int reuseport)
{
	int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -1;
	int one = 1, rcv = RT_RCVBUF, snd = RT_SNDBUF;
	if (addr->ss_family == AF_INET6) /* [::] must not take the IPv4 port too */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
	if (bind(fd, (const struct sockaddr *)addr, alen) < 0)
		goto fail;
	return fd;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int add_sock(const rt_listen *l, const struct sockaddr_storage *addr, socklen_t alen,
                    int reuseport)
{
	if (nsocks == RT_MAX_SOCKS) {
		rt_log(RT_L_ERR, "listen: more than %d sockets", RT_MAX_SOCKS);
		return -1;
	}
	rt_sock *s = &socks[nsocks];
	memset(s, 0, sizeof *s);
	s->addr = *addr;
	s->alen = alen;
	s->proto = RT_PROTO_UDP;
	if (addr->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, s->ip, sizeof s->ip);
	else
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, s->ip, sizeof s->ip);
	for (int i = 0; i < nsocks; i++)
		if (same_ip(&socks[i].addr, addr) && sa_port(&socks[i].addr) == sa_port(addr)) {
			rt_log(RT_L_WARN, "listen: %s:%d given twice, bound once", s->ip, sa_port(addr));
			return 0;
		}
	if ((s->fd = bind_one(addr, alen, reuseport)) < 0) {
		rt_log(RT_L_ERR, "listen: cannot bind udp %s:%d: %s", s->ip, sa_port(addr),
		       strerror(errno));
		return -1;
	}
	/* port 0 asks the kernel for one: learn which */
	socklen_t sl = sizeof s->addr;
	getsockname(s->fd, (struct sockaddr *)&s->addr, &sl);
	s->port = sa_port(&s->addr);
	snprintf(s->adv_host, sizeof s->adv_host, "%s", l->adv_host);
	s->adv_port = l->adv_host[0] ? (l->adv_port ? l->adv_port : s->port) : 0;
	snprintf(s->name, sizeof s->name, "%s", l->name);
	if (s->addr.ss_family == AF_INET && ((struct sockaddr_in *)&s->addr)->sin_addr.s_addr == 0 &&
	    !s->adv_host[0])
		rt_log(RT_L_WARN, "listen: udp:0.0.0.0:%d puts 0.0.0.0 in Via: give an advertise "
		       "address", s->port);
	char adv[RT_HOST_MAX + 24] = "";
	if (s->adv_host[0])
		snprintf(adv, sizeof adv, " advertise %s:%d", s->adv_host, s->adv_port);
	rt_log(RT_L_INFO, "listening on udp:%s%s%s:%d%s", s->addr.ss_family == AF_INET6 ? "[" : "",
	       s->ip, s->addr.ss_family == AF_INET6 ? "]" : "", s->port, adv);
	nsocks++;
	return 0;
}

static int usable_if_addr(const struct ifaddrs *ifa)
{
	if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP))
		return 0;
	if (ifa->ifa_addr->sa_family == AF_INET)
		return 1;
	if (ifa->ifa_addr->sa_family != AF_INET6)
		return 0;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
	return !IN6_IS_ADDR_LINKLOCAL(a); /* needs a scope id: Kamailio skips them too */
}

static void set_port(struct sockaddr_storage *a, int port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons((uint16_t)port);
}

/* Every address of interface `name` (NULL: of all interfaces). -1 on error,
 * else how many sockets were added. */
static int open_ifaces(const rt_listen *l, const char *name, int port, int reuseport)
{
	struct ifaddrs *all, *ifa;
	int n = 0;
	if (getifaddrs(&all) < 0)
		return name ? 0 : -1;
	for (ifa = all; ifa; ifa = ifa->ifa_next) {
		if (!usable_if_addr(ifa) || (name && strcmp(ifa->ifa_name, name)))
			continue;
		struct sockaddr_storage a;
		socklen_t alen = ifa->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
		                                                     : sizeof(struct sockaddr_in6);
		memset(&a, 0, sizeof a);
		memcpy(&a, ifa->ifa_addr, alen);
		set_port(&a, port);
		if (add_sock(l, &a, alen, reuseport) < 0) {
			freeifaddrs(all);
			return -1;
		}
		n++;
	}
	freeifaddrs(all);
	return n;
}

static int open_listen(const rt_listen *l, int defport, int reuseport)
{
	int port = l->port >= 0 ? l->port : defport;
	struct sockaddr_storage a;
	socklen_t alen;
	if (l->proto != RT_PROTO_UDP) {
		static const char *const pn[] = { "", "udp", "tcp", "tls", "sctp", "ws", "wss" };
		rt_log(RT_L_WARN, "listen %s:%s:%d ignored: only udp is supported by the runtime",
		       l->proto > 0 && l->proto <= RT_PROTO_WSS ? pn[l->proto] : "?", l->host, port);
		return 0;
	}
	if (l->is_virtual)
		rt_log(RT_L_WARN, "listen %s: 'virtual' ignored: not supported by the runtime", l->host);
	if (rt_addr_parse(l->host, (int)strlen(l->host), port, &a, &alen) == 0)
		return add_sock(l, &a, alen, reuseport);
	int n = open_ifaces(l, l->host, port, reuseport);
	if (n != 0)
		return n < 0 ? -1 : 0;
	/* a host name: bind every address it has (A and AAAA) */
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP }, *res, *r;
	int e = getaddrinfo(l->host, NULL, &hints, &res);
	if (e) {
		rt_log(RT_L_ERR, "listen: '%s' is neither an address, an interface nor a host name "
		       "that resolves: %s", l->host, gai_strerror(e));
		return -1;
	}
	for (r = res; r; r = r->ai_next) {
		if (r->ai_family != AF_INET && r->ai_family != AF_INET6)
			continue;
		memset(&a, 0, sizeof a);
		memcpy(&a, r->ai_addr, r->ai_addrlen);
		set_port(&a, port);
		if (add_sock(l, &a, r->ai_addrlen, reuseport) < 0) {
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	return 0;
}

int rt_socks_open(const rt_conf *c, int reuseport)
{
	rt_socks_close();
	if (c->nlisten == 0) {
		rt_listen any;
		memset(&any, 0, sizeof any);
		any.proto = RT_PROTO_UDP;
		if (open_ifaces(&any, NULL, c->port, reuseport) < 0)
			goto fail;
	}
	for (int i = 0; i < c->nlisten; i++)
		if (open_listen(&c->listen[i], c->port, reuseport) < 0)
			goto fail;
	if (nsocks == 0) {
		rt_log(RT_L_ERR, "no udp socket to listen on");
		return -1;
	}
	return nsocks;
fail:
	rt_socks_close();
	return -1;
}

void rt_socks_close(void)
{
	for (int i = 0; i < nsocks; i++)
		if (socks[i].fd >= 0)
			close(socks[i].fd);
	nsocks = 0;
}

int rt_sock_open_twin(int i)
{
	if (i < 0 || i >= nsocks)
		return -1;
	int fd = bind_one(&socks[i].addr, socks[i].alen, 1);
	if (fd < 0)
		rt_log(RT_L_ERR, "cannot bind a second socket to udp %s:%d: %s", socks[i].ip,
		       socks[i].port, strerror(errno));
	return fd;
}

const rt_sock *rt_sock_for(int family, const rt_sock *pref)
{
	if (pref && pref->addr.ss_family == family)
		return pref;
	for (int i = 0; i < nsocks; i++)
		if (socks[i].addr.ss_family == family)
			return &socks[i];
	return NULL;
}

const rt_sock *rt_sock_find(int proto, const char *host, int port)
{
	struct sockaddr_storage a;
	socklen_t alen;
	if (proto && proto != RT_PROTO_UDP)
		return NULL;
	if (rt_addr_parse(host, (int)strlen(host), 0, &a, &alen) < 0)
		return NULL;
	for (int i = 0; i < nsocks; i++)
		if (same_ip(&socks[i].addr, &a) && (!port || socks[i].port == port))
			return &socks[i];
	return NULL;
}

int rt_sock_via_host(const rt_sock *s, char *buf, int cap, int *port)
{
	const char *h = s->adv_host[0] ? s->adv_host : s->ip;
	int v6 = strchr(h, ':') != NULL;
	*port = s->adv_host[0] ? s->adv_port : s->port;
	int n = snprintf(buf, (size_t)cap, v6 ? "[%s]" : "%s", h);
	return n < cap ? n : cap - 1;
}

/* ---- myself ------------------------------------------------------------------ */

static int host_eq(const char *a, int alen, const char *b)
{
	size_t bl = strlen(b);
	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
		a++;
		alen -= 2;
	}
	return bl == (size_t)alen && !strncasecmp(a, b, bl);
}

int rt_myself(const char *host, int hlen, int port, int proto)
{
	struct sockaddr_storage ha, t;
	socklen_t l;
	int is_ip = rt_addr_parse(host, hlen, 0, &ha, &l) == 0;
	if (proto && proto != RT_PROTO_UDP)
		return 0;
	for (int i = 0; i < nsocks; i++) {
		const rt_sock *s = &socks[i];
		if ((is_ip ? same_ip(&s->addr, &ha) : 0) && (!port || port == s->port))
			return 1;
		if (s->adv_host[0] && (!port || port == s->adv_port)) {
			if (is_ip ? rt_addr_parse(s->adv_host, (int)strlen(s->adv_host), 0, &t, &l) == 0 &&
			                same_ip(&t, &ha)
			          : host_eq(host, hlen, s->adv_host))
				return 1;
		}
	}
	for (int i = 0; i < rt_cfg.nalias; i++) {
		const rt_alias *a = &rt_cfg.alias[i];
		if ((a->proto && a->proto != RT_PROTO_UDP) || (a->port && port && a->port != port))
			continue;
		if (is_ip && rt_addr_parse(a->host, (int)strlen(a->host), 0, &t, &l) == 0
		        ? same_ip(&t, &ha)
		        : host_eq(host, hlen, a->host))
			return 1;
	}
	return 0;
}

/* ---- sending -------------------------------------------------------------------- */

int rt_send(rc_msg_t *m, const rt_sock *from, const struct sockaddr *to, socklen_t tolen,
            const char *buf, int len)
{
	if (!from || from->addr.ss_family != to->sa_family)
		from = rt_sock_for(to->sa_family, from ? from : m ? m->rcv : NULL);
	if (!from) {
		rt_log(RT_L_ERR, "send: no %s socket to send from",
		       to->sa_family == AF_INET6 ? "IPv6" : "IPv4");
		return -1;
	}
	/* inside a receive batch: queued for the batch's sendmmsg */
	rt_worker *w = m ? m->worker : NULL;
	if (w && w->outq_on && rt_worker_queue(w, from->fd, to, tolen, buf, len) == 0)
		return 0;
	for (;;) {
		ssize_t n = sendto(from->fd, buf, (size_t)len, MSG_NOSIGNAL, to, tolen);
		if (n == len)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		char ip[64] = "?";
		if (to->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)to)->sin_addr, ip, sizeof ip);
		else if (to->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)to)->sin6_addr, ip, sizeof ip);
		rt_log(RT_L_ERR, "send to %s:%d (%d bytes) failed: %s", ip,
		       sa_port(to), len,
		       n < 0 ? strerror(errno) : "short write");
		return -1;
	}
}
