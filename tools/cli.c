/*
 * cli.c - helpers shared by cerbo-apiuser and cerbo-profile: exit codes,
 * messages, common options, integers, JSON, prompts, secrets on stdin,
 * syslog of changes and the one-change transaction.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

static const char *progname = "cerbo";

void
cli_init(const char *name)
{
	progname = name;
}

int
cli_exit_code(enum cerbo_status status)
{
	switch (status) {
	case CERBO_OK:
		return CLI_EXIT_OK;
	case CERBO_E_INVALID:
		return CLI_EXIT_INVALID;
	case CERBO_E_NOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case CERBO_E_EXISTS:
		return CLI_EXIT_EXISTS;
	case CERBO_E_LOCK:
		return CLI_EXIT_LOCK;
	case CERBO_E_STORE:
	case CERBO_E_TOO_NEW:
		return CLI_EXIT_STORE;
	case CERBO_E_UNSAFE:
		return CLI_EXIT_UNSAFE;
	case CERBO_E_IO:
	case CERBO_E_NOMEM:
		return CLI_EXIT_IO;
	case CERBO_E_CONFLICT:
		return CLI_EXIT_CONFLICT;
	case CERBO_E_STATE:
	case CERBO_E_INUSE:
		return CLI_EXIT_STATE;
	}
	return CLI_EXIT_IO;
}

int
cli_error(const struct cerbo_error *err)
{
	char text[1024];

	cerbo_error_format(err, text, sizeof(text));
	if (text[0] == '\0')
		fprintf(stderr, "%s: %s\n", progname,
		    cerbo_status_name(err->status));
	else
		fprintf(stderr, "%s: %s\n", progname, text);
	if (err->status == CERBO_OK)
		return CLI_EXIT_IO; /* an error without a status is a bug */
	return cli_exit_code(err->status);
}

void
cli_warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd != NULL)
		fprintf(stderr, "Try '%s %s --help'.\n", progname, cmd);
	else
		fprintf(stderr, "Try '%s --help'.\n", progname);
	return CLI_EXIT_USAGE;
}

/* ---- common options ---------------------------------------------------- */

