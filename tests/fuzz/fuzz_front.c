/* fuzz_front.c: libFuzzer harness for the routec front end.
 *
 * Each input is parsed as a whole script with parse_text (preprocessor,
 * lexer, parser, parameter checks); the AST is dumped and the diagnostics are
 * printed in every format (gcc, JSON, SARIF), all into /dev/null, and
 * everything is freed, so ASan/UBSan and LeakSanitizer see every path
 * `routec check` and `routec dump-ast` take through the front end.
 *
 * Includes must not escape.  pp.c resolves `#!include_file "x"` against the
 * working directory first (then beside the including file, then -I
 * directories, of which there are none here).  LLVMFuzzerInitialize therefore
 * moves into a fresh empty directory (removed at once, so it stays empty),
 * so relative names find nothing; and
 * while an input is being parsed, fopen refuses absolute paths and paths with
 * a `..` component, so `/dev/zero`, `/etc/passwd` or `../../x` are never
 * opened either.  Since libFuzzer only reads its flags after
 * LLVMFuzzerInitialize, the relative paths on the command line (corpus
 * directories, -dict=, -artifact_prefix= ...) are made absolute before the
 * chdir.  argv[0] cannot be changed: run the binary by an absolute path for
 * modes that start it again (-minimize_crash=1, -fork, -jobs).
 *
 * tests/fuzz/replay_main.c links this file into a plain program that runs the
 * saved inputs (make test).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT, mkdtemp */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static char tmpdir[64];
static int parsing; /* fopen is guarded while this is set */

/* ---- the fopen guard ---------------------------------------------------- */

static int escapes(const char *path)
{
	if (path[0] == '/')
		return 1;
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
			return 1;
	return 0;
}

/* Interposes the C library's fopen for this program (pp.c's read_file and
 * file_exists are its only callers during a parse). */
FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);
	if (parsing && escapes(path)) {
		errno = EACCES;
		return NULL;
	}
	if (!real) {
		real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
		if (!real)
			abort();
	}
	return real(path, mode);
}

/* ---- setup --------------------------------------------------------------- */

static char *absolute(const char *cwd, const char *path)
{
	if (!path[0] || path[0] == '/')
		return NULL;
	size_t n = strlen(cwd) + strlen(path) + 2;
	char *s = malloc(n);
	if (!s)
		abort();
	snprintf(s, n, "%s/%s", cwd, path);
	return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	/* libFuzzer's path flags (and bare corpus/input paths), made absolute. */
	static const char *const path_flags[] = {
		"-dict=", "-artifact_prefix=", "-exact_artifact_path=", "-merge_control_file=",
		"-features_dir=", NULL,
	};
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		abort();
	if (argc && argv) {
		for (int i = 1; i < *argc; i++) {
			char *a = (*argv)[i], *abs = NULL;
			if (a[0] != '-') {
				abs = absolute(cwd, a);
			} else {
				for (int k = 0; path_flags[k]; k++) {
					size_t n = strlen(path_flags[k]);
					if (!strncmp(a, path_flags[k], n)) {
						char *rel = absolute(cwd, a + n);
						if (rel) {
							abs = malloc(n + strlen(rel) + 1);
							if (!abs)
								abort();
							memcpy(abs, a, n);
							strcpy(abs + n, rel);
							free(rel);
						}
						break;
					}
				}
			}
			if (abs)
				(*argv)[i] = abs; /* kept for the life of the process */
		}
	}
	free(cwd);
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/routec-fuzz-XXXXXX",
	         base && base[0] && strlen(base) < 40 ? base : "/tmp");
	/* Removed at once: a deleted working directory stays empty for good, and
	 * nothing is left behind when libFuzzer stops on a crash. */
	if (!mkdtemp(tmpdir) || chdir(tmpdir) != 0 || rmdir(tmpdir) != 0) {
		perror("fuzz_front: empty working directory");
		abort();
	}
	return 0;
}

/* ---- one input ------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull)
		LLVMFuzzerInitialize(NULL, NULL);
	diag_ctx d;
	diag_init(&d);
	ast_script s = { 0 };
	parse_opts o = { 0 };
	parsing = 1;
	parse_text("fuzz.cfg", (const char *)data, size, &o, &s, &d);
	parsing = 0;
	ast_dump(devnull, s.root);
	diag_print(&d, DIAG_FMT_GCC, devnull);
	diag_print(&d, DIAG_FMT_JSON, devnull);
	diag_print(&d, DIAG_FMT_SARIF, devnull);
	fflush(devnull);
	parse_free(&s);
	diag_free(&d);
	return 0;
}
