/*
 * secret.c - generated secret keys, hash strings, and checking a secret
 * against a hash string.
 *
 * A generated key is "cerbo_sk_" + 43 base62 characters (the 256-bit value
 * of 32 random bytes, big-endian, left-padded with '0') + 6 base62
 * characters (CRC32 of the 52 characters before it, left-padded with '0').
 * The base62 alphabet is 0-9, A-Z, a-z, in that order (ASCII order).  The
 * prefix lets secret scanners find leaked keys; the checksum lets a typo be
 * refused before any hashing: a secret with the prefix that is not a valid
 * key is neither hashed nor checked, whatever the user's scheme.
 *
 * Hash strings (grammar in cerbo-store(5)):
 *   $cerbo-b2b$v=1$<salt>$<hash>
 *	salt: 16 random bytes, hash: BLAKE2b-256 of the secret keyed with the
 *	salt.  Both in the standard base64 alphabet (A-Z a-z 0-9 + /) without
 *	padding (libsodium's sodium_base64_VARIANT_ORIGINAL_NO_PADDING, the
 *	encoding PHC strings and argon2 use), canonical: 22 and 43
 *	characters.  Only for generated keys with a valid checksum.
 *   $argon2id$v=19$m=<KiB>,t=<passes>,p=1$<salt>$<hash>
 *	same base64; 8..64 bytes of salt, 16..64 bytes of hash; m between 8
 *	and CERBO_ARGON2_MEMLIMIT_MAX / 1024, t between 1 and
 *	CERBO_ARGON2_OPSLIMIT_MAX, p exactly 1.  Without the bounds libsodium
 *	would allocate whatever m= a hand-edited string names.
 * Every other string ($argon2i$, $argon2d$, crypt, plain text) is refused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

#define PREFIX_LEN (sizeof(CERBO_SECRET_PREFIX) - 1)
#define BODY_LEN 43
#define CRC_LEN 6
#define KEY_BYTES 32

#define B2B_PREFIX "$cerbo-b2b$v=1$"
#define B2B_SALT_BYTES 16
#define B2B_HASH_BYTES 32
#define B2B_SALT_B64 22
#define B2B_HASH_B64 43
#define B2B_LEN (sizeof(B2B_PREFIX) - 1 + B2B_SALT_B64 + 1 + B2B_HASH_B64)

#define A2_PREFIX "$argon2id$v=19$"
#define A2_SALT_MIN 8
#define A2_SALT_MAX 64
#define A2_HASH_MIN 16
#define A2_HASH_MAX 64
/* a buffer for either field */
#define A2_FIELD_MAX 64
_Static_assert(A2_SALT_MAX <= A2_FIELD_MAX && A2_HASH_MAX <= A2_FIELD_MAX,
    "A2_FIELD_MAX holds a salt and a hash");
#define A2_MEM_MIN 8 /* KiB; argon2's own minimum for one lane */

#define B64 sodium_base64_VARIANT_ORIGINAL_NO_PADDING

static const char base62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/*
 * A fast-scheme hash of a key nobody knows (random salt and random hash,
 * no preimage), checked for unknown users so that they cost the same as a
 * wrong secret.
 */
static const char dummy_hash[] =
    "$cerbo-b2b$v=1$ZW5cQBIpyJ/icG2dB0d5pA$688iDBbrbRRc/DGisgwJ/ZPamE9n4trARuFy30XAMCs";

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;

static void make_tables(void);

static void
init_once(void)
{
	make_tables();
	sodium_ok = sodium_init() >= 0;
}

int
cerbo__sodium_init(void)
{
	if (pthread_once(&sodium_once, init_once) != 0)
		return -1;
	return sodium_ok ? 0 : -1;
}

const char *
cerbo__dummy_hash(void)
{
	return dummy_hash;
}

/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320, as zlib's crc32)
 * a byte at a time, with a table made once per process from the
 * bitwise definition (see init_once) rather than 256 literals.
 */
static uint32_t crc_table[256];
/* The digit table: the value of each byte, NOT_DIGIT for other bytes.
 * Unsigned, so a value is never sign-extended on its way to an int. */
