/* sema_pv.c: parsing and checking pseudo-variable specs. */
#include "sema_pv.h"

#include <ctype.h>
#include <string.h>

#include "sema_fn.h"

static const char *const *loaded_modules;
static int nloaded_modules = -1; /* < 0: not checked */

static int module_loaded(const char *module)
{
	if (nloaded_modules < 0 || !strcmp(module, "core"))
		return 1;
	for (int i = 0; i < nloaded_modules; i++)
		if (!strcmp(loaded_modules[i], module))
			return 1;
	return 0;
}

static int name_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Length of a balanced (...) or {...} group starting at s[0] == open, or 0. */
static size_t balanced(const char *s, size_t n, char open, char close)
{
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == open)
			depth++;
		else if (s[i] == close && --depth == 0)
			return i + 1;
	}
	return 0;
}

static void parse_tr(const char *s, size_t n, pv_tr *tr)
{
	/* s is the text between the braces: class.subtype[,param...] */
	const char *dot = memchr(s, '.', n);
	size_t clen = dot ? (size_t)(dot - s) : n;
	tr->cls = s;
	tr->cls_len = clen;
	tr->sub = dot ? dot + 1 : s + n;
	tr->nparams = 0;
	size_t i = dot ? clen + 1 : n;
	size_t sub_end = n;
	int depth = 0;
	for (; i < n; i++) {
		if (s[i] == '(' || s[i] == '{')
			depth++;
		else if (s[i] == ')' || s[i] == '}')
			depth--;
		else if (s[i] == ',' && depth == 0) {
			if (sub_end == n)
				sub_end = i;
			tr->nparams++;
		}
	}
	tr->sub_len = dot ? sub_end - (clen + 1) : 0;
}

int sema_pv_parse(const char *s, size_t n, pv_spec *o, const char **why)
{
	memset(o, 0, sizeof *o);
	*why = NULL;
	if (n < 2 || s[0] != '$') {
		*why = "a pseudo-variable starts with '$'";
		return -1;
	}
	size_t i = 1;
	int longform = s[1] == '(';
	if (longform)
		i = 2;
	if (i < n && s[i] == '?') { /* $? is $rc */
		o->name = s + i;
		o->name_len = 1;
		i++;
	} else {
		o->name = s + i;
		while (i < n && name_char((unsigned char)s[i]))
			i++;
		o->name_len = (size_t)(s + i - o->name);
	}
	if (!o->name_len) {
		*why = "a pseudo-variable name must follow '$'";
		return -1;
	}
	if (i < n && s[i] == '(') {
		size_t b = balanced(s + i, n - i, '(', ')');
		if (!b) {
			*why = "'(' has no matching ')'";
			return -1;
		}
		o->inner = s + i + 1;
		o->inner_len = b - 2;
		i += b;
	}
	if (!longform) {
		o->len = i;
		return 0;
	}
	if (i < n && s[i] == '[') {
		const char *e = memchr(s + i, ']', n - i);
		if (!e) {
			*why = "'[' has no matching ']'";
			return -1;
		}
		o->has_index = 1;
		i = (size_t)(e - s) + 1;
	}
	while (i < n && s[i] == '{') {
		size_t b = balanced(s + i, n - i, '{', '}');
		if (!b) {
			*why = "'{' has no matching '}'";
			return -1;
		}
		if (o->ntr == PV_MAX_TR) {
			*why = "too many transformations";
			return -1;
		}
		parse_tr(s + i + 1, b - 2, &o->tr[o->ntr++]);
		i += b;
	}
	if (i >= n || s[i] != ')') {
		*why = "expected ')' to close '$('";
		return -1;
	}
	o->len = i + 1;
	return 0;
}

/* Subtypes of the pv module's transformation classes (Kamailio 5.6,
 * src/modules/pv/pv_trans.c); other classes are checked by name only. */
static const char *const tr_s[] = {
	"len", "int", "md5", "sha256", "sha384", "sha512", "tolower", "toupper", "numeric",
	"trim", "rtrim", "ltrim", "rm", "substr", "select", "strip", "striptail", "stripto",
	"prefixes", "prefixes.quoted", "replace", "encode.hexa", "decode.hexa", "encode.7bit",
	"decode.7bit", "encode.base58", "decode.base58", "encode.base64", "decode.base64",
	"encode.base64t", "decode.base64t", "encode.base64url", "decode.base64url",
	"encode.base64urlt", "decode.base64urlt", "escape.common", "unescape.common",
	"escape.user", "unescape.user", "escape.param", "unescape.param", "escape.csv",
	"urlencode.param", "urldecode.param", "unquote", "unbracket", "count", "before", "after",
	"rbefore", "rafter", "corehash", "ftime", "fill.left", "fill.right", NULL,
};
static const char *const tr_uri[] = {
	"user", "host", "domain", "passwd", "port", "params", "param", "headers", "transport",
	"ttl", "uparam", "maddr", "method", "lr", "r2", "scheme", "tosocket", "saor", "suri",
	"duri", NULL,
};
static const char *const tr_param[] = { "value", "valueat", "name", "count", "in", NULL };
static const char *const tr_nameaddr[] = { "name", "uri", "len", NULL };
static const char *const tr_tobody[] = { "uri", "tag", "user", "host", "params", "display",
	                                     NULL };
static const char *const tr_line[] = { "count", "at", "sw", NULL };
static const char *const tr_urialias[] = { "encode", "decode", NULL };

static const struct {
	const char *cls;
	const char *const *subs;
} tr_subtypes[] = {
	{ "s", tr_s }, { "uri", tr_uri }, { "param", tr_param }, { "nameaddr", tr_nameaddr },
	{ "tobody", tr_tobody }, { "line", tr_line }, { "urialias", tr_urialias },
};

