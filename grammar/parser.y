/* parser.y: the grammar of Kamailio 5.6 routing scripts, building the AST.
 *
 * Precedence follows Kamailio's cfg.y (bitwise operators bind looser than
 * comparisons, '^' tighter than '&', '>>' tighter than '<<').  Errors are
 * recovered per statement (up to ';' or the closing '}') and per top-level
 * item, so one run reports every independent error.
 */
%code requires {
#include "ast.h"
#include "pp.h"
typedef struct parse_ctx parse_ctx;
}

%code provides {
int yyparse(parse_ctx *ctx);
}

%code {
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "params.h"

struct parse_ctx {
	pp_ctx *pp;
	ast_arena *arena;
	diag_ctx *diags;
	ast_node *root;
	ast_span prev, cur; /* the last two tokens read */
	int prev_code, cur_code;
	const char *prev_text, *cur_text;
	int too_deep;       /* "expression nested too deeply" was reported */
	ast_span open_brace[16]; /* the '{' not closed yet (innermost last) */
	int nopen;               /* how many; may exceed the array */
};

#define YYLLOC_DEFAULT(Cur, Rhs, N) do { \
	if (N) (Cur) = ast_span_join(YYRHSLOC(Rhs, 1), YYRHSLOC(Rhs, N)); \
	else { (Cur).src = YYRHSLOC(Rhs, 0).src; (Cur).beg = (Cur).end = YYRHSLOC(Rhs, 0).end; } \
} while (0)

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, parse_ctx *ctx);
static ast_node *mk(parse_ctx *ctx, ast_kind k, ast_span sp);
static ast_node *mk_str(parse_ctx *ctx, ast_kind k, const char *s, size_t n, ast_span sp);
static ast_node *mk_op(parse_ctx *ctx, ast_kind k, int op, ast_node *a, ast_node *b, ast_span sp);
static ast_node *mk_int(parse_ctx *ctx, long v, ast_span sp);
static ast_node *mk_route(parse_ctx *ctx, int kind, ast_node *name, ast_node *body, ast_span sp);
static ast_node *mk_flow(parse_ctx *ctx, int flow, ast_node *val, ast_span sp);
static void onsend_fields(parse_ctx *ctx, const ast_node *n);
static ast_node *mk_bare_call(parse_ctx *ctx, const char *name, ast_span sp);
static ast_node *mk_field_cmp(parse_ctx *ctx, int field, ast_span fsp, int op, ast_span opsp,
                              ast_node *rhs, ast_span sp);
static void check_field_cmp(parse_ctx *ctx, int field, int op, ast_span opsp,
                            const ast_node *other, int myself_first);
static ast_node *mk_call(parse_ctx *ctx, const char *name, ast_node *args, ast_span sp);
static void define_mod(parse_ctx *ctx, const char *path);
static void check_values(parse_ctx *ctx);
static void reserved_name(parse_ctx *ctx, const ast_node *name);
static void yyerror(YYLTYPE *loc, parse_ctx *ctx, const char *msg);
static ast_node *host_append(parse_ctx *ctx, ast_node *h, char sep, const char *s, size_t n, ast_span sp);
static void err(parse_ctx *ctx, ast_span sp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
}

%define api.pure full
%define api.location.type {ast_span}
%define parse.error custom
%locations
%param {parse_ctx *ctx}
%expect 0

%union {
	long num;
	struct { char *s; size_t len; } str;
	ast_node *node;
	int op;
}

%token <num> NUMBER "number" FIELD "message field"
%token <str> STRING "string" PVAR "pseudo-variable" ID "identifier" IPV4 "IPv4 address"
%token <str> IPV6 "IPv6 address" EVNAME "event name" PROTO "protocol name"
%token <str> NUMID "host label" SELECT "select"
%token IF "if" ELSE "else" SWITCH "switch" CASE "case" DEFAULT "default" WHILE "while"
%token BREAK "break" RETURN "return" EXIT "exit" DROP "drop"
%token ROUTE "route" REQUEST_ROUTE "request_route" REPLY_ROUTE "reply_route"
%token ONREPLY_ROUTE "onreply_route" FAILURE_ROUTE "failure_route" BRANCH_ROUTE "branch_route"
%token ONSEND_ROUTE "onsend_route" EVENT_ROUTE "event_route"
%token LOADMODULE "loadmodule" LOADMODULEX "loadmodulex" LOADPATH "loadpath"
%token MODPARAM "modparam" MODPARAMX "modparamx" CFGENGINE "cfgengine" FLAGS "flags"
%token AVPFLAGS "avpflags" MYSELF "myself" ADVERTISE "advertise" VIRTUAL "virtual"
%token SOCKNAME "name" DESC "desc"
%token LOR "||" LAND "&&" EQ "==" NE "!=" MATCH "=~" STREQ "eq" STRNE "ne" INTEQ "ieq"
%token INTNE "ine" LE "<=" GE ">=" SHL "<<" SHR ">>" MOD "mod"
%token DEFINED "defined" STRLEN "strlen" STREMPTY "strempty" SELVAL "selval"
%token CAST_INT "(int)" CAST_STR "(str)"
%token ADDEQ "+=" COLONEQ ":=" PERCENT "%" NOMATCH "!~"

%precedence IFX
%precedence ELSE
%left LOR
%left LAND
%left '|'
%left '&'
%left '^'
%left SHL
%left SHR
%left EQ NE MATCH STREQ STRNE INTEQ INTNE NOMATCH
%left '<' '>' LE GE
%left '+' '-'
%left '*' '/' MOD PERCENT
%precedence UNARY '!' '~'
%precedence DEFINED
%precedence CAST_INT CAST_STR

%type <node> pv_more hname top param cfgvar cfgval opt_desc pvalue pv_main pv_sock pv_host hostlist dotted
%type <node> module mpval mpxval flagsdecl flaglist flagdef route rname block stmts stmt body
%type <node> simple call args arg sockarg shost assign ret cases case expr primary
%type <op> cmpop

%%

script:
	  %empty
	| script top		{ ast_push(ctx->arena, &ctx->root->kids, $2); }
	;

top:
	  param
	| cfgvar
	| module
	| flagsdecl
	| route
	| ';'			{ $$ = NULL; }
	| error			{ $$ = NULL; }
	;

/* ---- global parameters ---- */

param:
	  ID '=' pvalue	{
		$$ = mk_str(ctx, AST_PARAM, $1.s, $1.len, @$);
		$$->a = $3;
		params_check_global(ctx->diags, $$);
	}
	;

cfgvar:
	  ID '.' ID '=' cfgval opt_desc {
		size_t n = $1.len + 1 + $3.len;
		char *name = ast_alloc(ctx->arena, n + 1);
		memcpy(name, $1.s, $1.len);
		name[$1.len] = '.';
		memcpy(name + $1.len + 1, $3.s, $3.len);
		const char *canon = params_canonical(name);
		if (canon) { /* kemi.onsend_route_callback and friends are real globals */
			$$ = mk_str(ctx, AST_PARAM, name, n, @$);
			$$->a = mk(ctx, AST_PVALUE, @5);
			ast_push(ctx->arena, &$$->a->kids, $5);
			params_check_global(ctx->diags, $$);
		} else {
			$$ = mk_str(ctx, AST_CFGVAR, name, n, @$);
			$$->a = $5;
			$$->b = $6;
		}
	}
	;

	| ID '[' NUMBER ']' '.' ID '=' cfgval {
		int n = snprintf(NULL, 0, "%s[%ld].%s", $1.s, $3, $6.s); /* names have no length cap */
		char *buf = ast_alloc(ctx->arena, (size_t)n + 1);
		snprintf(buf, (size_t)n + 1, "%s[%ld].%s", $1.s, $3, $6.s);
		$$ = mk_str(ctx, AST_CFGVAR, buf, (size_t)n, @$);
		$$->a = $8;
	}
	| ID '.' DEFAULT '=' cfgval opt_desc {
		int n = snprintf(NULL, 0, "%s.default", $1.s);
		char *buf = ast_alloc(ctx->arena, (size_t)n + 1);
		snprintf(buf, (size_t)n + 1, "%s.default", $1.s);
		$$ = mk_str(ctx, AST_CFGVAR, buf, (size_t)n, @$);
		$$->a = $5;
		$$->b = $6;
	}
	| DEFAULT '.' ID '=' cfgval opt_desc {
		int n = snprintf(NULL, 0, "default.%s", $3.s);
		char *buf = ast_alloc(ctx->arena, (size_t)n + 1);
		snprintf(buf, (size_t)n + 1, "default.%s", $3.s);
		$$ = mk_str(ctx, AST_CFGVAR, buf, (size_t)n, @$);
		$$->a = $5;
		$$->b = $6;
	}
	;

