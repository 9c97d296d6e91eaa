/* bench_sip.c: what the SIP layer costs per message, against libosip2.
 *
 *   bench-sip [-n ITERS] [-r ROUNDS] [-N OSIP_ITERS]
 *
 * One ~900-byte INVITE (2 Via, Record-Route, Contact, Allow and Supported
 * lists, User-Agent, an unknown header, an SDP body), in memory, timed with
 * CLOCK_MONOTONIC.  Each line is the median ns/op of ROUNDS rounds (default
 * 5) of ITERS iterations (default 1e6), with the fastest and slowest round:
 *
 *   sip_parse                  first line, header index, body
 *   sip_parse + fields         + top Via branch, Call-ID, CSeq, To tag: what
 *                              transaction matching reads
 *   + Via lump + apply         + a Via added on top and the message written
 *                              out again: the forwarding path
 *   osip parse + fields        osip_message_init + osip_message_parse + the
 *                              same four fields + osip_message_free
 *
 * Figures only, never pass/fail.  Wall-clock on a shared machine: the load
 * average is printed at the start and at the end; read min and median.
 * Build and run:
 *   make build/bench-sip && build/bench-sip
 * (or: cc -O2 -std=c11 -D_GNU_SOURCE -Iruntime -o bench-sip bench/bench_sip.c
 *      runtime/sip/{msg,hf,uri,lump}.c -losipparser2)
 */
#include <osipparser2/osip_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip/lump.h"
#include "sip/msg.h"

static const char invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1\r\n"
	"Max-Forwards: 69\r\n"
	"Record-Route: <sip:bigbox3.site3.atlanta.example.com;lr>\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"User-Agent: routec-bench/1.0 (load generator)\r\n"
	"X-Custom-Header: some opaque value for the proxy to carry\r\n"
	"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n"
	"Supported: replaces, timer\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 212\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
	"s=Session SDP\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0 8 97\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:97 iLBC/8000\r\n"
	"a=sendrecv\r\n";

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static volatile unsigned long sink; /* keeps results alive */
static sip_msg m;
static sip_lumps lumps;
static char out[4096];

static const char via[] = "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK.p1.0001\r\n";

/* mode 0: parse; 1: + fields; 2: + lump; 3: osip */
static int one(int mode)
{
	unsigned long acc = 0;
	if (mode == 3) {
		osip_message_t *o;
		osip_message_init(&o);
		if (osip_message_parse(o, invite, sizeof invite - 1) != 0)
			return -1;
		osip_via_t *v = osip_list_get(&o->vias, 0);
		osip_generic_param_t *br = NULL, *tag = NULL;
		if (!v || osip_via_param_get_byname(v, "branch", &br) != 0 || !br)
			return -1;
		osip_from_get_tag(o->to, &tag);
		acc += strlen(br->gvalue) + strlen(o->call_id->number) + strlen(o->cseq->number) + (tag != NULL);
		osip_message_free(o);
		sink += acc;
		return 0;
	}
	if (sip_parse(&m, invite, sizeof invite - 1) != 0)
		return -1;
	acc += (unsigned long)m.nhdrs;
	if (mode >= 1) {
		const sip_via *v;
		const sip_cseq *cs;
		const sip_addr *to;
		sip_str cid;
		if (sip_get_via(&m, 0, &v) != 0 || sip_get_callid(&m, &cid) != 0 || sip_get_cseq(&m, &cs) != 0 ||
		    sip_get_to(&m, &to) != 0)
			return -1;
		acc += (unsigned long)v->branch.len + (unsigned long)cid.len + cs->num + (to->tag.s != NULL);
	}
	if (mode >= 2) {
		sip_lumps_init(&lumps, &m);
		sip_lump_add_via(&lumps, via, (int)sizeof via - 1);
		int n = sip_lump_apply(&m, &lumps, out, sizeof out);
		if (n < 0)
			return -1;
		acc += (unsigned long)n;
	}
	sink += acc;
	return 0;
}

static void loadavg(const char *when)
{
	char buf[64] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
		buf[strcspn(buf, "\n")] = 0;
	}
	printf("  load average %s: %s\n", when, buf);
}

static void run(const char *label, int mode, long iters, int rounds)
{
	double t[64];
	for (long i = 0; i < iters / 10 + 1; i++) /* warm-up */
		if (one(mode) < 0) {
			printf("  %-30s failed to parse\n", label);
			return;
		}
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();
		for (long i = 0; i < iters; i++)
			one(mode);
		t[r] = (now_ns() - t0) / (double)iters;
	}
	qsort(t, (size_t)rounds, sizeof t[0], cmp_double);
	double med = rounds % 2 ? t[rounds / 2] : (t[rounds / 2 - 1] + t[rounds / 2]) / 2;
	printf("  %-30s median %8.1f ns/op   min %8.1f  max %8.1f   (%d x %ld)\n", label, med, t[0],
	       t[rounds - 1], rounds, iters);
}

int main(int argc, char **argv)
{
	long iters = 1000000, osip_iters = 1000000;
	int rounds = 5;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-n"))
			iters = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "-N"))
			osip_iters = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "-r"))
			rounds = atoi(argv[i + 1]);
	}
	if (iters < 1 || osip_iters < 1 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: bench-sip [-n ITERS] [-r ROUNDS (1..64)] [-N OSIP_ITERS]\n");
		return 2;
	}
	parser_init();
	printf("== SIP message layer: a %zu-byte INVITE, in memory\n", sizeof invite - 1);
	loadavg("at start");
	run("sip_parse", 0, iters, rounds);
	run("sip_parse + fields", 1, iters, rounds);
	run("sip_parse + fields + Via lump", 2, iters, rounds);
	run("osip parse + fields", 3, osip_iters, rounds);
	loadavg("at end");
	printf("  (fields: top Via branch, Call-ID, CSeq, To tag; checksum %lu)\n", (unsigned long)sink);
	return 0;
}
