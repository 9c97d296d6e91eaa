/* main.c: the routec command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "build.h"
#include "cg.h"
#include "core/fn.h"
#include "core/main.h"
#include "ctl.h"
#include "reload.h"
#include "doc.h"
#include "parse.h"
#include "sema.h"

#define ROUTEC_VERSION "0.1.0"

enum { EXIT_CLEAN = 0, EXIT_ERRORS = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
	fputs("usage: routec COMMAND [OPTIONS] FILE...\n"
	      "\n"
	      "commands:\n"
	      "  check FILE...      check scripts; diagnostics on stderr\n"
	      "  dump-ast FILE      print the syntax tree\n"
	      "  emit-c FILE        print the C the script compiles to\n"
	      "  run FILE           compile in memory (libtcc) and serve\n"
	      "  build FILE -o OUT  compile with the system C compiler into a proxy binary\n"
	      "  ctl METHOD [ARGS]  ask a running proxy (JSON-RPC; 'routec ctl -h')\n"
	      "  doc modules        print docs/modules.md (from the exports tables)\n"
	      "  help               this text\n"
	      "  --version          print the version\n"
	      "\n"
	      "options:\n"
	      "  -I DIR             also search DIR for included files\n"
	      "  -D NAME[=VALUE]    define NAME, like '#!define' (Kamailio's -A)\n"
	      "  --syntax-only      check: stop after preprocessing and parsing\n"
	      "  --format=gcc|json|sarif  check: diagnostics format (default gcc)\n"
	      "  --require-runtime  check: calls the runtime cannot run are errors\n"
	      "  -Werror            check: treat warnings as errors\n"
	      "  -Werror=RULE, -WRULE, -Wno-RULE   one warning as error, on, off\n"
	      "  -o FILE            build: the binary to write\n"
	      "  -l ADDR, -n N, -E, -d   run: listen address, workers, log to stderr, more debug\n"
	      "  -f FILE            the script (as Kamailio's -f)\n"
	      "  -c                 run: check and compile, then exit (as Kamailio's -c)\n"
	      "  --watch            run: reload when the script or a file it includes changes\n"
	      "                     (also on SIGHUP and 'routec ctl cfg.reload'; docs/reload.md)\n"
	      "\n"
	      "exit status: 0 no error, 1 errors in a script, 2 usage or I/O problem\n",
	      out);
}

typedef struct cli {
	const char *cmd;
	const char **files;
	int nfiles;
	const char **incdirs;
	int nincdirs;
	const char **defines;
	int ndefines;
	int syntax_only;
	int require_runtime;
	int werror;
	const char **wopts; /* -W options, applied in order */
	int nwopts;
	const char *output; /* build -o */
	int check_only;     /* run -c */
	int watch;          /* run --watch */
	rt_cmdline rt;      /* run: -l -n -E -d */
	diag_format fmt;
} cli;