cfgval:
	  NUMBER		{ $$ = mk_int(ctx, $1, @$); }
	| '-' NUMBER		{ $$ = mk_int(ctx, -$2, @$); }
	| STRING		{ $$ = mk_str(ctx, AST_STR, $1.s, $1.len, @$); }
	;

opt_desc:
	  %empty		{ $$ = NULL; }
	| DESC STRING		{ $$ = mk_str(ctx, AST_STR, $2.s, $2.len, @2); }
	;

pvalue:
	  pv_main		{ $$ = mk(ctx, AST_PVALUE, @$); ast_push(ctx->arena, &$$->kids, $1); }
	| pvalue ADVERTISE pv_sock {
		ast_node *n = mk(ctx, AST_ADVERTISE, @2); n->a = $3;
		ast_push(ctx->arena, &$1->kids, n); $$ = $1;
	}
	| pvalue SOCKNAME STRING {
		ast_node *n = mk(ctx, AST_SOCKNAME, @2);
		n->a = mk_str(ctx, AST_STR, $3.s, $3.len, @3);
		ast_push(ctx->arena, &$1->kids, n); $$ = $1;
	}
	| pvalue VIRTUAL	{ ast_push(ctx->arena, &$1->kids, mk(ctx, AST_VIRTUAL, @2)); $$ = $1; }
	| pvalue pv_more	{ ast_push(ctx->arena, &$1->kids, $2); $$ = $1; }
	;

/* further sockets of a listen/alias list: `listen = udp:a:5060 tcp:a:5060` */
pv_more:
	  PROTO ':' pv_host	{ $$ = mk_str(ctx, AST_SOCKADDR, $1.s, $1.len, @$); $$->a = $3; }
	| PROTO ':' pv_host ':' NUMBER {
		$$ = mk_str(ctx, AST_SOCKADDR, $1.s, $1.len, @$);
		$$->a = $3;
		$$->b = mk_int(ctx, $5, @5);
	}
	| IPV4			{ $$ = mk_str(ctx, AST_IPV4, $1.s, $1.len, @$); }
	| IPV4 ':' NUMBER	{
		$$ = mk_op(ctx, AST_HOSTPORT, 0, mk_str(ctx, AST_IPV4, $1.s, $1.len, @1), mk_int(ctx, $3, @3), @$);
	}
	;

pv_main:
	  '-' NUMBER		{ $$ = mk_int(ctx, -$2, @$); }
	| pv_sock
	;

pv_sock:
	  pv_host
	| pv_host ':' NUMBER	{ $$ = mk_op(ctx, AST_HOSTPORT, 0, $1, mk_int(ctx, $3, @3), @$); }
	| PROTO ':' pv_host	{ $$ = mk_str(ctx, AST_SOCKADDR, $1.s, $1.len, @$); $$->a = $3; }
	| PROTO ':' pv_host ':' NUMBER {
		$$ = mk_str(ctx, AST_SOCKADDR, $1.s, $1.len, @$);
		$$->a = $3;
		$$->b = mk_int(ctx, $5, @5);
	}
	;

pv_host:
	  NUMBER		{ $$ = mk_int(ctx, $1, @$); }
	| STRING		{ $$ = mk_str(ctx, AST_STR, $1.s, $1.len, @$); }
	| hname
	| IPV4			{ $$ = mk_str(ctx, AST_IPV4, $1.s, $1.len, @$); }
	| IPV6			{ $$ = mk_str(ctx, AST_IPV6, $1.s, $1.len, @$); }
	| '*'			{ $$ = mk_str(ctx, AST_HOST, "*", 1, @$); }
	| '(' hostlist ')'	{ $$ = $2; $$->span = @$; }
	;

hostlist:
	  pv_host		{ $$ = mk(ctx, AST_MULTIHOST, @$); ast_push(ctx->arena, &$$->kids, $1); }
	| hostlist ',' pv_host	{ ast_push(ctx->arena, &$1->kids, $3); $$ = $1; }
	;

/* a host or interface name in a parameter value: eth0, my-host.example.com */
hname:
	  ID			{ $$ = mk_str(ctx, AST_BAREWORD, $1.s, $1.len, @$); }
	| hname '.' ID		{ $$ = host_append(ctx, $1, '.', $3.s, $3.len, @$); }
	| hname '-' ID		{ $$ = host_append(ctx, $1, '-', $3.s, $3.len, @$); }
	| hname '.' NUMBER	{ char b[32]; int n = snprintf(b, sizeof b, "%ld", $3); $$ = host_append(ctx, $1, '.', b, (size_t)n, @$); }
	| hname '.' NUMID	{ $$ = host_append(ctx, $1, '.', $3.s, $3.len, @$); }
	| hname '-' NUMID	{ $$ = host_append(ctx, $1, '-', $3.s, $3.len, @$); }
	| hname '-' NUMBER	{ char b[32]; int n = snprintf(b, sizeof b, "%ld", $3); $$ = host_append(ctx, $1, '-', b, (size_t)n, @$); }
	;

/* example.com in a function argument: identifiers joined by dots */
dotted:
	  ID '.' ID		{
		$$ = mk(ctx, AST_HOST, @$);
		$$->slen = $1.len + 1 + $3.len;
		$$->str = ast_alloc(ctx->arena, $$->slen + 1);
		memcpy($$->str, $1.s, $1.len); $$->str[$1.len] = '.';
		memcpy($$->str + $1.len + 1, $3.s, $3.len);
	}
	| dotted '.' ID	{ $$ = host_append(ctx, $1, '.', $3.s, $3.len, @$); }
	;

/* ---- modules ---- */

