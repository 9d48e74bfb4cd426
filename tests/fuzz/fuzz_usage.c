/*
 * fuzz_usage.c - libFuzzer target: the usage file's reader
 * (cerbo_usage_load, cerbo_usage_last_used).
 * The entry code and its invariants are in targets.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cerbo_fuzz_usage(data, size);
}
