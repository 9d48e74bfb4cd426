/*
 * ngx_http_auth_cerbo_module.c - the API users of a pam_cerbo store,
 * checked inside nginx.
 *
 * A front end, like pam_cerbo.so and cerbo-authd: the credentials of the
 * Authorization header, the request ($request_method and the raw
 * $request_uri, never the normalised $uri) and the client address
 * ($remote_addr, which the realip module may have set) go to
 * cerbo_verify(), and the status comes from cerbo_verdict_http_status().
 * No rule lives here.
 *
 * What the module adds is scheduling.  nginx answers every connection of a
 * worker from one event loop, so a check must never wait there on an
 * argon2id hash: cerbo_verify() is first called with
 * CERBO_VERIFY_FAST_ONLY, which decides every generated key (the fast
 * scheme) at once; a check that needs argon2id comes back undecided and
 * goes to an nginx thread pool, and the request waits (blocked, as for
 * aio threads) without holding the worker.  A full pool queue answers 503
 * at once.
 *
 * The secret of a request lives in one struct cerbo_basic in the request's
 * context; it is wiped right after the verifier has seen it, on the thread
 * that called it, and once more when the request's pool is freed.
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <string.h>
#include <syslog.h>

#include <sodium.h>

#include <cerbo.h>
#include <parse.h>

#if !(NGX_THREADS)
#error "ngx_http_auth_cerbo_module needs an nginx built --with-threads"
#endif

#define REALM_MAX 128

typedef struct {
	ngx_str_t realm;            /* "" for off; data NULL while unset */
	ngx_str_t www_authenticate; /* Basic realm="...", made at merge */
	ngx_str_t store;            /* absolute path, NUL-terminated */
	ngx_str_t pool_name;        /* "" for nginx's "default" pool */
	ngx_thread_pool_t *pool;
	ngx_uint_t queue; /* argon2id checks that may wait in a worker */
} auth_cerbo_conf_t;

enum check_state { CHECK_NEW, CHECK_QUEUED, CHECK_DONE };

/* One check; the context of its request. */
typedef struct {
	ngx_http_request_t *request;
	const auth_cerbo_conf_t *conf;
	enum check_state state;
	int verify_rc;
	int answered;   /* result holds the answer given */
	int overloaded; /* no place for its argon2id check: 503 */
	ngx_thread_task_t *task;
	ngx_queue_t waiting; /* in slow_waiting while it waits a turn */
	ngx_int_t result;
	char *line; /* "METHOD TARGET" */
	char addr[NGX_SOCKADDR_STRLEN + 1];
	/* The username outlives the wiped secret: the variables and the log
	 * name it once the verifier has found it valid. */
	char username[CERBO_USERNAME_MAX + 1];
	ngx_str_t user;    /* $cerbo_user: set only when allowed */
	ngx_str_t profile; /* $cerbo_profile: likewise */
	struct cerbo_basic basic;
	struct cerbo_verdict verdict;
} auth_cerbo_ctx_t;

