/* uas.c: a fast UAS for benchmarks.
 *
 *   uas [--bind IP:PORT] [--batch N] [--quiet]
 *
 * Answers OPTIONS 200, INVITE 100 then 200 (with a Contact, the Record-Route
 * copied, no retransmission), BYE and CANCEL 200, anything else 200; absorbs
 * ACK; ignores responses.  Stateless: a retransmitted request is answered
 * again, with the same To tag (derived from the Call-ID and From tag).  Reads
 * and writes in batches (recvmmsg/sendmmsg).  Loopback only.
 *
 * It also counts the INVITEs whose Request-URI names its own address
 * (invite_to_contact): behind a registrar, where the users' contacts are this
 * UAS, that is the number of calls the proxy's lookup sent to a contact.
 *
 * On SIGINT or SIGTERM it prints its counts as "key: value" lines and exits 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXBATCH 256
#define INCAP    8192
#define OUTCAP   4096

typedef struct {
	long received, options, invite, ack, bye, cancel, other, responses, malformed, too_large,
	     replies, send_errors, invite_to_contact;
} counts_t;

typedef struct {
	int fd;
	char contact[64];
	const char *self;           /* "IP:PORT" inside contact */
	size_t nself;
	counts_t c;
	/* outgoing batch: at most two replies per request */
	char out[2 * MAXBATCH][OUTCAP];
	struct mmsghdr om[2 * MAXBATCH];
	struct iovec oiov[2 * MAXBATCH];
	struct sockaddr_in odst[2 * MAXBATCH];
	int nout;
} uas_t;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

typedef struct {
	const char *p;
	size_t n;
} span_t;

/* Headers a response copies, found in one pass over the request. */
typedef struct {
	span_t via[16], rr[16], from, to, callid, cseq;
	int nvia, nrr;
} req_t;

static int name_is(const char *p, size_t k, const char *name, char compact)
{
	return (k == strlen(name) && strncasecmp(p, name, k) == 0) || (compact && k == 1 && (*p | 32) == compact);
}

static int scan(const char *m, size_t len, req_t *r)
{
	const char *p = memchr(m, '\n', len), *end = m + len;

	memset(r, 0, sizeof *r);
	while (p && ++p < end && *p != '\r' && *p != '\n') {
		const char *e = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t k = 0, vl;

		if (!e)
			return -1;
		while (p + k < e && p[k] != ':' && p[k] != ' ' && p[k] != '\t')
			k++;
		v = p + k;
		while (v < e && (*v == ':' || *v == ' ' || *v == '\t'))
			v++;
		vl = (size_t)(e - v);
		if (vl && v[vl - 1] == '\r')
			vl--;
		if (name_is(p, k, "Via", 'v')) {
			if (r->nvia == 16)
				return -1;
			r->via[r->nvia].p = v;
			r->via[r->nvia++].n = vl;
		} else if (name_is(p, k, "Record-Route", 0)) {
			if (r->nrr < 16) {
				r->rr[r->nrr].p = v;
				r->rr[r->nrr++].n = vl;
			}
		} else if (name_is(p, k, "From", 'f')) {
			r->from = (span_t){ v, vl };
		} else if (name_is(p, k, "To", 't')) {
			r->to = (span_t){ v, vl };
		} else if (name_is(p, k, "Call-ID", 'i')) {
			r->callid = (span_t){ v, vl };
		} else if (name_is(p, k, "CSeq", 0)) {
			r->cseq = (span_t){ v, vl };
		}
		p = e;
	}
	return r->nvia && r->from.p && r->to.p && r->callid.p && r->cseq.p ? 0 : -1;
}

static int has_tag(span_t to)
{
	const char *gt = memchr(to.p, '>', to.n), *s = gt ? gt : to.p;

	return memmem(s, to.n - (size_t)(s - to.p), ";tag=", 5) != NULL;
}

static uint32_t fnv(span_t a, span_t b)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < a.n; i++)
		h = (h ^ (unsigned char)a.p[i]) * 16777619u;
	for (i = 0; i < b.n; i++)
		h = (h ^ (unsigned char)b.p[i]) * 16777619u;
	return h;
}

typedef struct {
	char *p;
	size_t n;
	int over;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(out_t *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->over)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->n, OUTCAP - o->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= OUTCAP - o->n)
		o->over = 1;
	else
		o->n += (size_t)k;
}

