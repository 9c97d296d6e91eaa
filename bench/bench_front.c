/* bench_front.c: how long the front end (preprocess + parse) takes on one file.
 *
 *   bench-front [-n RUNS] [-w WARMUP] [FILE]
 *       runs parse_file on FILE (default /etc/kamailio/kamailio.cfg) WARMUP
 *       times untimed, then RUNS times timed, in this process, and prints
 *       min / median / p90 in ms, and the time of the first (cold) parse.
 *   bench-front --exec RUNS CMD [ARG...]
 *       runs CMD as a whole process RUNS times (after one untimed run),
 *       stdin/stdout/stderr on /dev/null, and prints the same figures of the
 *       wall time from spawn to exit.  Used by bench/run.sh for `kamailio -c`
 *       and `routec check`, so both sides are timed the same way.
 *
 * Both modes print one line; bench/run.sh reads its "min X", "median X"...
 * fields.
 * A figure is only honest if the run did what we think: the front end must
 * report no error, the command must exit 0.  Otherwise this says so and exits 1.
 * Timings use CLOCK_MONOTONIC; nothing here is a pass/fail test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "parse.h"

#define DEFAULT_FILE "/etc/kamailio/kamailio.cfg"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array (p in 0..100). */
static double pct(const double *v, int n, int p)
{
	int k = (p * n + 99) / 100; /* ceil(p/100 * n), 1-based */
	if (k < 1)
		k = 1;
	return v[k - 1];
}

static void print_figures(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	double med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("min %.3f ms, median %.3f ms, p90 %.3f ms, %d runs", t[0], med, pct(t, n, 90), n);
}

static int parse_count(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 1000000) {
		fprintf(stderr, "bench-front: bad count '%s'\n", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Lines and bytes of the top file (not its includes), as `wc -lc` counts them. */
static int file_size(const char *path, long *lines, long *bytes)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char buf[65536];
	size_t k;
	*lines = *bytes = 0;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
		*bytes += (long)k;
		for (size_t i = 0; i < k; i++)
			*lines += buf[i] == '\n';
	}
	fclose(f);
	return 0;
}

/* One preprocess + parse + free.  Returns the number of errors, -1 on I/O failure. */
static int front_once(const char *path, int print_diags)
{
	diag_ctx d;
	diag_init(&d);
	parse_opts o = { 0 };
	ast_script s = { 0 };
	parse_file(path, &o, &s, &d);
	int rc = !s.root ? -1 : d.errors;
	if (print_diags && rc)
		diag_print(&d, DIAG_FMT_GCC, stderr);
	parse_free(&s);
	diag_free(&d);
	return rc;
}

static int bench_front(const char *path, int runs, int warmup)
{
	long lines, bytes;
	if (file_size(path, &lines, &bytes) < 0) {
		fprintf(stderr, "bench-front: %s: %s\n", path, strerror(errno));
		return 1;
	}
	double first = now_ms();
	int rc = front_once(path, 1);
	first = now_ms() - first;
	if (rc) {
		fprintf(stderr, "bench-front: %s: the front end reported %s; no figure\n", path,
		        rc < 0 ? "an I/O error" : "errors");
		return 1;
	}
	for (int i = 1; i < warmup; i++)
		front_once(path, 0);
	double *t = malloc((size_t)runs * sizeof *t);
	if (!t)
		return 1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		front_once(path, 0);
		t[i] = now_ms() - t0;
	}
	printf("front end (preprocess+parse, in process): %s (%ld lines, %ld bytes): ", path,
	       lines, bytes);
	print_figures(t, runs);
	printf(" (first run %.3f ms)\n", first);
	free(t);
	return 0;
}

/* Runs argv once with stdin/stdout/stderr on /dev/null; returns its wall time
 * in ms, or -1 when it could not start or did not exit 0.  posix_spawn (a
 * vfork-style clone in glibc) keeps our own start-up cost out of the figure. */
static double exec_once(char **argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
	double t0 = now_ms();
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -1;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	double dt = now_ms() - t0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? dt : -1;
}

static int bench_exec(int runs, char **argv)
{
	if (exec_once(argv) < 0) { /* warm-up: page cache, dynamic loader */
		fprintf(stderr, "bench-front: '%s' did not exit 0; no figure\n", argv[0]);
		return 1;
	}
	double *t = malloc((size_t)runs * sizeof *t);
	if (!t)
		return 1;
	for (int i = 0; i < runs; i++) {
		if ((t[i] = exec_once(argv)) < 0) {
			fprintf(stderr, "bench-front: '%s' did not exit 0 on run %d; no figure\n",
			        argv[0], i + 1);
			free(t);
			return 1;
		}
	}
	printf("process:");
	for (char **a = argv; *a; a++)
		printf(" %s", *a);
	printf(": ");
	print_figures(t, runs);
	printf("\n");
	free(t);
	return 0;
}

static void usage(void)
{
	fputs("usage: bench-front [-n RUNS] [-w WARMUP] [FILE]\n"
	      "       bench-front --exec RUNS CMD [ARG...]\n",
	      stderr);
}

int main(int argc, char **argv)
{
	int runs = 200, warmup = 20;
	const char *path = DEFAULT_FILE;
	if (argc >= 2 && !strcmp(argv[1], "--exec")) {
		if (argc < 4 || parse_count(argv[2], &runs) < 0) {
			usage();
			return 2;
		}
		return bench_exec(runs, argv + 3);
	}
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-n") || !strcmp(argv[i], "-w")) && i + 1 < argc) {
			if (parse_count(argv[i + 1], argv[i][1] == 'n' ? &runs : &warmup) < 0)
				return 2;
			i++;
		} else if (argv[i][0] == '-') {
			usage();
			return 2;
		} else {
			path = argv[i];
		}
	}
	return bench_front(path, runs, warmup);
}