void
cli_opts_init(struct cli_opts *o)
{
	const char *env;

	memset(o, 0, sizeof(*o));
	o->store = CERBO_STORE_DEFAULT;
	env = getenv("CERBO_STORE");
	if (env != NULL && env[0] != '\0')
		o->store = env;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f') ||
		        (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return i == 64;
}

int
cli_opt_common(struct cli_opts *o, const char *cmd, int c, const char *arg)
{
	const char *errstr;

	switch (c) {
	case CLI_OPT_STORE:
		if (arg[0] == '\0') {
			cli_usage_error(cmd, "--store: empty path");
			return -1;
		}
		o->store = arg;
		return 1;
	case CLI_OPT_JSON:
		o->json = 1;
		return 1;
	case CLI_OPT_EXPECT_GENERATION:
		if (cli_strtou64(arg, &o->expect_generation, &errstr) != 0) {
			cli_usage_error(cmd, "--expect-generation: %s: %s",
			    errstr, arg);
			return -1;
		}
		o->expect_generation_set = 1;
		return 1;
	case CLI_OPT_EXPECT_DIGEST:
		if (!is_hex64(arg)) {
			cli_usage_error(cmd,
			    "--expect-digest: not 64 hex "
			    "digits: %s",
			    arg);
			return -1;
		}
		o->expect_digest = arg;
		return 1;
	case CLI_OPT_LOCK_TIMEOUT:
		if (cli_parse_timeout_ms(arg, &o->lock_timeout_ms) != 0) {
			cli_usage_error(cmd,
			    "--lock-timeout: not a duration "
			    "between 0 and 1h (e.g. 500ms, 10s): %s",
			    arg);
			return -1;
		}
		return 1;
	case CLI_OPT_YES:
		o->yes = 1;
		return 1;
	case CLI_OPT_QUIET:
		o->quiet = 1;
		return 1;
	default:
		return 0;
	}
}

int
cli_getopt(int argc, char **argv, const struct option *longopts,
    struct cli_opts *o, cli_optfn fn, void *ctx, const char *help)
{
	int c, r;

	opterr = 0;
	optind = 1;
	for (;;) {
		c = getopt_long(argc, argv, ":hqy", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return -1;
		case 'q':
			c = CLI_OPT_QUIET;
			break;
		case 'y':
			c = CLI_OPT_YES;
			break;
		case '?':
			if (optopt != 0)
				return cli_usage_error(argv[0],
				    "unknown option -%c", optopt);
			return cli_usage_error(argv[0], "unknown option %s",
			    argv[optind - 1]);
		case ':':
			return cli_usage_error(argv[0],
			    "option %s needs a value", argv[optind - 1]);
		default:
			break;
		}
		r = cli_opt_common(o, argv[0], c, optarg);
		if (r < 0)
			return CLI_EXIT_USAGE;
		if (r > 0)
			continue;
		if (fn == NULL)
			return cli_usage_error(argv[0], "unknown option %s",
			    argv[optind - 1]);
		r = fn(ctx, c, optarg);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Options that would carry a secret; matched as "--name" or "--name=". */
static const char *const secret_opts[] = {"secret", "secret-key", "password",
    "passwd", "pass", "key", "token", "apikey", "api-key", NULL};

int
cli_refuse_secret_args(int argc, char *const argv[])
{
	const char *a, *name;
	size_t i, n;
	int k;

	for (k = 1; k < argc; k++) {
		a = argv[k];
		if (strcmp(a, "--") == 0)
			break;
		if (cerbo_secret_is_generated(a, strlen(a))) {
			cli_warnx(
			    "argument %d is a secret key: secrets are "
			    "never taken from the command line (ps and shell "
			    "history show them); give it on standard input. "
			    "Consider this key exposed and rotate it",
			    k);
			return CLI_EXIT_USAGE;
		}
		if (strncmp(a, "--", 2) != 0)
			continue;
		name = a + 2;
		for (i = 0; secret_opts[i] != NULL; i++) {
			n = strlen(secret_opts[i]);
			if (strncmp(name, secret_opts[i], n) == 0 &&
			    (name[n] == '\0' || name[n] == '=')) {
				cli_warnx(
				    "--%s: secrets are never taken from "
				    "the command line; use --secret-stdin "
				    "(standard input) or a terminal prompt",
				    secret_opts[i]);
				return CLI_EXIT_USAGE;
			}
		}
	}
	return 0;
}

/* ---- integers ---------------------------------------------------------- */

int
cli_strtonum(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	long long v;
	char *end;

	*errstr = "invalid";
	if (s == NULL || s[0] == '\0' || isspace((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -1;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return -1;
	}
	*errstr = NULL;
	*out = v;
	return 0;
}

int
cli_strtou64(const char *s, uint64_t *out, const char **errstr)
{
	unsigned long long v;
	char *end;

	*errstr = "invalid";
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -1;
	if (errno == ERANGE || v > UINT64_MAX) {
		*errstr = "too large";
		return -1;
	}
	*errstr = NULL;
	*out = (uint64_t)v;
	return 0;
}

int
cli_parse_timeout_ms(const char *s, long *out)
{
	char num[32];
	const char *errstr;
	long long v, mult;
	size_t n;

	n = strspn(s, "0123456789");
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (strcmp(s + n, "") == 0 || strcmp(s + n, "s") == 0)
		mult = 1000;
	else if (strcmp(s + n, "ms") == 0)
		mult = 1;
	else if (strcmp(s + n, "m") == 0)
		mult = 60000;
	else
		return -1;
	if (cli_strtonum(num, 0, 3600000, &v, &errstr) != 0)
		return -1;
	v *= mult;
	if (v > 3600000)
		return -1;
	/* 0 asks for "do not wait": the library reads <= 0 as its default. */
	*out = v == 0 ? 1 : (long)v;
	return 0;
}

/* ---- JSON ---------------------------------------------------------------- */

void
cli_json_init(struct cli_json *j)
{
	memset(j, 0, sizeof(*j));
}

void
cli_json_free(struct cli_json *j)
{
	if (j->buf != NULL) {
		sodium_memzero(j->buf, j->cap);
		free(j->buf);
	}
	memset(j, 0, sizeof(*j));
}

/* Make room for n more bytes; growing never leaves an unwiped copy. */
static int
json_room(struct cli_json *j, size_t n)
{
	size_t cap;
	char *p;

	if (j->oom)
		return -1;
	if (j->len + n + 1 <= j->cap)
		return 0;
	cap = j->cap == 0 ? 1024 : j->cap;
	while (cap < j->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			j->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	p = malloc(cap);
	if (p == NULL) {
		j->oom = 1;
		return -1;
	}
	if (j->buf != NULL) {
		memcpy(p, j->buf, j->len);
		sodium_memzero(j->buf, j->cap);
		free(j->buf);
	}
	j->buf = p;
	j->cap = cap;
	return 0;
}

static void
json_put(struct cli_json *j, const char *s, size_t n)
{
	if (json_room(j, n) != 0)
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
json_puts(struct cli_json *j, const char *s)
{
	json_put(j, s, strlen(s));
}

static void
json_string(struct cli_json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	unsigned char ch;
	size_t i, start;

	json_put(j, "\"", 1);
	start = 0;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f)
			continue;
		json_put(j, s + start, i - start);
		start = i + 1;
		switch (ch) {
		case '"':
			json_put(j, "\\\"", 2);
			break;
		case '\\':
			json_put(j, "\\\\", 2);
			break;
		case '\n':
			json_put(j, "\\n", 2);
			break;
		case '\r':
			json_put(j, "\\r", 2);
			break;
		case '\t':
			json_put(j, "\\t", 2);
			break;
		case '\b':
			json_put(j, "\\b", 2);
			break;
		case '\f':
			json_put(j, "\\f", 2);
			break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 0xf];
			json_put(j, esc, 6);
			break;
		}
	}
	json_put(j, s + start, n - start);
	json_put(j, "\"", 1);
}

/* The comma and "key": before a value. */
static void
json_member(struct cli_json *j, const char *key)
{
	if (j->depth > 0 && j->count[j->depth - 1]++ > 0)
		json_put(j, ",", 1);
	if (key != NULL) {
		json_string(j, key, strlen(key));
		json_put(j, ":", 1);
	}
}

static void
json_open(struct cli_json *j, const char *key, const char *brace)
{
	json_member(j, key);
	json_puts(j, brace);
	if (j->depth >= CLI_JSON_DEPTH) {
		j->oom = 1; /* a programming error; refuse to print */
		return;
	}
	j->count[j->depth++] = 0;
}

static void
json_close(struct cli_json *j, const char *brace)
{
	if (j->depth > 0)
		j->depth--;
	json_puts(j, brace);
}

void
cli_json_object_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, "{");
}

void
cli_json_object_end(struct cli_json *j)
{
	json_close(j, "}");
}

void
cli_json_array_begin(struct cli_json *j, const char *key)
{
	json_open(j, key, "[");
}

void
cli_json_array_end(struct cli_json *j)
{
	json_close(j, "]");
}

void
cli_json_str(struct cli_json *j, const char *key, const char *value)
{
	if (value == NULL) {
		cli_json_null(j, key);
		return;
	}
	cli_json_strn(j, key, value, strlen(value));
}

void
cli_json_strn(struct cli_json *j, const char *key, const char *value,
    size_t len)
{
	json_member(j, key);
	json_string(j, value, len);
}

void
cli_json_bool(struct cli_json *j, const char *key, int value)
{
	json_member(j, key);
	json_puts(j, value ? "true" : "false");
}

void
cli_json_u64(struct cli_json *j, const char *key, uint64_t value)
{
	char num[32];
	int n;

	n = snprintf(num, sizeof(num), "%llu", (unsigned long long)value);
	json_member(j, key);
	if (n > 0 && (size_t)n < sizeof(num))
		json_put(j, num, (size_t)n);
	else
		j->oom = 1;
}

void
cli_json_null(struct cli_json *j, const char *key)
{
	json_member(j, key);
	json_puts(j, "null");
}

int
cli_json_print(struct cli_json *j, FILE *f)
{
	if (j->oom || j->depth != 0 || j->buf == NULL) {
		cli_warnx("cannot build the JSON output: out of memory");
		return CLI_EXIT_IO;
	}
	if (fwrite(j->buf, 1, j->len, f) != j->len || fputc('\n', f) == EOF ||
	    fflush(f) != 0) {
		cli_warnx("writing the output: %s", strerror(errno));
		return CLI_EXIT_IO;
	}
	return CLI_EXIT_OK;
}

/* ---- terminals --------------------------------------------------------- */

int
cli_interactive(void)
{
	return isatty(STDIN_FILENO);
}

static void
tty_write(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/*
 * Read one line from fd into buf, a byte at a time (so nothing past the
 * newline is consumed).  0 with the line, -1 on EOF before any newline,
 * error or an over-long line (its rest is read and dropped).  buf is wiped
 * on failure.
 */
static int
read_line(int fd, char *buf, size_t len, size_t *outlen)
{
	size_t n = 0;
	ssize_t r;
	char ch;
	int toolong = 0;

	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			goto fail;
		if (r <= 0) {
			if (n > 0 && !toolong)
				break; /* a last line without newline */
			goto fail;
		}
		if (ch == '\n')
			break;
		if (n + 1 >= len) {
			toolong = 1;
			continue;
		}
		buf[n++] = ch;
	}
	if (toolong)
		goto fail;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	sodium_memzero(&ch, sizeof(ch));
	return 0;
fail:
	sodium_memzero(buf, len);
	sodium_memzero(&ch, sizeof(ch));
	return -1;
}

int
cli_prompt(const char *question, char *buf, size_t len)
{
	int fd, rc;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	tty_write(fd, question);
	rc = read_line(fd, buf, len, NULL);
	if (rc != 0)
		tty_write(fd, "\n");
	close(fd);
	return rc;
}

int
cli_confirm(const char *question, int short_ok)
{
	char answer[16];

	if (cli_prompt(question, answer, sizeof(answer)) != 0)
		return 0;
	if (strcmp(answer, "yes") == 0)
		return 1;
	return short_ok && strcmp(answer, "y") == 0;
}

/* Signals that end a no-echo prompt: restore the terminal, re-raise. */
static const int prompt_signals[] = {SIGINT, SIGHUP, SIGQUIT, SIGTERM, SIGTSTP,
    SIGTTIN, SIGTTOU};
#define NSIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))
static volatile sig_atomic_t caught[NSIG];

static void
on_signal(int sig)
{
	caught[sig] = 1;
}

int
cli_prompt_secret(const char *question, char *buf, size_t len, size_t *outlen)
{
	struct sigaction sa, saved[NSIGNALS];
	struct termios term, quiet;
	size_t i;
	int fd, rc = -1, restore = 0, sig;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	for (i = 0; i < NSIGNALS; i++) {
		caught[prompt_signals[i]] = 0;
		sigaction(prompt_signals[i], &sa, &saved[i]);
	}
	if (tcgetattr(fd, &term) == 0) {
		quiet = term;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0)
			restore = 1;
	}
	tty_write(fd, question);
	rc = read_line(fd, buf, len, outlen);
	tty_write(fd, "\n");
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &term);
	close(fd);
	for (i = 0; i < NSIGNALS; i++)
		sigaction(prompt_signals[i], &saved[i], NULL);
	for (i = 0; i < NSIGNALS; i++) {
		sig = prompt_signals[i];
		if (caught[sig]) {
			sodium_memzero(buf, len);
			rc = -1;
			raise(sig);
		}
	}
	return rc;
}