static void reply(uas_t *u, const req_t *r, int code, const char *reason, int invite,
		  const struct sockaddr_in *dst)
{
	int i = u->nout;
	out_t o = { u->out[i], 0, 0 };
	int j;

	put(&o, "SIP/2.0 %d %s\r\n", code, reason);
	for (j = 0; j < r->nvia; j++)
		put(&o, "Via: %.*s\r\n", (int)r->via[j].n, r->via[j].p);
	if (invite && code == 200)
		for (j = 0; j < r->nrr; j++)
			put(&o, "Record-Route: %.*s\r\n", (int)r->rr[j].n, r->rr[j].p);
	put(&o, "From: %.*s\r\n", (int)r->from.n, r->from.p);
	if (code > 100 && !has_tag(r->to))
		put(&o, "To: %.*s;tag=u%08x\r\n", (int)r->to.n, r->to.p, fnv(r->callid, r->from));
	else
		put(&o, "To: %.*s\r\n", (int)r->to.n, r->to.p);
	put(&o, "Call-ID: %.*s\r\nCSeq: %.*s\r\n", (int)r->callid.n, r->callid.p, (int)r->cseq.n,
	    r->cseq.p);
	if (invite && code == 200)
		put(&o, "Contact: <%s>\r\n", u->contact);
	put(&o, "Content-Length: 0\r\n\r\n");
	if (o.over) {
		u->c.too_large++;
		return;
	}
	u->odst[i] = *dst;
	u->oiov[i].iov_base = u->out[i];
	u->oiov[i].iov_len = o.n;
	memset(&u->om[i], 0, sizeof u->om[i]);
	u->om[i].msg_hdr.msg_name = &u->odst[i];
	u->om[i].msg_hdr.msg_namelen = sizeof u->odst[i];
	u->om[i].msg_hdr.msg_iov = &u->oiov[i];
	u->om[i].msg_hdr.msg_iovlen = 1;
	u->nout++;
}

static void flush(uas_t *u)
{
	int done = 0, tries = 0;

	while (done < u->nout) {
		int k = sendmmsg(u->fd, u->om + done, (unsigned)(u->nout - done), 0);

		if (k > 0) {
			done += k;
		} else if (k < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) && tries++ < 10) {
			struct pollfd p = { u->fd, POLLOUT, 0 };

			poll(&p, 1, 1);
		} else {
			/* ECONNREFUSED from a peer gone: skip that datagram */
			u->c.send_errors++;
			done++;
		}
	}
	u->c.replies += u->nout;
	u->nout = 0;
}

/* Whether the Request-URI at m (up to the next space) has this UAS's
 * IP:PORT as its host part: sip:USER@IP:PORT, parameters allowed. */
static int uri_is_self(const uas_t *u, const char *m, size_t len)
{
	const char *sp = memchr(m, ' ', len), *at, *h;
	size_t n;

	if (!sp)
		return 0;
	at = memchr(m, '@', (size_t)(sp - m));
	h = at ? at + 1 : (sp - m > 4 ? m + 4 : sp);
	n = strcspn(h, ";> ");
	return h + n <= sp && n == u->nself && memcmp(h, u->self, n) == 0;
}

static void request(uas_t *u, const char *m, size_t len, const struct sockaddr_in *src)
{
	size_t ml = strcspn(m, " \r\n");
	req_t r;

	u->c.received++;
	if (len >= 8 && memcmp(m, "SIP/2.0 ", 8) == 0) {
		u->c.responses++;
		return;
	}
	if (ml >= len || scan(m, len, &r) < 0) {
		u->c.malformed++;
		return;
	}
#define IS(s) (ml == sizeof s - 1 && memcmp(m, s, ml) == 0)
	if (IS("ACK")) {
		u->c.ack++;
		return;
	}
	if (IS("INVITE")) {
		u->c.invite++;
		if (uri_is_self(u, m + ml + 1, len - ml - 1))
			u->c.invite_to_contact++;
		reply(u, &r, 100, "Trying", 1, src);
		reply(u, &r, 200, "OK", 1, src);
		return;
	}
	if (IS("OPTIONS"))
		u->c.options++;
	else if (IS("BYE"))
		u->c.bye++;
	else if (IS("CANCEL"))
		u->c.cancel++;
	else
		u->c.other++;
#undef IS
	reply(u, &r, 200, "OK", 0, src);
}

