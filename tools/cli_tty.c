/*
 * cli_tty.c - questions asked on the controlling terminal: prompts and
 * confirmations, read from /dev/tty whatever standard input is.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

int
cli_interactive(void)
{
	return isatty(STDIN_FILENO);
}

void
cli_tty_write(int fd, const char *s)
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
int
cli_tty_read_line(int fd, char *buf, size_t len, size_t *outlen)
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
	cli_tty_write(fd, question);
	rc = cli_tty_read_line(fd, buf, len, NULL);
	if (rc != 0)
		cli_tty_write(fd, "\n");
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
