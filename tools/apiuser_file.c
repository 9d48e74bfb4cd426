/*
 * apiuser_file.c - the commands that change many things at once: apply (a
 * document of desired users and profiles) and edit-file (the store in an
 * editor, like vipw).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "apiuser.h"

#define COPY_NAME "apiusers.yaml" /* the editor's copy, in its folder */

/* Read all of fd (at most CERBO_STORE_SIZE_MAX bytes) into *buf. */
static int
read_all(int fd, const char *name, char **buf, size_t *len,
    struct cerbo_error *err)
{
	size_t cap = 65536, n = 0;
	char *p, *np;
	ssize_t r;

	*err = (struct cerbo_error)CERBO_ERROR_INIT;
	p = malloc(cap);
	if (p == NULL)
		goto oom;
	for (;;) {
		if (n == cap) {
			if (cap >= CERBO_STORE_SIZE_MAX) {
				err->status = CERBO_E_INVALID;
				snprintf(err->file, sizeof(err->file), "%s",
				    name);
				snprintf(err->message, sizeof(err->message),
				    "larger than %u bytes",
				    CERBO_STORE_SIZE_MAX);
				goto fail;
			}
			np = malloc(cap * 2);
			if (np == NULL)
				goto oom;
			memcpy(np, p, n);
			sodium_memzero(p, cap);
			free(p);
			p = np;
			cap *= 2;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err->status = CERBO_E_IO;
			snprintf(err->file, sizeof(err->file), "%s", name);
			snprintf(err->message, sizeof(err->message), "%s",
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = p;
	*len = n;
	return 0;
oom:
	err->status = CERBO_E_NOMEM;
	snprintf(err->message, sizeof(err->message), "out of memory");
fail:
	if (p != NULL) {
		sodium_memzero(p, cap);
		free(p);
	}
	return -1;
}

static void
wipe_free(char *buf, size_t len)
{
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
}

/* ---- apply ------------------------------------------------------------- */

static const char apply_help[] =
    "usage: cerbo-apiuser apply FILE|- [--check] [--diff] [--json] [OPTIONS]\n"
    "\n"
    "Make the store match a document (YAML or JSON; - reads standard input) of\n"
    "desired profiles and users, each present or absent, in one transaction under\n"
    "one lock: all or nothing.  What config management and bulk imports use.\n"
    "Applying the same document twice changes nothing the second time.\n"
    "Keys generated for new users without secret_hash are printed once.\n"
    "\n"
    "  profiles:\n"
    "    - name: scheduling          # state: present (default) or absent\n"
    "      description: Scheduling integration\n"
    "      allow: [GET /api/v1/appointments/**]\n"
    "      deny: []\n"
    "  users:\n"
    "    - username: pk_scheduling_sync\n"
    "      nickname: Scheduling integration\n"
    "      profile: scheduling\n"
    "      email: ops@example.com\n"
    "      description: Syncs appointments\n"
    "      secret_hash: \"$cerbo-b2b$v=1$...\"   # optional (cerbo-apiuser hash)\n"
    "    - username: pk_old\n"
    "      state: absent\n"
    "\n"
    "A present entry is the whole desired state: optional fields left out are unset.\n"
    "See cerbo-apiuser(1), APPLY DOCUMENT.\n"
    "\n"
    "  --check                 dry run: say what would change, write nothing\n"
    "  --diff                  print each change (\"+ user pk_x\", \"~ user pk_x: ...\",\n"
    "                          \"- profile p\"); never a secret or a hash\n"
    "  --json                  {\"changed\", \"check\", \"added\", \"updated\", \"removed\",\n"
    "                          \"changes\": [...], \"change_records\": [...],\n"
    "                          \"secrets\": {USER: KEY}, \"generation\"}\n" CLI_CHANGE_HELP
        CLI_COMMON_HELP_OWN_JSON CLI_HELP_HELP;

struct apply_ctx {
	const char *name;
	char *doc;
	size_t len;
	int check, diff;
	struct cerbo_apply_result *result;
};

static int
apply_opt(void *ctx, int c, const char *arg)
{
	struct apply_ctx *a = ctx;

	(void)arg;
	if (c == AU_OPT_CHECK)
		a->check = 1;
	else if (c == AU_OPT_DIFF)
		a->diff = 1;
	else
		return cli_usage_error("apply", "unknown option");
	return 0;
}

static int
apply_change(struct cerbo_txn *txn, struct cli_change *c,
    struct cerbo_error *err)
{
	struct apply_ctx *a = c->arg;
	struct cerbo_apply_result *res = NULL;

	if (cerbo_store_apply(cerbo_txn_store(txn), a->doc, a->len, a->name,
	        time(NULL), &res, err) != 0) {
		cerbo_apply_result_free(res);
		return -1;
	}
	a->result = res;
	c->changed = cerbo_apply_result_changed(res);
	snprintf(c->what, sizeof(c->what),
	    "applied %s: %zu added, %zu updated, %zu removed", a->name,
	    cerbo_apply_result_count(res, CERBO_APPLY_ADDED),
	    cerbo_apply_result_count(res, CERBO_APPLY_UPDATED),
	    cerbo_apply_result_count(res, CERBO_APPLY_REMOVED));
	return 0;
}

static int
apply_report(const struct cli_opts *o, const struct apply_ctx *a,
    const struct cli_change *c)
{
	const struct cerbo_apply_result *res = a->result;
	struct cli_json j;
	char note[80];
	size_t i, n;
	int rc;

	n = cerbo_apply_result_warning_count(res);
	for (i = 0; i < n; i++)
		cli_warnx("warning: %s", cerbo_apply_result_warning_at(res, i));
	if (o->json) {
		cli_json_begin(&j, c->changed);
		cli_json_bool(&j, "check", a->check);
		cli_json_u64(&j, "added",
		    cerbo_apply_result_count(res, CERBO_APPLY_ADDED));
		cli_json_u64(&j, "updated",
		    cerbo_apply_result_count(res, CERBO_APPLY_UPDATED));
		cli_json_u64(&j, "removed",
		    cerbo_apply_result_count(res, CERBO_APPLY_REMOVED));
		cli_json_changes(&j, cerbo_apply_result_changes(res));
		cli_json_array_begin(&j, "warnings");
		n = cerbo_apply_result_warning_count(res);
		for (i = 0; i < n; i++)
			cli_json_str(&j, NULL,
			    cerbo_apply_result_warning_at(res, i));
		cli_json_array_end(&j);
		cli_json_object_begin(&j, "secrets");
		n = a->check ? 0 : cerbo_apply_result_secret_count(res);
		for (i = 0; i < n; i++)
			cli_json_str(&j, cerbo_apply_result_secret_user(res, i),
			    cerbo_apply_result_secret_at(res, i));
		cli_json_object_end(&j);
		cli_json_u64(&j, "generation", c->generation);
		rc = cli_json_end(&j);
		return rc;
	}
	if (a->diff)
		cli_print_changes(cerbo_apply_result_changes(res));
	if (!o->quiet) {
		/* A dry run prints no key, but says how many the real run
		 * will print once, so nobody is surprised into losing one. */
		note[0] = '\0';
		n = cerbo_apply_result_secret_count(res);
		if (a->check && n > 0)
			snprintf(note, sizeof(note),
			    " (dry run: %zu new key%s would be printed once)",
			    n, n == 1 ? "" : "s");
		if (!c->changed)
			printf("unchanged\n");
		else
			printf("%s: %zu added, %zu updated, %zu removed%s\n",
			    a->check ? "would apply (nothing written)"
			             : "applied",
			    cerbo_apply_result_count(res, CERBO_APPLY_ADDED),
			    cerbo_apply_result_count(res, CERBO_APPLY_UPDATED),
			    cerbo_apply_result_count(res, CERBO_APPLY_REMOVED),
			    note);
	}
	n = a->check ? 0 : cerbo_apply_result_secret_count(res);
	for (i = 0; i < n; i++)
		au_print_secret(o, cerbo_apply_result_secret_user(res, i),
		    cerbo_apply_result_secret_at(res, i), NULL);
	return CLI_EXIT_OK;
}

int
cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"check", no_argument, NULL, AU_OPT_CHECK},
	    {"diff", no_argument, NULL, AU_OPT_DIFF},
	    CLI_LONGOPTS_END,
	};
	struct apply_ctx a;
	struct cli_opts o;
	struct cli_change c;
	struct cerbo_error err = CERBO_ERROR_INIT;
	const char *file;
	int rc, fd = -1;

	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, longopts, &o, apply_opt, &a, apply_help);
	if (rc != 0)
		goto out;
	if (argc - optind != 1) {
		rc = cli_usage_error("apply",
		    argc - optind == 0
		        ? "which document? (a FILE, or - for standard input)"
		        : "one document at a time");
		goto out;
	}
	file = argv[optind];
	if (strcmp(file, "-") == 0) {
		a.name = "<stdin>";
		fd = STDIN_FILENO;
	} else {
		a.name = file;
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			cli_warnx("%s: %s", file, strerror(errno));
			rc = errno == ENOENT ? CLI_EXIT_NOTFOUND : CLI_EXIT_IO;
			goto out;
		}
	}
	if (read_all(fd, a.name, &a.doc, &a.len, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	c.fn = apply_change;
	c.arg = &a;
	c.txn_flags = CERBO_TXN_CREATE;
	c.dry_run = a.check;
	if (cli_change_run(&o, &c, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	rc = apply_report(&o, &a, &c);
out:
	if (fd > STDIN_FILENO)
		close(fd);
	cerbo_apply_result_free(a.result);
	wipe_free(a.doc, a.len);
	return rc;
}

/* ---- edit-file --------------------------------------------------------- */

static const char edit_file_help[] =
    "usage: cerbo-apiuser edit-file [OPTIONS]\n"
    "\n"
    "Edit the store like vipw/visudo: under the store's lock, a copy goes to a\n"
    "private temporary file (mode 0600) opened in $VISUAL, else $EDITOR, else vi.\n"
    "On save it is parsed and validated; on errors they are shown and, on a terminal,\n"
    "you may edit again or abort (elsewhere: abort, exit 3).  A valid result is\n"
    "installed atomically by the same transaction every command uses (generation\n"
    "+1, previous version kept as STORE-).  No change: \"unchanged\".  The lock is\n"
    "held while the editor runs: other writers wait (--lock-timeout).\n"
    "The copy is the store as the tools write it (comments are not kept).\n"
    "\n" CLI_CHANGE_HELP CLI_COMMON_HELP CLI_HELP_HELP;

/* Overwrite one file of the private folder with zeros (the copy and any
 * backup an editor left hold hashes), then unlink it. */
static void
scrub_at(int dfd, const char *name)
{
	char zero[4096];
	struct stat st;
	off_t left;
	int fd;

	fd = openat(dfd, name,
	    O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		memset(zero, 0, sizeof(zero));
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			for (left = st.st_size; left > 0;) {
				size_t n = left > (off_t)sizeof(zero)
				    ? sizeof(zero)
				    : (size_t)left;
				if (write(fd, zero, n) != (ssize_t)n)
					break;
				left -= (off_t)n;
			}
			(void)fsync(fd);
		}
		close(fd);
	}
	if (unlinkat(dfd, name, 0) != 0)
		(void)unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Empty the private folder (dfd) and remove it (path). */
static void
remove_private(int dfd, const char *path)
{
	struct dirent *e;
	DIR *d;
	int dup_fd;

	dup_fd = dup(dfd);
	d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (d == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
	} else {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				scrub_at(dfd, e->d_name);
		closedir(d);
	}
	(void)rmdir(path);
}

/*
 * A private folder for the editor's copy: mode 0700, made with mkdtemp in
 * the store's own folder (as protected as the store itself), or in /run
 * when that cannot be done; never $TMPDIR, which other accounts may share.
 * Its path into dir, an open descriptor of it returned (-1: none).  The
 * copy is made and read again through that descriptor, so the folder
 * cannot be swapped under the tool; the copy itself is read by name, as
 * most editors save by writing a new file and renaming it over the old.
 */
static int
make_private(const char *store, char *dir, size_t len)
{
	const char *slash = strrchr(store, '/');
	int n, fd;

	if (slash == NULL)
		n = snprintf(dir, len, ".cerbo-edit.XXXXXX");
	else
		n = snprintf(dir, len, "%.*s/.cerbo-edit.XXXXXX",
		    (int)(slash - store), store);
	if (n < 0 || (size_t)n >= len || mkdtemp(dir) == NULL) {
		n = snprintf(dir, len, "/run/cerbo-edit.XXXXXX");
		if (n < 0 || (size_t)n >= len || mkdtemp(dir) == NULL)
			return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		(void)rmdir(dir);
	return fd;
}

/* Write the whole buffer to the copy (name in the folder dfd), made or
 * truncated. */
static int
rewrite(int dfd, const char *name, const char *buf, size_t len)
{
	size_t off = 0;
	ssize_t w;
	int fd;

	fd = openat(dfd, name,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
	    0600);
	if (fd < 0)
		return -1;
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

/* Run the editor on path; its exit status, or -1 if it could not run. */
static int
run_editor(const char *path)
{
	struct sigaction ign, oint, oquit;
	const char *editor;
	char cmd[4096];
	pid_t pid;
	int status, n;

	editor = getenv("VISUAL");
	if (editor == NULL || editor[0] == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || editor[0] == '\0')
		editor = "vi";
	/* The editor may carry arguments ("emacs -nw"): let sh split it. */
	n = snprintf(cmd, sizeof(cmd), "%s \"$1\"", editor);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	status = -1;
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (pid < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* After an invalid edit: 1 edit again, 0 abort. */
static int
again(void)
{
	char answer[16];

	if (!cli_interactive())
		return 0;
	for (;;) {
		if (cli_prompt("What now? (e)dit again, (a)bort: ", answer,
		        sizeof(answer)) != 0)
			return 0;
		if (strcmp(answer, "e") == 0 || strcmp(answer, "edit") == 0)
			return 1;
		if (strcmp(answer, "a") == 0 || strcmp(answer, "abort") == 0)
			return 0;
	}
}

int
cmd_edit_file(int argc, char **argv)
{
	struct cerbo_txn_options topts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *edited = NULL;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_opts o;
	struct cli_json j;
	char *orig = NULL, *buf = NULL, tmp[4096], dir[4096];
	size_t orig_len = 0, len = 0;
	uint64_t generation = 0;
	int rc, fd = -1, dfd = -1, changed = 0, st;

	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, NULL, &o, NULL, NULL, edit_file_help);
	if (rc != 0)
		return rc;
	if (optind < argc)
		return cli_usage_error("edit-file",
		    "unexpected argument: %s (the store is given with --store)",
		    argv[optind]);
	cli_txn_options(&o, CERBO_TXN_CREATE, &topts);
	if (cerbo_txn_begin(o.store, &topts, &txn, &err) != 0) {
		rc = cli_error(&err);
		goto out;
	}
	generation = cerbo_txn_generation(txn);
	if (cerbo_store_emit(cerbo_txn_store(txn), &orig, &orig_len, &err) !=
	    0) {
		rc = cli_error(&err);
		goto out;
	}
	dfd = make_private(o.store, dir, sizeof(dir));
	if (dfd < 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/%s", dir, COPY_NAME) >=
	        sizeof(tmp)) {
		cli_warnx(
		    "edit-file: cannot make a private folder beside %s or in /run: %s",
		    o.store, strerror(errno));
		rc = CLI_EXIT_IO;
		goto out;
	}
	if (rewrite(dfd, COPY_NAME, orig, orig_len) != 0) {
		cli_warnx("edit-file: %s: %s", tmp, strerror(errno));
		rc = CLI_EXIT_IO;
		goto out;
	}
	for (;;) {
		st = run_editor(tmp);
		if (st != 0) {
			cli_warnx("edit-file: the editor %s; nothing changed",
			    st < 0 ? "did not run or was killed"
			           : "exited with an error");
			rc = CLI_EXIT_IO;
			goto out;
		}
		wipe_free(buf, len);
		buf = NULL;
		fd = openat(dfd, COPY_NAME,
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
		if (fd < 0 || read_all(fd, tmp, &buf, &len, &err) != 0) {
			cli_warnx("edit-file: cannot read the edited copy");
			rc = CLI_EXIT_IO;
			goto out;
		}
		close(fd);
		fd = -1;
		if (len == orig_len && memcmp(buf, orig, len) == 0)
			break; /* unchanged */
		cerbo_store_free(edited);
		edited = NULL;
		if (cerbo_store_parse(buf, len, o.store, &edited, &err) == 0 &&
		    cerbo_store_validate(edited, &err) == 0) {
			changed = 1;
			break;
		}
		cli_error(&err);
		if (!again()) {
			cli_warnx("edit-file: aborted; nothing changed");
			rc = CLI_EXIT_INVALID;
			goto out;
		}
		rc = 0;
	}
	if (changed) {
		if (cerbo_txn_replace_store(txn, edited, &err) != 0) {
			rc = cli_error(&err);
			goto out;
		}
		edited = NULL; /* the transaction owns it */
		if (cerbo_txn_commit(txn, &err) != 0) {
			rc = cli_error(&err);
			goto out;
		}
		generation = cerbo_txn_generation(txn);
		cli_log_change(o.store, "edited the store file in an editor");
	}
	if (o.json) {
		cli_json_begin(&j, changed);
		cli_json_u64(&j, "generation", generation);
		rc = cli_json_end(&j);
	} else if (!changed) {
		printf("unchanged\n");
	} else if (!o.quiet) {
		printf("installed %s (generation %llu)\n", o.store,
		    (unsigned long long)generation);
	}
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0) {
		remove_private(dfd, dir);
		close(dfd);
	}
	cerbo_store_free(edited);
	wipe_free(orig, orig_len);
	wipe_free(buf, len);
	cerbo_txn_free(txn);
	return rc;
}

/* ---- compile ------------------------------------------------------------ */

static const char compile_help[] =
    "usage: cerbo-apiuser compile [--store PATH] [--json]\n"
    "                             [--expect-generation N] [--expect-digest D]\n"
    "\n"
    "Write the compiled index (STORE.idx) of a store that was produced\n"
    "without the tools (config management, a Kubernetes Secret), under the\n"
    "store's lock.  Every change made with the tools writes the index\n"
    "already.  The YAML stays the source of truth: a stale or missing index\n"
    "never changes an answer, it only makes a fresh process parse the\n"
    "YAML.  Ship STORE and STORE.idx together.\n";

int
cmd_compile(int argc, char **argv)
{
	struct cerbo_txn_options topts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cli_opts o;
	struct cli_json j;
	int rc;

	cli_opts_init(&o);
	rc = cli_getopt(argc, argv, NULL, &o, NULL, NULL, compile_help);
	if (rc != 0)
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (optind < argc)
		return cli_usage_error("compile", "unexpected argument: %s",
		    argv[optind]);
	cli_txn_options(&o, 0, &topts);
	if (cerbo_store_compile(o.store, &topts, &err) != 0)
		return cli_error(&err);
	if (o.json) {
		cli_json_begin(&j, 1);
		cli_json_str(&j, "index", o.store);
		rc = cli_json_end(&j);
		return rc;
	}
	if (!o.quiet)
		printf("compiled %s.idx\n", o.store);
	return CLI_EXIT_OK;
}