static int push_arg(const char ***v, int *n, const char *s)
{
	const char **nv = realloc(*v, (size_t)(*n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

/* Returns 0, or EXIT_USAGE after printing what is wrong. */
static int parse_args(int argc, char **argv, cli *c)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (!strcmp(a, "-I") || !strcmp(a, "-D")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "routec: '%s' needs an argument\n", a);
				return EXIT_USAGE;
			}
			val = argv[++i];
		} else if ((!strncmp(a, "-I", 2) || !strncmp(a, "-D", 2)) && a[2]) {
			val = a + 2;
		}
		if (val) {
			if (a[1] == 'I')
				push_arg(&c->incdirs, &c->nincdirs, val);
			else
				push_arg(&c->defines, &c->ndefines, val);
		} else if (!strcmp(a, "-f") && i + 1 < argc) {
			push_arg(&c->files, &c->nfiles, argv[++i]); /* Kamailio's -f FILE */
		} else if (!strcmp(a, "-c")) {
			c->check_only = 1; /* Kamailio's -c: check, compile, exit */
		} else if (!strcmp(a, "--watch")) {
			c->watch = 1;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			c->output = argv[++i];
		} else if (!strcmp(a, "-l") && i + 1 < argc) {
			if (c->rt.nlisten < RT_MAX_SOCKS - 1)
				c->rt.listen[c->rt.nlisten++] = argv[++i];
		} else if (!strcmp(a, "-n") && i + 1 < argc) {
			c->rt.children = atoi(argv[++i]);
		} else if (!strcmp(a, "-E")) {
			c->rt.log_stderr = 1;
		} else if (!strcmp(a, "-d")) {
			c->rt.debug_bump++;
		} else if (!strcmp(a, "--syntax-only")) {
			c->syntax_only = 1;
		} else if (!strcmp(a, "-Werror")) {
			c->werror = 1;
		} else if (!strncmp(a, "-W", 2) && a[2]) {
			push_arg(&c->wopts, &c->nwopts, a + 2);
		} else if (!strcmp(a, "--require-runtime")) {
			c->require_runtime = 1;
		} else if (!strcmp(a, "--format=sarif")) {
			c->fmt = DIAG_FMT_SARIF;
		} else if (!strcmp(a, "--format=gcc")) {
			c->fmt = DIAG_FMT_GCC;
		} else if (!strcmp(a, "--format=json")) {
			c->fmt = DIAG_FMT_JSON;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "routec: unknown option '%s' (see 'routec help')\n", a);
			return EXIT_USAGE;
		} else {
			push_arg(&c->files, &c->nfiles, a);
		}
	}
	if (!c->nfiles) {
		fprintf(stderr, "routec: %s: no script given (see 'routec help')\n", c->cmd);
		return EXIT_USAGE;
	}
	return 0;
}

/* Parses one file; prints its diagnostics. Returns the exit status. */
static int ndoc; /* diagnostics printed so far in the JSON/SARIF document */

static int check_one(const cli *c, const char *file, int dump)
{
	diag_ctx d;
	diag_init(&d);
	d.werror = c->werror;
	for (int i = 0; i < c->nwopts; i++) {
		const char *w = c->wopts[i];
		if (!strncmp(w, "error=", 6))
			diag_set_rule(&d, w + 6, DIAG_RULE_ERROR);
		else if (!strncmp(w, "no-", 3))
			diag_set_rule(&d, w + 3, DIAG_RULE_OFF);
		else
			diag_set_rule(&d, w, DIAG_RULE_ON);
	}
	parse_opts o = { c->incdirs, c->nincdirs, c->defines, c->ndefines };
	ast_script s = { 0 };
	parse_file(file, &o, &s, &d);
	int io_error = !s.root;
	if (!dump && !c->syntax_only && s.root) {
		sema_opts so = { .require_runtime = c->require_runtime };
		sema_check(s.root, &d, &so);
	}
	if (dump && s.root && !d.errors)
		ast_dump(stdout, s.root);
	diag_doc_items(&d, c->fmt, stderr, &ndoc);
	int rc = io_error ? EXIT_USAGE : d.errors ? EXIT_ERRORS : EXIT_CLEAN;
	parse_free(&s);
	diag_free(&d);
	return rc;
}

/* Parse and check one script; on success *s holds it. Prints diagnostics. */
static int front(const cli *c, const char *file, ast_script *s, diag_ctx *d)
{
	parse_opts o = { c->incdirs, c->nincdirs, c->defines, c->ndefines };
	parse_file(file, &o, s, d);
	if (s->root && !d->errors) {
		sema_opts so = { .require_runtime = 1 };
		sema_check(s->root, d, &so);
	}
	if (!s->root)
		return EXIT_USAGE;
	return d->errors ? EXIT_ERRORS : EXIT_CLEAN;
}

static int runtime_has(const char *csym)
{
	return rt_fn_find(csym) != NULL;
}