module:
	  LOADMODULE STRING	{
		$$ = mk(ctx, AST_LOADMODULE, @$);
		$$->a = mk_str(ctx, AST_STR, $2.s, $2.len, @2);
		define_mod(ctx, $2.s);
	}
	| LOADMODULEX STRING	{
		$$ = mk(ctx, AST_LOADMODULE, @$); $$->op = 1;
		$$->a = mk_str(ctx, AST_STR, $2.s, $2.len, @2);
	}
	| LOADMODULE '(' STRING ')' {
		$$ = NULL;
		err(ctx, @2, "'loadmodule(\"...\")' needs Kamailio 5.8; in 5.6 write 'loadmodule \"%s\"'", $3.s);
	}
	| LOADPATH STRING	{ $$ = mk(ctx, AST_LOADPATH, @$); $$->a = mk_str(ctx, AST_STR, $2.s, $2.len, @2); }
	| LOADPATH '=' STRING	{ $$ = mk(ctx, AST_LOADPATH, @$); $$->a = mk_str(ctx, AST_STR, $3.s, $3.len, @3); }
	| MODPARAM '(' STRING ',' STRING ',' mpval ')' {
		$$ = mk(ctx, AST_MODPARAM, @$);
		ast_push(ctx->arena, &$$->kids, mk_str(ctx, AST_STR, $3.s, $3.len, @3));
		ast_push(ctx->arena, &$$->kids, mk_str(ctx, AST_STR, $5.s, $5.len, @5));
		ast_push(ctx->arena, &$$->kids, $7);
	}
	| MODPARAMX '(' STRING ',' STRING ',' mpxval ')' {
		$$ = mk(ctx, AST_MODPARAM, @$); $$->op = 1;
		ast_push(ctx->arena, &$$->kids, mk_str(ctx, AST_STR, $3.s, $3.len, @3));
		ast_push(ctx->arena, &$$->kids, mk_str(ctx, AST_STR, $5.s, $5.len, @5));
		ast_push(ctx->arena, &$$->kids, $7);
	}
	| CFGENGINE STRING	{ $$ = mk(ctx, AST_CFGENGINE, @$); $$->a = mk_str(ctx, AST_STR, $2.s, $2.len, @2); }
	| CFGENGINE '=' STRING	{ $$ = mk(ctx, AST_CFGENGINE, @$); $$->a = mk_str(ctx, AST_STR, $3.s, $3.len, @3); }
	;

mpval:
	  STRING		{ $$ = mk_str(ctx, AST_STR, $1.s, $1.len, @$); }
	| NUMBER		{ $$ = mk_int(ctx, $1, @$); }
	| '-' NUMBER		{ $$ = mk_int(ctx, -$2, @$); }
	;

mpxval:
	  mpval
	| PVAR			{ $$ = mk_str(ctx, AST_PV, $1.s, $1.len, @$); }
	;

flagsdecl:
	  FLAGS flaglist	{ $$ = $2; $$->span = @$; }
	| AVPFLAGS flaglist	{ $$ = $2; $$->op = 1; $$->span = @$; }
	;

flaglist:
	  flagdef		{ $$ = mk(ctx, AST_FLAGSDECL, @$); ast_push(ctx->arena, &$$->kids, $1); }
	| flaglist ',' flagdef	{ ast_push(ctx->arena, &$1->kids, $3); $$ = $1; }
	;

flagdef:
	  ID			{ $$ = mk_str(ctx, AST_FLAGDEF, $1.s, $1.len, @$); $$->ival = -1; }
	| ID ':' NUMBER	{ $$ = mk_str(ctx, AST_FLAGDEF, $1.s, $1.len, @$); $$->ival = $3; }
	| STRING		{ $$ = mk_str(ctx, AST_FLAGDEF, $1.s, $1.len, @$); $$->ival = -1; }
	| STRING ':' NUMBER	{ $$ = mk_str(ctx, AST_FLAGDEF, $1.s, $1.len, @$); $$->ival = $3; }
	;

/* ---- route blocks ---- */

route:
	  ROUTE block				{ $$ = mk_route(ctx, RT_KIND_REQUEST, NULL, $2, @$); }
	| ROUTE '[' rname ']' block		{ $$ = mk_route(ctx, RT_KIND_REQUEST, $3, $5, @$); }
	| REQUEST_ROUTE block			{ $$ = mk_route(ctx, RT_KIND_REQUEST, NULL, $2, @$); }
	| REPLY_ROUTE block			{ $$ = mk_route(ctx, RT_KIND_REPLY, NULL, $2, @$); }
	| REQUEST_ROUTE '[' rname ']' block	{
		$$ = NULL;
		err(ctx, @2, "request_route takes no name: a named route is route[%s]",
		    $3 ? $3->str : "NAME");
	}
	| REPLY_ROUTE '[' rname ']' block	{
		$$ = NULL;
		err(ctx, @2, "reply_route takes no name: a named reply route is onreply_route[%s]",
		    $3 ? $3->str : "NAME");
	}
	| ONREPLY_ROUTE block			{ $$ = mk_route(ctx, RT_KIND_REPLY, NULL, $2, @$); }
	| ONREPLY_ROUTE '[' rname ']' block	{ $$ = mk_route(ctx, RT_KIND_ONREPLY, $3, $5, @$); }
	| FAILURE_ROUTE block			{ $$ = mk_route(ctx, RT_KIND_FAILURE, NULL, $2, @$); }
	| FAILURE_ROUTE '[' rname ']' block	{ $$ = mk_route(ctx, RT_KIND_FAILURE, $3, $5, @$); }
	| BRANCH_ROUTE block			{ $$ = mk_route(ctx, RT_KIND_BRANCH, NULL, $2, @$); }
	| BRANCH_ROUTE '[' rname ']' block	{ $$ = mk_route(ctx, RT_KIND_BRANCH, $3, $5, @$); }
	| ONSEND_ROUTE block			{ $$ = mk_route(ctx, RT_KIND_ONSEND, NULL, $2, @$); }
	| ONSEND_ROUTE '[' rname ']' block	{ $$ = mk_route(ctx, RT_KIND_ONSEND, $3, $5, @$); }
	| EVENT_ROUTE '[' EVNAME ']' block	{
		$$ = mk_route(ctx, RT_KIND_EVENT, mk_str(ctx, AST_STR, $3.s, $3.len, @3), $5, @$);
	}
	;

/* route[1] and route["1"] are the same route */
rname:
	  NUMBER		{
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%ld", $1);
		$$ = mk_str(ctx, AST_STR, buf, (size_t)n, @$);
	}
	| ID			{ $$ = mk_str(ctx, AST_STR, $1.s, $1.len, @$); reserved_name(ctx, $$); }
	| STRING		{ $$ = mk_str(ctx, AST_STR, $1.s, $1.len, @$); }
	| error			{ $$ = NULL; /* route[udp]: go on with the block */ }
	;

block:
	  '{' stmts '}'		{
		$$ = $2;
		$$->span = @$;
		/* Kamailio's grammar wants one statement at least (`;` will do);
		 * @2 is empty only when no statement, not even a bad one, was read. */
		if (!$2->kids.n && @2.end.line == @1.end.line && @2.end.col == @1.end.col)
			err(ctx, @3, "empty block: Kamailio needs a statement between '{' and '}' "
			    "(a lone ';' will do)");
	}
	| '{' stmts error '}'	{ $$ = $2; $$->span = @$; }
	;

stmts:
	  %empty		{ $$ = mk(ctx, AST_BLOCK, @$); }
	| stmts stmt		{ ast_push(ctx->arena, &$1->kids, $2); $$ = $1; }
	;

stmt:
	  simple ';'		{ $$ = $1; }
	| IF expr body %prec IFX		{ $$ = mk_op(ctx, AST_IF, 0, $2, $3, @$); }
	| IF expr body ELSE body		{ $$ = mk_op(ctx, AST_IF, 0, $2, $3, @$); $$->c = $5; }
	| WHILE expr body	{ $$ = mk_op(ctx, AST_WHILE, 0, $2, $3, @$); }
	| SWITCH expr '{' cases '}'	{ $$ = $4; $$->a = $2; $$->span = @$; }
	| ';'			{ $$ = mk(ctx, AST_NOP, @$); }
	| error ';'		{ $$ = NULL; }
	/* A missing ';' (reported as such): the statement is complete, so go on
	 * with the next one instead of skipping it. */
	| simple error		{
		$$ = $1;
		/* At a line break this is surely the whole mistake: report the
		 * next one at once, not only after three good tokens. */
		if (ctx->cur.beg.line > ctx->prev.end.line)
			yyerrok;
	}
	/* `if ($a == ) { ... }`: skip to the body and read it as a block, so
	 * that its '}' does not close the route and what follows is checked. */
	| error block		{ $$ = NULL; }
	;

