/*
 * index_format.h - the layout of the compiled index (private to
 * index.c, which reads it, and index_build.c, which writes it).
 *
 * All integers little-endian:
 *   header (HDR_SIZE bytes, see the HDR_* offsets), its first HDR_TAG
 *   bytes checked by a BLAKE2b tag;
 *   profiles: u32 count, then per profile: str name, str description,
 *     u32 n, n x str allow rule, u32 n, n x str deny rule (str: u16 length,
 *     bytes); then, when the store names one, str usage_file;
 *   slots: ntotal x u64, open addressing with linear probing on
 *     SipHash-2-4 of the username under a per-file key.  The home slot is
 *     the hash modulo nhome (a power of two); probing runs on past it
 *     without wrapping, into at most ntotal - nhome overflow slots.  A slot
 *     is 0 (empty) or packs the record's offset (bits 0-39), its length
 *     (bits 40-52) and 11 more bits of the hash (53-63), so a lookup reads
 *     the slots near the home slot at once and then the one record whose
 *     hash bits match: two reads, hit or miss;
 *   records: u32 length (whole record), u8 disabled, u8 flags, i64
 *     expires, i64 old_secret_expires, then 5 x (u16 length, bytes, NUL):
 *     username, profile, secret, old_secret, allow_from.
 *
 * Trust in the file itself.  The tools write an index only into a fresh
 * temp file they rename into place, so an index is never written after it
 * is installed; one written in place (through a descriptor kept from while
 * it was writable) must not be believed.  Two stamps say so:
 *   - the self stamp: the index's own inode and an mtime the writer sets
 *     with futimens() after the last write, one second before the temp
 *     file was created.  Any later write sets the mtime to the time of
 *     that write, which comes after the file was created, and only the
 *     file's owner can set it back; so an index whose inode and mtime are
 *     its stamp's has not been written since.  A copy (a pair shipped
 *     from another host) has another inode and mtime.
 *   - HDR_MAC: BLAKE2b-256 of the header up to HDR_MAC and everything
 *     after the header, keyed by the YAML's bytes (cerbo__index_mac_key),
 *     which the header does not hold.  A reader that recognises a pair by
 *     the digest of the YAML's bytes (a copy, without the self stamp)
 *     checks it; forging it takes reading the YAML.
 *
 * A miss reads a record too (the one the header names, HDR_DUMMY), so an
 * unknown username costs the reads a known one does: the verifier's
 * promise that unknown users cost what a wrong secret costs holds on the
 * index path as well.
 */
#ifndef CERBO_INDEX_FORMAT_H
#define CERBO_INDEX_FORMAT_H

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "bytes.h"

#define MAGIC "CERBOIX1"
#define INDEX_VERSION 3

#define HDR_MAGIC 0
#define HDR_VERSION 8
#define HDR_NUSERS 12
#define HDR_FILE_SIZE 16
#define HDR_YAML_DEV 24
#define HDR_YAML_INO 32
#define HDR_YAML_SIZE 40
#define HDR_YAML_MSEC 48
#define HDR_YAML_MNSEC 56
#define HDR_DIGEST 64
#define HDR_KEY 96
#define HDR_NHOME 112
#define HDR_PROFILES_LEN 116
#define HDR_GENERATION 120
#define HDR_SLOTS_OFF 128
#define HDR_PROFILES_OFF 136
#define HDR_NTOTAL 144
#define HDR_DUMMY 152
#define HDR_SELF_INO 160   /* the index's own inode, as written */
#define HDR_SELF_MSEC 168  /* and the mtime the writer gave it: */
#define HDR_SELF_MNSEC 176 /*   a second before the file existed */
#define HDR_MAC 184        /* keyed BLAKE2b-256, see below */
#define HDR_MAC_LEN 32
#define HDR_TAG 216
#define HDR_TAG_LEN 16
#define HDR_SIZE 232

#define REC_FIXED 22 /* length, disabled, flags, expires, old expiry */
#define REC_STRINGS 5
#define REC_MAX CERBO__INDEX_RECORD_MAX
#define FLAG_EXPIRES 0x1
#define FLAG_OLD_EXPIRES 0x2

/* A slot: offset, length and hash bits of one record (see the layout). */
#define SLOT_OFF_BITS 40
#define SLOT_LEN_BITS 13
#define SLOT_OFF_MASK ((UINT64_C(1) << SLOT_OFF_BITS) - 1)
#define SLOT_LEN_MASK ((UINT64_C(1) << SLOT_LEN_BITS) - 1)
#define SLOT_TAG_SHIFT (SLOT_OFF_BITS + SLOT_LEN_BITS)
#define SLOT_REC_MAX SLOT_LEN_MASK /* longest record a slot can name */
#define WINDOW 16                  /* slots read by one pread (128 bytes) */

/* SipHash-2-4 of name under the file's key. */
static inline uint64_t
name_hash(const unsigned char key[crypto_shorthash_KEYBYTES], const char *name)
{
	unsigned char h[crypto_shorthash_BYTES];

	crypto_shorthash(h, (const unsigned char *)name, strlen(name), key);
	return get64(h);
}

/* The MAC key's hash, before the YAML's bytes (index_build.c): a reader
 * that hashes the YAML anyway makes the key in the same pass. */
void cerbo__index_mac_init(crypto_generichash_state *st);

#endif
