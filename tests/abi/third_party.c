/*
 * third_party.c - a program that uses libcerbo.so.0 as a third party
 * would: built against the installed header alone (no internal.h) and
 * linked against the shared library, it makes a store through a
 * transaction and asks the verifier about it, and checks that no flag bit
 * switches the trust checks off.  Prints TAP.
 *
 * usage: third_party FOLDER  (an empty folder this process owns)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cerbo.h>

static int n;

static void
say(int ok, const char *what, const struct cerbo_error *err)
{
	char buf[1024];

	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n, what);
	if (!ok && err != NULL)
		printf("# %s\n", cerbo_error_format(err, buf, sizeof(buf)));
}

/* Make FOLDER/apiusers.yaml with one profile and user pk_third. */
static int
make_store(const char *path, const char *secret)
{
	struct cerbo_txn_options opts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_user_spec spec = CERBO_USER_SPEC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_txn *txn = NULL;
	struct cerbo_store *store;
	char hash[CERBO_HASH_MAX];
	int changed = 0, rc = -1;

	opts.flags = CERBO_TXN_CREATE;
	if (cerbo_secret_hash(secret, strlen(secret), hash, sizeof(hash),
	        &err) != 0 ||
	    cerbo_txn_begin(path, &opts, &txn, &err) != 0)
		goto out;
	store = cerbo_txn_store(txn);
	spec.username = "pk_third";
	spec.nickname = "Third party";
	spec.profile = "reader";
	spec.email = "ops@example.com";
	spec.description = "Made through libcerbo.so.0";
	spec.secret_hash = hash;
	if (cerbo_profile_add(store, "reader", "Reads", &err) != 0 ||
	    cerbo_profile_rule_add(store, "reader", CERBO_RULE_ALLOW,
	        "GET /api/**", &changed, &err) != 0 ||
	    cerbo_user_add(store, &spec, (int64_t)time(NULL), &err) != 0 ||
	    cerbo_txn_commit(txn, &err) != 0)
		goto out;
	rc = 0;
out:
	say(rc == 0, "a store is made through a transaction", &err);
	cerbo_txn_free(txn);
	return rc;
}

static void
verify(const char *path, const char *header, const char *request,
    enum cerbo_verdict_code want, const char *what)
{
	struct cerbo_verify_args args = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict verdict = CERBO_VERDICT_INIT;
	struct cerbo_basic basic = CERBO_BASIC_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	int ok;

	if (cerbo_basic_parse(header, &basic, &err) != 0) {
		say(0, what, &err);
		return;
	}
	args.store_path = path;
	args.username = basic.username;
	args.secret = basic.secret;
	args.secret_len = basic.secret_len;
	args.request = request;
	ok = cerbo_verify(&args, &verdict) == 0 && verdict.code == want;
	cerbo_basic_wipe(&basic);
	say(ok, what, NULL);
	if (!ok)
		printf("# %s: %s\n", cerbo_verdict_name(verdict.code),
		    verdict.reason);
}

/*
 * The store made world-writable: cerbo_verify() with flags 0x1 (once the
 * tests' trust bypass) refuses the call, so does cerbo_verify_cost(), and
 * without it the verdict is a store error; cerbo_txn_begin() refuses 0x2
 * and cerbo_store_load() every bit but CERBO_LOAD_NO_TRUST; and the
 * library exports no test entry point.
 */
