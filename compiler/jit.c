/* jit.c: compiling generated C in memory with libtcc.
 *
 * Debian's libtcc 0.9.27 serialises compiles with one process-wide lock and
 * keeps global state, so one TCCState belongs to one generation and is only
 * used here.  The generated code includes nothing: the text of routec.h is
 * compiled in front of it, and every function it may call (the rc_ ABI and
 * the modules' functions) is handed over with tcc_add_symbol, so the code
 * links against this very process.
 *
 * The code is relocated into a mapping of its own and the TCCState is freed
 * at once: a generation then costs only its code, and freeing it unmaps
 * everything (relocated into malloc'd memory, as TCC_RELOCATE_AUTO does,
 * tcc makes heap pages executable, and a thousand reloads leave the heap
 * cut into pieces that never go back to the system). */
#include "jit.h"

#include <libtcc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/fn.h"

extern const char jit_header[]; /* runtime/include/routec.h, embedded by the Makefile */

/* The rc_ ABI (routec.h), by name. */
static const struct {
	const char *name;
	const void *fn;
} abi[] = {
#define ABI(f) { #f, (const void *)f },
	ABI(rc_fn_prepare) ABI(rc_pv_prepare) ABI(rc_fmt_prepare) ABI(rc_re_prepare)
	ABI(rc_pv_get) ABI(rc_pv_set) ABI(rc_pv_defined) ABI(rc_fmt_eval) ABI(rc_v_int)
	ABI(rc_v_str) ABI(rc_v_add) ABI(rc_v_eq) ABI(rc_v_streq) ABI(rc_v_match)
	ABI(rc_v_match_dyn) ABI(rc_v_div) ABI(rc_v_mod) ABI(rc_field_cmp) ABI(rc_field_myself)
	ABI(rc_field_ipnet) ABI(rc_str_eq) ABI(rc_tmp) ABI(rc_script_error)
#undef ABI
};

typedef struct err_sink {
	diag_ctx *d;
	int reported;
} err_sink;

/* A compile error in generated C is routec's bug, never the script's. */
static void on_error(void *opaque, const char *msg)
{
	err_sink *e = opaque;
	if (e->reported++ < 5) {
		ast_span none = { 0 };
		diag_report(e->d, DIAG_ERROR, "internal", none,
		            "internal error: the generated C did not compile (a bug in routec, please "
		            "report it with the script): %s",
		            msg);
	}
}

static void add_fn(const rt_fn *f, void *arg)
{
	tcc_add_symbol(arg, f->csym, (const void *)f->fn);
}

int jit_compile(const char *src, diag_ctx *d, jit_unit *out)
{
	memset(out, 0, sizeof *out);
	TCCState *s = tcc_new();
	if (!s)
		return -1;
	err_sink e = { d, 0 };
	tcc_set_error_func(s, &e, on_error);
	tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
	tcc_set_options(s, "-O2 -nostdlib");
	for (size_t i = 0; i < sizeof abi / sizeof abi[0]; i++)
		tcc_add_symbol(s, abi[i].name, abi[i].fn);
	rt_fn_each(add_fn, s);
	/* struct copies may become calls to these */
	tcc_add_symbol(s, "memmove", (const void *)memmove);
	tcc_add_symbol(s, "memcpy", (const void *)memcpy);
	tcc_add_symbol(s, "memset", (const void *)memset);
	size_t hl = strlen(jit_header), sl = strlen(src);
	char *all = malloc(hl + sl + 1);
	if (!all)
		abort();
	memcpy(all, jit_header, hl);
	memcpy(all + hl, src, sl + 1);
	int rc = tcc_compile_string(s, all);
	free(all);
	int size = rc < 0 ? -1 : tcc_relocate(s, NULL);
	void *mem = MAP_FAILED;
	size_t len = 0;
	if (size > 0) {
		long pg = sysconf(_SC_PAGESIZE);
		len = ((size_t)size + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (mem == MAP_FAILED || tcc_relocate(s, mem) < 0) {
		if (!e.reported)
			on_error(&e, mem == MAP_FAILED && size > 0 ? "no memory for the code"
			                                           : "tcc failed without a message");
		if (mem != MAP_FAILED)
			munmap(mem, len);
		tcc_delete(s);
		return -1;
	}
	out->def = tcc_get_symbol(s, "rc_script");
	tcc_delete(s); /* the code and data are in mem now */
	if (!out->def) {
		on_error(&e, "no rc_script symbol");
		munmap(mem, len);
		return -1;
	}
	out->code = mem;
	out->size = len;
	return 0;
}

void jit_free(jit_unit *u)
{
	if (u->code)
		munmap(u->code, u->size);
	memset(u, 0, sizeof *u);
}