static int eq(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && !memcmp(a, b, n);
}

static void check_tr(diag_ctx *d, const pv_tr *tr, ast_span sp)
{
	char cls[32];
	if (tr->cls_len >= sizeof cls || !tr->cls_len) {
		diag_report(d, DIAG_ERROR, "pv", sp, "bad transformation '{%.*s}'",
		            (int)tr->cls_len, tr->cls);
		return;
	}
	memcpy(cls, tr->cls, tr->cls_len);
	cls[tr->cls_len] = 0;
	if (!sema_tr_known(cls)) {
		diag_report(d, DIAG_ERROR, "pv", sp, "unknown transformation class '%s'", cls);
		return;
	}
	if (!module_loaded(sema_tr_module(cls))) {
		/* Kamailio: "unknown transformation", "Can't get from cache" */
		diag *dg = diag_report(d, DIAG_ERROR, "module", sp,
		                       "transformation class '%s' needs module '%s', which is not loaded",
		                       cls, sema_tr_module(cls));
		diag_note_add(dg, sp, "add: loadmodule \"%s.so\"", sema_tr_module(cls));
		return;
	}
	for (size_t i = 0; i < sizeof tr_subtypes / sizeof tr_subtypes[0]; i++) {
		if (strcmp(tr_subtypes[i].cls, cls))
			continue;
		for (const char *const *s = tr_subtypes[i].subs; *s; s++)
			if (eq(tr->sub, tr->sub_len, *s))
				return;
		diag_report(d, DIAG_ERROR, "pv", sp, "unknown transformation '{%s.%.*s}'", cls,
		            (int)tr->sub_len, tr->sub);
	}
}

void pv_set_modules(const char *const *modules, int n)
{
	loaded_modules = modules;
	nloaded_modules = n;
}

/* 1 when a module exporting the class of `cls` is loaded (or none is known). */
static int class_loaded(const sema_pv *cls)
{
	for (const sema_pv *c = cls; c; c = sema_pv_next(c))
		if (module_loaded(c->module))
			return 1;
	return 0;
}

static void check_spec(diag_ctx *d, const pv_spec *p, ast_span sp, int write)
{
	char name[64];
	if (p->name_len >= sizeof name) {
		diag_report(d, DIAG_ERROR, "pv", sp, "pseudo-variable name too long");
		return;
	}
	memcpy(name, p->name, p->name_len);
	name[p->name_len] = 0;
	const sema_pv *cls = sema_pv_find(name);
	if (!cls) {
		diag_report(d, DIAG_ERROR, "pv", sp, "unknown pseudo-variable '$%s'", name);
		return;
	}
	if (!class_loaded(cls)) {
		/* Kamailio: "error searching pvar", "Can't get from cache" */
		diag *dg = diag_report(d, DIAG_ERROR, "module", sp,
		                       "'$%s' needs module '%s', which is not loaded", name, cls->module);
		diag_note_add(dg, sp, "add: loadmodule \"%s.so\"", cls->module);
		return;
	}
	if (cls->needs_name == 1 && !p->inner)
		diag_report(d, DIAG_ERROR, "pv", sp, "'$%s' needs a name in parentheses: $%s(...)", name,
		            name);
	else if (cls->needs_name == 0 && p->inner)
		diag_report(d, DIAG_ERROR, "pv", sp, "'$%s' takes no name in parentheses", name);
	for (int i = 0; i < p->ntr; i++)
		check_tr(d, &p->tr[i], sp);
	if (!write)
		return;
	if (!cls->writable)
		diag_report(d, DIAG_ERROR, "pv-readonly", sp,
		            "'$%s' is read-only: it cannot be assigned", name);
	else if (p->ntr)
		diag_report(d, DIAG_ERROR, "pv-readonly", sp,
		            "a pseudo-variable with a transformation cannot be assigned");
}

void sema_pv_check(diag_ctx *d, const char *text, size_t n, ast_span sp, int write)
{
	if (text[0] == '@') /* SER select: not checked */
		return;
	pv_spec p;
	const char *why;
	if (sema_pv_parse(text, n, &p, &why) < 0) {
		diag_report(d, DIAG_ERROR, "pv", sp, "bad pseudo-variable '%.*s': %s", (int)n, text,
		            why);
		return;
	}
	check_spec(d, &p, sp, write);
}

void sema_pv_check_format(diag_ctx *d, const char *text, size_t n, ast_span sp)
{
	for (size_t i = 0; i < n; i++) {
		if (text[i] != '$')
			continue;
		if (i + 1 < n && text[i + 1] == '$') {
			i++;
			continue;
		}
		/* A '$' not followed by a name or '(' is a literal dollar. */
		if (i + 1 >= n || !(name_char((unsigned char)text[i + 1]) || text[i + 1] == '(' ||
		                    text[i + 1] == '?'))
			continue;
		pv_spec p;
		const char *why;
		if (sema_pv_parse(text + i, n - i, &p, &why) < 0) {
			diag_report(d, DIAG_ERROR, "pv", sp, "bad pseudo-variable in format string: %s",
			            why);
			return;
		}
		/* "$ruri.user": take the dotted name only when it is a known class. */
		if (text[i + 1] != '(' && !p.inner && i + p.len < n && text[i + p.len] == '.') {
			size_t j = i + p.len + 1;
			while (j < n && name_char((unsigned char)text[j]))
				j++;
			char dotted[64];
			if (j - i - 1 < sizeof dotted) {
				memcpy(dotted, text + i + 1, j - i - 1);
				dotted[j - i - 1] = 0;
				if (sema_pv_find(dotted)) {
					p.name_len = j - i - 1;
					p.len = j - i;
				}
			}
		}
		check_spec(d, &p, sp, 0);
		i += p.len - 1;
	}
}