body:
	  block
	| stmt			{ $$ = mk(ctx, AST_BLOCK, @$); ast_push(ctx->arena, &$$->kids, $1); }
	;

cases:
	  %empty		{ $$ = mk(ctx, AST_SWITCH, @$); }
	| cases case		{ ast_push(ctx->arena, &$1->kids, $2); $$ = $1; }
	;

case:
	  CASE expr ':' stmts		{ $$ = mk_op(ctx, AST_CASE, 0, $2, NULL, @$); $$->kids = $4->kids; }
	| CASE '/' expr ':' stmts	{ $$ = mk_op(ctx, AST_CASE, 1, $3, NULL, @$); $$->kids = $5->kids; }
	| DEFAULT ':' stmts		{ $$ = mk_op(ctx, AST_CASE, 0, NULL, NULL, @$); $$->kids = $3->kids; }
	;

simple:
	  call
	| assign
	| ret
	| BREAK			{ $$ = mk(ctx, AST_BREAK, @$); }
	| ID			{ $$ = YYRECOVERING() ? NULL : mk_bare_call(ctx, $1.s, @$); }
	;

call:
	  ID '(' ')'		{ $$ = mk_call(ctx, $1.s, NULL, @$); }
	| ID '(' args ')'	{ $$ = mk_call(ctx, $1.s, $3, @$); }
	| ROUTE '(' arg ')'	{
		if ($3->kind == AST_BAREWORD)
			reserved_name(ctx, $3);
		ast_node *l = mk(ctx, AST_BLOCK, @3);
		ast_push(ctx->arena, &l->kids, $3);
		$$ = mk_call(ctx, "route", l, @$);
	}
	;

args:
	  arg			{ $$ = mk(ctx, AST_BLOCK, @$); ast_push(ctx->arena, &$$->kids, $1); }
	| args ',' arg		{ ast_push(ctx->arena, &$1->kids, $3); $$ = $1; }
	;

arg:
	  expr
	| dotted
	| sockarg
	;

/* literal socket forms of core commands: force_send_socket(udp:1.2.3.4:5060) */
sockarg:
	  PROTO ':' shost	{ $$ = mk_str(ctx, AST_SOCKADDR, $1.s, $1.len, @$); $$->a = $3; }
	| PROTO ':' shost ':' NUMBER {
		$$ = mk_str(ctx, AST_SOCKADDR, $1.s, $1.len, @$);
		$$->a = $3;
		$$->b = mk_int(ctx, $5, @5);
	}
	| IPV4 ':' NUMBER	{
		$$ = mk_op(ctx, AST_HOSTPORT, 0, mk_str(ctx, AST_IPV4, $1.s, $1.len, @1), mk_int(ctx, $3, @3), @$);
	}
	| IPV6 ':' NUMBER	{
		$$ = mk_op(ctx, AST_HOSTPORT, 0, mk_str(ctx, AST_IPV6, $1.s, $1.len, @1), mk_int(ctx, $3, @3), @$);
	}
	| ID ':' NUMBER	{
		$$ = mk_op(ctx, AST_HOSTPORT, 0, mk_str(ctx, AST_HOST, $1.s, $1.len, @1), mk_int(ctx, $3, @3), @$);
	}
	| dotted ':' NUMBER	{ $$ = mk_op(ctx, AST_HOSTPORT, 0, $1, mk_int(ctx, $3, @3), @$); }
	;

shost:
	  IPV4			{ $$ = mk_str(ctx, AST_IPV4, $1.s, $1.len, @$); }
	| IPV6			{ $$ = mk_str(ctx, AST_IPV6, $1.s, $1.len, @$); }
	| ID			{ $$ = mk_str(ctx, AST_HOST, $1.s, $1.len, @$); }
	| dotted
	| '*'			{ $$ = mk_str(ctx, AST_HOST, "*", 1, @$); }
	;

assign:
	  PVAR '=' expr	{ $$ = mk_op(ctx, AST_ASSIGN, 0, mk_str(ctx, AST_PV, $1.s, $1.len, @1), $3, @$); }
	| PVAR COLONEQ expr	{
		$$ = NULL;
		err(ctx, @2, "':=' is not an assignment operator in Kamailio 5.6: use '='");
	}
	| PVAR ADDEQ expr	{
		$$ = NULL;
		err(ctx, @2, "'+=' is not supported: write '%s = %s + ...'", $1.s, $1.s);
	}
	;

ret:
	  RETURN		{ $$ = mk_flow(ctx, FLOW_RETURN, NULL, @$); }
	| RETURN '(' ')'	{ $$ = mk_flow(ctx, FLOW_RETURN, NULL, @$); }
	| RETURN expr		{ $$ = mk_flow(ctx, FLOW_RETURN, $2, @$); }
	| EXIT			{ $$ = mk_flow(ctx, FLOW_EXIT, NULL, @$); }
	| EXIT '(' ')'		{ $$ = mk_flow(ctx, FLOW_EXIT, NULL, @$); }
	| EXIT expr		{ $$ = mk_flow(ctx, FLOW_EXIT, $2, @$); }
	| DROP			{ $$ = mk_flow(ctx, FLOW_DROP, NULL, @$); }
	| DROP '(' ')'		{ $$ = mk_flow(ctx, FLOW_DROP, NULL, @$); }
	| DROP expr		{ $$ = mk_flow(ctx, FLOW_DROP, $2, @$); }
	;

cmpop:
	  EQ	{ $$ = OP_EQ; }
	| NE	{ $$ = OP_NE; }
	| MATCH	{ $$ = OP_MATCH; }
	| STREQ	{ $$ = OP_STREQ; }
	| STRNE	{ $$ = OP_STRNE; }
	| INTEQ	{ $$ = OP_INTEQ; }
	| INTNE	{ $$ = OP_INTNE; }
	| '<'	{ $$ = OP_LT; }
	| '>'	{ $$ = OP_GT; }
	| LE	{ $$ = OP_LE; }
	| GE	{ $$ = OP_GE; }
	;

