/* genuas.c: the far end of the reload-under-load test.  A UAS that answers
 * like build/uas (INVITE 200 with a Contact, ACK absorbed, anything else 200;
 * stateless, loopback only) and counts, for every request it receives, the
 * X-Gen headers the proxy added: exactly one with a known value is what a
 * clean swap gives; none or two would mean a message saw no generation or a
 * mix of two.
 *
 *   genuas PORT HEADER METHOD VALUE...   (e.g. genuas 50105 X-Gen '*' A B)
 *
 * Only requests of METHOD ('*': every method) are checked for HEADER.  On
 * SIGTERM or SIGINT it prints "key: value" lines and exits 0:
 *   requests, invite, ack, bye, other, checked, gen_<VALUE> for each VALUE,
 *   gen_none, gen_multi, gen_unknown, calls_mixed (a call whose checked
 *   requests came through different generations: possible for a stateless
 *   proxy, where each request of a call is routed on its own).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAXVAL 8
#define CALLS 4096 /* Call-ID slots for calls_mixed: a hash, collisions ignored */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The value of header `name` in msg (first line excluded) into out; the
 * number of such headers. */
static int header(const char *msg, const char *name, char *out, size_t cap)
{
	int n = 0;
	size_t nl = strlen(name);
	out[0] = '\0';
	for (const char *p = strstr(msg, "\r\n"); p && p[2] && !(p[2] == '\r' && p[3] == '\n');
	     p = strstr(p + 2, "\r\n")) {
		const char *h = p + 2;
		if (strncasecmp(h, name, nl) || h[nl] != ':')
			continue;
		const char *v = h + nl + 1, *e = strstr(v, "\r\n");
		while (*v == ' ')
			v++;
		if (!n++)
			snprintf(out, cap, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
	}
	return n;
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: genuas PORT HEADER METHOD VALUE...\n");
		return 2;
	}
	const char *hname = argv[2], *method = argv[3];
	char *const *vals = argv + 4;
	size_t ml = strlen(method);
	int port = atoi(argv[1]), nval = argc - 4 > MAXVAL ? MAXVAL : argc - 4;
	long count[MAXVAL] = { 0 };
	long requests = 0, checked = 0, invite = 0, ack = 0, bye = 0, other = 0, none = 0, multi = 0, unknown = 0,
	     mixed = 0;
	/* per Call-ID (by hash; a slot is taken over by a newer call): the
	   version its first checked request carried, value index + 1; -1 mixed */
	static struct {
		unsigned h;
		signed char gen;
	} calls[CALLS];
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int big = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("genuas: bind");
		return 1;
	}
	char buf[8192], out[8192], val[256], from[512], to[512], cid[256], cseq[128];
	while (!stop) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, 100) <= 0)
			continue;
		struct sockaddr_in src;
		socklen_t sl = sizeof src;
		int n = (int)recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&src, &sl);
		if (n <= 0 || !memcmp(buf, "SIP/2.0 ", 8))
			continue;
		buf[n] = '\0';
		requests++;
		int check = !strcmp(method, "*") || (!strncmp(buf, method, ml) && buf[ml] == ' ');
		int k = header(buf, hname, val, sizeof val), which = -1;
		for (int i = 0; i < nval && which < 0; i++)
			if (!strcmp(val, vals[i]))
				which = i;
		checked += check;
		if (!check)
			k = -1;
		else if (k == 0)
			none++;
		else if (k > 1)
			multi++;
		else if (which < 0)
			unknown++;
		else
			count[which]++;
		header(buf, "Call-ID", cid, sizeof cid);
		unsigned h = hash(cid);
		int is_invite = !strncmp(buf, "INVITE ", 7);
		if (calls[h % CALLS].h != h) {
			calls[h % CALLS].h = h; /* a new call */
			calls[h % CALLS].gen = 0;
		}
		signed char *cg = &calls[h % CALLS].gen;
		if (k == 1 && which >= 0) {
			if (*cg > 0 && *cg != which + 1) {
				mixed++;
				*cg = -1;
			} else if (*cg == 0) {
				*cg = (signed char)(which + 1);
			}
		}
		if (is_invite) {
			invite++;
		} else if (!strncmp(buf, "ACK ", 4)) {
			ack++;
			continue;
		} else if (!strncmp(buf, "BYE ", 4)) {
			bye++;
		} else {
			other++;
		}
		/* the answer: every Via, From, To (+ tag), Call-ID, CSeq */
		size_t o = (size_t)snprintf(out, sizeof out, "SIP/2.0 200 OK\r\n");
		for (const char *p = strstr(buf, "\r\n"); p && p[2] && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
			const char *h = p + 2, *e = strstr(h, "\r\n");
			if (!e)
				break;
			if (!strncasecmp(h, "Via:", 4) || !strncasecmp(h, "v:", 2))
				o += (size_t)snprintf(out + o, sizeof out - o, "%.*s\r\n", (int)(e - h), h);
		}
		header(buf, "From", from, sizeof from);
		header(buf, "To", to, sizeof to);
		header(buf, "CSeq", cseq, sizeof cseq);
		o += (size_t)snprintf(out + o, sizeof out - o,
		                      "From: %s\r\nTo: %s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n", from, to,
		                      strstr(to, "tag=") ? "" : ";tag=genuas", cid, cseq);
		if (is_invite)
			o += (size_t)snprintf(out + o, sizeof out - o, "Contact: <sip:uas@127.0.0.1:%d>\r\n",
			                      port);
		o += (size_t)snprintf(out + o, sizeof out - o, "Content-Length: 0\r\n\r\n");
		if (o < sizeof out)
			sendto(fd, out, o, 0, (struct sockaddr *)&src, sl);
	}
	printf("requests: %ld\ninvite: %ld\nack: %ld\nbye: %ld\nother: %ld\nchecked: %ld\n", requests,
	       invite, ack, bye, other, checked);
	for (int i = 0; i < nval; i++)
		printf("gen_%s: %ld\n", vals[i], count[i]);
	printf("gen_none: %ld\ngen_multi: %ld\ngen_unknown: %ld\ncalls_mixed: %ld\n", none, multi,
	       unknown, mixed);
	return 0;
}
