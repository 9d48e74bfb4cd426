/*
 * file.c - reading a store file safely, and the trust rules.
 *
 * A store holds key hashes and decides who gets in, so a reader refuses a
 * store that anyone but root (or, for tests, the reading process's own
 * account) could have written or replaced: the file and every folder that
 * is looked into on the way to it must be owned by root or the caller and
 * not writable by group or others (a root-owned sticky folder such as /tmp
 * is fine: nobody else can rename or remove what is in it).  A world-
 * readable store is refused too.  A symlink is followed to read (container
 * platforms mount secrets that way), and the folders it leads through are
 * checked as well; writers never write through one (txn.c).
 *
 * The file is checked with fstat on the descriptor actually read, never by
 * name, so a swap between the check and the read cannot slip past it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

#define MAX_SYMLINKS 40 /* as the kernel's own limit on a path walk */

/* ---- file identity --------------------------------------------------- */

void
cerbo__file_id_from_stat(struct cerbo__file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

int
cerbo__file_id_equal(const struct cerbo__file_id *a,
    const struct cerbo__file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* ---- names for messages ---------------------------------------------- */

/* "root", "www-data", or the number when the account has no name. */
static void
user_name(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s", res->pw_name);
	else
		snprintf(out, len, "%lu", (unsigned long)uid);
}

static void
group_name(gid_t gid, char *out, size_t len)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s", res->gr_name);
	else
		snprintf(out, len, "%lu", (unsigned long)gid);
}

static const char *
type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISLNK(mode))
		return "a symlink";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

/* ---- the trust rules ------------------------------------------------- */

/*
 * The write bits of group and others, as a chmod argument: "g", "o" or
 * "go"; NULL when neither is set.
 */
static const char *
write_who(mode_t mode)
{
	if ((mode & S_IWGRP) && (mode & S_IWOTH))
		return "go";
	if (mode & S_IWGRP)
		return "g";
	if (mode & S_IWOTH)
		return "o";
	return NULL;
}

static const char *
write_words(mode_t mode)
{
	if ((mode & S_IWGRP) && (mode & S_IWOTH))
		return "group- and world-writable";
	if (mode & S_IWGRP)
		return "group-writable";
	return "world-writable";
}

static int
fail_owner(const char *path, const struct stat *st, uid_t trusted,
    struct cerbo_error *err)
{
	char owner[64], me[64];

	user_name(st->st_uid, owner, sizeof(owner));
	if (trusted == 0)
		return cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "owned by %s (uid %lu), not root; run chown root %s", owner,
		    (unsigned long)st->st_uid, path);
	user_name(trusted, me, sizeof(me));
	return cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
	    "owned by %s (uid %lu); it must be owned by root or by %s (uid %lu) that reads it; run chown root %s",
	    owner, (unsigned long)st->st_uid, me, (unsigned long)trusted, path);
}

/* The file rule, for a reader running as trusted (besides root). */
static int
trust_file(const char *path, const struct stat *st, uid_t trusted,
    struct cerbo_error *err)
{
	const char *who;

	if (!S_ISREG(st->st_mode))
		return cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "not a regular file (%s)", type_name(st->st_mode));
	if (st->st_uid != 0 && st->st_uid != trusted)
		return fail_owner(path, st, trusted, err);
	who = write_who(st->st_mode);
	if (who != NULL)
		return cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "%s (mode %04o); run chmod %s-w %s",
		    write_words(st->st_mode), (unsigned)(st->st_mode & 07777),
		    who, path);
	if (st->st_mode & S_IROTH)
		return cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "world-readable (mode %04o), but it holds key hashes; run chmod o-r %s",
		    (unsigned)(st->st_mode & 07777), path);
	return 0;
}

/*
 * The folder rule: a folder whose entries decide which file a reader gets
 * must be owned by root or the reader and writable by nobody else, unless
 * it is root's and sticky (then nobody else may rename or remove entries
 * they do not own).
 */
static int
trust_folder(const char *path, const struct stat *st, uid_t trusted,
    struct cerbo_error *err)
{
	const char *who;

