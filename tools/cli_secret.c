/*
 * cli_secret.c - secrets into and out of the tools: a prompt without echo
 * that restores the terminal on every path (signals included), standard
 * input, and a new 0600 file.  Secrets never come from argv.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

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
	cli_tty_write(fd, question);
	rc = cli_tty_read_line(fd, buf, len, outlen);
	cli_tty_write(fd, "\n");
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
	size_t n = 0;
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
			    "no secret read from the terminal (at most %d bytes)",
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
	if (cerbo_secret_validate(buf, n, err) != 0)
		goto fail;
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
