/* ast.c: arena, node constructors, names and the stable text dump. */
#include "ast.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The arena is a list of chunks; a node is never freed alone. */
typedef struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
} chunk;

struct ast_arena {
	chunk *head;
};

ast_arena *ast_arena_new(void)
{
	ast_arena *a = calloc(1, sizeof *a);
	if (!a)
		abort();
	return a;
}

void ast_arena_free(ast_arena *a)
{
	if (!a)
		return;
	for (chunk *c = a->head, *nx; c; c = nx) {
		nx = c->next;
		free(c);
	}
	free(a);
}

void *ast_alloc(ast_arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t sz = n > 32768 ? n : 32768;
		c = malloc(sizeof *c + sz);
		if (!c)
			abort(); /* out of memory is not bad input */
		c->size = sz;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *ast_strndup(ast_arena *a, const char *s, size_t n)
{
	char *d = ast_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

ast_node *ast_new(ast_arena *a, ast_kind k, ast_span sp)
{
	ast_node *n = ast_alloc(a, sizeof *n);
	n->kind = k;
	n->span = sp;
	return n;
}

void ast_push(ast_arena *a, ast_list *l, ast_node *n)
{
	if (!n)
		return;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		ast_node **v = ast_alloc(a, (size_t)cap * sizeof *v);
		if (l->n)
			memcpy(v, l->v, (size_t)l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
}

/* A span from the start of `first` to the end of `last`, when both come from
 * the same source; otherwise the first one (a construct spread over a define
 * expansion and its surroundings points at its start). */
ast_span ast_span_join(ast_span first, ast_span last)
{
	if (first.src == last.src)
		first.end = last.end;
	return first;
}

static const char *const kind_names[AST_KIND_COUNT] = {
	[AST_SCRIPT] = "script", [AST_PARAM] = "param", [AST_CFGVAR] = "cfgvar",
	[AST_PVALUE] = "value", [AST_LOADMODULE] = "loadmodule", [AST_LOADPATH] = "loadpath",
	[AST_MODPARAM] = "modparam", [AST_FLAGSDECL] = "flags", [AST_FLAGDEF] = "flag",
	[AST_CFGENGINE] = "cfgengine", [AST_ROUTE] = "route", [AST_BLOCK] = "block",
	[AST_IF] = "if", [AST_WHILE] = "while", [AST_SWITCH] = "switch", [AST_CASE] = "case",
	[AST_RETURN] = "return", [AST_BREAK] = "break", [AST_ASSIGN] = "assign",
	[AST_CALL] = "call", [AST_NOP] = "nop", [AST_INT] = "int", [AST_STR] = "str",
	[AST_PV] = "pv", [AST_UNOP] = "unop", [AST_BINOP] = "binop", [AST_SELVAL] = "selval",
	[AST_FIELD] = "field", [AST_MYSELF] = "myself", [AST_BAREWORD] = "word",
	[AST_IPV4] = "ipv4", [AST_IPV6] = "ipv6", [AST_HOST] = "host",
	[AST_SOCKADDR] = "sockaddr", [AST_HOSTPORT] = "hostport", [AST_PROTO] = "proto",
	[AST_ADVERTISE] = "advertise", [AST_SOCKNAME] = "name", [AST_VIRTUAL] = "virtual",
	[AST_MULTIHOST] = "multihost",
};

const char *ast_kind_name(ast_kind k)
{
	return (unsigned)k < AST_KIND_COUNT && kind_names[k] ? kind_names[k] : "?";
}

static const char *const op_names[OP_COUNT] = {
	[OP_NEG] = "-", [OP_LNOT] = "!", [OP_BNOT] = "~", [OP_DEFINED] = "defined",
	[OP_STRLEN] = "strlen", [OP_STREMPTY] = "strempty", [OP_CAST_INT] = "(int)",
	[OP_CAST_STR] = "(str)", [OP_LOR] = "||", [OP_LAND] = "&&", [OP_BOR] = "|",
	[OP_BAND] = "&", [OP_BXOR] = "^", [OP_SHL] = "<<", [OP_SHR] = ">>", [OP_EQ] = "==",
	[OP_NE] = "!=", [OP_MATCH] = "=~", [OP_STREQ] = "eq", [OP_STRNE] = "ne",
	[OP_INTEQ] = "ieq", [OP_INTNE] = "ine", [OP_LT] = "<", [OP_GT] = ">", [OP_LE] = "<=",
	[OP_GE] = ">=", [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
	[OP_MOD] = "mod",
};

const char *ast_op_name(int op)
{
	return (unsigned)op < OP_COUNT && op_names[op] ? op_names[op] : "?";
}

static const char *const field_names[F_COUNT] = {
	[F_METHOD] = "method", [F_URI] = "uri", [F_FROM_URI] = "from_uri",
	[F_TO_URI] = "to_uri", [F_SRC_IP] = "src_ip", [F_SRC_PORT] = "src_port",
	[F_DST_IP] = "dst_ip", [F_DST_PORT] = "dst_port", [F_SND_IP] = "snd_ip",
	[F_SND_PORT] = "snd_port", [F_SND_PROTO] = "snd_proto", [F_SND_AF] = "snd_af",
	[F_TO_IP] = "to_ip", [F_TO_PORT] = "to_port", [F_TO_PROTO] = "to_proto",
	[F_TO_AF] = "to_af", [F_PROTO] = "proto", [F_AF] = "af", [F_MSGLEN] = "msg:len",
};

const char *ast_field_name(int f)
{
	return (unsigned)f < F_COUNT && field_names[f] ? field_names[f] : "?";
}

const char *ast_route_kind_name(int k)
{
	switch (k) {
	case RT_KIND_REQUEST: return "request_route";
	case RT_KIND_REPLY: return "reply_route";
	case RT_KIND_ONREPLY: return "onreply_route";
	case RT_KIND_FAILURE: return "failure_route";
	case RT_KIND_BRANCH: return "branch_route";
	case RT_KIND_ONSEND: return "onsend_route";
	case RT_KIND_EVENT: return "event_route";
	}
	return "?";
}

/* Strings are dumped C-escaped so the dump is one line per node. */
static void dump_str(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (ch < 0x20 || ch >= 0x7f)
				fprintf(out, "\\x%02x", ch);
			else
				fputc(ch, out);
		}
	}
	fputc('"', out);
}

static void dump_rec(FILE *out, const ast_node *n, int depth, const char *role);

static void dump_child(FILE *out, const ast_node *n, int depth, const char *role)
{
	if (n)
		dump_rec(out, n, depth, role);
}

static void dump_rec(FILE *out, const ast_node *n, int depth, const char *role)
{
	fprintf(out, "%*s", depth * 2, "");
	if (role)
		fprintf(out, "%s: ", role);
	fprintf(out, "%s", ast_kind_name(n->kind));
	switch (n->kind) {
	case AST_ROUTE:
		fprintf(out, " %s ", ast_route_kind_name(n->op));
		dump_str(out, n->str, n->slen);
		break;
	case AST_RETURN:
		fprintf(out, " %s", n->op == FLOW_EXIT ? "exit" : n->op == FLOW_DROP ? "drop" : "return");
		break;
	case AST_UNOP:
	case AST_BINOP:
		fprintf(out, " %s", ast_op_name(n->op));
		break;
	case AST_FIELD:
		fprintf(out, " %s", ast_field_name(n->op));
		break;
	case AST_INT:
		fprintf(out, " %ld", n->ival);
		break;
	case AST_FLAGDEF:
		fprintf(out, " %s %ld", n->str, n->ival);
		break;
	case AST_CASE:
		fprintf(out, "%s", !n->a ? " default" : n->op ? " regex" : "");
		break;
	case AST_LOADMODULE:
	case AST_MODPARAM:
		if (n->op)
			fputs(" x", out);
		break;
	case AST_FLAGSDECL:
		if (n->op)
			fputs(" avp", out);
		break;
	default:
		if (n->str) {
			fputc(' ', out);
			dump_str(out, n->str, n->slen);
		}
	}
	fprintf(out, " @%d:%d", n->span.beg.line, n->span.beg.col);
	if (n->span.src && n->span.src->kind == SRC_DEFINE)
		fprintf(out, " (from %s)", n->span.src->name);
	else if (n->span.src && n->span.src->parent) /* an included file */
		fprintf(out, " (in %s)", n->span.src->name);
	fputc('\n', out);
	if (n->kind == AST_IF) {
		dump_child(out, n->a, depth + 1, "cond");
		dump_child(out, n->b, depth + 1, "then");
		dump_child(out, n->c, depth + 1, "else");
	} else {
		dump_child(out, n->a, depth + 1, NULL);
		dump_child(out, n->b, depth + 1, NULL);
		dump_child(out, n->c, depth + 1, NULL);
	}
	for (int i = 0; i < n->kids.n; i++)
		dump_rec(out, n->kids.v[i], depth + 1, NULL);
}

void ast_dump(FILE *out, const ast_node *n)
{
	if (n)
		dump_rec(out, n, 0, NULL);
}