static int bind_addr(const char *s, struct sockaddr_in *sa)
{
	const char *c = strrchr(s, ':');
	char ip[INET_ADDRSTRLEN];
	char *e;
	long port;

	if (!c || (size_t)(c - s) >= sizeof ip)
		return -1;
	memcpy(ip, s, (size_t)(c - s));
	ip[c - s] = 0;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	port = strtol(c + 1, &e, 10);
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1 || *e || port < 0 || port > 65535
	    || (ntohl(sa->sin_addr.s_addr) >> 24) != 127)
		return -1;
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

int main(int argc, char **argv)
{
	static uas_t u;
	static char in[MAXBATCH][INCAP];
	static struct mmsghdr im[MAXBATCH];
	static struct iovec iiov[MAXBATCH];
	static struct sockaddr_in src[MAXBATCH];
	const char *bind_to = "127.0.0.1:5090";
	struct sockaddr_in sa;
	struct sigaction sig;
	socklen_t sl = sizeof sa;
	long batch = 64;
	int quiet = 0, i, buf = 8 << 20;

	for (i = 1; i < argc; i++) {
		char *e;

		if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc)
			bind_to = argv[++i];
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc
			 && (batch = strtol(argv[++i], &e, 10)) > 0 && batch <= MAXBATCH && !*e)
			;
		else {
			fprintf(stderr, "usage: uas [--bind IP:PORT] [--batch N (1-%d, default 64)] [--quiet]\n"
				"  loopback only; SIGINT/SIGTERM print the counts and exit\n", MAXBATCH);
			return 2;
		}
	}
	if (bind_addr(bind_to, &sa) < 0) {
		fprintf(stderr, "uas: bad --bind '%s' (want 127.x.y.z:PORT)\n", bind_to);
		return 2;
	}
	u.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u.fd < 0 || bind(u.fd, (struct sockaddr *)&sa, sizeof sa) < 0
	    || getsockname(u.fd, (struct sockaddr *)&sa, &sl) < 0) {
		fprintf(stderr, "uas: cannot bind %s: %s\n", bind_to, strerror(errno));
		return 2;
	}
	setsockopt(u.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(u.fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	snprintf(u.contact, sizeof u.contact, "sip:uas@%s:%u", inet_ntoa(sa.sin_addr), ntohs(sa.sin_port));
	u.self = u.contact + 8;
	u.nself = strlen(u.self);
	memset(&sig, 0, sizeof sig);
	sig.sa_handler = on_signal;   /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sig, NULL);
	sigaction(SIGTERM, &sig, NULL);
	if (!quiet)
		fprintf(stderr, "uas: listening on %s\n", u.contact + 8);
	while (!stop) {
		struct pollfd p = { u.fd, POLLIN, 0 };
		int n;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		for (i = 0; i < batch; i++) {
			iiov[i].iov_base = in[i];
			iiov[i].iov_len = INCAP - 1;
			memset(&im[i].msg_hdr, 0, sizeof im[i].msg_hdr);
			im[i].msg_hdr.msg_name = &src[i];
			im[i].msg_hdr.msg_namelen = sizeof src[i];
			im[i].msg_hdr.msg_iov = &iiov[i];
			im[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(u.fd, im, (unsigned)batch, MSG_DONTWAIT, NULL);
		for (i = 0; i < n; i++) {
			in[i][im[i].msg_len] = 0;
			request(&u, in[i], im[i].msg_len, &src[i]);
		}
		flush(&u);
	}
	printf("received: %ld\noptions: %ld\ninvite: %ld\nack: %ld\nbye: %ld\ncancel: %ld\n"
	       "other: %ld\nresponses: %ld\nmalformed: %ld\ntoo_large: %ld\nreplies: %ld\n"
	       "send_errors: %ld\ninvite_to_contact: %ld\n", u.c.received, u.c.options, u.c.invite,
	       u.c.ack, u.c.bye, u.c.cancel, u.c.other, u.c.responses, u.c.malformed, u.c.too_large,
	       u.c.replies, u.c.send_errors, u.c.invite_to_contact);
	close(u.fd);
	return 0;
}
