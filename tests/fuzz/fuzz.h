/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the libFuzzer targets: inputs arrive as bytes, the parsers want
 * NUL-terminated strings, often two of them. Copies go to exact-size heap blocks so that
 * AddressSanitizer sees any read past the end. */
#ifndef TESSERA_FUZZ_H
#define TESSERA_FUZZ_H
#include "core/config.h"

#include <cjose/jws.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* data[0..size) as a malloc'd string; a NUL byte in the data ends it early, as it would in C. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits the input at its first NUL byte (without one: in half) into two strings. Returns the
 * length of the second part, which may hold further NUL bytes (for parsers taking a length). */
static inline size_t fuzz_split(const uint8_t *data, size_t size, char **first, char **second)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t split = nul ? (size_t)(nul - data) : size / 2;
	size_t rest = nul ? split + 1 : split;
	*first = fuzz_string(data, split);
	*second = fuzz_string(data + rest, size - rest);
	return size - rest;
}

/* The defaults of every configuration key (no file, no environment), for the parsers that
 * read limits such as max_body and max_field from cfg. */
static inline void fuzz_config(void)
{
	char err[256];
	setenv("TESSERA_CONFIG", "/dev/null", 1);
	setenv("TESSERA_HASH_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
	if (config_load(err, sizeof err) != 0) {
		fprintf(stderr, "fuzz: config_load: %s\n", err);
		abort();
	}
}

/* A compact JWS of exactly these payload bytes, signed with key under alg and kid (malloc'd;
 * NULL on failure): the targets that verify tokens sign the fuzzer's bytes so that the checks
 * behind the signature are reached. */
static inline char *fuzz_sign(const cjose_jwk_t *key, const char *alg, const char *kid, const uint8_t *payload,
			      size_t len)
{
	cjose_err err;
	cjose_header_t *hdr = cjose_header_new(&err);
	char *out = NULL;
	if (hdr && cjose_header_set(hdr, CJOSE_HDR_ALG, alg, &err) && cjose_header_set(hdr, CJOSE_HDR_KID, kid, &err)) {
		cjose_jws_t *jws = cjose_jws_sign(key, hdr, payload, len, &err);
		const char *ser = NULL;
		if (jws && cjose_jws_export(jws, &ser, &err))
			out = strdup(ser);
		cjose_jws_release(jws);
	}
	cjose_header_release(hdr);
	return out;
}

/* LLVMFuzzerInitialize for the targets that need only the configuration's defaults. */
#define FUZZ_INIT_CONFIG                                      \
	int LLVMFuzzerInitialize(int *argc, char ***argv)     \
	{                                                     \
		(void)argc;                                   \
		(void)argv;                                   \
		fuzz_config();                                \
		return 0;                                     \
	}

#endif
