/*
 * log_verdict.c - the log lines of a check, built once for every front end.
 *
 * The PAM module, cerbo-authd and a web server module each log what they
 * decided.  Were each to spell its lines, the sentences, the priorities
 * and the care taken with what a client sent would drift apart; so the
 * front end says what it decided and hands a writer, and every line is
 * built here (cerbo.h gives the lines).  What a client chose reaches a
 * line only as an address by cerbo_addr_shown(), a username only when it
 * is a valid pk_ name, and the request only inside quotes with '"' and '\'
 * escaped, so a key holder cannot write text that passes for a line of
 * its own or for the rest of this one.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cerbo.h"
#include "internal.h"

#define REQUEST_SHOWN_MAX 256 /* bytes of a request put in a line */

#define KNOWN_FLAGS                                                            \
	(CERBO_LOG_SUCCESS | CERBO_LOG_DEBUG | CERBO_LOG_LIMIT_REFUSALS)

/* A line being built (zeroed: empty); appends past the end are cut. */
struct line {
	char text[CERBO_LOG_LINE_MAX];
	size_t len;
};

static void
put(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(l->text) - 1 - l->len)
		n = sizeof(l->text) - 1 - l->len;
	memcpy(l->text + l->len, s, n);
	l->len += n;
	l->text[l->len] = '\0';
}

static void
put_char(struct line *l, char c)
{
	char s[2] = {c, '\0'};

	put(l, s);
}

/* "PREFIX: " when there is a prefix. */
static void
put_prefix(struct line *l, const struct cerbo_log_args *a)
{
	if (a->prefix != NULL && a->prefix[0] != '\0') {
		put(l, a->prefix);
		put(l, ": ");
	}
}

/* "refused (STATUS)", or "refused" without a status. */
static void
put_refused(struct line *l, const struct cerbo_log_args *a)
{
	char status[24];

	put(l, "refused");
	if (a->status != 0) {
		(void)snprintf(status, sizeof(status), " (%d)", a->status);
		put(l, status);
	}
}

static const char *
name_shown(const char *username)
{
	if (username != NULL && cerbo_username_valid(username))
		return username;
	return "(invalid username)";
}

/*
 * '; request "METHOD TARGET"': up to the first '?', at most
 * REQUEST_SHOWN_MAX bytes, '"' and '\' escaped.  The quotes always close:
 * a request the line has no room for is cut, and " (cut)" says so.
 * Other bytes a line may not hold are made '?' when it is cleaned.
 */
static void
put_request(struct line *l, const char *request)
{
	static const char opening[] = "; request \"", cut_note[] = " (cut)";
	const size_t tail = 1 + sizeof(cut_note) - 1; /* '"', the note */
	size_t i, need;
	int cut = 0;

	if (request == NULL ||
	    l->len + sizeof(opening) - 1 + tail >= sizeof(l->text))
		return;
	put(l, opening);
	for (i = 0; request[i] != '\0' && request[i] != '?'; i++) {
		need = request[i] == '"' || request[i] == '\\' ? 2 : 1;
		if (i == REQUEST_SHOWN_MAX ||
		    l->len + need + tail >= sizeof(l->text)) {
			cut = 1;
			break;
		}
		if (need == 2)
			put_char(l, '\\');
		put_char(l, request[i]);
	}
	put_char(l, '"');
	if (cut)
		put(l, cut_note);
}

/*
 * The verdict's reason, but for a request a profile refused: the
 * verifier's reason holds the decoded path bare, so the line says the
 * profile and the rule, and the request is told in its quotes.
 */
static void
put_reason(struct line *l, const struct cerbo_verdict *v, const char *username)
{
	if (v->code != CERBO_DENY_FORBIDDEN || v->profile[0] == '\0') {
		put(l, v->reason);
		return;
	}
	put(l, "user ");
	put(l, name_shown(username));
	put(l, " forbidden by profile ");
	put(l, v->profile);
	if (v->rule_matched) {
		put(l, ": ");
		put(l, cerbo_rule_kind_name(v->rule_kind));
		put(l, " rule ");
		put(l, v->rule);
	} else {
		put(l, ": no allow rule matches");
	}
	if (v->key == CERBO_KEY_OLD)
		put(l, " (old key)");
}

static const char *
store_shown(const struct cerbo_log_args *a)
{
	return a->store_path != NULL ? a->store_path : CERBO_STORE_DEFAULT;
}

/* Clean the line and hand it to the writer. */
static void
emit(cerbo_log_writer writer, void *ctx, int priority, struct line *l)
{
	char clean[CERBO_LOG_LINE_MAX];

	cerbo_log_clean(clean, sizeof(clean), l->text);
	writer(ctx, priority, clean);
}

/*
 * A refusal line: limited per reason when asked, the key being the line
 * as far as the address (prefix, status and reason, without the address
 * and the request).
 */
static void
emit_refusal(cerbo_log_writer writer, void *ctx, int priority,
    const struct cerbo_log_args *a, const struct line *reason)
{
	struct line l = {.len = 0};
	struct line key = {.len = 0};
	char clean[CERBO_LOG_LINE_MAX];

	put_prefix(&l, a);
	put_refused(&l, a);
	put(&l, " from ");
	put(&l, cerbo_addr_shown(a->rhost));
	put(&l, ": ");
	put(&l, reason->text);
	put_request(&l, a->request);
	cerbo_log_clean(clean, sizeof(clean), l.text);
	if (a->flags & CERBO_LOG_LIMIT_REFUSALS) {
		put_prefix(&key, a);
		put_refused(&key, a);
		put(&key, ": ");
		put(&key, reason->text);
		if (!cerbo__log_repeat_allowed_for(key.text, clean,
		        sizeof(clean)))
			return;
	}
	writer(ctx, priority, clean);
}

