/* ast.h: the syntax tree of a routing script.
 *
 * Every node is allocated from one arena owned by the ast_script, so a parse
 * that fails halfway frees everything at once.  Every node carries its span:
 * the source it came from (a file, an include, a define expansion) and the
 * 1-based line and byte column of its first and last character.
 */
#ifndef ROUTEC_AST_H
#define ROUTEC_AST_H

#include <stddef.h>
#include <stdio.h>

/* Where a piece of text came from.  A file included from another file has
 * `parent` = the includer and `at` = the position of the include directive.
 * A define expansion has kind SRC_DEFINE, `parent` = the source of the use,
 * `at` = the position of the use, and `def_*` = where the define was written. */
typedef enum { SRC_FILE, SRC_DEFINE, SRC_CMDLINE } ast_src_kind;

typedef struct ast_pos {
	int line, col; /* 1-based; col counts bytes */
} ast_pos;

typedef struct ast_src ast_src;
struct ast_src {
	ast_src_kind kind;
	const char *name;   /* file path, or define name */
	const char *text;   /* the whole text (NUL-terminated), kept for carets */
	size_t len;
	const ast_src *parent;
	ast_pos at;         /* position in parent where this source was opened */
	const ast_src *def_src; /* SRC_DEFINE: where the #!define is */
	ast_pos def_at;
};

typedef struct ast_span {
	const ast_src *src;
	ast_pos beg, end; /* end is the last byte, inclusive */
} ast_span;

typedef enum {
	/* top level */
	AST_SCRIPT,      /* kids: top-level items in order */
	AST_PARAM,       /* str: name; a: value (AST_PVALUE) */
	AST_CFGVAR,      /* str: "group.var"; a: value; b: desc (AST_STR) or NULL */
	AST_PVALUE,      /* str: the value as written (normalized spacing); kids: atoms */
	AST_LOADMODULE,  /* a: AST_STR; op: 1 for loadmodulex */
	AST_LOADPATH,    /* a: AST_STR */
	AST_MODPARAM,    /* kids: module, param, value; op: 1 for modparamx */
	AST_FLAGSDECL,   /* kids: AST_FLAGDEF; op: 1 for avpflags */
	AST_FLAGDEF,     /* str: name; ival: bit or -1 */
	AST_CFGENGINE,   /* a: AST_STR */
	AST_ROUTE,       /* op: ast_route_kind; str: name ("0" = main); a: AST_BLOCK */
	/* statements */
	AST_BLOCK,       /* kids: statements */
	AST_IF,          /* a: cond; b: then; c: else or NULL */
	AST_WHILE,       /* a: cond; b: body */
	AST_SWITCH,      /* a: expr; kids: AST_CASE */
	AST_CASE,        /* a: label or NULL for default; op: 1 if regex case; kids: statements */
	AST_RETURN,      /* op: ast_flow; a: value or NULL */
	AST_BREAK,
	AST_ASSIGN,      /* a: lvalue (AST_PV); b: rvalue */
	AST_CALL,        /* str: function name; kids: arguments (also route(X), core commands) */
	AST_NOP,         /* a lone ';' */
	/* expressions */
	AST_INT,         /* ival */
	AST_STR,         /* str, slen (may hold NUL bytes from \x00) */
	AST_PV,          /* str: the pseudo-variable as written, "$ru", "$(hdr(X)[1])" */
	AST_UNOP,        /* op: ast_op; a */
	AST_BINOP,       /* op: ast_op; a, b */
	AST_SELVAL,      /* a: cond; b: then; c: else */
	AST_FIELD,       /* op: ast_field; a legacy message field: method, uri, src_ip ... */
	AST_MYSELF,      /* the keyword myself */
	AST_BAREWORD,    /* str: an identifier used as a value (flag names, INVITE, route names) */
	AST_IPV4,        /* str: dotted quad */
	AST_IPV6,        /* str: address, without brackets */
	AST_HOST,        /* str: dotted host name (example.com) */
	AST_SOCKADDR,    /* str: proto; a: host; b: port (AST_INT) or NULL;  udp:1.2.3.4:5060 */
	AST_HOSTPORT,    /* a: host; b: port (AST_INT or NULL) */
	AST_PROTO,       /* str: udp, tcp, tls, sctp, ws, wss or "*" */
	AST_ADVERTISE,   /* a: the advertised host[:port] (listen parameter value) */
	AST_SOCKNAME,    /* a: AST_STR, the `name "x"` part of a listen value */
	AST_VIRTUAL,     /* the `virtual` flag of a listen value */
	AST_MULTIHOST,   /* kids: hosts; (a, b) in a listen value */
	AST_KIND_COUNT
} ast_kind;