static void
trust_cannot_be_switched_off(const char *path, const char *header)
{
	struct cerbo_verify_args args = CERBO_VERIFY_ARGS_INIT;
	struct cerbo_verdict verdict = CERBO_VERDICT_INIT;
	struct cerbo_basic basic = CERBO_BASIC_INIT;
	struct cerbo_txn_options opts = CERBO_TXN_OPTIONS_INIT;
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_store *store = NULL;
	struct cerbo_txn *txn = NULL;
	int rc, slow = 0;

	if (chmod(path, 0666) != 0 ||
	    cerbo_basic_parse(header, &basic, &err) != 0) {
		say(0, "the store is made world-writable", &err);
		return;
	}
	args.store_path = path;
	args.username = basic.username;
	args.secret = basic.secret;
	args.secret_len = basic.secret_len;
	args.request = "GET /api/things";
	args.flags = 0x1;
	rc = cerbo_verify(&args, &verdict);
	say(rc == -1 && verdict.code != CERBO_ALLOW &&
	        strstr(verdict.reason, "unknown flag bits") != NULL,
	    "cerbo_verify refuses flags 0x1 on a world-writable store", NULL);
	if (rc != -1)
		printf("# %d %s: %s\n", rc, cerbo_verdict_name(verdict.code),
		    verdict.reason);
	say(cerbo_verify_cost(&args, &slow, NULL, 0, &err) == -1 &&
	        err.status == CERBO_E_INVALID,
	    "cerbo_verify_cost refuses flags 0x1", NULL);
	args.flags = 0;
	verdict = (struct cerbo_verdict)CERBO_VERDICT_INIT;
	say(cerbo_verify(&args, &verdict) == 0 &&
	        verdict.code == CERBO_STORE_ERROR,
	    "without them the world-writable store is a store error", NULL);
	cerbo_basic_wipe(&basic);
	opts.flags = 0x2;
	say(cerbo_txn_begin(path, &opts, &txn, &err) == -1 && txn == NULL &&
	        err.status == CERBO_E_INVALID,
	    "cerbo_txn_begin refuses flags 0x2", &err);
	cerbo_txn_free(txn);
	say(cerbo_store_load(path, 0x2, &store, &err) == -1 &&
	        store == NULL && err.status == CERBO_E_INVALID,
	    "cerbo_store_load refuses flags 0x2", &err);
	cerbo_store_free(store);
	say(dlsym(RTLD_DEFAULT, "cerbo__verify_untrusted") == NULL &&
	        dlsym(RTLD_DEFAULT, "cerbo__txn_begin_untrusted") == NULL &&
	        dlsym(RTLD_DEFAULT, "cerbo_verify") != NULL,
	    "libcerbo.so.0 exports no test entry point", NULL);
}

/* "Basic " and the base64 of "pk_third:" secret, done here by hand: a
 * third party has its own. */
static void
encode(const char *secret, char *header, size_t size)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char cred[256];
	size_t i, len, o;

	len = (size_t)snprintf(cred, sizeof(cred), "pk_third:%s", secret);
	o = (size_t)snprintf(header, size, "Basic ");
	for (i = 0; i < len && o + 5 < size; i += 3) {
		unsigned v = (unsigned)(unsigned char)cred[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)(unsigned char)cred[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)cred[i + 2];
		header[o++] = b64[(v >> 18) & 63];
		header[o++] = b64[(v >> 12) & 63];
		header[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		header[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	header[o] = '\0';
}

int
main(int argc, char **argv)
{
	struct cerbo_error err = CERBO_ERROR_INIT;
	struct cerbo_error unset = {0}; /* abi-init: unset on purpose */
	struct cerbo_request req = CERBO_REQUEST_INIT;
	char path[4096], secret[CERBO_SECRET_GENERATED_SIZE];
	char header[512], buf[256];

	if (argc != 2) {
		fprintf(stderr, "usage: third_party FOLDER\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/apiusers.yaml", argv[1]);
	if (cerbo_secret_generate(secret, sizeof(secret)) != 0 ||
	    make_store(path, secret) != 0)
		return 1;
	encode(secret, header, sizeof(header));
	verify(path, header, "GET /api/things HTTP/1.1", CERBO_ALLOW,
	    "the right key is allowed a request its profile allows");
	verify(path, header, "DELETE /api/things", CERBO_DENY_FORBIDDEN,
	    "a request its profile does not allow is forbidden");
	secret[CERBO_SECRET_GENERATED_LEN - 1] ^= 1;
	encode(secret, header, sizeof(header));
	verify(path, header, "GET /api/things", CERBO_DENY_CREDENTIALS,
	    "a wrong key is refused");
	secret[CERBO_SECRET_GENERATED_LEN - 1] ^= 1;
	encode(secret, header, sizeof(header));
	trust_cannot_be_switched_off(path, header);

	say(cerbo_request_parse("GET /a/b?x=1", &req, &err) == 0 &&
	        strcmp(req.path, "/a/b") == 0,
	    "a request line is parsed", &err);
	/* An error struct declared without its initialiser is written to
	 * by no call, and says so when formatted. */
	say(cerbo_request_parse("GET /", &req, &unset) == 0 &&
	        strstr(cerbo_error_format(&unset, buf, sizeof(buf)),
	            "CERBO_ERROR_INIT") != NULL,
	    "an error struct without its initialiser names the mistake", NULL);
	printf("1..%d\n", n);
	return 0;
}
