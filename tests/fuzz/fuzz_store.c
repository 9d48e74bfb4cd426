/*
 * fuzz_store.c - libFuzzer target: cerbo_store_parse, then emit and re-parse:
 * the round trip must succeed and give the same bytes and the same model.
 * The entry code and its invariants are in targets.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cerbo_fuzz_store(data, size);
}