typedef enum {
	RT_KIND_REQUEST, /* request_route, route, route[NAME] */
	RT_KIND_REPLY,   /* reply_route, onreply_route (unnamed or [0]) */
	RT_KIND_ONREPLY, /* onreply_route[NAME] */
	RT_KIND_FAILURE,
	RT_KIND_BRANCH,
	RT_KIND_ONSEND,
	RT_KIND_EVENT
} ast_route_kind;

typedef enum { FLOW_RETURN, FLOW_EXIT, FLOW_DROP } ast_flow;

typedef enum {
	OP_NEG, OP_LNOT, OP_BNOT, OP_DEFINED, OP_STRLEN, OP_STREMPTY, OP_CAST_INT, OP_CAST_STR,
	OP_LOR, OP_LAND, OP_BOR, OP_BAND, OP_BXOR, OP_SHL, OP_SHR,
	OP_EQ, OP_NE, OP_MATCH, OP_STREQ, OP_STRNE, OP_INTEQ, OP_INTNE,
	OP_LT, OP_GT, OP_LE, OP_GE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_COUNT
} ast_op;

typedef enum {
	F_METHOD, F_URI, F_FROM_URI, F_TO_URI, F_SRC_IP, F_SRC_PORT, F_DST_IP, F_DST_PORT,
	F_SND_IP, F_SND_PORT, F_SND_PROTO, F_SND_AF, F_TO_IP, F_TO_PORT, F_TO_PROTO, F_TO_AF,
	F_PROTO, F_AF, F_MSGLEN, F_COUNT
} ast_field;

typedef struct ast_node ast_node;
typedef struct ast_list {
	ast_node **v;
	int n, cap;
} ast_list;

struct ast_node {
	ast_kind kind;
	int op;        /* ast_op, ast_route_kind, ast_flow, ast_field, or a flag */
	long ival;
	char *str;     /* NUL-terminated; slen is its length (strings may hold NUL) */
	size_t slen;
	ast_node *a, *b, *c;
	ast_list kids;
	ast_span span;
	int depth;     /* expressions: nesting below this node (the parser bounds it) */
};

/* A parsed script: its nodes, its sources and the arena that owns them. */
typedef struct ast_arena ast_arena;
typedef struct ast_script {
	ast_node *root;      /* AST_SCRIPT */
	ast_arena *arena;
	const char **files;  /* every file read, the main one first (in the arena) */
	int nfiles;
} ast_script;

ast_arena *ast_arena_new(void);
void ast_arena_free(ast_arena *a);
void *ast_alloc(ast_arena *a, size_t n); /* zeroed; never NULL (aborts only on OOM) */
char *ast_strndup(ast_arena *a, const char *s, size_t n);

ast_node *ast_new(ast_arena *a, ast_kind k, ast_span sp);
void ast_push(ast_arena *a, ast_list *l, ast_node *n);
ast_span ast_span_join(ast_span first, ast_span last);

const char *ast_kind_name(ast_kind k);
const char *ast_op_name(int op);        /* "==", "&&", "defined" ... */
const char *ast_field_name(int f);      /* "method", "src_ip" ... */
const char *ast_route_kind_name(int k); /* "request_route", "failure_route" ... */

/* Stable text form used by `routec dump-ast` and the golden tests. */
void ast_dump(FILE *out, const ast_node *n);

#endif