expr:
	  primary
	| expr LOR expr		{ $$ = mk_op(ctx, AST_BINOP, OP_LOR, $1, $3, @$); }
	| expr LAND expr	{ $$ = mk_op(ctx, AST_BINOP, OP_LAND, $1, $3, @$); }
	| expr '|' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_BOR, $1, $3, @$); }
	| expr '&' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_BAND, $1, $3, @$); }
	| expr '^' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_BXOR, $1, $3, @$); }
	| expr SHL expr		{ $$ = mk_op(ctx, AST_BINOP, OP_SHL, $1, $3, @$); }
	| expr SHR expr		{ $$ = mk_op(ctx, AST_BINOP, OP_SHR, $1, $3, @$); }
	| expr EQ expr		{ $$ = mk_op(ctx, AST_BINOP, OP_EQ, $1, $3, @$); }
	| expr NE expr		{ $$ = mk_op(ctx, AST_BINOP, OP_NE, $1, $3, @$); }
	| expr MATCH expr	{ $$ = mk_op(ctx, AST_BINOP, OP_MATCH, $1, $3, @$); }
	| expr STREQ expr	{ $$ = mk_op(ctx, AST_BINOP, OP_STREQ, $1, $3, @$); }
	| expr STRNE expr	{ $$ = mk_op(ctx, AST_BINOP, OP_STRNE, $1, $3, @$); }
	| expr INTEQ expr	{ $$ = mk_op(ctx, AST_BINOP, OP_INTEQ, $1, $3, @$); }
	| expr INTNE expr	{ $$ = mk_op(ctx, AST_BINOP, OP_INTNE, $1, $3, @$); }
	| expr '<' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_LT, $1, $3, @$); }
	| expr '>' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_GT, $1, $3, @$); }
	| expr LE expr		{ $$ = mk_op(ctx, AST_BINOP, OP_LE, $1, $3, @$); }
	| expr GE expr		{ $$ = mk_op(ctx, AST_BINOP, OP_GE, $1, $3, @$); }
	| expr '+' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_ADD, $1, $3, @$); }
	| expr '-' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_SUB, $1, $3, @$); }
	| expr '*' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_MUL, $1, $3, @$); }
	| expr '/' expr		{ $$ = mk_op(ctx, AST_BINOP, OP_DIV, $1, $3, @$); }
	| expr MOD expr		{ $$ = mk_op(ctx, AST_BINOP, OP_MOD, $1, $3, @$); }
	| expr PERCENT expr	{
		$$ = mk_op(ctx, AST_BINOP, OP_MOD, $1, $3, @$);
		err(ctx, @2, "'%%' is not an operator in Kamailio scripts: the remainder is 'mod'");
	}
	| expr NOMATCH expr	{
		$$ = mk_op(ctx, AST_UNOP, OP_LNOT, mk_op(ctx, AST_BINOP, OP_MATCH, $1, $3, @$), NULL, @$);
		err(ctx, @2, "there is no '!~' operator: write '!(a =~ b)'");
	}
	| '!' expr		{ $$ = mk_op(ctx, AST_UNOP, OP_LNOT, $2, NULL, @$); }
	| '~' expr		{ $$ = mk_op(ctx, AST_UNOP, OP_BNOT, $2, NULL, @$); }
	| '-' expr %prec UNARY	{ $$ = mk_op(ctx, AST_UNOP, OP_NEG, $2, NULL, @$); }
	| DEFINED expr		{ $$ = mk_op(ctx, AST_UNOP, OP_DEFINED, $2, NULL, @$); }
	| CAST_INT expr		{ $$ = mk_op(ctx, AST_UNOP, OP_CAST_INT, $2, NULL, @$); }
	| CAST_STR expr		{ $$ = mk_op(ctx, AST_UNOP, OP_CAST_STR, $2, NULL, @$); }
	/* legacy elements: `method == "INVITE"`, `uri == myself`, `src_ip == 10.0.0.0/8` */
	| FIELD cmpop expr %prec EQ	{ $$ = mk_field_cmp(ctx, (int)$1, @1, $2, @2, $3, @$); }
	| FIELD cmpop dotted %prec EQ	{ $$ = mk_field_cmp(ctx, (int)$1, @1, $2, @2, $3, @$); }
	| FIELD cmpop MYSELF %prec EQ	{ $$ = mk_field_cmp(ctx, (int)$1, @1, $2, @2, mk(ctx, AST_MYSELF, @3), @$); }
	| FIELD cmpop '*'		{ $$ = mk_field_cmp(ctx, (int)$1, @1, $2, @2, mk_str(ctx, AST_PROTO, "*", 1, @3), @$); }
	| MYSELF cmpop FIELD {
		ast_node *f = mk(ctx, AST_FIELD, @3); f->op = (int)$3;
		$$ = mk_op(ctx, AST_BINOP, $2, mk(ctx, AST_MYSELF, @1), f, @$);
		check_field_cmp(ctx, (int)$3, $2, @2, $$->a, 1);
	}
	;

primary:
	  NUMBER		{ $$ = mk_int(ctx, $1, @$); }
	| STRING		{ $$ = mk_str(ctx, AST_STR, $1.s, $1.len, @$); }
	| PVAR			{ $$ = mk_str(ctx, AST_PV, $1.s, $1.len, @$); }
	| SELECT		{ $$ = mk_str(ctx, AST_PV, $1.s, $1.len, @$); }
	| ID			{ $$ = mk_str(ctx, AST_BAREWORD, $1.s, $1.len, @$); }
	| IPV4			{ $$ = mk_str(ctx, AST_IPV4, $1.s, $1.len, @$); }
	| IPV6			{ $$ = mk_str(ctx, AST_IPV6, $1.s, $1.len, @$); }
	| PROTO			{ $$ = mk_str(ctx, AST_PROTO, $1.s, $1.len, @$); }
	| '(' expr ')'		{ $$ = $2; }
	| call
	| STRLEN '(' expr ')'	{ $$ = mk_op(ctx, AST_UNOP, OP_STRLEN, $3, NULL, @$); }
	| STREMPTY '(' expr ')'	{ $$ = mk_op(ctx, AST_UNOP, OP_STREMPTY, $3, NULL, @$); }
	| SELVAL '(' expr ',' expr ',' expr ')' {
		$$ = mk_op(ctx, AST_SELVAL, 0, $3, $5, @$);
		if ($$->kind == AST_SELVAL) { /* not the stand-in of a too deep one */
			$$->c = $7;
			if ($7 && $7->depth >= $$->depth)
				$$->depth = $7->depth + 1;
		}
	}
	;

%%

#include <stdarg.h>

static void err(parse_ctx *ctx, ast_span sp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(ctx->diags, DIAG_ERROR, "syntax", sp, fmt, ap);
	va_end(ap);
}

/* Only bison's "memory exhausted" comes here; syntax errors go through
 * yyreport_syntax_error. */
static void yyerror(YYLTYPE *loc, parse_ctx *ctx, const char *msg)
{
	err(ctx, *loc, "%s (the script nests too deeply)", msg);
}

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, parse_ctx *ctx)
{
	lex_tok t;
	int code = pp_next(ctx->pp, &t);
	ctx->prev = ctx->cur;
	ctx->cur = t.span;
	ctx->prev_code = ctx->cur_code;
	ctx->cur_code = code;
	ctx->prev_text = ctx->cur_text;
	ctx->cur_text = t.s;
	*lloc = t.span;
	if (code == NUMBER || code == FIELD) {
		lval->num = t.num;
	} else {
		lval->str.s = (char *)t.s;
		lval->str.len = t.len;
	}
	/* Where an unclosed '{' is, for an end of file inside a block. */
	if (code == '{' && ctx->nopen++ < (int)(sizeof ctx->open_brace / sizeof ctx->open_brace[0]))
		ctx->open_brace[ctx->nopen - 1] = t.span;
	else if (code == '}' && ctx->nopen > 0)
		ctx->nopen--;
	/* Stop reading once the error cap is reached: the rest is noise. */
	return diag_capped(ctx->diags) ? 0 : code;
}

static ast_node *mk(parse_ctx *ctx, ast_kind k, ast_span sp)
{
	return ast_new(ctx->arena, k, sp);
}

static ast_node *mk_str(parse_ctx *ctx, ast_kind k, const char *s, size_t n, ast_span sp)
{
	ast_node *x = ast_new(ctx->arena, k, sp);
	x->str = ast_strndup(ctx->arena, s, n);
	x->slen = n;
	return x;
}

/* Expressions nest without bound through left-associative chains (1+1+...
 * does not grow bison's stack) and, with defines, chains of any length: past
 * this depth every recursive pass over the tree would risk the C stack. */
#define MAX_EXPR_DEPTH 4096

static int too_deep(parse_ctx *ctx, int depth, ast_span sp)
{
	if (depth <= MAX_EXPR_DEPTH)
		return 0;
	if (!ctx->too_deep++)
		err(ctx, sp, "expression nested more than %d deep", MAX_EXPR_DEPTH);
	return 1;
}

static ast_node *mk_op(parse_ctx *ctx, ast_kind k, int op, ast_node *a, ast_node *b, ast_span sp)
{
	int d = a ? a->depth : 0;
	if (b && b->depth > d)
		d = b->depth;
	if ((k == AST_BINOP || k == AST_UNOP || k == AST_SELVAL) && too_deep(ctx, d + 1, sp))
		return mk_int(ctx, 0, sp); /* the error is reported; keep the tree shallow */
	ast_node *x = ast_new(ctx->arena, k, sp);
	x->op = op;
	x->a = a;
	x->b = b;
	x->depth = d + 1;
	return x;
}

