/* jr.h: the jsonrpcs module's parts (docs/control.md).
 *
 *   jr_mod.c    parameters (Kamailio's jsonrpcs modparams), start and stop,
 *               the run directory and the claiming of socket and FIFO paths
 *   jr_req.c    one request's text -> its reply's text (JSON-RPC 2.0)
 *   jr_dgram.c  the datagram transports: unix sockets and UDP (one thread)
 *   jr_fifo.c   the FIFO transport of kamctl (one thread)
 *
 * The serving threads are neither workers nor the main thread: an RPC that
 * takes time (a reload compiles a script) holds up other RPCs, never SIP.
 */
#ifndef ROUTEC_JR_H
#define ROUTEC_JR_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

/* The largest request, as Kamailio's JSONRPC_DGRAM_BUF_SIZE; larger ones are
 * refused (datagrams: with an error reply). */
#define JR_MAX_REQ 65456

#define JR_T_HTTP 1 /* Kamailio's transport bits; HTTP is not served */
#define JR_T_FIFO 2
#define JR_T_DGRAM 4

#define JR_MAX_ALLOW 16

typedef struct jr_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
} jr_net;

typedef struct jr_conf {
	int configured;         /* the script loads jsonrpcs (else: the defaults) */
	int transport;          /* JR_T_* bits */
	char dgram[256];        /* "" the well-known socket, a path, or "udp:HOST[:PORT]" */
	int dgram_mode;
	char fifo[256];         /* path; relative ones are in the run directory */
	int fifo_mode;
	char fifo_reply_dir[256];
	jr_net allow[JR_MAX_ALLOW]; /* UDP peers besides 127.0.0.1 and ::1 */
	int nallow;
} jr_conf;

extern jr_conf jr_cfg;
extern atomic_int jr_pretty; /* pretty_format: may change on reload */
extern char jr_rundir[200];

/* ---- jr_req.c ---- */

/* The reply to one request (len bytes, need not be NUL-terminated):
 * malloc'd text (*outlen bytes), or NULL when out of memory.  reply_name:
 * when not NULL, the request's "reply_name" (FIFO) is decoded into it (""
 * if absent or unusable), rn_cap bytes. */
char *jr_handle(const char *req, size_t len, char *reply_name, size_t rn_cap, size_t *outlen);
/* An error reply with "id": null, for what never reached the parser. */
char *jr_error_reply(int code, const char *msg, size_t *outlen);

/* ---- jr_mod.c ---- */

/* A unix socket or FIFO path we may create: 0 free (absent, or left by a
 * process that is gone: then removed), 1 in use by a live process, -1 it
 * is something else or cannot be checked (logged). */
int jr_claim_sock_path(const char *path);
int jr_claim_fifo_path(const char *path);
/* Serialize claims between processes starting together. */
void jr_claim_lock(void);
void jr_claim_unlock(void);
/* 1 when a UDP peer may send requests: 127.0.0.1, ::1, or the allow-list. */
int jr_peer_allowed(const struct sockaddr *sa);

/* ---- transports ---- */

int jr_dgram_start(void);
void jr_dgram_stop(void);
int jr_fifo_start(void);
void jr_fifo_stop(void);

#endif