static ngx_int_t auth_cerbo_add_variables(ngx_conf_t *cf);
static ngx_int_t auth_cerbo_init(ngx_conf_t *cf);
static ngx_int_t auth_cerbo_init_module(ngx_cycle_t *cycle);
static void *auth_cerbo_create_conf(ngx_conf_t *cf);
static char *auth_cerbo_merge_conf(ngx_conf_t *cf, void *parent, void *child);
static char *auth_cerbo_set_realm(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *auth_cerbo_set_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *auth_cerbo_set_queue(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *auth_cerbo_set_pool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* nginx's tables, one entry a line as nginx's own modules lay them out. */
/* clang-format off */
static ngx_command_t auth_cerbo_commands[] = {
	{ngx_string("auth_cerbo"),
	    NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF |
	        NGX_HTTP_LMT_CONF | NGX_CONF_TAKE1,
	    auth_cerbo_set_realm, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
	{ngx_string("auth_cerbo_store"),
	    NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF |
	        NGX_HTTP_LMT_CONF | NGX_CONF_TAKE1,
	    auth_cerbo_set_store, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
	{ngx_string("auth_cerbo_thread_pool"),
	    NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF |
	        NGX_HTTP_LMT_CONF | NGX_CONF_TAKE1,
	    auth_cerbo_set_pool, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
	{ngx_string("auth_cerbo_queue"),
	    NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF |
	        NGX_HTTP_LMT_CONF | NGX_CONF_TAKE1,
	    auth_cerbo_set_queue, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
	ngx_null_command};

static ngx_http_module_t auth_cerbo_module_ctx = {
	auth_cerbo_add_variables, /* preconfiguration */
	auth_cerbo_init,          /* postconfiguration */
	NULL, NULL,               /* main conf */
	NULL, NULL,               /* server conf */
	auth_cerbo_create_conf,   /* location conf */
	auth_cerbo_merge_conf};

ngx_module_t ngx_http_auth_cerbo_module = {NGX_MODULE_V1,
	&auth_cerbo_module_ctx, auth_cerbo_commands, NGX_HTTP_MODULE,
	NULL, /* init master */
	auth_cerbo_init_module, /* init module */
	NULL, /* init process */
	NULL, /* init thread */
	NULL, /* exit thread */
	NULL, /* exit process */
	NULL, /* exit master */
	NGX_MODULE_V1_PADDING};
/* clang-format on */

/* ---- logging -------------------------------------------------------- */

/* The error log's level for a syslog(3) priority: nginx numbers the same
 * levels from 1. */
static ngx_uint_t
log_level(int priority)
{
	if (priority < LOG_EMERG)
		return NGX_LOG_EMERG;
	if (priority > LOG_DEBUG)
		return NGX_LOG_DEBUG;
	return (ngx_uint_t)priority + 1;
}

/* One line built by the library, into the error log. */
static void
write_line(void *log, int priority, const char *line)
{
	ngx_log_t *l = log;
	ngx_uint_t level = log_level(priority);

	if (l->log_level >= level)
		ngx_log_error(level, l, 0, "auth_cerbo: %s", line);
}

/*
 * Log a check: its verdict (refusal NULL), or a refusal the module decided
 * itself at priority (0: LOG_NOTICE).  The lines, their levels, what of
 * the client's text they may hold and how often a line may repeat are the
 * library's (cerbo_log_verdict); a client can flood refusals, so they are
 * limited per reason.  Lines below the error log's level are not built.
 */
static void
log_check(ngx_http_request_t *r, const auth_cerbo_ctx_t *ctx, ngx_uint_t status,
    const char *refusal, int priority)
{
	struct cerbo_log_args la = CERBO_LOG_ARGS_INIT;
	ngx_log_t *log = r->connection->log;

	la.flags = CERBO_LOG_LIMIT_REFUSALS;
	if (log->log_level >= NGX_LOG_INFO)
		la.flags |= CERBO_LOG_SUCCESS;
	if (log->log_level >= NGX_LOG_DEBUG)
		la.flags |= CERBO_LOG_DEBUG;
	la.status = (int)status;
	la.rhost = ctx->addr;
	la.username = ctx->username[0] != '\0' ? ctx->username : NULL;
	la.request = ctx->line;
	la.store_path = (const char *)ctx->conf->store.data;
	if (refusal == NULL) {
		la.verdict = &ctx->verdict;
		la.verify_rc = ctx->verify_rc;
	}
	la.refusal = refusal;
	la.priority = priority;
	(void)cerbo_log_verdict(&la, write_line, log);
}

/* ---- answers -------------------------------------------------------- */

static ngx_int_t
unauthorized(ngx_http_request_t *r, const auth_cerbo_conf_t *conf)
{
	ngx_table_elt_t *h;

	h = ngx_list_push(&r->headers_out.headers);
	if (h == NULL)
		return NGX_HTTP_INTERNAL_SERVER_ERROR;
	h->hash = 1;
	ngx_str_set(&h->key, "WWW-Authenticate");
	h->value = conf->www_authenticate;
	r->headers_out.www_authenticate = h;
	return NGX_HTTP_UNAUTHORIZED;
}

/* Keep a copy of s in the request's pool for a variable. */
static ngx_int_t
keep(ngx_http_request_t *r, ngx_str_t *out, const char *s)
{
	size_t n = strlen(s);

	out->data = ngx_pnalloc(r->pool, n + 1);
	if (out->data == NULL)
		return NGX_ERROR;
	ngx_memcpy(out->data, s, n + 1);
	out->len = n;
	return NGX_OK;
}

/*
 * The answer to a decided check: NGX_OK (allowed, the variables set) or
 * an HTTP status.  Deny by default: only CERBO_ALLOW from a call that
 * reached a verdict is NGX_OK, and a status the library may add later is
 * a 500, never a pass.
 */
static ngx_int_t
decide(ngx_http_request_t *r, auth_cerbo_ctx_t *ctx)
{
	ngx_int_t status = NGX_HTTP_INTERNAL_SERVER_ERROR;

	if (ctx->verify_rc == 0)
		status = cerbo_verdict_http_status(ctx->verdict.code);
	log_check(r, ctx, (ngx_uint_t)status, NULL, 0);
	cerbo_basic_wipe(&ctx->basic);
	if (ctx->verify_rc == 0 && ctx->verdict.code == CERBO_ALLOW &&
	    status == NGX_HTTP_OK) {
		if (keep(r, &ctx->user,
		        ctx->verdict.username_valid ? ctx->username : "") !=
		        NGX_OK ||
		    keep(r, &ctx->profile, ctx->verdict.profile) != NGX_OK)
			return NGX_HTTP_INTERNAL_SERVER_ERROR;
		return NGX_OK;
	}
	switch (status) {
	case NGX_HTTP_UNAUTHORIZED:
		return unauthorized(r, ctx->conf);
	case NGX_HTTP_FORBIDDEN:
		return NGX_HTTP_FORBIDDEN;
	default:
		return NGX_HTTP_INTERNAL_SERVER_ERROR;
	}
}

/* The answer, given once: the phases may run the handler again. */
static ngx_int_t
answer(ngx_http_request_t *r, auth_cerbo_ctx_t *ctx)
{
	if (ctx->answered)
		return ctx->result;
	ctx->answered = 1;
	if (ctx->overloaded) {
		cerbo_basic_wipe(&ctx->basic);
		log_check(r, ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
		    "the queue of argon2id checks is full", LOG_WARNING);
		ctx->result = NGX_HTTP_SERVICE_UNAVAILABLE;
		return ctx->result;
	}
	ctx->result = decide(r, ctx);
	return ctx->result;
}

/* ---- the slow path: argon2id on a thread ----------------------------- */

static void
verify_args(const auth_cerbo_ctx_t *ctx, struct cerbo_verify_args *va)
{
	*va = (struct cerbo_verify_args)CERBO_VERIFY_ARGS_INIT;
	va->store_path = (const char *)ctx->conf->store.data;
	va->username = ctx->basic.username;
	va->secret = ctx->basic.secret;
	va->secret_len = ctx->basic.secret_len;
	va->request = ctx->line;
	va->rhost = ctx->addr[0] != '\0' ? ctx->addr : NULL;
}

/* On a pool thread: only the verifier (thread-safe) and the context, which
 * the event loop leaves alone while the check is queued. */
static void
check_on_thread(void *data, ngx_log_t *log)
{
	auth_cerbo_ctx_t *ctx = data;
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;

	(void)log;
	verify_args(ctx, &va);
	ctx->verify_rc = cerbo_verify(&va, &ctx->verdict);
	cerbo_basic_wipe(&ctx->basic);
}

/*
 * How many argon2id checks a worker runs at once, whatever the pool's
 * size: one per CPU.  More only adds memory (each hash holds its own, up
 * to 256 MiB) and contention: measured with nginx's default pool of 32
 * threads, a flood of wrong argon2id secrets stalled the worker's event
 * loop for seconds (32 threads mapping and faulting in 64 MiB each), while
 * with 2 threads generated keys went on being answered in milliseconds.
 * Checks beyond that wait in the worker's own queue, at most
 * auth_cerbo_queue of them (SLOW_WAITING_MAX unless set); beyond that
 * they are answered 503 at once.
 */
#define SLOW_WAITING_MAX 256

static ngx_uint_t slow_running;
static ngx_uint_t slow_waiting_count;
static ngx_queue_t slow_waiting;

static ngx_uint_t
slow_limit(void)
{
	return ngx_ncpu > 1 ? (ngx_uint_t)ngx_ncpu : 1;
}

/* Run the phases of a request whose check is over (decided, or refused a
 * place in the pool): they find it done and answer. */
static void
resume(auth_cerbo_ctx_t *ctx)
{
	ngx_http_request_t *r = ctx->request;
	ngx_connection_t *c = r->connection;

	ngx_http_set_log_request(c->log, r);
	r->main->blocked--;
	r->aio = 0;
	ctx->state = CHECK_DONE;
	ngx_http_core_run_phases(r);
	ngx_http_run_posted_requests(c);
}

static ngx_int_t
post(auth_cerbo_ctx_t *ctx)
{
	if (ngx_thread_task_post(ctx->conf->pool, ctx->task) != NGX_OK)
		return NGX_DECLINED; /* nginx's queue is full */
	slow_running++;
	return NGX_OK;
}

/* Give free places to waiting checks, in their order.  A check the pool
 * refuses is answered 503. */
static void
start_waiting(void)
{
	ngx_queue_t *q;
	auth_cerbo_ctx_t *ctx;

	while (slow_running < slow_limit() && slow_waiting_count > 0) {
		q = ngx_queue_head(&slow_waiting);
		ngx_queue_remove(q);
		slow_waiting_count--;
		ctx = ngx_queue_data(q, auth_cerbo_ctx_t, waiting);
		if (post(ctx) != NGX_OK) {
			ctx->overloaded = 1;
			resume(ctx);
		}
	}
}

/* Back on the event loop: answer, and let a waiting check have the place. */
static void
check_done(ngx_event_t *ev)
{
	auth_cerbo_ctx_t *ctx = ev->data;

	slow_running--;
	resume(ctx);
	start_waiting();
}

/* NGX_OK: the check runs or waits its turn (the request is blocked
 * meanwhile); NGX_DECLINED: no place, answer 503; NGX_ERROR. */
static ngx_int_t
queue_check(ngx_http_request_t *r, auth_cerbo_ctx_t *ctx)
{
	ngx_thread_task_t *task;

	if (slow_waiting.next == NULL) {
		ngx_queue_init(&slow_waiting);
	}
	task = ngx_thread_task_alloc(r->pool, 0);
	if (task == NULL)
		return NGX_ERROR;
	task->ctx = ctx;
	task->handler = check_on_thread;
	task->event.data = ctx;
	task->event.handler = check_done;
	ctx->task = task;
	if (slow_running < slow_limit()) {
		if (post(ctx) != NGX_OK)
			return NGX_DECLINED;
	} else if (slow_waiting_count < ctx->conf->queue) {
		ngx_queue_insert_tail(&slow_waiting, &ctx->waiting);
		slow_waiting_count++;
	} else {
		return NGX_DECLINED;
	}
	ctx->state = CHECK_QUEUED;
	r->main->blocked++;
	r->aio = 1;
	return NGX_OK;
}

/* ---- the check ------------------------------------------------------ */

/* Whatever path a request took, its secret is wiped when its pool goes
 * (the pool outlives a queued check: the request is blocked meanwhile). */
static void
wipe_ctx(void *data)
{
	auth_cerbo_ctx_t *ctx = data;

	cerbo_basic_wipe(&ctx->basic);
}

/*
 * The Authorization header into ctx->basic, through a NUL-terminated copy
 * that is wiped before return (nginx's own buffer belongs to nginx).
 * NGX_DECLINED with why set when there are no usable credentials.
 */
static ngx_int_t
read_credentials(ngx_http_request_t *r, auth_cerbo_ctx_t *ctx, const char **why)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	ngx_table_elt_t *h = r->headers_in.authorization;
	char header[2 * (CERBO_USERNAME_MAX + CERBO_SECRET_MAX) + 64];
	ngx_int_t rc = NGX_DECLINED;

	if (h == NULL) {
		*why = "no credentials";
		return NGX_DECLINED;
	}
	*why = "malformed Basic credentials";
	if (h->value.len >= sizeof(header) ||
	    ngx_strlchr(h->value.data, h->value.data + h->value.len, '\0') !=
	        NULL)
		return NGX_DECLINED;
	ngx_memcpy(header, h->value.data, h->value.len);
	header[h->value.len] = '\0';
	if (cerbo_basic_parse(header, &ctx->basic, &err) == 0) {
		ngx_memcpy(ctx->username, ctx->basic.username,
		    sizeof(ctx->username));
		ctx->username[sizeof(ctx->username) - 1] = '\0';
		rc = NGX_OK;
	}
	sodium_memzero(header, sizeof(header));
	return rc;
}

/* "$request_method $request_uri": the raw target, as the client sent it,
 * for the library's parser to judge; NGX_DECLINED for one holding a NUL. */
static ngx_int_t
request_line(ngx_http_request_t *r, auth_cerbo_ctx_t *ctx)
{
	size_t n = r->method_name.len + 1 + r->unparsed_uri.len;
	u_char *p;

	p = ngx_pnalloc(r->pool, n + 1);
	if (p == NULL)
		return NGX_ERROR;
	ctx->line = (char *)p;
	p = ngx_cpymem(p, r->method_name.data, r->method_name.len);
	*p++ = ' ';
	p = ngx_cpymem(p, r->unparsed_uri.data, r->unparsed_uri.len);
	*p = '\0';
	if (strlen(ctx->line) != n)
		return NGX_DECLINED;
	return NGX_OK;
}

static ngx_int_t
auth_cerbo_handler(ngx_http_request_t *r)
{
	auth_cerbo_conf_t *conf;
	auth_cerbo_ctx_t *ctx;
	ngx_pool_cleanup_t *cln;
	struct cerbo_verify_args va = CERBO_VERIFY_ARGS_INIT;
	const char *why = NULL;
	size_t n;
	ngx_int_t rc;

	conf = ngx_http_get_module_loc_conf(r, ngx_http_auth_cerbo_module);
	if (conf->realm.len == 0)
		return NGX_DECLINED;
	ctx = ngx_http_get_module_ctx(r, ngx_http_auth_cerbo_module);
	if (ctx != NULL) {
		/* Woken while the thread works (a write event): wait on. */
		if (ctx->state == CHECK_QUEUED)
			return NGX_AGAIN;
		return answer(r, ctx);
	}

	ctx = ngx_pcalloc(r->pool, sizeof(*ctx));
	if (ctx == NULL)
		return NGX_HTTP_INTERNAL_SERVER_ERROR;
	cln = ngx_pool_cleanup_add(r->pool, 0);
	if (cln == NULL)
		return NGX_HTTP_INTERNAL_SERVER_ERROR;
	cln->handler = wipe_ctx;
	cln->data = ctx;
	ctx->request = r;
	ctx->conf = conf;
	ctx->state = CHECK_NEW;
	ctx->verify_rc = -1; /* no verdict yet: decide() answers 500 */
	ctx->basic = (struct cerbo_basic)CERBO_BASIC_INIT;
	ctx->verdict = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	ngx_http_set_ctx(r, ctx, ngx_http_auth_cerbo_module);
	n = ngx_min(r->connection->addr_text.len, sizeof(ctx->addr) - 1);
	ngx_memcpy(ctx->addr, r->connection->addr_text.data, n);
	ctx->addr[n] = '\0';

	if (read_credentials(r, ctx, &why) != NGX_OK) {
		ctx->answered = 1;
		ctx->result = unauthorized(r, conf);
		log_check(r, ctx, NGX_HTTP_UNAUTHORIZED, why, 0);
		return ctx->result;
	}
	rc = request_line(r, ctx);
	if (rc != NGX_OK) {
		cerbo_basic_wipe(&ctx->basic);
		ctx->answered = 1;
		ctx->result = rc == NGX_DECLINED
		    ? NGX_HTTP_FORBIDDEN
		    : NGX_HTTP_INTERNAL_SERVER_ERROR;
		if (rc == NGX_DECLINED)
			log_check(r, ctx, NGX_HTTP_FORBIDDEN,
			    "a NUL byte in the request target", 0);
		return ctx->result;
	}

	/* One look at the store decides a generated key at once; a check
	 * that needs argon2id comes back undecided and goes to a thread. */
	verify_args(ctx, &va);
	va.flags |= CERBO_VERIFY_FAST_ONLY;
	ctx->verify_rc = cerbo_verify(&va, &ctx->verdict);
	if (ctx->verify_rc != CERBO_VERIFY_DEFERRED)
		return answer(r, ctx);
	log_check(r, ctx, 0, NULL, 0); /* the notice, if any */
	ctx->verdict = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	rc = queue_check(r, ctx);
	if (rc == NGX_OK)
		return NGX_AGAIN;
	if (rc == NGX_DECLINED) {
		ctx->overloaded = 1;
		return answer(r, ctx);
	}
	cerbo_basic_wipe(&ctx->basic);
	ctx->answered = 1;
	ctx->result = NGX_HTTP_INTERNAL_SERVER_ERROR;
	return ctx->result;
}

/* ---- variables ------------------------------------------------------ */

/* $cerbo_user and $cerbo_profile: the validated values of an allowed
 * request, empty otherwise.  A subrequest (SSI, auth_request, mirror) is
 * never checked itself: it reads its main request's. */
static ngx_int_t
variable(ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data)
{
	auth_cerbo_ctx_t *ctx;
	const ngx_str_t *s = NULL;

	ctx = ngx_http_get_module_ctx(r->main, ngx_http_auth_cerbo_module);
	if (ctx != NULL)
		s = (const ngx_str_t *)((const char *)ctx + data);
	v->valid = 1;
	v->no_cacheable = 1;
	v->not_found = 0;
	if (s == NULL || s->data == NULL) {
		v->len = 0;
		v->data = (u_char *)"";
		return NGX_OK;
	}
	v->len = s->len;
	v->data = s->data;
	return NGX_OK;
}

static ngx_http_variable_t auth_cerbo_variables[] =
    {{ngx_string("cerbo_user"), NULL, variable,
         offsetof(auth_cerbo_ctx_t, user), NGX_HTTP_VAR_NOCACHEABLE, 0},
        {ngx_string("cerbo_profile"), NULL, variable,
            offsetof(auth_cerbo_ctx_t, profile), NGX_HTTP_VAR_NOCACHEABLE, 0},
        ngx_http_null_variable};

static ngx_int_t
auth_cerbo_add_variables(ngx_conf_t *cf)
{
	ngx_http_variable_t *v, *var;

	for (v = auth_cerbo_variables; v->name.len != 0; v++) {
		var = ngx_http_add_variable(cf, &v->name, v->flags);
		if (var == NULL)
			return NGX_ERROR;
		var->get_handler = v->get_handler;
		var->data = v->data;
	}
	return NGX_OK;
}

/* ---- configuration -------------------------------------------------- */

static void *
auth_cerbo_create_conf(ngx_conf_t *cf)
{
	auth_cerbo_conf_t *conf;

	conf = ngx_pcalloc(cf->pool, sizeof(*conf));
	if (conf == NULL)
		return NULL;
	conf->pool = NGX_CONF_UNSET_PTR;
	conf->queue = NGX_CONF_UNSET_UINT;
	return conf;
}

static char *
auth_cerbo_merge_conf(ngx_conf_t *cf, void *parent, void *child)
{
	auth_cerbo_conf_t *prev = parent;
	auth_cerbo_conf_t *conf = child;
	size_t n;
	u_char *p;

	ngx_conf_merge_str_value(conf->realm, prev->realm, "");
	ngx_conf_merge_str_value(conf->store, prev->store, CERBO_STORE_DEFAULT);
	ngx_conf_merge_ptr_value(conf->pool, prev->pool, NULL);
	ngx_conf_merge_uint_value(conf->queue, prev->queue, SLOW_WAITING_MAX);
	if (conf->realm.len == 0)
		return NGX_CONF_OK;
	/* Only where a check can run is a pool made: nginx's "default" one
	 * unless auth_cerbo_thread_pool names another. */
	if (conf->pool == NULL) {
		conf->pool = ngx_thread_pool_add(cf, NULL);
		if (conf->pool == NULL)
			return NGX_CONF_ERROR;
	}
	n = sizeof("Basic realm=\"\"") - 1 + conf->realm.len;
	p = ngx_pnalloc(cf->pool, n);
	if (p == NULL)
		return NGX_CONF_ERROR;
	conf->www_authenticate.data = p;
	conf->www_authenticate.len = n;
	(void)ngx_sprintf(p, "Basic realm=\"%V\"", &conf->realm);
	return NGX_CONF_OK;
}

/* auth_cerbo off | "realm": a realm goes into a quoted header value, so
 * it is printable ASCII without '"' or '\'. */
static char *
auth_cerbo_set_realm(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
	auth_cerbo_conf_t *conf = c;
	ngx_str_t *value = cf->args->elts;
	size_t i;

	(void)cmd;
	if (conf->realm.data != NULL)
		return "is duplicate";
	if (ngx_strcmp(value[1].data, "off") == 0) {
		ngx_str_set(&conf->realm, "");
		return NGX_CONF_OK;
	}
	if (value[1].len == 0 || value[1].len > REALM_MAX) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		    "invalid realm \"%V\" in \"auth_cerbo\": 1 to %d characters, or off",
		    &value[1], REALM_MAX);
		return NGX_CONF_ERROR;
	}
	for (i = 0; i < value[1].len; i++) {
		u_char ch = value[1].data[i];

		if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
			ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
			    "invalid realm \"%V\" in \"auth_cerbo\": printable ASCII without '\"' or '\\'",
			    &value[1]);
			return NGX_CONF_ERROR;
		}
	}
	conf->realm = value[1];
	return NGX_CONF_OK;
}

/* auth_cerbo_store PATH: an absolute path (the store is read, and its
 * trust checked, on each request: a missing file is a 500, not an error
 * here, as with the PAM module). */
static char *
auth_cerbo_set_store(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
	auth_cerbo_conf_t *conf = c;
	ngx_str_t *value = cf->args->elts;
	size_t i;

	(void)cmd;
	if (conf->store.data != NULL)
		return "is duplicate";
	for (i = 0; i < value[1].len; i++)
		if (value[1].data[i] < 0x20 || value[1].data[i] == 0x7f)
			break;
	if (value[1].len == 0 || value[1].data[0] != '/' ||
	    value[1].len >= CERBO_PATH_MAX || i != value[1].len) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		    "invalid store \"%V\" in \"auth_cerbo_store\": an absolute path is needed",
		    &value[1]);
		return NGX_CONF_ERROR;
	}
	conf->store = value[1];
	return NGX_CONF_OK;
}

