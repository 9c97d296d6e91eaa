/* ctl.c: `routec ctl [-s SOCKET|-u HOST:PORT|-f FIFO|-p PID] METHOD [PARAMS...]`.
 *
 * One JSON-RPC 2.0 request, one answer.  Parameters follow kamctl and
 * kamcli: one that looks like a JSON number is sent as a number, "s:TEXT"
 * is always the string TEXT, "i:N" the number N.  Transports:
 *   unix socket  (default: the well-known socket of the run directory)
 *                our end is an abstract autobound name, so nothing is left
 *                behind and only the proxy's socket can answer (connect)
 *   UDP          connected to HOST:PORT
 *   FIFO         kamctl's protocol: the reply comes through a FIFO made in
 *                /tmp (the proxy's default fifo_reply_dir), named in
 *                "reply_name", removed afterwards
 * Every wait is bounded (-t, 10 s by default: a reload compiles a script).
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "modules/jsonrpcs/jr_path.h"

enum { CTL_OK = 0, CTL_RPC_ERROR = 1, CTL_FAIL = 2 };

static void usage(FILE *f)
{
	fputs("usage: routec ctl [-s SOCKET | -u HOST:PORT | -f FIFO | -p PID] [-t SECONDS] [-r]\n"
	      "                  METHOD [PARAMS...]\n"
	      "  -s SOCKET     the proxy's unix socket (default: RUNDIR/" JR_SOCK_NAME ")\n"
	      "  -u HOST:PORT  its UDP socket (modparam(\"jsonrpcs\", \"dgram_socket\", \"udp:...\"))\n"
	      "  -f FIFO       its FIFO (modparam(\"jsonrpcs\", \"fifo_name\", ...))\n"
	      "  -p PID        the socket of the routec process PID (RUNDIR/routec_rpc.PID.sock)\n"
	      "  -t SECONDS    how long to wait for the answer (default 10)\n"
	      "  -r            print the whole JSON-RPC reply as it came\n"
	      "RUNDIR: $ROUTEC_RUNDIR, else /run/routec (root), $XDG_RUNTIME_DIR/routec or\n"
	      "/tmp/routec-UID.  A parameter that looks like a number is sent as one; s:TEXT is\n"
	      "always a string, i:N a number.  Exit status: 0 a result, 1 an error answer,\n"
	      "2 usage, or no answer from the proxy.\n",
	      f);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the request ------------------------------------------------------------------------- */

static int is_number(const char *s)
{
	json_rd r;
	json_rd_init(&r, s, strlen(s));
	return *s && json_peek(&r) == JSON_NUM && json_value(&r, NULL, NULL) == JSON_NUM &&
	       json_end(&r) == 0 && (unsigned char)s[0] > ' ';
}

/* 0, or -1 after saying why */
static int build_request(json_buf *b, const char *method, char **params, int n,
                         const char *reply_name)
{
	char id[24];
	json_puts(b, "{\"jsonrpc\":\"2.0\",\"method\":");
	json_put_str(b, method, strlen(method));
	if (n) {
		json_puts(b, ",\"params\":[");
		for (int i = 0; i < n; i++) {
			const char *p = params[i];
			if (i)
				json_puts(b, ",");
			if (!strncmp(p, "s:", 2)) {
				json_put_str(b, p + 2, strlen(p + 2));
			} else if (!strncmp(p, "i:", 2)) {
				if (!is_number(p + 2)) {
					fprintf(stderr, "routec ctl: '%s': i: needs a number\n", p);
					return -1;
				}
				json_puts(b, p + 2);
			} else if (is_number(p)) {
				json_puts(b, p);
			} else {
				json_put_str(b, p, strlen(p));
			}
		}
		json_puts(b, "]");
	}
	if (reply_name) {
		json_puts(b, ",\"reply_name\":");
		json_put_str(b, reply_name, strlen(reply_name));
	}
	snprintf(id, sizeof id, "%ld", (long)getpid());
	json_puts(b, ",\"id\":");
	json_puts(b, id);
	json_puts(b, "}");
	return b->oom ? -1 : 0;
}