#define NOT_DIGIT 0xffu
/* base62 digit of each byte */
static unsigned char b62_digit[256];

static void
make_tables(void)
{
	uint32_t c;
	int n, k;

	for (n = 0; n < 256; n++) {
		c = (uint32_t)n;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
		crc_table[n] = c;
		b62_digit[n] = NOT_DIGIT;
	}
	for (n = 0; n < 62; n++)
		b62_digit[(unsigned char)base62[n]] = (unsigned char)n;
}

static uint32_t
crc32(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;

	for (i = 0; i < len; i++)
		crc = (crc >> 8) ^ crc_table[(crc ^ p[i]) & 0xff];
	return crc ^ 0xffffffffu;
}

/* The 6 base62 characters of a CRC32, left-padded with '0'. */
static void
crc_text(uint32_t crc, char out[CRC_LEN])
{
	int i;

	for (i = CRC_LEN - 1; i >= 0; i--) {
		out[i] = base62[crc % 62];
		crc /= 62;
	}
}

/*
 * The 43 base62 characters of a 32-byte big-endian number: 43 divisions
 * by 62 of the whole number.  62^43 > 2^256, so 43 digits always suffice.
 */
static void
body_encode(const unsigned char key[KEY_BYTES], char out[BODY_LEN])
{
	unsigned char n[KEY_BYTES];
	unsigned int rem, cur;
	int i, j;

	memcpy(n, key, sizeof(n));
	for (i = BODY_LEN - 1; i >= 0; i--) {
		rem = 0;
		for (j = 0; j < KEY_BYTES; j++) {
			cur = rem * 256 + n[j];
			n[j] = (unsigned char)(cur / 62);
			rem = cur % 62;
		}
		out[i] = base62[rem];
	}
	sodium_memzero(n, sizeof(n));
}

/*
 * The largest body: 2^256 - 1 in base62.  The alphabet is in ASCII order
 * and bodies have a fixed width, so comparing the text compares the
 * values: a body above this one is a key no generator made.
 */
static const char body_max[BODY_LEN + 1] =
    "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1";

/* 1 when s holds 43 base62 characters of a value below 2^256. */
static int
body_valid(const char *s)
{
	int i;

	for (i = 0; i < BODY_LEN; i++)
		if (b62_digit[(unsigned char)s[i]] == NOT_DIGIT)
			return 0;
	return memcmp(s, body_max, BODY_LEN) <= 0;
}

int
cerbo_secret_generate(char *out, size_t outlen)
{
	unsigned char key[KEY_BYTES];
	char crc[CRC_LEN];

	if (out == NULL || outlen < CERBO_SECRET_GENERATED_SIZE)
		return -1;
	if (cerbo__sodium_init() != 0)
		return -1;
	randombytes_buf(key, sizeof(key));
	memcpy(out, CERBO_SECRET_PREFIX, PREFIX_LEN);
	body_encode(key, out + PREFIX_LEN);
	sodium_memzero(key, sizeof(key));
	crc_text(crc32((const unsigned char *)out, PREFIX_LEN + BODY_LEN), crc);
	memcpy(out + PREFIX_LEN + BODY_LEN, crc, CRC_LEN);
	out[CERBO_SECRET_GENERATED_LEN] = '\0';
	return 0;
}

int
cerbo_secret_is_generated(const char *secret, size_t len)
{
	char crc[CRC_LEN];
	int ok;

	if (secret == NULL || len != CERBO_SECRET_GENERATED_LEN)
		return 0;
	if (memcmp(secret, CERBO_SECRET_PREFIX, PREFIX_LEN) != 0)
		return 0;
	if (cerbo__sodium_init() != 0)
		return 0;
	if (!body_valid(secret + PREFIX_LEN))
		return 0;
	crc_text(crc32((const unsigned char *)secret, PREFIX_LEN + BODY_LEN),
	    crc);
	ok = memcmp(crc, secret + PREFIX_LEN + BODY_LEN, CRC_LEN) == 0;
	sodium_memzero(crc, sizeof(crc));
	return ok;
}

