/* jr_dgram.c: JSON-RPC over datagrams: unix sockets (kamcli's transport,
 * `routec ctl -s`) and UDP (`routec ctl -u`), one request per datagram, the
 * reply sent back to the sender's address (a unix client binds a name of
 * its own, or an abstract one).  One thread serves every socket.
 *
 * Sockets: this process's own routec_rpc.PID.sock, always; the well-known
 * routec_rpc.sock unless another live process has it, or instead of it the
 * dgram_socket of the script (a path, or "udp:HOST[:PORT]": UDP is bound to
 * a loopback address unless dgram_allow lists peers).  Unix sockets are
 * made 0600 (dgram_mode) before they get their name, so there is no moment
 * when another user could connect.  A UDP request from an address other
 * than 127.0.0.1 / ::1 and not in dgram_allow is dropped without a reply
 * (answering would tell a scanner we are here and reflect traffic), and
 * logged at most once a second.
 */
#include "modules/jsonrpcs/jr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/rpc.h"
#include "core/rt.h"
#include "modules/jsonrpcs/jr_path.h"

#define MAX_EPS 3

typedef struct jr_ep {
	int fd;
	int is_udp;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* unix: to remove at stop */
	dev_t dev;
	ino_t ino;
} jr_ep;

static jr_ep eps[MAX_EPS];
static int neps;
static int wake_fd = -1;
static pthread_t thread;
static int running;

/* ---- sockets ----------------------------------------------------------------------------- */

static void ep_close(jr_ep *e)
{
	struct stat st;
	if (e->path[0] && lstat(e->path, &st) == 0 && st.st_dev == e->dev && st.st_ino == e->ino)
		unlink(e->path); /* still the one we made */
	if (e->fd >= 0)
		close(e->fd);
	memset(e, 0, sizeof *e);
	e->fd = -1;
}

/* Replies can be large (ul.dump): let a datagram carry what the kernel
 * allows this process to queue. */
static void big_sndbuf(int fd)
{
	int sz = 4 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

/* Bind a unix datagram socket at path (claimed first).  1 bound, 0 the
 * path is a live process's, -1 error (logged). */
static int open_unix(const char *path, int mode)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof a.sun_path) {
		rt_log(RT_L_ERR, "jsonrpcs: socket path too long: %s", path);
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	jr_claim_lock();
	int st = jr_claim_sock_path(path);
	if (st != 0) {
		jr_claim_unlock();
		return st > 0 ? 0 : -1;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		jr_claim_unlock();
		rt_log(RT_L_ERR, "jsonrpcs: socket: %s", strerror(errno));
		return -1;
	}
	/* Linux makes the file with the socket inode's mode (less the umask):
	   set it before bind, so the name never exists with a wider mode */
	fchmod(fd, (mode_t)mode);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int err = errno;
		jr_claim_unlock();
		close(fd);
		rt_log(RT_L_ERR, "jsonrpcs: cannot bind %s: %s", path, strerror(err));
		return -1;
	}
	chmod(path, (mode_t)mode); /* exactly dgram_mode, whatever the umask took */
	struct stat sb;
	stat(path, &sb);
	jr_claim_unlock();
	big_sndbuf(fd);
	jr_ep *e = &eps[neps++];
	e->fd = fd;
	e->is_udp = 0;
	snprintf(e->path, sizeof e->path, "%s", path);
	e->dev = sb.st_dev;
	e->ino = sb.st_ino;
	rt_log(RT_L_INFO, "jsonrpcs: serving JSON-RPC on %s", path);
	return 1;
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* "udp:HOST[:PORT]", HOST an address, [IPv6] or a name: 0 or -1 (logged) */
static int open_udp(const char *spec)
{
	char host[256], port[16] = "";
	const char *h = spec + 4, *colon, *pt = "";
	size_t hl;
	if (*h == '[') {
		const char *rb = strchr(h, ']');
		if (!rb || (rb[1] && rb[1] != ':'))
			goto bad;
		h++;
		hl = (size_t)(rb - h);
		pt = rb[1] ? rb + 2 : "";
	} else if ((colon = strrchr(h, ':'))) {
		hl = (size_t)(colon - h);
		pt = colon + 1;
	} else {
		hl = strlen(h);
	}
	if (!hl || hl >= sizeof host || strlen(pt) >= sizeof port)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, pt, strlen(pt) + 1);
	if (!*port)
		snprintf(port, sizeof port, "%d", JR_UDP_PORT);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai) {
		rt_log(RT_L_ERR, "jsonrpcs: dgram_socket %s: %s", spec, gai_strerror(gai));
		return -1;
	}
	if (!is_loopback(res->ai_addr) && !jr_cfg.nallow) {
		rt_log(RT_L_ERR, "jsonrpcs: dgram_socket %s is not a loopback address: list the peers "
		                 "that may send requests in modparam(\"jsonrpcs\", \"dgram_allow\", ...)",
		       spec);
		freeaddrinfo(res);
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot bind %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	jr_ep *e = &eps[neps++];
	memset(e, 0, sizeof *e);
	e->fd = fd;
	e->is_udp = 1;
	rt_log(RT_L_INFO, "jsonrpcs: serving JSON-RPC on %s", spec);
	return 0;
bad:
	rt_log(RT_L_ERR, "jsonrpcs: dgram_socket %s: \"udp:HOST[:PORT]\" expected", spec);
	return -1;
}

/* ---- serving ----------------------------------------------------------------------------- */