static void
log_debug(const struct cerbo_log_args *a, const struct cerbo_verdict *v,
    cerbo_log_writer writer, void *ctx)
{
	struct line l = {.len = 0};

	put_prefix(&l, a);
	put(&l, "check of user ");
	put(&l, name_shown(a->username));
	put(&l, " from ");
	put(&l, cerbo_addr_shown(a->rhost));
	put(&l, ", store ");
	put(&l, store_shown(a));
	if (a->request != NULL)
		put_request(&l, a->request);
	else
		put(&l, "; no request");
	put(&l, ": verdict ");
	put(&l, cerbo_verdict_name(v->code));
	put(&l, ", key ");
	put(&l,
	    v->key != CERBO_KEY_NONE ? cerbo_key_used_name(v->key) : "none");
	put(&l, ": ");
	put(&l, v->reason);
	emit(writer, ctx, LOG_DEBUG, &l);
}

/* The store cannot be used: the same for everyone, so limited. */
static void
log_store_error(const struct cerbo_verdict *v, cerbo_log_writer writer,
    void *ctx)
{
	char raw[CERBO_LOG_LINE_MAX], clean[CERBO_LOG_LINE_MAX];

	(void)snprintf(raw, sizeof(raw),
	    "cannot use the store (reading as uid %u), refusing everyone: %s",
	    (unsigned)geteuid(), v->reason);
	cerbo_log_clean(clean, sizeof(clean), raw);
	if (cerbo_log_repeat_allowed(clean, sizeof(clean)))
		writer(ctx, LOG_ERR, clean);
}

static void
log_allowed(const struct cerbo_log_args *a, const struct cerbo_verdict *v,
    cerbo_log_writer writer, void *ctx)
{
	struct line l = {.len = 0};
	char clean[CERBO_LOG_LINE_MAX];

	if (v->key == CERBO_KEY_OLD) {
		put_prefix(&l, a);
		put(&l, name_shown(a->username));
		put(&l,
		    " authenticated with its old key: the client should switch to the new key before the grace period ends");
		cerbo_log_clean(clean, sizeof(clean), l.text);
		if (cerbo_log_repeat_allowed(clean, sizeof(clean)))
			writer(ctx, LOG_NOTICE, clean);
	}
	if (!(a->flags & CERBO_LOG_SUCCESS))
		return;
	l.len = 0;
	put_prefix(&l, a);
	put(&l, "allowed from ");
	put(&l, cerbo_addr_shown(a->rhost));
	put(&l, ": ");
	put(&l, v->reason);
	put_request(&l, a->request);
	emit(writer, ctx, LOG_INFO, &l);
}

static void
log_verdict(const struct cerbo_log_args *a, const struct cerbo_verdict *v,
    cerbo_log_writer writer, void *ctx)
{
	struct line reason = {.len = 0};
	struct line l = {.len = 0};

	/* Set on the one call that (re)loaded the store: no limit. */
	if (v->notice[0] != '\0') {
		put(&l, v->notice);
		put(&l, " (store ");
		put(&l, store_shown(a));
		put(&l, ")");
		emit(writer, ctx, LOG_WARNING, &l);
	}
	if (a->verify_rc == CERBO_VERIFY_DEFERRED)
		return;
	if (a->verify_rc != 0) {
		put(&reason, "the verifier refused its arguments");
		emit_refusal(writer, ctx, LOG_ERR, a, &reason);
		return;
	}
	if (a->flags & CERBO_LOG_DEBUG)
		log_debug(a, v, writer, ctx);
	switch (v->code) {
	case CERBO_ALLOW:
		log_allowed(a, v, writer, ctx);
		break;
	case CERBO_STORE_ERROR:
		log_store_error(v, writer, ctx);
		break;
	default:
		put_reason(&reason, v, a->username);
		emit_refusal(writer, ctx, LOG_NOTICE, a, &reason);
		break;
	}
}

/* A refusal the front end decided before (or instead of) a verdict. */
static void
log_refusal(const struct cerbo_log_args *a, cerbo_log_writer writer, void *ctx)
{
	struct line reason = {.len = 0};

	put(&reason, a->refusal);
	if (a->username != NULL) {
		put(&reason, " (user ");
		put(&reason, name_shown(a->username));
		put(&reason, ")");
	}
	emit_refusal(writer, ctx, a->priority != 0 ? a->priority : LOG_NOTICE,
	    a, &reason);
}

int
cerbo_log_verdict(const struct cerbo_log_args *args, cerbo_log_writer writer,
    void *ctx)
{
	struct cerbo_log_args a;
	struct cerbo_verdict v = CERBO_VERDICT_INIT;

	if (writer == NULL ||
	    cerbo__abi_in(&a, sizeof(a), args, CERBO__LOG_ARGS_V1) != 0)
		return -1;
	if ((a.flags & ~(unsigned)KNOWN_FLAGS) != 0 ||
	    (a.verdict == NULL && a.refusal == NULL))
		return -1;
	if (a.verdict == NULL) {
		log_refusal(&a, writer, ctx);
		return 0;
	}
	if (cerbo__abi_in(&v, sizeof(v), a.verdict, CERBO__VERDICT_V1) != 0)
		return -1;
	log_verdict(&a, &v, writer, ctx);
	return 0;
}