static ast_node *mk_int(parse_ctx *ctx, long v, ast_span sp)
{
	ast_node *x = ast_new(ctx->arena, AST_INT, sp);
	x->ival = v;
	return x;
}

static ast_node *mk_route(parse_ctx *ctx, int kind, ast_node *name, ast_node *body, ast_span sp)
{
	ast_node *x = ast_new(ctx->arena, AST_ROUTE, sp);
	x->op = kind;
	if (name) {
		x->str = name->str;
		x->slen = name->slen;
	} else {
		x->str = ast_strndup(ctx->arena, "0", 1);
		x->slen = 1;
	}
	/* onreply_route[0] and onreply_route["0"] are the core reply route */
	if (kind == RT_KIND_ONREPLY && !strcmp(x->str, "0"))
		x->op = RT_KIND_REPLY;
	/* Written with a [name]: route[0] is then a second main route (an
	 * error), where a second `route { }` would just be appended. */
	x->ival = name != NULL;
	x->a = body;
	if (kind != RT_KIND_ONSEND)
		onsend_fields(ctx, body);
	return x;
}

/* snd_ip and to_ip exist only in onsend_route (cfg.y onsend_check); the
 * other snd_* and to_* fields are accepted anywhere. */
static void onsend_fields(parse_ctx *ctx, const ast_node *n)
{
	if (!n)
		return;
	if (n->kind == AST_FIELD && (n->op == F_SND_IP || n->op == F_TO_IP))
		err(ctx, n->span, "'%s' is known only in onsend_route", ast_field_name(n->op));
	onsend_fields(ctx, n->a);
	onsend_fields(ctx, n->b);
	onsend_fields(ctx, n->c);
	for (int i = 0; i < n->kids.n; i++)
		onsend_fields(ctx, n->kids.v[i]);
}

static ast_node *mk_flow(parse_ctx *ctx, int flow, ast_node *val, ast_span sp)
{
	ast_node *x = ast_new(ctx->arena, AST_RETURN, sp);
	x->op = flow;
	x->a = val;
	return x;
}

static ast_node *mk_call(parse_ctx *ctx, const char *name, ast_node *args, ast_span sp)
{
	ast_node *x = ast_new(ctx->arena, AST_CALL, sp);
	x->str = ast_strndup(ctx->arena, name, strlen(name));
	x->slen = strlen(name);
	if (args)
		x->kids = args->kids;
	if (x->kids.n > 6)
		err(ctx, args->kids.v[6]->span,
		    "too many arguments to '%s': a function call takes at most 6", name);
	for (int i = 0; i < x->kids.n; i++)
		if (x->kids.v[i]->depth >= x->depth)
			x->depth = x->kids.v[i]->depth + 1;
	if (too_deep(ctx, x->depth, sp)) {
		x->kids.n = 0; /* the error is reported; keep the tree shallow */
		x->depth = 0;
	}
	return x;
}

/* Kamailio's scanner makes every global parameter name a keyword, so
 * route[port] and route(user) do not parse there; routec's lexer leaves them
 * identifiers and says so here. */
static void reserved_name(parse_ctx *ctx, const ast_node *name)
{
	if (params_canonical(name->str))
		err(ctx, name->span, "'%s' is a reserved word (a global parameter): quote the route "
		    "name, \"%s\"", name->str, name->str);
}

/* The legacy message fields are not values: Kamailio's grammar (cfg.y
 * exp_elem) lists, per kind of field, the operators and the bare operands
 * (myself, a host name, '*') each one takes. */
typedef enum { FK_METHOD, FK_URI, FK_INT, FK_PROTO, FK_IP } field_kind;

static field_kind field_kind_of(int f)
{
	switch (f) {
	case F_METHOD: return FK_METHOD;
	case F_URI: case F_FROM_URI: case F_TO_URI: return FK_URI;
	case F_PROTO: case F_SND_PROTO: case F_TO_PROTO: return FK_PROTO;
	case F_SRC_IP: case F_DST_IP: case F_SND_IP: case F_TO_IP: return FK_IP;
	default: return FK_INT;
	}
}

/* `other` is the operand that is not the field; `myself_first` for
 * `myself == uri`, which takes only == and !=. */
static void check_field_cmp(parse_ctx *ctx, int field, int op, ast_span opsp,
                            const ast_node *other, int myself_first)
{
	field_kind k = field_kind_of(field);
	const char *name = ast_field_name(field);
	int eq = op == OP_EQ || op == OP_NE || op == OP_STREQ || op == OP_STRNE;
	int rel = op == OP_LT || op == OP_GT || op == OP_LE || op == OP_GE;
	if (other->kind == AST_MYSELF && k != FK_URI && k != FK_IP) {
		err(ctx, other->span, "'myself' is compared only with uri, from_uri, to_uri, src_ip, "
		    "dst_ip, snd_ip or to_ip, not with '%s'", name);
		return;
	}
	if (myself_first && !eq) {
		err(ctx, opsp, "'myself' is compared with == or != only");
		return;
	}
	if (k == FK_INT ? !(eq || rel) : k == FK_PROTO ? !eq : !(eq || op == OP_MATCH)) {
		err(ctx, opsp, "'%s' is compared with %s only", name,
		    k == FK_INT ? "==, !=, <, >, <= or >=" : k == FK_PROTO ? "== or !="
		                                                          : "==, != or =~");
		return;
	}
	if (other->kind == AST_HOST && k != FK_IP)
		err(ctx, other->span, "a host name must be quoted here: only src_ip, dst_ip, snd_ip "
		    "and to_ip take a bare one");
	else if (other->kind == AST_PROTO && other->str[0] == '*' && k != FK_PROTO)
		err(ctx, other->span, "'*' (any protocol) is compared only with proto or snd_proto");
}

/* `method == "INVITE"`, `uri == myself`, `src_ip == 10.0.0.0/8` ... */
static ast_node *mk_field_cmp(parse_ctx *ctx, int field, ast_span fsp, int op, ast_span opsp,
                              ast_node *rhs, ast_span sp)
{
	ast_node *f = mk(ctx, AST_FIELD, fsp);
	f->op = field;
	check_field_cmp(ctx, field, op, opsp, rhs, 0);
	return mk_op(ctx, AST_BINOP, op, f, rhs, sp);
}

/* A few core commands may be written without parentheses (Kamailio's
 * grammar lists them); everything else needs '()' even with no argument. */
static ast_node *mk_bare_call(parse_ctx *ctx, const char *name, ast_span sp)
{
	static const char *const bare[] = {
		"force_rport", "add_rport", "add_local_rport", "force_tcp_alias", "add_tcp_alias",
		"set_forward_no_connect", "set_reply_no_connect", "set_forward_close",
		"set_reply_close", NULL,
	};
	for (int i = 0; bare[i]; i++)
		if (!strcmp(bare[i], name))
			return mk_call(ctx, name, NULL, sp);
	err(ctx, sp, "a function call needs parentheses: write '%s()'", name);
	return NULL;
}