static void refused(const struct sockaddr_storage *from)
{
	static time_t last;
	time_t now = time(NULL);
	char ip[INET6_ADDRSTRLEN] = "?";
	if (now == last)
		return;
	last = now;
	if (from->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)from)->sin_addr, ip, sizeof ip);
	else if (from->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)from)->sin6_addr, ip, sizeof ip);
	rt_log(RT_L_WARN, "jsonrpcs: request from %s refused: not 127.0.0.1/::1 and not in "
	                  "dgram_allow",
	       ip);
}

static void serve_one(jr_ep *e, char *buf)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	/* MSG_TRUNC: the datagram's real length, to refuse what did not fit */
	ssize_t n = recvfrom(e->fd, buf, JR_MAX_REQ, MSG_TRUNC, (struct sockaddr *)&from, &flen);
	if (n < 0)
		return;
	if (e->is_udp && !jr_peer_allowed((struct sockaddr *)&from)) {
		refused(&from);
		return;
	}
	if (!e->is_udp && flen <= sizeof(sa_family_t)) {
		rt_log(RT_L_DBG, "jsonrpcs: request from an unnamed unix socket: nowhere to answer");
		return;
	}
	size_t olen = 0;
	char *out;
	if (n > JR_MAX_REQ) {
		char msg[96];
		snprintf(msg, sizeof msg, "Invalid Request: larger than %d bytes", JR_MAX_REQ);
		rt_log(RT_L_WARN, "jsonrpcs: request of %zd bytes refused (limit %d)", n, JR_MAX_REQ);
		out = jr_error_reply(-32600, msg, &olen);
	} else {
		out = jr_handle(buf, (size_t)n, NULL, 0, &olen);
	}
	if (!out)
		return;
	/* never block: a client that does not read loses its answer */
	if (sendto(e->fd, out, olen, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&from, flen) < 0) {
		if (errno == EMSGSIZE) {
			char msg[160];
			snprintf(msg, sizeof msg, "the reply (%zu bytes) is larger than a datagram can carry: "
			                          "ask over the FIFO", olen);
			free(out);
			out = jr_error_reply(-32603, msg, &olen);
			if (out)
				sendto(e->fd, out, olen, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&from,
				       flen);
		}
		rt_log(RT_L_DBG, "jsonrpcs: reply not sent: %s", strerror(errno));
	}
	free(out);
}

static void *dgram_main(void *arg)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the main thread's */
	rt_proc_register("JSONRPCS DATAGRAM");
	char *buf = malloc(JR_MAX_REQ + 1);
	struct pollfd pf[MAX_EPS + 1];
	for (int i = 0; i < neps; i++)
		pf[i] = (struct pollfd){ .fd = eps[i].fd, .events = POLLIN };
	pf[neps] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
	while (buf) {
		if (poll(pf, (nfds_t)neps + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			rt_log(RT_L_ERR, "jsonrpcs: poll: %s", strerror(errno));
			break;
		}
		if (pf[neps].revents)
			break; /* stop */
		for (int i = 0; i < neps; i++)
			if (pf[i].revents & POLLIN)
				serve_one(&eps[i], buf);
	}
	free(buf);
	rt_proc_unregister();
	return NULL;
}

int jr_dgram_start(void)
{
	char path[256];
	for (int i = 0; i < MAX_EPS; i++)
		eps[i].fd = -1;
	neps = 0;
	/* this process's own socket: `routec ctl -p PID` always finds it */
	if (jr_sock_path(path, sizeof path, (long)getpid()) < 0 || open_unix(path, 0600) <= 0) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot serve %s", path);
		goto fail;
	}
	if (jr_cfg.transport & JR_T_DGRAM) {
		const char *d = jr_cfg.dgram;
		if (!strncmp(d, "udp:", 4)) {
			if (open_udp(d) < 0)
				goto fail;
		} else if (*d) {
			/* a path of the script's: relative ones in the run directory */
			int pl = *d == '/' ? snprintf(path, sizeof path, "%s", d)
			                   : snprintf(path, sizeof path, "%s/%s", jr_rundir, d);
			int r = pl > 0 && pl < (int)sizeof path ? open_unix(path, jr_cfg.dgram_mode) : -1;
			if (r == 0)
				rt_log(RT_L_ERR, "jsonrpcs: %s is served by another live process", path);
			if (r <= 0)
				goto fail;
		} else {
			jr_sock_path(path, sizeof path, 0);
			int r = open_unix(path, jr_cfg.dgram_mode);
			if (r < 0)
				goto fail;
			if (r == 0)
				rt_log(RT_L_NOTICE, "jsonrpcs: %s belongs to another routec; this one answers "
				                    "on %s/routec_rpc.%ld.sock",
				       path, jr_rundir, (long)getpid());
		}
	}
	if ((wake_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    pthread_create(&thread, NULL, dgram_main, NULL) != 0) {
		rt_log(RT_L_ERR, "jsonrpcs: cannot start the datagram thread");
		goto fail;
	}
	running = 1;
	return 0;
fail:
	jr_dgram_stop();
	return -1;
}

void jr_dgram_stop(void)
{
	if (running) {
		uint64_t one = 1;
		if (write(wake_fd, &one, sizeof one) < 0)
			rt_log(RT_L_ERR, "jsonrpcs: waking the datagram thread: %s", strerror(errno));
		pthread_join(thread, NULL);
		running = 0;
	}
	for (int i = 0; i < neps; i++)
		ep_close(&eps[i]);
	neps = 0;
	if (wake_fd >= 0) {
		close(wake_fd);
		wake_fd = -1;
	}
}
