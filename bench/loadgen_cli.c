/* loadgen_cli.c: loadgen's command line, its set-up (slots and the socket)
 * and its report; bench/loadgen.c has the load engine and main. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "loadgen.h"

/* ---- report ------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(const lg_t *g, double p)
{
	size_t i;

	if (!g->nlat)
		return 0;
	i = (size_t)(p * (double)(g->nlat - 1) + 0.5);
	return g->lat[i];
}

void lg_report(lg_t *g, int64_t end)
{
	double el = (double)(end - g->t0) / NS, busy = (double)((g->t_last ? g->t_last : end) - g->t0) / NS;

	if (g->nlat)
		qsort(g->lat, g->nlat, sizeof *g->lat, cmp_u32);
	if (g->closed)
		printf("mode: closed %ld\n", g->closed);
	else
		printf("mode: open %ld/s\n", g->rate);
	printf("method: %s\n", g->invite ? "INVITE" : g->reg ? "REGISTER" : "OPTIONS");
	printf("target: %s:%u\n", inet_ntoa(g->to.sin_addr), ntohs(g->to.sin_port));
	printf("elapsed_s: %.3f\n", el);
	printf("sent: %ld\n", g->sent);
	printf("transactions: %ld\n", g->transactions);
	printf("responses: %ld\n", g->responses);
	printf("provisional: %ld\n", g->provisional);
	printf("status_2xx: %ld\n", g->s2xx);
	printf("status_other: %ld\n", g->sother);
	printf("timeouts: %ld\n", g->timeouts_n);
	printf("late: %ld\n", g->late);
	printf("unmatched: %ld\n", g->unmatched);
	printf("not_sent: %ld\n", g->not_sent);
	printf("send_errors: %ld\n", g->send_errors);
	printf("calls: %ld\n", g->calls);
	printf("calls_failed: %ld\n", g->calls_failed);
	printf("throughput: %.1f\n", busy > 0 ? (double)g->responses / busy : 0.0);
	printf("calls_per_s: %.1f\n", busy > 0 ? (double)g->calls / busy : 0.0);
	printf("latency_p50_us: %u\n", pct(g, 0.50));
	printf("latency_p90_us: %u\n", pct(g, 0.90));
	printf("latency_p99_us: %u\n", pct(g, 0.99));
	printf("latency_max_us: %u\n", g->nlat ? g->lat[g->nlat - 1] : 0);
}

/* ---- the command line and set-up ------------------------------------ */

static int addr(const char *s, struct sockaddr_in *sa)
{
	const char *c = strrchr(s, ':');
	char ip[INET_ADDRSTRLEN];
	long port;
	char *e;

	if (!c || (size_t)(c - s) >= sizeof ip)
		return -1;
	memcpy(ip, s, (size_t)(c - s));
	ip[c - s] = 0;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	port = strtol(c + 1, &e, 10);
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1 || *e || port < 0 || port > 65535)
		return -1;
	if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s: only loopback addresses (127.0.0.0/8) are allowed\n", s);
		return -1;
	}
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

static int num(const char *s, long lo, long hi, long *out)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || e == s || *e || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static const char usage[] =
	"usage: loadgen --to IP:PORT [--closed N | --rate R] [--duration S | --count N]\n"
	"               [--method OPTIONS|INVITE|REGISTER] [--wait MS] [--hold MS] [--ruri URI]\n"
	"               [--users N] [--contact IP:PORT] [--expires S] [--bind IP:PORT] [--batch N]\n"
	"  --closed N    N transactions (calls with INVITE) in flight (default 16)\n"
	"  --rate R      open loop: start R per second\n"
	"  --duration S  seconds of load (default 5; decimals allowed)\n"
	"  --count N     start N transactions (calls), then stop\n"
	"  --wait MS     a transaction with no final response by then is a timeout (default 2000)\n"
	"  --hold MS     INVITE: time between ACK and BYE (default 0)\n"
	"  --ruri URI    Request-URI (default sip:bench@TARGET; REGISTER: sip:TARGET)\n"
	"  --users N     users bench-0 .. bench-(N-1) in turn: INVITE/OPTIONS to\n"
	"                sip:bench-I@TARGET, REGISTER binds sip:bench-I@CONTACT\n"
	"  --contact IP:PORT  REGISTER: where the users are (default: this loadgen)\n"
	"  --expires S   REGISTER: the Expires header (default 3600)\n"
	"  --batch N     datagrams per sendmmsg/recvmmsg (default 32, max 256)\n";