	if (!S_ISDIR(st->st_mode))
		return cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "not a folder (%s)", type_name(st->st_mode));
	if (st->st_uid != 0 && st->st_uid != trusted)
		return fail_owner(path, st, trusted, err);
	who = write_who(st->st_mode);
	if (who != NULL && !(st->st_uid == 0 && (st->st_mode & S_ISVTX)))
		return cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "%s folder (mode %04o), so others could replace the store; run chmod %s-w %s",
		    write_words(st->st_mode), (unsigned)(st->st_mode & 07777),
		    who, path);
	return 0;
}

/*
 * The caller's uid matters only for a file root does not own, so the
 * verifier's check on every request makes no system call for a store
 * owned by root (the euid is not cached: a daemon may change it).
 */
int
cerbo__trust_file_stat(const char *path, const struct stat *st,
    struct cerbo_error *err)
{
	return trust_file(path, st, st->st_uid == 0 ? 0 : geteuid(), err);
}

int
cerbo__trust_folder_stat(const char *path, const struct stat *st,
    struct cerbo_error *err)
{
	return trust_folder(path, st, st->st_uid == 0 ? 0 : geteuid(), err);
}

/* ---- access for another identity ------------------------------------ */

/* An account as the kernel sees it when it checks permissions. */
struct ident {
	uid_t uid;
	gid_t *gids; /* primary group included */
	size_t ngids;
};

static int
ident_in_group(const struct ident *who, gid_t gid)
{
	size_t i;

	for (i = 0; i < who->ngids; i++)
		if (who->gids[i] == gid)
			return 1;
	return 0;
}

/*
 * Whether who may do what (S_IXOTH: search a folder, S_IROTH: read a
 * file) by the mode alone, as the kernel decides: the owner class if it
 * owns the file, else the group class if it is in the group, else others.
 * Root may do both (its capabilities override the mode).  ACLs are not
 * evaluated; the message says so when the file has one.
 */
static int
ident_may(const struct ident *who, const struct stat *st, mode_t bit)
{
	if (who->uid == 0)
		return 1;
	if (st->st_uid == who->uid)
		return (st->st_mode & (bit << 6)) != 0;
	if (ident_in_group(who, st->st_gid))
		return (st->st_mode & (bit << 3)) != 0;
	return (st->st_mode & bit) != 0;
}

static int
fail_access(const char *path, const struct stat *st, const struct ident *who,
    mode_t bit, struct cerbo_error *err)
{
	char uname[64], owner[64], group[64], reason[256];
	const char *perm = bit == S_IXOTH ? "search" : "read";

	user_name(who->uid, uname, sizeof(uname));
	user_name(st->st_uid, owner, sizeof(owner));
	group_name(st->st_gid, group, sizeof(group));
	if (st->st_uid == who->uid)
		snprintf(reason, sizeof(reason),
		    "%s (uid %lu) owns it and the owner has no %s permission",
		    uname, (unsigned long)who->uid, perm);
	else if (ident_in_group(who, st->st_gid))
		snprintf(reason, sizeof(reason),
		    "%s (uid %lu) is in group %s and the group has no %s permission",
		    uname, (unsigned long)who->uid, group, perm);
	else
		snprintf(reason, sizeof(reason),
		    "%s (uid %lu) is not in group %s and others have no %s permission",
		    uname, (unsigned long)who->uid, group, perm);
	return cerbo__fail_at(err, CERBO_E_IO, path, 0, 0,
	    "mode %04o %s:%s: %s", (unsigned)(st->st_mode & 07777), owner,
	    group, reason);
}

/* ---- the walk -------------------------------------------------------- */

/*
 * What to check on the way: the trust rule for every folder looked into
 * (when trust is set), and search permission for who (when not NULL).
 */
struct walk {
	int trust;
	uid_t trusted;
	const struct ident *who;
	/* Results: the resolved path and lstat of the last component. */
	char resolved[PATH_MAX];
	int exists;
	struct stat st;
};

