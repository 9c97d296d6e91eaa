/* ua.h: what the parts of sipua (a scriptable SIP test UA) share.
 *
 *   msg.c       parse and check one SIP message; build a response
 *   tmpl.c      variables, message templates, ids, files
 *   net.c       the UDP socket, clocks, loss simulation, printing and recording
 *   txn.c       client transactions (RFC 3261 timers A/E, ACK) and in-dialog requests
 *   sipua.c     main and `sipua send`
 *   uas.c       `sipua uas`
 *   scenario.c  `sipua scenario`
 *
 * Standalone: nothing here includes routec's own sources, so a bug in routec's
 * parser cannot hide itself by agreeing with the test.  IPv4 over UDP only. */
#ifndef UA_H
#define UA_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UA_MAXMSG  65536  /* one UDP datagram */
#define UA_MAXHDR  128
#define UA_MAXVARS 64

/* Exit codes of every mode. */
enum { UA_OK = 0, UA_FAIL = 1, UA_USAGE = 2 };

/* ---- msg.c ------------------------------------------------------------- */

typedef struct {
	const char *name, *val;   /* val: trimmed, may span folded lines */
	size_t nlen, vlen;
} ua_hdr_t;

typedef struct {
	const char *buf;           /* the whole message, not owned */
	size_t len;
	const char *first;         /* first line, without CRLF */
	size_t flen;
	int is_req;
	const char *method;        /* request method; for a response, the CSeq method */
	size_t mlen;
	const char *ruri;          /* requests only */
	size_t rlen;
	int code;                  /* responses only */
	unsigned long cseq;
	ua_hdr_t hdr[UA_MAXHDR];
	int nhdr;
	const char *body;
	size_t blen;
	char err[200];             /* why ua_parse failed */
} ua_msg_t;

int ua_parse(ua_msg_t *m, const char *buf, size_t len);

/* Appends with bounds: a message that does not fit sets over, never truncates silently. */
typedef struct {
	char *p;
	size_t n, cap;
	int over;
} ua_out_t;
void ua_put(ua_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ua_msg_t *ua_msg_copy(const ua_msg_t *m);   /* one malloc block; free() it */
const ua_hdr_t *ua_hdr(const ua_msg_t *m, const char *name, int nth);
int ua_is(const ua_msg_t *m, const char *method);
int ua_param(const char *v, size_t vlen, const char *name, char *out, size_t cap);
int ua_branch(const ua_msg_t *m, char *out, size_t cap);
int ua_tag(const ua_msg_t *m, const char *hname, char *out, size_t cap);
int ua_hdr_is(const ua_hdr_t *h, const char *name);
const char *ua_reason(int code);
size_t ua_response(char *out, size_t cap, const ua_msg_t *req, int code,
		   const char *to_tag, const char *contact, const char *sdp_ip);

/* ---- tmpl.c ------------------------------------------------------------ */

typedef struct {
	int n;
	char *key[UA_MAXVARS], *val[UA_MAXVARS];
} ua_vars_t;

int ua_var_set(ua_vars_t *v, const char *key, const char *val);
const char *ua_var_get(const ua_vars_t *v, const char *key);
void ua_vars_free(ua_vars_t *v);
int ua_var_arg(ua_vars_t *v, const char *kv);          /* "KEY=VALUE" */
char *ua_expand(const char *tmpl, size_t tlen, const ua_vars_t *v, size_t *outlen,
		char *err, size_t errcap);
char *ua_read_file(const char *path, size_t *len);
void ua_randhex(char *out, size_t nhex);
void ua_new_branch(char *out, size_t cap);

/* ---- net.c ------------------------------------------------------------- */

typedef struct {
	int fd;
	struct sockaddr_in local;
	int print_full;            /* print whole messages, not only first lines */
	int quiet;                 /* print nothing but errors */
	FILE *record;              /* received messages, each followed by "----" */
	int record_raw;            /* keep CRLF in the record */
	int record_resp;           /* record responses too (uas records requests only) */
	unsigned drop_pct;         /* loss simulation, both directions */
	uint64_t drop_rng;
	long lose_in;              /* the next lose_in datagrams received are lost */
	long t2;                   /* --t2: cap of every retransmission interval (timer A
	                            * too); 0: RFC 3261, A uncapped and E at 4 s */
	char ip[INET_ADDRSTRLEN];  /* local address as text */
	char port[8];
} ua_t;

int64_t ua_now(void);                                   /* monotonic ms */
int ua_addr(const char *s, struct sockaddr_in *sa);     /* "a.b.c.d:port" */
const char *ua_addrstr(const struct sockaddr_in *sa);  /* rotating static buffers */
int ua_open(ua_t *ua, const char *bind);
void ua_close(ua_t *ua);
int ua_record_open(ua_t *ua, const char *path);
int ua_send(ua_t *ua, const char *buf, size_t len, const struct sockaddr_in *to, const char *note);
int ua_recv(ua_t *ua, char *buf, size_t cap, int64_t deadline, struct sockaddr_in *from,
	    ua_msg_t *m);
void ua_print_line(const char *prefix, const char *s, size_t n, const char *note);
int ua_intarg(const char *s, long lo, long hi, long *out);
const char *ua_optval(int argc, char **argv, int *i);
void ua_default_vars(ua_vars_t *v, const ua_t *ua, const struct sockaddr_in *to); /* tmpl.c */

/* ---- txn.c ------------------------------------------------------------- */

enum { CT_CALLING, CT_PROCEEDING, CT_COMPLETED, CT_TERMINATED };

typedef struct {
	ua_msg_t *req;             /* owned copy of the request sent */
	char branch[128], method[32];
	struct sockaddr_in to;
	int invite, retransmit, state, final_code, nrtx;
	int64_t start, next, gap;  /* retransmission timer */
	int t1, t2, cap_a;         /* cap_a: timer A capped at t2 too (--t2) */
	char *ack;                 /* ACK of a non-2xx final, resent on its retransmissions */
	size_t acklen;
	int seen[8], nseen;        /* response codes seen, to tell retransmissions */
	char seentag[8][64];
} ua_ctxn_t;

int ua_ctxn_start(ua_t *ua, ua_ctxn_t *t, const char *buf, size_t len,
		  const struct sockaddr_in *to, int retransmit, int t1);
void ua_ctxn_free(ua_ctxn_t *t);
int ua_ctxn_match(const ua_ctxn_t *t, const ua_msg_t *resp);
int ua_ctxn_response(ua_t *ua, ua_ctxn_t *t, const ua_msg_t *resp);
int64_t ua_ctxn_due(const ua_ctxn_t *t);
void ua_ctxn_timer(ua_t *ua, ua_ctxn_t *t, int64_t now);
size_t ua_cancel(char *out, size_t cap, const ua_msg_t *invite);
size_t ua_indialog(char *out, size_t cap, const char *method, const ua_msg_t *invite,
		   const ua_msg_t *resp, unsigned long cseq, const ua_t *ua);

/* ---- modes ------------------------------------------------------------- */

int ua_send_main(int argc, char **argv);
int ua_uas_main(int argc, char **argv);
int ua_scenario_main(int argc, char **argv);

#endif
