/*
 * cli_secret.h - secrets in and out of the tools: read without echo or
 * from standard input, written once to a new 0600 file.  Every buffer
 * that held a secret is wiped on every path.
 */
#ifndef CERBO_CLI_SECRET_H
#define CERBO_CLI_SECRET_H

#include <stddef.h>

#include "cerbo.h"

/*
 * Ask on /dev/tty and read a secret without echo (termios), restoring the
 * terminal on every path, signals included (the signal is re-raised after
 * the terminal is restored).  buf is wiped on failure.  0 or -1.
 */
int cli_prompt_secret(const char *question, char *buf, size_t len,
    size_t *outlen);

/*
 * Read a secret from standard input: at most CERBO_SECRET_MAX bytes, one
 * trailing newline ("\n" or "\r\n") removed; longer input, empty input or
 * a control character (NUL, another line break) is refused: HTTP Basic
 * credentials never carry one.  On a terminal it prompts without echo instead.
 * buf (at least CERBO_SECRET_MAX + 1 bytes) is NUL-terminated; the caller
 * wipes it (sodium_memzero) after use.  0, or -1 with err filled (input
 * read so far is wiped).
 */
#define CLI_SECRET_BUF (CERBO_SECRET_MAX + 2)
int cli_read_secret(char *buf, size_t buflen, size_t *outlen,
    struct cerbo_error *err);

/*
 * Write a secret and a newline to a new file: open(O_WRONLY|O_CREAT|
 * O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600), never overwriting an existing file
 * or following a symlink, fsync; removed again if writing fails.  No copy
 * of the secret is made.  0, or -1 with err filled.
 */
int cli_write_secret_file(const char *path, const char *secret,
    struct cerbo_error *err);

#endif /* CERBO_CLI_SECRET_H */
