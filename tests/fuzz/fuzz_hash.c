/*
 * fuzz_hash.c - libFuzzer target: cerbo__hash_validate, cerbo_hash_scheme
 * and cerbo_secret_check.
 * The entry code and its invariants are in targets.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cerbo_fuzz_hash(data, size);
}