/* Check and generate; *out holds the C.  Prints diagnostics. */
static int compile(const cli *c, int header, cg_out *out)
{
	diag_ctx d;
	diag_init(&d);
	ast_script s = { 0 };
	memset(out, 0, sizeof *out);
	int rc = front(c, c->files[0], &s, &d);
	if (rc == EXIT_CLEAN) {
		cg_opts co = { .include_header = header };
		if (cg_generate(s.root, &co, &d, out) < 0)
			rc = EXIT_ERRORS;
		/* The tables list what Kamailio exports; the runtime says what it
		 * implements.  Report a gap at the call, not as a link error. */
		for (int i = 0; i < out->nuses; i++)
			if (!rt_fn_find(out->uses[i].csym)) {
				diag_report(&d, DIAG_ERROR, "runtime", out->uses[i].span,
				            "'%s' is not implemented by routec's runtime yet: the script can "
				            "be checked but not compiled",
				            out->uses[i].csym);
				rc = EXIT_ERRORS;
			}
	}
	diag_print(&d, c->fmt, stderr);
	parse_free(&s);
	diag_free(&d);
	return rc;
}

static int emit_c(const cli *c)
{
	cg_out out;
	int rc = compile(c, 1, &out);
	if (rc == EXIT_CLEAN)
		fwrite(out.c, 1, out.len, stdout);
	cg_out_free(&out);
	return rc;
}

/* routec run: compile, serve, reload (reload.c). */
static int run_script(const cli *c)
{
	rl_opts o = { .file = c->files[0], .incdirs = c->incdirs, .nincdirs = c->nincdirs,
	              .defines = c->defines, .ndefines = c->ndefines, .rt = c->rt,
	              .watch = c->watch, .check_only = c->check_only, .fmt = c->fmt };
	return rl_serve(&o);
}

static int build_script(const cli *c)
{
	if (!c->output) {
		fprintf(stderr, "routec: build needs -o OUTPUT\n");
		return EXIT_USAGE;
	}
	cg_out out;
	int rc = compile(c, 1, &out);
	if (rc == EXIT_CLEAN) {
		diag_ctx d;
		diag_init(&d);
		const char *cc = getenv("CC");
		if (build_binary(out.c, out.len, c->output, cc && *cc ? cc : "cc", 0, &d) < 0)
			rc = EXIT_ERRORS;
		diag_print(&d, c->fmt, stderr);
		diag_free(&d);
	}
	cg_out_free(&out);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("routec %s (Kamailio 5.6 script language)\n", ROUTEC_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "ctl"))
		return ctl_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "doc")) {
		if (argc != 3 || strcmp(argv[2], "modules")) {
			fprintf(stderr, "routec: usage: routec doc modules\n");
			return EXIT_USAGE;
		}
		doc_modules(stdout, runtime_has);
		return 0;
	}
	cli c = { .cmd = cmd, .fmt = DIAG_FMT_GCC };
	int rc;
	if (!strcmp(cmd, "run") || !strcmp(cmd, "build")) {
		rc = parse_args(argc, argv, &c);
		if (!rc)
			rc = cmd[0] == 'r' ? run_script(&c) : build_script(&c);
	} else if (!strcmp(cmd, "emit-c")) {
		rc = parse_args(argc, argv, &c);
		if (!rc)
			rc = emit_c(&c);
	} else if (!strcmp(cmd, "check") || !strcmp(cmd, "dump-ast")) {
		rc = parse_args(argc, argv, &c);
		if (!rc) {
			int dump = !strcmp(cmd, "dump-ast");
			diag_doc_begin(c.fmt, stderr);
			for (int i = 0; i < c.nfiles; i++) {
				int r = check_one(&c, c.files[i], dump);
				if (r > rc)
					rc = r;
			}
			diag_doc_end(c.fmt, stderr);
		}
	} else {
		fprintf(stderr, "routec: unknown command '%s' (see 'routec help')\n", cmd);
		rc = EXIT_USAGE;
	}
	free(c.files);
	free(c.incdirs);
	free(c.defines);
	free(c.wopts);
	return rc;
}
