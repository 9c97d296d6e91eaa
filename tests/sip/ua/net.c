/* net.c: the UDP socket, clocks, loss simulation, printing and recording.
 *
 * Two kinds of loss: drop N% (random with a fixed seed, both directions) and
 * lose_in (the next N datagrams received, for a loss at a chosen point).
 *
 * Every wait takes an absolute deadline on the monotonic clock, so no loop
 * here can block longer than its caller allowed.  Addresses must be on the
 * loopback network: this is a test tool, never a traffic source elsewhere. */
#include "ua.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t ua_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ua_intarg(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int ua_addr(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char ip[INET_ADDRSTRLEN];
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof ip)
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = 0;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1 || ua_intarg(colon + 1, 0, 65535, &port) < 0)
		return -1;
	if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sipua: %s: only loopback addresses (127.0.0.0/8) are allowed\n", s);
		return -1;
	}
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

const char *ua_addrstr(const struct sockaddr_in *sa)
{
	static char buf[4][32];
	static int k;
	char ip[INET_ADDRSTRLEN];

	k = (k + 1) & 3;
	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
	snprintf(buf[k], sizeof buf[k], "%s:%u", ip, ntohs(sa->sin_port));
	return buf[k];
}

int ua_open(ua_t *ua, const char *bind_to)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof ua->local;
	int rcv = 1 << 20;

	if (ua_addr(bind_to ? bind_to : "127.0.0.1:0", &sa) < 0) {
		fprintf(stderr, "sipua: bad bind address '%s' (want 127.x.y.z:PORT)\n", bind_to);
		return -1;
	}
	ua->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ua->fd < 0 || bind(ua->fd, (struct sockaddr *)&sa, sizeof sa) < 0
	    || getsockname(ua->fd, (struct sockaddr *)&ua->local, &sl) < 0) {
		fprintf(stderr, "sipua: cannot bind %s: %s\n", ua_addrstr(&sa), strerror(errno));
		if (ua->fd >= 0)
			close(ua->fd);
		ua->fd = -1;
		return -1;
	}
	setsockopt(ua->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	inet_ntop(AF_INET, &ua->local.sin_addr, ua->ip, sizeof ua->ip);
	snprintf(ua->port, sizeof ua->port, "%u", ntohs(ua->local.sin_port));
	return 0;
}

void ua_close(ua_t *ua)
{
	if (ua->fd >= 0)
		close(ua->fd);
	ua->fd = -1;
	if (ua->record)
		fclose(ua->record);
	ua->record = NULL;
}

int ua_record_open(ua_t *ua, const char *path)
{
	if (!(ua->record = fopen(path, "w"))) {
		fprintf(stderr, "sipua: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The first line of s, control characters shown as '?'. */
void ua_print_line(const char *prefix, const char *s, size_t n, const char *note)
{
	size_t i;

	fputs(prefix, stdout);
	for (i = 0; i < n && i < 300 && s[i] != '\r' && s[i] != '\n'; i++)
		putchar((unsigned char)s[i] < 32 || s[i] == 127 ? '?' : s[i]);
	if (note && *note)
		printf("  [%s]", note);
	putchar('\n');
}

/* The whole message with CR removed, then "----": easy to grep from shell. */
static void print_msg(FILE *f, const char *s, size_t n, int raw)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (raw || s[i] != '\r' || i + 1 >= n || s[i + 1] != '\n')
			putc(s[i], f);
	if (n == 0 || s[n - 1] != '\n')
		putc('\n', f);
	fputs("----\n", f);
	fflush(f);
}

/* Fixed-seed loss: the same scenario loses the same datagrams on each run. */
static int dropped(ua_t *ua)
{
	uint64_t x;

	if (!ua->drop_pct)
		return 0;
	x = ua->drop_rng ? ua->drop_rng : 0x9e3779b97f4a7c15ULL;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	ua->drop_rng = x;
	return (x >> 33) % 100 < ua->drop_pct;
}

int ua_send(ua_t *ua, const char *buf, size_t len, const struct sockaddr_in *to, const char *note)
{
	if (dropped(ua)) {
		if (!ua->quiet)
			ua_print_line(">>> [dropped] ", buf, len, note);
		return 0;
	}
	if (sendto(ua->fd, buf, len, 0, (const struct sockaddr *)to, sizeof *to) != (ssize_t)len) {
		fprintf(stderr, "sipua: send to %s failed: %s\n", ua_addrstr(to), strerror(errno));
		return -1;
	}
	if (!ua->quiet) {
		ua_print_line(">>> ", buf, len, note);
		if (ua->print_full)
			print_msg(stdout, buf, len, 0);
	}
	fflush(stdout);
	return 0;
}

/* Waits until deadline for one datagram.  Returns its length, 0 at the
 * deadline, -1 on a socket error or a malformed message (already reported). */
int ua_recv(ua_t *ua, char *buf, size_t cap, int64_t deadline, struct sockaddr_in *from,
	    ua_msg_t *m)
{
	for (;;) {
		struct pollfd p = { ua->fd, POLLIN, 0 };
		socklen_t sl = sizeof *from;
		int64_t now = ua_now();
		ssize_t n;
		int r;

		if (now >= deadline)
			return 0;
		r = poll(&p, 1, (int)(deadline - now > 60000 ? 60000 : deadline - now));
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "sipua: poll: %s\n", strerror(errno));
			return -1;
		}
		if (r <= 0)
			continue;
		n = recvfrom(ua->fd, buf, cap - 1, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)from, &sl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED)
				continue;
			fprintf(stderr, "sipua: recv: %s\n", strerror(errno));
			return -1;
		}
		if ((size_t)n >= cap - 1) {
			fprintf(stderr, "sipua: datagram of %zd bytes from %s is too large\n", n,
				ua_addrstr(from));
			return -1;
		}
		buf[n] = 0;
		if (ua_parse(m, buf, (size_t)n) < 0) {
			ua_print_line("<<< ", buf, (size_t)n, "malformed");
			fprintf(stderr, "sipua: malformed message from %s: %s\n", ua_addrstr(from), m->err);
			print_msg(stderr, buf, (size_t)n, 0);
			fflush(stdout);
			return -1;
		}
		if (ua->lose_in > 0) {
			/* a loss on purpose (`lose N`, --lose-first N), always printed:
			 * a test greps "[lost]" to know the datagram did arrive */
			ua->lose_in--;
			ua_print_line("<<< [lost] ", buf, (size_t)n, NULL);
			fflush(stdout);
			continue;
		}
		if (dropped(ua)) {
			if (!ua->quiet)
				ua_print_line("<<< [dropped] ", buf, (size_t)n, NULL);
			continue;
		}
		if (!ua->quiet) {
			ua_print_line("<<< ", buf, (size_t)n, NULL);
			if (ua->print_full)
				print_msg(stdout, buf, (size_t)n, 0);
		}
		fflush(stdout);
		if (ua->record && (m->is_req || ua->record_resp))
			print_msg(ua->record, buf, (size_t)n, ua->record_raw);
		return (int)n;
	}
}