/* ---- hash strings ---------------------------------------------------- */

/* Decode exactly len characters of canonical unpadded base64 into between
 * min and max bytes; -1 otherwise. */
static int
b64_decode(const char *s, size_t len, unsigned char *bin, size_t min,
    size_t max, size_t *binlen)
{
	size_t n = 0;

	if (len == 0)
		return -1;
	if (cerbo__base64_decode(s, len, 0, bin, max, &n) != 0)
		return -1;
	if (n < min || n > max)
		return -1;
	if (binlen != NULL)
		*binlen = n;
	return 0;
}

/* A decimal number without sign or leading zeros, at most 10 digits,
 * ending at the character stop; *end is set past it. */
static int
parse_uint(const char *s, char stop, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	size_t i = 0;

	if (s[0] == '0' && s[1] != stop)
		return -1;
	while (s[i] >= '0' && s[i] <= '9') {
		if (i >= 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	if (i == 0 || s[i] != stop)
		return -1;
	*out = v;
	*end = s + i + 1;
	return 0;
}

struct b2b_parts {
	unsigned char salt[B2B_SALT_BYTES];
	unsigned char hash[B2B_HASH_BYTES];
};

static int
b2b_parse(const char *h, struct b2b_parts *p, struct cerbo_error *err)
{
	const char *salt = h + sizeof(B2B_PREFIX) - 1;
	const char *hash = salt + B2B_SALT_B64 + 1;

	if (strlen(h) != B2B_LEN)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "cerbo-b2b hash string has the wrong length");
	if (salt[B2B_SALT_B64] != '$')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "cerbo-b2b hash string: expected '$' after the salt");
	if (cerbo__base64_decode_fixed(salt, B2B_SALT_B64, p->salt,
	        B2B_SALT_BYTES) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "cerbo-b2b hash string: salt is not 16 bytes of base64");
	if (cerbo__base64_decode_fixed(hash, B2B_HASH_B64, p->hash,
	        B2B_HASH_BYTES) != 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "cerbo-b2b hash string: hash is not 32 bytes of base64");
	return 0;
}

static int
argon2id_validate(const char *h, struct cerbo_error *err)
{
	unsigned char buf[A2_FIELD_MAX];
	const char *p = h + sizeof(A2_PREFIX) - 1;
	const char *salt, *dollar;
	uint64_t m, t, par;
	int rc = -1;

	if (strlen(h) >= CERBO_HASH_MAX) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string is longer than %d bytes",
		    CERBO_HASH_MAX - 1);
		goto out;
	}
	if (strncmp(p, "m=", 2) != 0 || parse_uint(p + 2, ',', &m, &p) != 0 ||
	    strncmp(p, "t=", 2) != 0 || parse_uint(p + 2, ',', &t, &p) != 0 ||
	    strncmp(p, "p=", 2) != 0 || parse_uint(p + 2, '$', &par, &p) != 0) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string: expected m=<KiB>,t=<passes>,p=1");
		goto out;
	}
	if (m < A2_MEM_MIN || m > CERBO_ARGON2_MEMLIMIT_MAX / 1024) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string: m=%llu KiB is outside %d..%u",
		    (unsigned long long)m, A2_MEM_MIN,
		    CERBO_ARGON2_MEMLIMIT_MAX / 1024);
		goto out;
	}
	if (t < 1 || t > CERBO_ARGON2_OPSLIMIT_MAX) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string: t=%llu is outside 1..%d",
		    (unsigned long long)t, CERBO_ARGON2_OPSLIMIT_MAX);
		goto out;
	}
	if (par != 1) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string: p=%llu, only p=1 is accepted",
		    (unsigned long long)par);
		goto out;
	}
	salt = p;
	dollar = strchr(salt, '$');
	if (dollar == NULL ||
	    b64_decode(salt, (size_t)(dollar - salt), buf, A2_SALT_MIN,
	        A2_SALT_MAX, NULL) != 0) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string: salt is not %d..%d bytes of base64",
		    A2_SALT_MIN, A2_SALT_MAX);
		goto out;
	}
	if (b64_decode(dollar + 1, strlen(dollar + 1), buf, A2_HASH_MIN,
	        A2_HASH_MAX, NULL) != 0) {
		cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string: hash is not %d..%d bytes of base64",
		    A2_HASH_MIN, A2_HASH_MAX);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int
