/*
 * targets.h - the entry points of the fuzz targets, shared by the libFuzzer
 * mains (tests/fuzz/fuzz_*.c) and the corpus replay in make check
 * (tests/unit/test_corpus.c), so the same invariants are checked in both.
 *
 * Each entry takes arbitrary bytes, drives the library, and checks the
 * invariants of its target.  A broken invariant calls cerbo_fuzz_failed(),
 * which aborts by default (libFuzzer then saves the input); the replay test
 * installs its own handler to report the failing file.
 */
#ifndef CERBO_FUZZ_TARGETS_H
#define CERBO_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

typedef void (*cerbo_fuzz_handler)(const char *target, int line,
    const char *what);

/* Replace the failure handler (NULL restores abort); returns the old one. */
cerbo_fuzz_handler cerbo_fuzz_set_handler(cerbo_fuzz_handler handler);

/* Called on a broken invariant; the handler must not return to the target
 * (abort, or longjmp out as cmocka's fail_msg does). */
void cerbo_fuzz_failed(const char *target, int line, const char *what);

/* cerbo_store_parse, then emit and re-parse: the round trip must succeed
 * and be identical (same bytes, same model). */
int cerbo_fuzz_store(const uint8_t *data, size_t size);
/* cerbo_basic_parse: results within bounds, canonical, wiped on error. */
int cerbo_fuzz_basic(const uint8_t *data, size_t size);
/* cerbo__hash_validate, cerbo_hash_scheme and cerbo_secret_check with a
 * fixed secret; argon2id strings asking for real work are not verified. */
int cerbo_fuzz_hash(const uint8_t *data, size_t size);
/* cerbo_request_parse, cerbo_rule_validate and cerbo_profile_decide
 * against a fixed profile; a parsed path is always normalised. */
int cerbo_fuzz_request(const uint8_t *data, size_t size);

/* cerbo_usage_load on the bytes (through cerbo__usage_parse), then
 * cerbo_usage_last_used for a fixed user's two keys: a figure is a whole
 * minute before the year 10000, or 0. */
int cerbo_fuzz_usage(const uint8_t *data, size_t size);

/* The targets by name, for the replay test. */
struct cerbo_fuzz_target {
	const char *name; /* also the corpus folder: tests/fuzz/corpus/<name> */
	int (*run)(const uint8_t *data, size_t size);
};
extern const struct cerbo_fuzz_target cerbo_fuzz_targets[];
extern const size_t cerbo_fuzz_target_count;

#endif /* CERBO_FUZZ_TARGETS_H */
