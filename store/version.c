/*
 * version.c - the version of this build, as the Makefile read it from
 * debian/changelog.  Every program that links libcerbo (the tools,
 * cerbo-authd, pam_cerbo.so, the nginx module) and libcerbo.so.0 itself
 * carry the line "pam_cerbo version X", so strings(1) tells which build a
 * binary is; cerbo_version() returns the X of it.
 */
#include "cerbo.h"

#ifndef CERBO_VERSION
#error                                                                         \
    "CERBO_VERSION is not defined: build with make, which reads it from debian/changelog"
#endif

#define IDENT_PREFIX "pam_cerbo version "

static const char ident[] = IDENT_PREFIX CERBO_VERSION;

const char *
cerbo_version(void)
{
	return ident + sizeof(IDENT_PREFIX) - 1;
}
