/*
 * cli_tty.h - questions asked on the controlling terminal.
 */
#ifndef CERBO_CLI_TTY_H
#define CERBO_CLI_TTY_H

#include <stddef.h>

/* 1 when standard input is a terminal (prompts and confirmations). */
int cli_interactive(void);

/*
 * Ask a question on /dev/tty and read one line with echo into buf
 * (newline removed).  0, or -1 on end of input, error or a line too long
 * (the rest of it is discarded).
 */
int cli_prompt(const char *question, char *buf, size_t len);
/* Ask; 1 when the answer is exactly "yes" (or "y" when short_ok). */
int cli_confirm(const char *question, int short_ok);

/*
 * For cli_secret.c: write s to fd, and read one line from fd into buf
 * (newline and a trailing CR removed; buf wiped on failure), 0 or -1.
 */
void cli_tty_write(int fd, const char *s);
int cli_tty_read_line(int fd, char *buf, size_t len, size_t *outlen);

#endif /* CERBO_CLI_TTY_H */