cerbo__hash_validate(const char *hash, struct cerbo_error *err)
{
	struct b2b_parts parts;
	int rc;

	if (hash == NULL || hash[0] == '\0')
		return cerbo__fail(err, CERBO_E_INVALID, "empty hash string");
	if (cerbo__sodium_init() != 0)
		return cerbo__fail(err, CERBO_E_IO, "libsodium init failed");
	if (strncmp(hash, B2B_PREFIX, sizeof(B2B_PREFIX) - 1) == 0) {
		rc = b2b_parse(hash, &parts, err);
		sodium_memzero(&parts, sizeof(parts));
		return rc;
	}
	if (strncmp(hash, A2_PREFIX, sizeof(A2_PREFIX) - 1) == 0)
		return argon2id_validate(hash, err);
	if (strncmp(hash, "$argon2id$", 10) == 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "argon2id hash string: only version v=19 is accepted");
	if (strncmp(hash, "$argon2i$", 9) == 0 ||
	    strncmp(hash, "$argon2d$", 9) == 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "argon2i and argon2d hash strings are refused: use argon2id");
	if (strncmp(hash, "$cerbo-b2b$", 11) == 0)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "cerbo-b2b hash string: only version v=1 is accepted");
	if (hash[0] != '$')
		return cerbo__fail(err, CERBO_E_INVALID,
		    "not a hash string (it must start with $cerbo-b2b$ or $argon2id$)");
	return cerbo__fail(err, CERBO_E_INVALID,
	    "unknown hash scheme (accepted: cerbo-b2b, argon2id)");
}

const char *
cerbo_hash_scheme(const char *hash)
{
	if (cerbo__hash_validate(hash, NULL) != 0)
		return NULL;
	if (hash[1] == 'c')
		return "cerbo-b2b";
	return "argon2id";
}

size_t
cerbo__control_at(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			break;
	return i;
}

/* A secret any hash may be made of: non-empty, bounded, no NUL and no
 * control characters (it could never be sent in an HTTP Basic header; a
 * trailing newline read from a pipe is the usual cause). */
int
cerbo_secret_validate(const char *secret, size_t len, struct cerbo_error *err)
{
	size_t at;

	if (secret == NULL || len == 0)
		return cerbo__fail(err, CERBO_E_INVALID, "empty secret");
	if (len > CERBO_SECRET_MAX)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "secret is longer than %d bytes", CERBO_SECRET_MAX);
	at = cerbo__control_at(secret, len);
	if (at < len)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "secret contains a control character or NUL at byte %zu (a line break? give it on one line)",
		    at + 1);
	return 0;
}

/*
 * A secret that starts like a generated key but is not one (a character
 * mistyped, one lost or added in a copy): the checksum exists so that such
 * a key is refused before any hashing, never stored or checked as an
 * ordinary secret.
 */
static int
mistyped_key(const char *secret, size_t len)
{
	return len >= PREFIX_LEN &&
	    memcmp(secret, CERBO_SECRET_PREFIX, PREFIX_LEN) == 0 &&
	    !cerbo_secret_is_generated(secret, len);
}

static int
b2b_hash(const char *secret, size_t len, char *out, size_t outlen,
    struct cerbo_error *err)
{
	unsigned char salt[B2B_SALT_BYTES], hash[B2B_HASH_BYTES];
	char salt64[B2B_SALT_B64 + 1], hash64[B2B_HASH_B64 + 1];
	int n, rc = -1;