int lg_options(lg_t *g, int argc, char **argv)
{
	const char *to = NULL, *bind_to = "127.0.0.1:0", *contact = NULL;
	struct sockaddr_in ca;
	int i;

	g->closed = 16;
	g->duration = 5;
	g->wait_ms = 2000;
	g->batch = 32;
	g->expires = 3600;
	for (i = 1; i < argc; i += 2) {   /* every option takes a value */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *e;
		int ok = v != NULL;

		if (strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (!ok)
			;
		else if (strcmp(a, "--to") == 0) to = v;
		else if (strcmp(a, "--bind") == 0) bind_to = v;
		else if (strcmp(a, "--closed") == 0) { ok = !num(v, 1, 1 << 18, &g->closed); g->rate = 0; }
		else if (strcmp(a, "--rate") == 0) { ok = !num(v, 1, 10000000, &g->rate); g->closed = 0; }
		else if (strcmp(a, "--count") == 0) { ok = !num(v, 1, 1L << 40, &g->count); g->duration = 0; }
		else if (strcmp(a, "--duration") == 0) {
			g->duration = strtod(v, &e);
			ok = *e == 0 && e != v && g->duration > 0 && g->duration <= 86400;
			g->count = 0;
		}
		else if (strcmp(a, "--wait") == 0) ok = !num(v, 1, 600000, &g->wait_ms);
		else if (strcmp(a, "--hold") == 0) ok = !num(v, 0, 600000, &g->hold_ms);
		else if (strcmp(a, "--batch") == 0) ok = !num(v, 1, MAXBATCH, &g->batch);
		else if (strcmp(a, "--ruri") == 0) ok = snprintf(g->ruri, sizeof g->ruri, "%s", v) < (int)sizeof g->ruri;
		else if (strcmp(a, "--users") == 0) ok = !num(v, 1, 1 << 20, &g->users);
		else if (strcmp(a, "--contact") == 0) contact = v;
		else if (strcmp(a, "--expires") == 0) ok = !num(v, 0, 1 << 30, &g->expires);
		else if (strcmp(a, "--method") == 0) {
			g->invite = strcasecmp(v, "INVITE") == 0;
			g->reg = strcasecmp(v, "REGISTER") == 0;
			ok = g->invite || g->reg || strcasecmp(v, "OPTIONS") == 0;
		} else ok = 0;
		if (!ok) {
			fprintf(stderr, "loadgen: bad option or value '%s'\n%s", a, usage);
			return -1;
		}
	}
	if (!to || addr(to, &g->to) < 0 || addr(bind_to, &g->local) < 0) {
		fprintf(stderr, "loadgen: --to IP:PORT is required (loopback)\n%s", usage);
		return -1;
	}
	if (contact && addr(contact, &ca) < 0) {
		fprintf(stderr, "loadgen: bad --contact '%s' (want a loopback IP:PORT)\n", contact);
		return -1;
	}
	if (g->users && g->ruri[0] && !g->reg) {
		fprintf(stderr, "loadgen: --users names the Request-URI; leave --ruri out\n");
		return -1;
	}
	snprintf(g->target, sizeof g->target, "%s:%u", inet_ntoa(g->to.sin_addr), ntohs(g->to.sin_port));
	if (contact)
		snprintf(g->contact, sizeof g->contact, "%s:%u", inet_ntoa(ca.sin_addr), ntohs(ca.sin_port));
	if (g->reg && !g->users)
		g->users = 1;
	if (!g->ruri[0])
		snprintf(g->ruri, sizeof g->ruri, g->reg ? "sip:%s" : "sip:bench@%s", g->target);
	return 0;
}

int lg_setup(lg_t *g)
{
	socklen_t sl = sizeof g->local;
	int buf = 8 << 20;
	long i;

	if (g->closed)
		g->nslots = g->closed;
	else
		g->nslots = (long)((double)g->rate * (double)(g->wait_ms + g->hold_ms) / 1000.0 * 1.25) + 64;
	if (g->nslots > (1L << 20))
		g->nslots = 1L << 20;
	g->slot = calloc((size_t)g->nslots, sizeof *g->slot);
	g->freel = malloc((size_t)g->nslots * sizeof *g->freel);
	g->dlg = g->invite ? calloc((size_t)g->nslots, sizeof *g->dlg) : NULL;
	g->ucseq = g->reg ? calloc((size_t)g->users, sizeof *g->ucseq) : NULL;
	if (!g->slot || !g->freel || (g->invite && !g->dlg) || (g->reg && !g->ucseq)) {
		fprintf(stderr, "loadgen: out of memory for %ld slots\n", g->nslots);
		return -1;
	}
	for (i = 0; i < g->nslots; i++)
		g->freel[i] = (uint32_t)(g->nslots - 1 - i);
	g->nfree = g->nslots;
	g->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0 || bind(g->fd, (struct sockaddr *)&g->local, sizeof g->local) < 0
	    || getsockname(g->fd, (struct sockaddr *)&g->local, &sl) < 0) {
		perror("loadgen: socket");
		return -1;
	}
	setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(g->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	inet_ntop(AF_INET, &g->local.sin_addr, g->ip, sizeof g->ip);
	g->port = ntohs(g->local.sin_port);
	if (!g->contact[0])
		snprintf(g->contact, sizeof g->contact, "%s:%u", g->ip, g->port);
	return 0;
}