/* Bison's names are quoted ("\"if\""); print them the way gcc quotes. */
static void sym_name(char *buf, size_t n, yysymbol_kind_t k)
{
	const char *s = yysymbol_name(k);
	int plain = k == YYSYMBOL_NUMBER || k == YYSYMBOL_STRING || k == YYSYMBOL_PVAR ||
	            k == YYSYMBOL_ID || k == YYSYMBOL_IPV4 || k == YYSYMBOL_IPV6 ||
	            k == YYSYMBOL_EVNAME || k == YYSYMBOL_PROTO || k == YYSYMBOL_FIELD ||
	            k == YYSYMBOL_NUMID || k == YYSYMBOL_SELECT || k == YYSYMBOL_YYerror ||
	            k == YYSYMBOL_YYUNDEF;
	if (k == YYSYMBOL_YYEOF) {
		snprintf(buf, n, "end of file");
	} else if (plain) {
		snprintf(buf, n, "%s", s);
	} else if (s[0] != '"' && s[0] != '\'') {
		snprintf(buf, n, "'%s'", s);
	} else if (s[0] == '"') {
		size_t l = strlen(s);
		snprintf(buf, n, "'%.*s'", (int)(l - 2), s + 1);
	} else if (s[0] == '\'') {
		snprintf(buf, n, "%s", s);
	} else {
		snprintf(buf, n, "%s", s);
	}
}

static int yyreport_syntax_error(const yypcontext_t *yc, parse_ctx *ctx)
{
	yysymbol_kind_t la = yypcontext_token(yc);
	yysymbol_kind_t exp[8];
	int n = yypcontext_expected_tokens(yc, exp, 8);
	ast_span here = *yypcontext_location(yc);
	/* An unclosed string or comment ate the rest of the file: the scanner
	 * said so, after the last token; "unexpected end of file" is noise. */
	if (la == YYSYMBOL_YYEOF && ctx->diags->n) {
		const diag *last = &ctx->diags->v[ctx->diags->n - 1];
		if (last->sev >= DIAG_ERROR && last->span.src == here.src &&
		    (last->span.beg.line > here.end.line ||
		     (last->span.beg.line == here.end.line && last->span.beg.col > here.end.col)))
			return 0;
	}
	char got[64];
	sym_name(got, sizeof got, la);
	/* gcc names the token itself: "expected ';' before 'xlog'" */
	if ((la == YYSYMBOL_ID || la == YYSYMBOL_PVAR || la == YYSYMBOL_PROTO) && ctx->cur_text &&
	    strlen(ctx->cur_text) < 40 && !strchr(ctx->cur_text, '\n'))
		snprintf(got, sizeof got, "'%s'", ctx->cur_text);
	int want_semi = 0;
	for (int i = 0; i < n; i++)
		want_semi |= exp[i] == YYTRANSLATE(';');
	/* A missing ';' is reported where it belongs: after the previous token. */
	if (want_semi && la != YYSYMBOL_YYEOF && ctx->prev.src &&
	    (la == YYSYMBOL_ELSE || la == YYTRANSLATE('}') || here.beg.line > ctx->prev.end.line ||
	     here.src != ctx->prev.src)) {
		ast_span at = ctx->prev;
		at.beg = at.end;
		at.beg.col++;
		at.end = at.beg;
		/* Reported on the line of the unexpected token, as Kamailio does, with
		 * a note where the ';' belongs. */
		diag *dg = diag_report(ctx->diags, DIAG_ERROR, "syntax", here,
		                       "expected ';' before %s", got);
		diag_note_add(dg, at, "the statement before it ends here: add ';'");
		return 0;
	}
	if (la == YYSYMBOL_ADDEQ) {
		err(ctx, here, "'+=' is not supported: write '$x = $x + ...'");
		return 0;
	}
	/* $avp(x)[1], $ru{uri.user}: the short form takes neither */
	if ((la == YYTRANSLATE('[') || la == YYTRANSLATE('{')) && ctx->prev_code == PVAR &&
	    ctx->prev_text && ctx->prev_text[0] == '$' && ctx->prev_text[1] != '(' &&
	    here.src == ctx->prev.src && here.beg.line == ctx->prev.end.line &&
	    here.beg.col == ctx->prev.end.col + 1) {
		int idx = la == YYTRANSLATE('[');
		err(ctx, here, "%s needs the long form of the pseudo-variable: $(%s%s)",
		    idx ? "an index" : "a transformation", ctx->prev_text + 1, idx ? "[...]" : "{...}");
		return 0;
	}
	if (la == YYTRANSLATE('{')) {
		yysymbol_kind_t all[YYNTOKENS];
		int na = yypcontext_expected_tokens(yc, all, YYNTOKENS), stmt = 0;
		for (int i = 0; i < na; i++)
			stmt |= all[i] == YYSYMBOL_IF; /* where a statement may start */
		if (stmt) {
			err(ctx, here, "a block is not a statement: '{ ... }' is only the body of if, "
			    "else, while or a route");
			return 0;
		}
	}
	int nb = (int)(sizeof ctx->open_brace / sizeof ctx->open_brace[0]);
	if (la == YYSYMBOL_YYEOF && ctx->nopen > 0 && ctx->nopen <= nb) {
		diag *dg = diag_report(ctx->diags, DIAG_ERROR, "syntax", here,
		                       "unexpected end of file: expected '}'");
		diag_note_add(dg, ctx->open_brace[ctx->nopen - 1], "to close this '{'");
		return 0;
	}
	char msg[512];
	int len = snprintf(msg, sizeof msg, "syntax error: unexpected %s", got);
	if (n > 0 && n <= 5) {
		for (int i = 0; i < n && len < (int)sizeof msg - 70; i++) {
			char e[64];
			sym_name(e, sizeof e, exp[i]);
			len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s",
			                i == 0 ? ", expected " : i == n - 1 ? " or " : ", ", e);
		}
	}
	diag *dg = diag_report(ctx->diags, DIAG_ERROR, "syntax", here, "%s", msg);
	/* 'it\'s': a raw string ended at the quote after the backslash */
	if (ctx->prev_code == STRING && ctx->prev_text && *ctx->prev_text &&
	    ctx->prev_text[strlen(ctx->prev_text) - 1] == '\\')
		diag_note_add(dg, ctx->prev, "'...' strings have no escapes: a backslash does not "
		              "keep the quote after it in the string");
	return 0;
}

static ast_node *host_append(parse_ctx *ctx, ast_node *h, char sep, const char *s, size_t n,
                             ast_span sp)
{
	char *t = ast_alloc(ctx->arena, h->slen + n + 2);
	memcpy(t, h->str, h->slen);
	t[h->slen] = sep;
	memcpy(t + h->slen + 1, s, n);
	h->str = t;
	h->slen += n + 1;
	h->kind = AST_HOST;
	h->span = sp;
	return h;
}

/* `loadmodule "path/tm.so"` defines MOD_tm for the rest of the script. */
static void define_mod(parse_ctx *ctx, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".so"))
		n -= 3;
	char name[256];
	snprintf(name, sizeof name, "MOD_%.*s", (int)n, base);
	pp_define_flag(ctx->pp, name);
}

/* Named blocks must be unique per kind; unnamed request/reply blocks are
 * concatenated by Kamailio, so they may repeat. */
static void check_routes(parse_ctx *ctx)
{
	ast_list *l = &ctx->root->kids;
	for (int i = 0; i < l->n; i++) {
		ast_node *r = l->v[i];
		/* Unnamed blocks (and onreply_route[0]) are appended to the main
		 * one; a named one, route[0] included, must be the first of its name. */
		if (r->kind != AST_ROUTE || !r->ival || r->op == RT_KIND_REPLY)
			continue;
		for (int j = 0; j < i; j++) {
			ast_node *p = l->v[j];
			if (p->kind == AST_ROUTE && p->op == r->op && !strcmp(p->str, r->str)) {
				diag *dg = diag_report(ctx->diags, DIAG_ERROR, "syntax", r->span,
				                       "redefinition of '%s[%s]'",
				                       r->op == RT_KIND_REQUEST ? "route"
				                                                : ast_route_kind_name(r->op),
				                       r->str);
				diag_note_add(dg, p->span, "first defined here");
				break;
			}
		}
	}
}

