/*
 * abi.c - the size rule of the structs a caller allocates (cerbo.h): read
 * and write no byte past the caller's size, refuse a size below version 1.
 */
#include <string.h>

#include <sodium.h>

#include "internal.h"

/* The caller's size field, read as bytes: it is the first member. */
static size_t
caller_size(const void *caller)
{
	size_t size;

	memcpy(&size, caller, sizeof(size));
	return size;
}

int
cerbo__abi_check(const void *caller, size_t v1_size)
{
	if (caller == NULL || caller_size(caller) < v1_size)
		return -1;
	return 0;
}

int
cerbo__abi_in(void *local, size_t local_size, const void *caller,
    size_t v1_size)
{
	size_t n;

	if (cerbo__abi_check(caller, v1_size) != 0)
		return -1;
	n = caller_size(caller);
	if (n > local_size)
		n = local_size;
	/* Fields the caller's version lacks keep their default, zero. */
	memset(local, 0, local_size);
	memcpy(local, caller, n);
	memcpy(local, &local_size, sizeof(local_size));
	return 0;
}

void
cerbo__abi_out(void *caller, const void *local, size_t local_size)
{
	size_t n = caller_size(caller);

	if (n > local_size)
		n = local_size;
	if (n <= sizeof(size_t))
		return;
	/* The caller's size stays as the caller set it. */
	memcpy((char *)caller + sizeof(size_t),
	    (const char *)local + sizeof(size_t), n - sizeof(size_t));
}

void
cerbo__abi_wipe(void *caller, size_t local_size)
{
	size_t n = caller_size(caller);

	if (n > local_size)
		n = local_size;
	if (n > sizeof(size_t))
		sodium_memzero((char *)caller + sizeof(size_t),
		    n - sizeof(size_t));
}