/* auth_cerbo_queue N: how many argon2id checks may wait for a thread in a
 * worker (0 to 65536), by the library's number rule. */
static char *
auth_cerbo_set_queue(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
	auth_cerbo_conf_t *conf = c;
	ngx_str_t *value = cf->args->elts;
	struct cerbo_error err = CERBO_ERROR_INIT;
	char text[32];
	int64_t n;

	(void)cmd;
	if (conf->queue != NGX_CONF_UNSET_UINT)
		return "is duplicate";
	if (value[1].len >= sizeof(text) ||
	    ngx_strlchr(value[1].data, value[1].data + value[1].len, '\0') !=
	        NULL) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		    "invalid queue \"%V\" in \"auth_cerbo_queue\": a whole number from 0 to 65536",
		    &value[1]);
		return NGX_CONF_ERROR;
	}
	ngx_memcpy(text, value[1].data, value[1].len);
	text[value[1].len] = '\0';
	if (cerbo__number_parse(text, 0, 65536, &n, &err) != 0) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		    "invalid queue \"%V\" in \"auth_cerbo_queue\": %s",
		    &value[1], err.message);
		return NGX_CONF_ERROR;
	}
	conf->queue = (ngx_uint_t)n;
	return NGX_CONF_OK;
}

/* auth_cerbo_thread_pool NAME: a pool declared by thread_pool (nginx says
 * so, naming it, when it is not) or "default". */