static int
check_folder(const char *dir, struct walk *w, struct cerbo_error *err)
{
	struct stat st;

	if (lstat(dir, &st) == -1)
		return cerbo__fail_at(err,
		    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO, dir, 0, 0,
		    "%s", strerror(errno));
	if (w->trust && trust_folder(dir, &st, w->trusted, err) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return cerbo__fail_at(err, CERBO_E_IO, dir, 0, 0, "%s",
		    strerror(ENOTDIR));
	if (w->who != NULL && !ident_may(w->who, &st, S_IXOTH))
		return fail_access(dir, &st, w->who, S_IXOTH, err);
	return 0;
}

/* dir + "/" + name into out, "/" not doubled. */
static int
join(char *out, size_t len, const char *dir, const char *name, size_t nlen)
{
	int n;

	if (strcmp(dir, "/") == 0)
		n = snprintf(out, len, "/%.*s", (int)nlen, name);
	else
		n = snprintf(out, len, "%s/%.*s", dir, (int)nlen, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Walk path as the kernel would, one component at a time, following
 * symlinks (at most MAX_SYMLINKS), and check every folder a name is looked
 * up in.  The last component may be missing (w->exists then is 0); a
 * missing folder on the way is CERBO_E_NOTFOUND.
 */
static int
walk_path(const char *path, struct walk *w, struct cerbo_error *err)
{
	char cur[PATH_MAX], todo[PATH_MAX], next[PATH_MAX], link[PATH_MAX];
	const char *p, *name, *rest;
	size_t nlen;
	ssize_t n;
	int links = 0, last;
	struct stat st;

	w->exists = 0;
	w->resolved[0] = '\0';
	if (path == NULL || path[0] == '\0')
		return cerbo__fail(err, CERBO_E_INVALID, "empty store path");
	if (path[0] == '/') {
		if (snprintf(todo, sizeof(todo), "%s", path) >=
		    (int)sizeof(todo))
			goto toolong;
	} else {
		if (getcwd(cur, sizeof(cur)) == NULL)
			return cerbo__fail(err, CERBO_E_IO,
			    "cannot find the current folder: %s",
			    strerror(errno));
		if (join(todo, sizeof(todo), cur, path, strlen(path)) == -1)
			goto toolong;
	}
	snprintf(cur, sizeof(cur), "/");
	p = todo;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* The path names a folder ("/", "a/b/"). */
			if (lstat(cur, &w->st) == -1)
				return cerbo__fail_at(err, CERBO_E_IO, cur, 0,
				    0, "%s", strerror(errno));
			w->exists = 1;
			snprintf(w->resolved, sizeof(w->resolved), "%s", cur);
			return 0;
		}
		name = p;
		while (*p != '\0' && *p != '/')
			p++;
		nlen = (size_t)(p - name);
		rest = p;
		while (*rest == '/')
			rest++;
		last = *rest == '\0';
		if (nlen == 1 && name[0] == '.')
			continue;
		if (nlen == 2 && name[0] == '.' && name[1] == '.') {
			char *slash = strrchr(cur, '/');

			if (slash == cur)
				cur[1] = '\0';
			else if (slash != NULL)
				*slash = '\0';
			continue;
		}
		if (check_folder(cur, w, err) == -1)
			return -1;
		if (join(next, sizeof(next), cur, name, nlen) == -1)
			goto toolong;
		if (lstat(next, &st) == -1) {
			if (errno == ENOENT && last) {
				snprintf(w->resolved, sizeof(w->resolved), "%s",
				    next);
				return 0;
			}
			return cerbo__fail_at(err,
			    errno == ENOENT ? CERBO_E_NOTFOUND : CERBO_E_IO,
			    next, 0, 0, "%s", strerror(errno));
		}
		if (S_ISLNK(st.st_mode)) {
			if (++links > MAX_SYMLINKS)
				return cerbo__fail_at(err, CERBO_E_IO, path, 0,
				    0, "%s", strerror(ELOOP));
			n = readlink(next, link, sizeof(link) - 1);
			if (n == -1)
				return cerbo__fail_at(err, CERBO_E_IO, next, 0,
				    0, "%s", strerror(errno));
			if ((size_t)n >= sizeof(link) - 1)
				goto toolong;
			link[n] = '\0';
			/* The link's target replaces its name in the walk. */
			if (snprintf(next, sizeof(next), "%s/%s", link, rest) >=
			    (int)sizeof(next))
				goto toolong;
			memcpy(todo, next, sizeof(todo));
			p = todo;
			if (link[0] == '/')
				snprintf(cur, sizeof(cur), "/");
			continue;
		}
		if (last) {
			w->exists = 1;
			w->st = st;
			snprintf(w->resolved, sizeof(w->resolved), "%s", next);
			return 0;
		}
		if (!S_ISDIR(st.st_mode))
			return cerbo__fail_at(err, CERBO_E_IO, next, 0, 0, "%s",
			    strerror(ENOTDIR));
		memcpy(cur, next, sizeof(cur));
	}
toolong:
	return cerbo__fail(err, CERBO_E_INVALID, "%s: %s", path,
	    strerror(ENAMETOOLONG));
}

int
cerbo__trust_folders(const char *path, struct cerbo_error *err)
{
	struct walk *w;
	int rc;

	/* The walk carries PATH_MAX buffers: keep them off small stacks. */
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	w->trust = 1;
	w->trusted = geteuid();
	rc = walk_path(path, w, err);
	free(w);
	return rc;
}

/* ---- reading --------------------------------------------------------- */

int
cerbo__read_fd(int fd, const char *path, unsigned flags, char **buf,
    size_t *len, struct stat *stp, struct cerbo_error *err)
{
	struct stat st;
	char *data = NULL, *bigger;
	size_t cap, used = 0;
	ssize_t n;
	int rc = -1;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) == -1) {
		cerbo__fail_at(err, CERBO_E_IO, path, 0, 0, "%s",
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cerbo__fail_at(err, CERBO_E_UNSAFE, path, 0, 0,
		    "not a regular file (%s)", type_name(st.st_mode));
		goto out;
	}
	if (!(flags & CERBO_LOAD_NO_TRUST) &&
	    cerbo__trust_file_stat(path, &st, err) == -1)
		goto out;
	if (st.st_size < 0 || (uintmax_t)st.st_size > CERBO_STORE_SIZE_MAX) {
		cerbo__fail_at(err, CERBO_E_STORE, path, 0, 0,
		    "too large (%jd bytes; a store may have at most %u)",
		    (intmax_t)st.st_size, CERBO_STORE_SIZE_MAX);
		goto out;
	}
	/* Room for what fstat saw, one byte more to notice growth, a NUL. */
	cap = (size_t)st.st_size + 2;
	data = malloc(cap);
	if (data == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory reading %s",
		    path);
		goto out;
	}
	for (;;) {
		if (used + 1 == cap) {
			/* The file grew while being read (an in-place edit). */
			if (cap - 2 >= CERBO_STORE_SIZE_MAX) {
				cerbo__fail_at(err, CERBO_E_STORE, path, 0, 0,
				    "too large (a store may have at most %u bytes)",
				    CERBO_STORE_SIZE_MAX);
				goto out;
			}
			cap = cap * 2 > CERBO_STORE_SIZE_MAX + 2
			    ? CERBO_STORE_SIZE_MAX + 2
			    : cap * 2;
			bigger = realloc(data, cap);
			if (bigger == NULL) {
				cerbo__fail(err, CERBO_E_NOMEM,
				    "out of memory reading %s", path);
				goto out;
			}
			data = bigger;
		}
		n = read(fd, data + used, cap - 1 - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cerbo__fail_at(err, CERBO_E_IO, path, 0, 0,
			    "reading: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	data = NULL;
	if (stp != NULL)
		*stp = st;
	rc = 0;
out:
	if (data != NULL) {
		sodium_memzero(data, cap);
		free(data);
	}
	return rc;
}

int
cerbo__write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
cerbo__read_file(const char *path, unsigned flags, char **buf, size_t *len,
    struct stat *st, struct cerbo_error *err)
{
	int fd, rc = -1;

	*buf = NULL;
	*len = 0;
	if (path == NULL || path[0] == '\0')
		return cerbo__fail(err, CERBO_E_INVALID, "empty store path");
	/*
	 * O_NONBLOCK: opening a FIFO planted at the path must not hang the
	 * reader; fstat then refuses it.  It changes nothing for a regular
	 * file.  No O_NOFOLLOW: a symlink is followed to read.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return cerbo__fail_at(err, CERBO_E_NOTFOUND, path, 0, 0,
			    "no such file");
		return cerbo__fail_at(err, CERBO_E_IO, path, 0, 0,
		    "cannot open: %s", strerror(errno));
	}
	if (cerbo__read_fd(fd, path, flags, buf, len, st, err) == -1)
		goto out;
	if (!(flags & CERBO_LOAD_NO_TRUST) &&
	    cerbo__trust_folders(path, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && *buf != NULL) {
		sodium_memzero(*buf, *len);
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	close(fd);
	return rc;
}

int
cerbo_store_load(const char *path, unsigned flags, struct cerbo_store **out,
    struct cerbo_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (out == NULL)
		return cerbo__fail(err, CERBO_E_INVALID, "no output store");
	*out = NULL;
	if ((flags & ~CERBO__LOAD_FLAGS) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "unknown load flag bits 0x%x", flags & ~CERBO__LOAD_FLAGS);
	if (cerbo__read_file(path, flags, &buf, &len, NULL, err) == -1)
		goto out;
	if (cerbo_store_parse(buf, len, path, out, err) == -1)
		goto out;
	rc = 0;
out:
	if (buf != NULL) {
		/* Hashes are sensitive: no copy lingers in freed memory. */
		sodium_memzero(buf, len);
		free(buf);
	}
	return rc;
}

/* ---- check_access ----------------------------------------------------- */

/* The calling process's identity: effective uid and every group. */
static int
ident_self(struct ident *who, struct cerbo_error *err)
{
	int n;

	who->uid = geteuid();
	n = getgroups(0, NULL);
	if (n < 0)
		return cerbo__fail(err, CERBO_E_IO, "getgroups: %s",
		    strerror(errno));
	who->gids = calloc((size_t)n + 1, sizeof(gid_t));
	if (who->gids == NULL)
		return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
	n = getgroups(n, who->gids);
	if (n < 0)
		return cerbo__fail(err, CERBO_E_IO, "getgroups: %s",
		    strerror(errno));
	who->gids[n] = getegid();
	who->ngids = (size_t)n + 1;
	return 0;
}

/* An account's groups from the user database (primary included). */
static int
ident_lookup(struct ident *who, uid_t uid, struct cerbo_error *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int n = 32, want;

	who->uid = uid;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return cerbo__fail(err, CERBO_E_NOTFOUND,
		    "uid %lu has no account; pass its groups",
		    (unsigned long)uid);
	for (;;) {
		free(who->gids);
		who->gids = calloc((size_t)n, sizeof(gid_t));
		if (who->gids == NULL)
			return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		want = n;
		if (getgrouplist(res->pw_name, res->pw_gid, who->gids, &want) >=
		    0) {
			who->ngids = (size_t)want;
			return 0;
		}
		if (want <= n || want > 65536)
			return cerbo__fail(err, CERBO_E_IO,
			    "cannot list the groups of %s", res->pw_name);
		n = want;
	}
}

int
cerbo_store_check_access(const char *path, uid_t uid, const gid_t *gids,
    size_t ngids, struct cerbo_error *err)
{
	struct ident who = {0, NULL, 0};
	struct walk *w = NULL;
	int rc = -1;

	if (path == NULL || path[0] == '\0')
		return cerbo__fail(err, CERBO_E_INVALID, "empty store path");
	if (gids == NULL && ngids != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "groups count without groups");
	if (uid == (uid_t)-1) {
		if (ident_self(&who, err) == -1)
			goto out;
	} else if (gids == NULL) {
		if (ident_lookup(&who, uid, err) == -1)
			goto out;
	} else {
		who.uid = uid;
		who.gids = calloc(ngids, sizeof(gid_t));
		if (who.gids == NULL) {
			cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
			goto out;
		}
		memcpy(who.gids, gids, ngids * sizeof(gid_t));
		who.ngids = ngids;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
		goto out;
	}
	/* The reader's own trust rule: root, or the reading account. */
	w->trust = 1;
	w->trusted = who.uid;
	w->who = &who;
	if (walk_path(path, w, err) == -1)
		goto out;
	if (!w->exists) {
		cerbo__fail_at(err, CERBO_E_NOTFOUND, path, 0, 0,
		    "no such file");
		goto out;
	}
	if (trust_file(path, &w->st, w->trusted, err) == -1)
		goto out;
	if (!ident_may(&who, &w->st, S_IROTH)) {
		fail_access(path, &w->st, &who, S_IROTH, err);
		goto out;
	}
	rc = 0;
out:
	free(w);
	free(who.gids);
	return rc;
}
