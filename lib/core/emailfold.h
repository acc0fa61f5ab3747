/* SPDX-License-Identifier: BSD-2-Clause */
/* emailfold: an email address as MariaDB's utf8mb4_unicode_ci sees it, the collation of
 * user.email. That collation ignores case and accents (VICTIM@exampl\u00e9.com finds
 * victim@example.com), expands some letters (U+00DF = "ss"), ignores control and format
 * characters, weighs every code point above U+FFFF alike, and pads with spaces (a trailing
 * U+00A0 changes nothing). Keys of per-account limits must not be finer than the lookup,
 * or a variant of an address reaches the same account in a fresh bucket: email_fold gives
 * two strings the same text exactly when the collation finds them equal (the table is
 * generated from MariaDB by scripts/gen-emailfold). */
#ifndef TESSERA_EMAILFOLD_H
#define TESSERA_EMAILFOLD_H
#include <stddef.h>

/* Bytes of output that always suffice for a string of n bytes, its NUL included: an ASCII
 * byte folds to at most one byte, a longer code point to at most 6 bytes per byte of its own
 * (U+3316 is 3 bytes and folds to 18), a bad byte to 4; the fuzzer checks the bound. */
#define EMAIL_FOLD_SIZE(n) (8 * (n) + 1)

/* Folds NUL-terminated s into out (valid UTF-8, NUL-terminated). Invalid UTF-8 folds to
 * U+10FFFF per bad byte (the request parser refuses it before). Returns the length, or -1
 * when out (cap bytes) is too small: the output is then empty. */
long email_fold(const char *s, char *out, size_t cap);

#endif
