/* mod_xlog_test.c: xlog and its level forms; the lines are read back from
 * stderr (rt_log's destination), redirected to a file for the test. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include <fcntl.h>

static int saved_err = -1;
static char path[] = "/tmp/routec_xlog_XXXXXX";
static int logfd;

static void capture(void)
{
	fflush(stderr);
	if (ftruncate(logfd, 0) < 0 || lseek(logfd, 0, SEEK_SET) < 0)
		perror("truncate");
	dup2(logfd, 2);
}

/* What was logged since capture(). */
static const char *logged(void)
{
	static char buf[8192];
	fflush(stderr);
	dup2(saved_err, 2);
	ssize_t n = pread(logfd, buf, sizeof buf - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

int main(void)
{
	listen_loopback(NULL, NULL);
	saved_err = dup(2);
	logfd = mkstemp(path);
	unlink(path);
	rc_msg_t *m = msg("MESSAGE sip:bob@b.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:alice@a.com>;tag=1\n"
	                  "To: <sip:bob@b.com>\nCall-ID: c-1\nCSeq: 1 MESSAGE\nContent-Length: 0\n\n");
	rt_log_level = RT_L_INFO;

	capture();
	CHECK_INT(call(m, "xlog", 1, ARGS(AS("from $fU to $rU\n"))), 1, "xlog(fmt) returns 1");
	const char *out = logged();
	CHECK(strstr(out, "ERROR: <script>: from alice to bob\n") != NULL, "xlog(fmt) logs at L_ERR with the prefix");

	capture();
	CHECK_INT(call(m, "xlog_2", 2, ARGS(AS("L_INFO"), AS("info $ci"))), 1, "xlog(L_INFO, fmt)");
	out = logged();
	CHECK(strstr(out, "INFO: <script>: info c-1") != NULL, "xlog(L_INFO, ...) logs at INFO");

	capture();
	CHECK_INT(call(m, "xlog_2", 2, ARGS(AS("L_DBG"), AS("debug"))), 1, "xlog(L_DBG) returns 1");
	out = logged();
	CHECK(strstr(out, "debug") == NULL, "L_DBG is not printed at level INFO");

	capture();
	set(m, "$var(lvl)", I(RT_L_NOTICE));
	CHECK_INT(call(m, "xlog_2", 2, ARGS(AS("$var(lvl)"), AS("by pv"))), 1, "xlog($var(lvl), fmt)");
	CHECK(strstr(logged(), "NOTICE: <script>: by pv") != NULL, "the level from a pv");

	capture();
	CHECK_INT(call(m, "xlog_3", 3, ARGS(AS("LOG_LOCAL0"), AS("L_WARN"), AS("with facility"))), 1,
	          "xlog(facility, level, fmt)");
	CHECK(strstr(logged(), "WARNING: <script>: with facility") != NULL, "xlog with a facility logs");

	capture();
	call(m, "xlog_xinfo", 1, ARGS(AS("i")));
	call(m, "xlog_xnotice", 1, ARGS(AS("n")));
	call(m, "xlog_xwarn", 1, ARGS(AS("w")));
	call(m, "xlog_xerr", 1, ARGS(AS("e")));
	call(m, "xlog_xalert", 1, ARGS(AS("a")));
	call(m, "xlog_xcrit", 1, ARGS(AS("c")));
	call(m, "xlog_xbug", 1, ARGS(AS("b")));
	call(m, "xlog_xdbg", 1, ARGS(AS("d")));
	out = logged();
	CHECK(strstr(out, "INFO: <script>: i\n") != NULL, "xinfo");
	CHECK(strstr(out, "NOTICE: <script>: n\n") != NULL, "xnotice");
	CHECK(strstr(out, "WARNING: <script>: w\n") != NULL, "xwarn");
	CHECK(strstr(out, "ERROR: <script>: e\n") != NULL, "xerr");
	CHECK(strstr(out, "ALERT: <script>: a\n") != NULL, "xalert");
	CHECK(strstr(out, "CRITICAL: <script>: c\n") != NULL, "xcrit");
	CHECK(strstr(out, "BUG: <script>: b\n") != NULL, "xbug");
	CHECK(strstr(out, ": d\n") == NULL, "xdbg is filtered at level INFO");

	rt_log_level = RT_L_DBG;
	capture();
	call(m, "xlog_xdbg", 1, ARGS(AS("dbg $rm")));
	call(m, "xlog_xlogl", 1, ARGS(AS("with line")));
	call(m, "xlog_xlogl_2", 2, ARGS(AS("L_INFO"), AS("line info")));
	out = logged();
	CHECK(strstr(out, "DEBUG: <script>: dbg MESSAGE\n") != NULL, "xdbg at level DBG");
	CHECK(strstr(out, "ERROR: <script>: 10:with line\n") != NULL, "xlogl puts the script line first");
	CHECK(strstr(out, "INFO: <script>: 10:line info\n") != NULL, "xlogl(level, fmt)");

	rt_log_level = RT_L_CRIT;
	CHECK_INT(call(m, "xlog_2", 2, ARGS(AS("L_Z"), AS("x"))), -1000, "an unknown level fails to prepare");
	CHECK_INT(call(m, "xlog_2", 2, ARGS(AS("L_NOPE"), AS("x"))), 1, "Kamailio reads only the third letter: L_NOPE is L_NOTICE");
	CHECK_INT(call(m, "xlog", 1, ARGS(AS("$nosuch"))), -1000, "a bad format fails to prepare");
	close(logfd);
	msg_free(m);
	pv_worker_done();
	return summary();
}