/* ---- transports: each returns the reply (malloc'd, *n bytes) or NULL --------------------- */

/* Wait for fd to be readable until deadline: 1 ready, 0 timeout, -1 error */
static int wait_in(int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* One datagram from a connected socket. */
static char *recv_dgram(int fd, long long deadline, size_t *n, const char *where)
{
	int w = wait_in(fd, deadline);
	if (w <= 0) {
		fprintf(stderr, "routec ctl: %s: %s\n", where, w == 0 ? "no answer in time" : strerror(errno));
		return NULL;
	}
	char probe;
	ssize_t len = recv(fd, &probe, 1, MSG_PEEK | MSG_TRUNC);
	if (len < 0) {
		fprintf(stderr, "routec ctl: %s: %s\n", where, strerror(errno));
		return NULL;
	}
	char *buf = malloc((size_t)len + 1);
	if (!buf)
		return NULL;
	len = recv(fd, buf, (size_t)len, 0);
	if (len < 0) {
		fprintf(stderr, "routec ctl: %s: %s\n", where, strerror(errno));
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*n = (size_t)len;
	return buf;
}

static char *via_unix(const char *path, const json_buf *req, long long deadline, size_t *n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof a.sun_path) {
		fprintf(stderr, "routec ctl: socket path too long: %s\n", path);
		return NULL;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un me = { .sun_family = AF_UNIX };
	/* an address of sizeof(sa_family_t) asks for an abstract autobound name:
	   the proxy can answer it, and no file is left behind */
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		fprintf(stderr, "routec ctl: cannot reach %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char *out = NULL;
	if (send(fd, req->s, req->len, 0) < 0)
		fprintf(stderr, "routec ctl: %s: %s\n", path, strerror(errno));
	else
		out = recv_dgram(fd, deadline, n, path);
	close(fd);
	return out;
}

static char *via_udp(const char *hp, const json_buf *req, long long deadline, size_t *n)
{
	char host[256], port[16];
	const char *colon = strrchr(hp, ':');
	const char *h = hp;
	size_t hl = colon ? (size_t)(colon - hp) : 0;
	if (*h == '[' && hl >= 2 && h[hl - 1] == ']')
		h++, hl -= 2;
	if (!colon || !hl || hl >= sizeof host || strlen(colon + 1) >= sizeof port || !colon[1]) {
		fprintf(stderr, "routec ctl: -u %s: HOST:PORT expected\n", hp);
		return NULL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai) {
		fprintf(stderr, "routec ctl: %s: %s\n", hp, gai_strerror(gai));
		return NULL;
	}
	int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char *out = NULL;
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0)
		fprintf(stderr, "routec ctl: cannot reach %s: %s\n", hp, strerror(errno));
	else if (send(fd, req->s, req->len, 0) < 0)
		fprintf(stderr, "routec ctl: %s: %s\n", hp, strerror(errno));
	else
		out = recv_dgram(fd, deadline, n, hp); /* a closed port: ECONNREFUSED here */
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return out;
}

static char fifo_reply_path[64];

static void remove_reply_fifo(void)
{
	if (fifo_reply_path[0])
		unlink(fifo_reply_path);
	fifo_reply_path[0] = '\0';
}

static void on_signal(int sig)
{
	remove_reply_fifo();
	signal(sig, SIG_DFL);
	raise(sig);
}

static char *via_fifo(const char *path, const char *method, char **params, int np,
                      long long deadline, size_t *n)
{
	char name[48];
	snprintf(name, sizeof name, "routec_ctl_%ld", (long)getpid());
	snprintf(fifo_reply_path, sizeof fifo_reply_path, "/tmp/%s", name);
	unlink(fifo_reply_path); /* ours by name (our pid): left by a killed run */
	if (mkfifo(fifo_reply_path, 0600) < 0) {
		fprintf(stderr, "routec ctl: mkfifo %s: %s\n", fifo_reply_path, strerror(errno));
		fifo_reply_path[0] = '\0';
		return NULL;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	json_buf req = { 0 };
	char *out = NULL;
	int rfd = -1, wfd = -1;
	if (build_request(&req, method, params, np, name) < 0)
		goto done;
	/* opening a FIFO for writing without blocking fails unless somebody
	   reads it: that is how we know the proxy is there */
	if ((wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		fprintf(stderr, "routec ctl: cannot reach %s: %s\n", path,
		        errno == ENXIO ? "nobody reads it" : strerror(errno));
		goto done;
	}
	/* open our end first: the proxy's open for writing then succeeds */
	if ((rfd = open(fifo_reply_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		fprintf(stderr, "routec ctl: %s: %s\n", fifo_reply_path, strerror(errno));
		goto done;
	}
	fcntl(wfd, F_SETFL, 0);
	if (write(wfd, req.s, req.len) != (ssize_t)req.len) {
		fprintf(stderr, "routec ctl: %s: %s\n", path, strerror(errno));
		goto done;
	}
	json_buf in = { 0 };
	for (;;) {
		/* Linux reports a FIFO without writers as readable only once a
		   writer has come and gone, so this waits for the proxy */
		int w = wait_in(rfd, deadline);
		if (w <= 0) {
			fprintf(stderr, "routec ctl: %s: %s\n", path, w == 0 ? "no answer in time"
			                                                  : strerror(errno));
			json_buf_free(&in);
			goto done;
		}
		char chunk[65536];
		ssize_t r = read(rfd, chunk, sizeof chunk);
		if (r > 0) {
			json_put(&in, chunk, (size_t)r);
		} else if (r == 0) {
			break; /* the proxy closed its end: the reply is whole */
		} else if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "routec ctl: %s: %s\n", fifo_reply_path, strerror(errno));
			json_buf_free(&in);
			goto done;
		}
	}
	if (in.oom || !in.len) {
		fprintf(stderr, "routec ctl: %s: empty answer\n", path);
		json_buf_free(&in);
		goto done;
	}
	out = in.s;
	*n = in.len;
done:
	if (wfd >= 0)
		close(wfd);
	if (rfd >= 0)
		close(rfd);
	json_buf_free(&req);
	remove_reply_fifo();
	return out;
}

/* ---- the answer ------------------------------------------------------------------------------- */

/* Print a string member's text decoded (diagnostics keep their lines). */
static void print_text(FILE *f, const char *s, size_t n)
{
	char *d = malloc(n + 1);
	int len = d ? json_str_decode(s, n, d) : -1;
	if (len >= 0) {
		fwrite(d, 1, (size_t)len, f);
		if (!len || d[len - 1] != '\n')
			fputc('\n', f);
	}
	free(d);
}

static int show(const char *reply, size_t n, int raw)
{
	json_rd r;
	const char *k, *v, *res = NULL, *err = NULL;
	size_t kn, vn, resn = 0, errn = 0;
	int t, more;
	json_rd_init(&r, reply, n);
	if (json_enter(&r, JSON_OBJ) < 0)
		goto bad;
	while ((more = json_next(&r)) > 0) {
		if (json_key(&r, &k, &kn) < 0 || (t = json_value(&r, &v, &vn)) == JSON_ERR)
			goto bad;
		if (json_key_is(k, kn, "result"))
			res = v, resn = vn;
		else if (json_key_is(k, kn, "error") && t == JSON_OBJ)
			err = v, errn = vn;
	}
	if (more < 0 || json_end(&r) < 0 || (!res && !err))
		goto bad;
	if (raw) {
		fwrite(reply, 1, n, stdout);
		if (reply[n - 1] != '\n')
			putchar('\n');
		return err ? CTL_RPC_ERROR : CTL_OK;
	}
	if (res) {
		json_buf out = { 0 };
		json_rd_init(&r, res, resn);
		if (json_reprint(&r, JSON_INDENT, &out) < 0 || out.oom) {
			json_buf_free(&out);
			goto bad;
		}
		puts(out.s);
		json_buf_free(&out);
		return CTL_OK;
	}
	/* {"code":..,"message":"..","data":..}: message and data as text */
	json_rd_init(&r, err, errn);
	json_enter(&r, JSON_OBJ);
	const char *code = "?", *msg = NULL, *data = NULL;
	size_t coden = 1, msgn = 0, datan = 0;
	int msgt = 0, datat = 0;
	while (json_next(&r) > 0) {
		json_key(&r, &k, &kn);
		t = json_value(&r, &v, &vn);
		if (json_key_is(k, kn, "code"))
			code = v, coden = vn;
		else if (json_key_is(k, kn, "message"))
			msg = v, msgn = vn, msgt = t;
		else if (json_key_is(k, kn, "data"))
			data = v, datan = vn, datat = t;
	}
	fprintf(stderr, "error %.*s: ", (int)coden, code);
	if (msg && msgt == JSON_STR)
		print_text(stderr, msg, msgn);
	else
		fputs("(no message)\n", stderr);
	if (data && datat == JSON_STR) {
		print_text(stderr, data, datan);
	} else if (data) {
		json_buf out = { 0 };
		json_rd_init(&r, data, datan);
		if (json_reprint(&r, JSON_INDENT, &out) == 0 && !out.oom)
			fprintf(stderr, "%s\n", out.s);
		json_buf_free(&out);
	}
	return CTL_RPC_ERROR;
bad:
	fprintf(stderr, "routec ctl: the answer is not a JSON-RPC reply: %.*s\n", (int)(n > 200 ? 200 : n),
	        reply);
	return CTL_FAIL;
}

int ctl_main(int argc, char **argv)
{
	const char *sock = NULL, *udp = NULL, *fifo = NULL;
	char pathbuf[256];
	long pid = 0;
	double timeout = 10;
	int raw = 0, i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return CTL_OK;
		}
		if (!strcmp(a, "-r") || !strcmp(a, "--raw")) {
			raw = 1;
			continue;
		}
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (strlen(a) != 2 || !strchr("sufpt", a[1]) || i + 1 >= argc) {
			fprintf(stderr, "routec ctl: unknown option or missing value: '%s'\n", a);
			usage(stderr);
			return CTL_FAIL;
		}
		const char *val = argv[++i];
		char *end;
		switch (a[1]) {
		case 's': sock = val; break;
		case 'u': udp = val; break;
		case 'f': fifo = val; break;
		case 'p':
			pid = strtol(val, &end, 10);
			if (*end || pid <= 0) {
				fprintf(stderr, "routec ctl: -p: a process id expected\n");
				return CTL_FAIL;
			}
			break;
		default:
			timeout = strtod(val, &end);
			if (*end || !(timeout > 0) || timeout > 86400) {
				fprintf(stderr, "routec ctl: -t: seconds expected\n");
				return CTL_FAIL;
			}
		}
	}
	if (i >= argc) {
		fprintf(stderr, "routec ctl: which method? ('routec ctl system.listMethods' lists them)\n");
		usage(stderr);
		return CTL_FAIL;
	}
	if (!!sock + !!udp + !!fifo + !!pid > 1) {
		fprintf(stderr, "routec ctl: -s, -u, -f and -p exclude each other\n");
		return CTL_FAIL;
	}
	const char *method = argv[i];
	char **params = argv + i + 1;
	int np = argc - i - 1;
	long long deadline = now_ms() + (long long)(timeout * 1000);
	size_t n = 0;
	char *reply;
	if (fifo) {
		reply = via_fifo(fifo, method, params, np, deadline, &n);
	} else {
		json_buf req = { 0 };
		if (build_request(&req, method, params, np, NULL) < 0) {
			json_buf_free(&req);
			return CTL_FAIL;
		}
		if (udp) {
			reply = via_udp(udp, &req, deadline, &n);
		} else {
			if (!sock) {
				if (jr_sock_path(pathbuf, sizeof pathbuf, pid) < 0) {
					fprintf(stderr, "routec ctl: the run directory's name is too long\n");
					json_buf_free(&req);
					return CTL_FAIL;
				}
				sock = pathbuf;
			}
			reply = via_unix(sock, &req, deadline, &n);
		}
		json_buf_free(&req);
	}
	if (!reply)
		return CTL_FAIL;
	int rc = n ? show(reply, n, raw) : CTL_FAIL;
	free(reply);
	return rc;
}