int
cli_read_secret(char *buf, size_t buflen, size_t *outlen,
    struct cerbo_error *err)
{
	size_t n = 0, i;
	ssize_t r;

	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	if (buflen < CERBO_SECRET_MAX + 2) {
		err->status = CERBO_E_INVALID;
		snprintf(err->message, sizeof(err->message),
		    "internal error: secret buffer too small");
		return -1;
	}
	if (isatty(STDIN_FILENO)) {
		if (cli_prompt_secret("Secret: ", buf, CERBO_SECRET_MAX + 1,
		        &n) != 0) {
			err->status = CERBO_E_INVALID;
			snprintf(err->message, sizeof(err->message),
			    "no secret read from the terminal (at most %d "
			    "bytes)",
			    CERBO_SECRET_MAX);
			return -1;
		}
		goto check;
	}
	/* Read up to CERBO_SECRET_MAX + 2 bytes: room for "\r\n". */
	while (n < CERBO_SECRET_MAX + 2 && n < buflen) {
		r = read(STDIN_FILENO, buf + n, buflen - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err->status = CERBO_E_IO;
			snprintf(err->message, sizeof(err->message),
			    "reading the secret from standard input: %s",
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n') {
		n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	if (n > CERBO_SECRET_MAX) {
		err->status = CERBO_E_INVALID;
		snprintf(err->message, sizeof(err->message),
		    "the secret on standard input is longer than %d bytes",
		    CERBO_SECRET_MAX);
		goto fail;
	}
	buf[n] = '\0';
check:
	if (n == 0) {
		err->status = CERBO_E_INVALID;
		snprintf(err->message, sizeof(err->message),
		    "no secret given on standard input");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		/* Basic credentials never carry these: such a secret could
		 * never log in, and a stray line break is a typo. */
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			err->status = CERBO_E_INVALID;
			snprintf(err->message, sizeof(err->message),
			    "the secret holds a control character (a line "
			    "break or NUL?) at byte %zu; give it on one line",
			    i + 1);
			goto fail;
		}
	}
	*outlen = n;
	return 0;
fail:
	sodium_memzero(buf, buflen);
	return -1;
}

/* Write all of buf to fd; 0, or -1 with errno set. */
static int
write_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int
cli_write_secret_file(const char *path, const char *secret,
    struct cerbo_error *err)
{
	int fd, saved;

	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	fd = open(path,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd < 0) {
		err->status = errno == EEXIST ? CERBO_E_EXISTS : CERBO_E_IO;
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->message, sizeof(err->message), "%s%s",
		    strerror(errno),
		    errno == EEXIST ? " (never overwritten)" : "");
		return -1;
	}
	if (write_all(fd, secret, strlen(secret)) != 0 ||
	    write_all(fd, "\n", 1) != 0 || fsync(fd) != 0)
		goto fail_close;
	if (close(fd) != 0)
		goto fail;
	return 0;
fail_close:
	saved = errno;
	close(fd);
	errno = saved;
fail:
	saved = errno;
	unlink(path);
	err->status = CERBO_E_IO;
	snprintf(err->file, sizeof(err->file), "%s", path);
	snprintf(err->message, sizeof(err->message), "%s", strerror(saved));
	return -1;
}

/* ---- syslog ------------------------------------------------------------ */

void
cli_log_change(const char *store, const char *fmt, ...)
{
	char what[1024], who[160];
	const char *sudo_user;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0)
		what[0] = '\0';
	sudo_user = getenv("SUDO_USER");
	if (sudo_user != NULL && sudo_user[0] != '\0') {
		char name[65];
		size_t i;

		/* From the environment: no control bytes into the log. */
		for (i = 0; i < sizeof(name) - 1 && sudo_user[i] != '\0'; i++)
			name[i] = (unsigned char)sudo_user[i] < 0x20 ||
			        sudo_user[i] == 0x7f
			    ? '?'
			    : sudo_user[i];
		name[i] = '\0';
		n = snprintf(who, sizeof(who), "uid %lu via sudo from %s",
		    (unsigned long)getuid(), name);
	} else
		n = snprintf(who, sizeof(who), "uid %lu",
		    (unsigned long)getuid());
	if (n < 0)
		who[0] = '\0';
	openlog(progname, LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "%s: %s (by %s)", store, what, who);
	closelog();
}