	if (outlen < B2B_LEN + 1) {
		cerbo__fail(err, CERBO_E_INVALID, "hash buffer too small");
		goto out;
	}
	randombytes_buf(salt, sizeof(salt));
	if (crypto_generichash(hash, sizeof(hash),
	        (const unsigned char *)secret, len, salt, sizeof(salt)) != 0) {
		cerbo__fail(err, CERBO_E_IO, "BLAKE2b failed");
		goto out;
	}
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt), B64);
	sodium_bin2base64(hash64, sizeof(hash64), hash, sizeof(hash), B64);
	n = snprintf(out, outlen, "%s%s$%s", B2B_PREFIX, salt64, hash64);
	if (n < 0 || (size_t)n != B2B_LEN) {
		cerbo__fail(err, CERBO_E_INVALID, "hash string too long");
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(salt, sizeof(salt));
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(salt64, sizeof(salt64));
	sodium_memzero(hash64, sizeof(hash64));
	if (rc != 0 && out != NULL && outlen > 0)
		sodium_memzero(out, outlen);
	return rc;
}

static int
argon2id_hash(const char *secret, size_t len, char *out, size_t outlen,
    struct cerbo_error *err)
{
	char str[crypto_pwhash_STRBYTES];
	size_t n;
	int rc = -1;

	if (crypto_pwhash_str_alg(str, secret, len,
	        crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE,
	        crypto_pwhash_ALG_ARGON2ID13) != 0) {
		cerbo__fail(err, CERBO_E_NOMEM,
		    "argon2id failed (out of memory?)");
		goto out;
	}
	n = strlen(str);
	if (n + 1 > outlen) {
		cerbo__fail(err, CERBO_E_INVALID, "hash buffer too small");
		goto out;
	}
	if (argon2id_validate(str, err) != 0)
		goto out;
	memcpy(out, str, n + 1);
	rc = 0;
out:
	sodium_memzero(str, sizeof(str));
	return rc;
}

int
cerbo_secret_hash(const char *secret, size_t len, char *out, size_t outlen,
    struct cerbo_error *err)
{
	if (out == NULL || outlen == 0)
		return cerbo__fail(err, CERBO_E_INVALID, "no hash buffer");
	out[0] = '\0';
	if (cerbo_secret_validate(secret, len, err) != 0)
		return -1;
	if (cerbo__sodium_init() != 0)
		return cerbo__fail(err, CERBO_E_IO, "libsodium init failed");
	if (mistyped_key(secret, len))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "secret starts like a generated key (" CERBO_SECRET_PREFIX
		    "...) but its checksum or length is wrong: a typo or a partial copy?");
	if (cerbo_secret_is_generated(secret, len))
		return b2b_hash(secret, len, out, outlen, err);
	return argon2id_hash(secret, len, out, outlen, err);
}

static int
b2b_check(const char *hash, const char *secret, size_t len)
{
	struct b2b_parts parts;
	unsigned char got[B2B_HASH_BYTES];
	int rc = -1;

	if (b2b_parse(hash, &parts, NULL) != 0)
		goto out;
	/* The fast scheme is only sound for 256-bit generated keys. */
	if (!cerbo_secret_is_generated(secret, len))
		goto out;
	if (crypto_generichash(got, sizeof(got), (const unsigned char *)secret,
	        len, parts.salt, sizeof(parts.salt)) != 0)
		goto out;
	if (sodium_memcmp(got, parts.hash, sizeof(got)) != 0)
		goto out;
	rc = 0;
out:
	sodium_memzero(&parts, sizeof(parts));
	sodium_memzero(got, sizeof(got));
	return rc;
}

int
cerbo_secret_check(const char *hash, const char *secret, size_t len)
{
	if (hash == NULL || secret == NULL || len == 0 ||
	    len > CERBO_SECRET_MAX)
		return -1;
	if (cerbo__sodium_init() != 0)
		return -1;
	if (mistyped_key(secret, len))
		return -1;
	if (strncmp(hash, B2B_PREFIX, sizeof(B2B_PREFIX) - 1) == 0)
		return b2b_check(hash, secret, len);
	if (strncmp(hash, A2_PREFIX, sizeof(A2_PREFIX) - 1) == 0) {
		if (argon2id_validate(hash, NULL) != 0)
			return -1;
		if (crypto_pwhash_str_verify(hash, secret, len) != 0)
			return -1;
		return 0;
	}
	return -1;
}
