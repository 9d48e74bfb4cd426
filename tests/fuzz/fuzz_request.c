/*
 * fuzz_request.c - libFuzzer target: cerbo_request_parse, cerbo_rule_validate
 * and cerbo_profile_decide against a fixed profile.
 * The entry code and its invariants are in targets.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cerbo_fuzz_request(data, size);
}
