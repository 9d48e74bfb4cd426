/*
 * fuzz_basic.c - libFuzzer target: cerbo_basic_parse on an Authorization
 * header value.
 * The entry code and its invariants are in targets.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cerbo_fuzz_basic(data, size);
}