/* Kamailio's grammar has no bare identifier as a value: one is accepted only
 * where a name is meant (a function argument: flag and route names; the
 * right side of `method == INVITE`).  A bare name anywhere else is almost
 * always a #!define that is not defined. */
static void bare_values(parse_ctx *ctx, const ast_node *n, int name_ok)
{
	if (!n)
		return;
	if (n->kind == AST_BAREWORD && !name_ok) {
		diag_report(ctx->diags, DIAG_ERROR, "syntax", n->span,
		            "'%s' is not a value: a string needs quotes, and a #!define of that name "
		            "is not defined here", n->str);
		return;
	}
	/* Addresses, host names and protocol names likewise. */
	if ((n->kind == AST_HOST || n->kind == AST_IPV4 || n->kind == AST_IPV6) && !name_ok) {
		diag_report(ctx->diags, DIAG_ERROR, "syntax", n->span,
		            "'%s' is not a value here: write it as a string, \"%s\"", n->str, n->str);
		return;
	}
	if (n->kind == AST_PROTO && !name_ok) {
		diag_report(ctx->diags, DIAG_ERROR, "syntax", n->span,
		            "'%s' is a protocol keyword, not a value here: write \"%s\"", n->str, n->str);
		return;
	}
	if ((n->kind == AST_SOCKADDR || n->kind == AST_HOSTPORT) && !name_ok) {
		diag_report(ctx->diags, DIAG_ERROR, "syntax", n->span,
		            "a socket address is a value only in force_send_socket(): write it as a "
		            "string");
		return;
	}
	if (n->kind == AST_SOCKADDR || n->kind == AST_HOSTPORT)
		return;
	if (n->kind == AST_CALL) {
		/* Only these core commands have names in their grammar; a module
		 * function's arguments are values: xlog(L_INFO, ...) is an error. */
		static const char *const named[] = {
			"route", "setflag", "resetflag", "isflagset", "setavpflag", "resetavpflag",
			"isavpflagset", "forward", "forward_udp", "forward_tcp", "forward_tls",
			"forward_sctp", "set_advertised_address", "force_send_socket",
			"udp_mtu_try_proto", NULL,
		};
		int ok = 0;
		for (int i = 0; named[i] && !ok; i++)
			ok = !strcmp(n->str, named[i]);
		for (int i = 0; i < n->kids.n; i++)
			bare_values(ctx, n->kids.v[i], ok);
		return;
	}
	if (n->kind == AST_BINOP && n->a && n->a->kind == AST_FIELD) {
		/* `method == INVITE`, `src_ip == gw1`, `proto == udp`; not `uri == gw1` */
		field_kind k = field_kind_of(n->a->op);
		const ast_node *b = n->b;
		if (k == FK_IP && b->kind == AST_BINOP && b->op == OP_DIV && b->a &&
		    (b->a->kind == AST_IPV4 || b->a->kind == AST_IPV6))
			return; /* src_ip == 10.0.0.0/8 */
		if (b->kind == AST_HOST || (b->kind == AST_PROTO && b->str[0] == '*'))
			return; /* mk_field_cmp has judged these */
		bare_values(ctx, b, k == FK_METHOD || k == FK_IP || k == FK_PROTO);
		return;
	}
	if (n->kind == AST_ASSIGN) {
		bare_values(ctx, n->b, 0);
		return;
	}
	bare_values(ctx, n->a, 0);
	bare_values(ctx, n->b, 0);
	bare_values(ctx, n->c, 0);
	for (int i = 0; i < n->kids.n; i++)
		bare_values(ctx, n->kids.v[i], 0);
}

/* setflag(NAME) needs NAME declared with `flags NAME:N` (or a #!define that
 * makes it a number): Kamailio says "flag not declared". */
static int flag_declared(const ast_node *root, const char *name)
{
	for (int i = 0; i < root->kids.n; i++) {
		const ast_node *d = root->kids.v[i];
		if (d->kind != AST_FLAGSDECL || d->op)
			continue;
		for (int j = 0; j < d->kids.n; j++)
			if (!strcmp(d->kids.v[j]->str, name))
				return 1;
	}
	return 0;
}

static void flag_names(parse_ctx *ctx, const ast_node *n)
{
	if (!n)
		return;
	if (n->kind == AST_CALL && n->kids.n == 1 && n->kids.v[0]->kind == AST_BAREWORD &&
	    (!strcmp(n->str, "setflag") || !strcmp(n->str, "resetflag") ||
	     !strcmp(n->str, "isflagset")) &&
	    !flag_declared(ctx->root, n->kids.v[0]->str))
		diag_report(ctx->diags, DIAG_ERROR, "syntax", n->kids.v[0]->span,
		            "flag '%s' is not declared: declare it with 'flags %s:N' or "
		            "'#!define %s N'", n->kids.v[0]->str, n->kids.v[0]->str, n->kids.v[0]->str);
	flag_names(ctx, n->a);
	flag_names(ctx, n->b);
	flag_names(ctx, n->c);
	for (int i = 0; i < n->kids.n; i++)
		flag_names(ctx, n->kids.v[i]);
}

static void check_values(parse_ctx *ctx)
{
	for (int i = 0; i < ctx->root->kids.n; i++) {
		const ast_node *r = ctx->root->kids.v[i];
		if (r->kind != AST_ROUTE)
			continue;
		bare_values(ctx, r->a, 0);
		flag_names(ctx, r->a);
	}
}

/* ---- entry points ---- */

static int run(parse_ctx *ctx, ast_script *out)
{
	ast_span none = { 0 };
	ctx->root = ast_new(ctx->arena, AST_SCRIPT, none);
	int errors_before = ctx->diags->errors;
	yyparse(ctx);
	check_routes(ctx);
	check_values(ctx);
	out->root = ctx->root;
	out->arena = ctx->arena;
	/* the files read, for `routec run --watch` (the names live in the arena) */
	out->nfiles = pp_file_count(ctx->pp);
	out->files = ast_alloc(ctx->arena, (size_t)(out->nfiles + 1) * sizeof *out->files);
	for (int i = 0; i < out->nfiles; i++)
		out->files[i] = pp_file_name(ctx->pp, i);
	pp_free(ctx->pp);
	return ctx->diags->errors > errors_before ? -1 : 0;
}

static void setup(parse_ctx *ctx, const parse_opts *o, diag_ctx *d)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->arena = ast_arena_new();
	ctx->diags = d;
	ctx->pp = pp_new(ctx->arena, d);
	for (int i = 0; o && i < o->nincdirs; i++)
		pp_add_incdir(ctx->pp, o->incdirs[i]);
	for (int i = 0; o && i < o->ndefines; i++)
		pp_define_cmdline(ctx->pp, o->defines[i]);
}

int parse_file(const char *path, const parse_opts *o, ast_script *out, diag_ctx *d)
{
	parse_ctx ctx;
	setup(&ctx, o, d);
	if (pp_open_file(ctx.pp, path) < 0) {
		pp_free(ctx.pp);
		out->root = NULL;
		out->arena = ctx.arena;
		out->files = NULL;
		out->nfiles = 0;
		return -1;
	}
	return run(&ctx, out);
}

int parse_text(const char *name, const char *text, size_t len, const parse_opts *o,
               ast_script *out, diag_ctx *d)
{
	parse_ctx ctx;
	setup(&ctx, o, d);
	pp_open_text(ctx.pp, name, text, len);
	return run(&ctx, out);
}

void parse_free(ast_script *s)
{
	ast_arena_free(s->arena);
	s->arena = NULL;
	s->root = NULL;
}