/* ---- transactions ------------------------------------------------------ */

void
cli_txn_options(const struct cli_opts *o, unsigned flags,
    struct cerbo_txn_options *out)
{
	*out = (struct cerbo_txn_options)CERBO_TXN_OPTIONS_INIT;
	out->flags = flags;
	out->timeout_ms = o->lock_timeout_ms;
	out->expect_generation_set = o->expect_generation_set;
	out->expect_generation = o->expect_generation;
	out->expect_digest = o->expect_digest;
}

int
cli_change_run(const struct cli_opts *o, struct cli_change *c,
    struct cerbo_error *err)
{
	struct cerbo_txn_options topts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *store;
	uint64_t before;
	int rc = -1;

	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	c->changed = 0;
	c->what[0] = '\0';
	c->digest[0] = '\0';
	cli_txn_options(o, c->txn_flags, &topts);
	if (cerbo_txn_begin(o->store, &topts, &txn, err) != 0)
		goto out;
	store = cerbo_txn_store(txn);
	before = cerbo_store_generation(store);
	c->generation = before;
	snprintf(c->digest, sizeof(c->digest), "%s", cerbo_store_digest(store));
	if (c->fn(txn, c, err) != 0)
		goto out;
	if (!c->changed || c->dry_run) {
		rc = 0;
		goto out;
	}
	if (cerbo_txn_commit(txn, err) != 0)
		goto out;
	c->generation = cerbo_store_generation(store);
	if (c->generation != before + 1) /* a library that does not update */
		c->generation = before + 1;
	snprintf(c->digest, sizeof(c->digest), "%s", cerbo_store_digest(store));
	cli_log_change(o->store, "%s",
	    c->what[0] != '\0' ? c->what : "changed");
	rc = 0;
out:
	cerbo_txn_free(txn);
	return rc;
}