static char *
auth_cerbo_set_pool(ngx_conf_t *cf, ngx_command_t *cmd, void *c)
{
	auth_cerbo_conf_t *conf = c;
	ngx_str_t *value = cf->args->elts;
	size_t i;

	(void)cmd;
	if (conf->pool != NGX_CONF_UNSET_PTR)
		return "is duplicate";
	for (i = 0; i < value[1].len; i++)
		if (value[1].data[i] <= 0x20 || value[1].data[i] >= 0x7f)
			break;
	if (value[1].len == 0 || i != value[1].len) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		    "invalid thread pool \"%V\" in \"auth_cerbo_thread_pool\"",
		    &value[1]);
		return NGX_CONF_ERROR;
	}
	conf->pool = ngx_thread_pool_add(cf, &value[1]);
	if (conf->pool == NULL)
		return NGX_CONF_ERROR;
	return NGX_CONF_OK;
}

static ngx_int_t
auth_cerbo_init(ngx_conf_t *cf)
{
	ngx_http_handler_pt *h;
	ngx_http_core_main_conf_t *cmcf;

	cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
	h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
	if (h == NULL)
		return NGX_ERROR;
	*h = auth_cerbo_handler;
	return NGX_OK;
}

/* Which build nginx loaded, once per configuration (start and reload), at
 * the notice level: the version is the library's, read from
 * debian/changelog by the Makefile. */
static ngx_int_t
auth_cerbo_init_module(ngx_cycle_t *cycle)
{
	ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
	    "ngx_http_auth_cerbo_module, pam_cerbo version %s",
	    cerbo_version());
	return NGX_OK;
}