int
cli_load(const struct cli_opts *o, struct cerbo_store **out,
    struct cerbo_error *err)
{
	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	return cerbo_store_load(o->store, 0, out, err);
}

/* ---- main ---------------------------------------------------------------- */

static const struct cli_command *
find_command(const struct cli_command *commands, size_t ncommands,
    const char *name)
{
	size_t i;

	for (i = 0; i < ncommands; i++) {
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	}
	return NULL;
}

int
cli_main(int argc, char **argv, const char *name, const char *usage,
    const struct cli_command *commands, size_t ncommands)
{
	const struct cli_command *cmd;
	int rc;

	cli_init(name);
	if (sodium_init() < 0) {
		cli_warnx("libsodium failed to initialise");
		return CLI_EXIT_IO;
	}
	rc = cli_refuse_secret_args(argc, argv);
	if (rc != 0)
		return rc;
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			/* "help COMMAND" is "COMMAND --help" */
			char *hargv[3] = {argv[2], (char *)"--help", NULL};

			cmd = find_command(commands, ncommands, argv[2]);
			if (cmd == NULL)
				return cli_usage_error(NULL,
				    "unknown command: %s", argv[2]);
			return cmd->run(2, hargv) < 0 ? CLI_EXIT_OK
			                              : CLI_EXIT_USAGE;
		}
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s (pam_cerbo) store format %d\n", name,
		    CERBO_STORE_FORMAT);
		return CLI_EXIT_OK;
	}
	cmd = find_command(commands, ncommands, argv[1]);
	if (cmd == NULL) {
		if (argv[1][0] == '-')
			return cli_usage_error(NULL,
			    "%s: the command comes "
			    "first, its options after it",
			    argv[1]);
		return cli_usage_error(NULL, "unknown command: %s", argv[1]);
	}
	rc = cmd->run(argc - 1, argv + 1);
	if (rc < 0)
		rc = CLI_EXIT_OK; /* --help was printed */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_warnx("writing the output: %s", strerror(errno));
		if (rc == 0)
			rc = CLI_EXIT_IO;
	}
	return rc;
}
