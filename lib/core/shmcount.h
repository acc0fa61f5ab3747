/* SPDX-License-Identifier: BSD-2-Clause */
/* shmcount: counters of fixed 60-second windows in one table shared by every process of the
 * node (an mmap'd file, normally on /dev/shm). The rate limiter counts here instead of in the
 * database (docs/ARCHITECTURE.md "Rate limits").
 *
 * - One table of fixed-size buckets (16 bytes: a tag word and a count word), a header with a
 *   random salt; created by the first process that starts, mapped by the others.
 * - Lock-free: a count is a compare-and-swap loop on one 64-bit word, a bucket is claimed by
 *   one compare-and-swap of its tag word. No lock, no system call while counting.
 * - A key is the salted SHA-256 of its text (the salt never leaves the table), so nobody can
 *   choose which bucket an address lands in. Linear probing within SHMCOUNT_PROBE buckets;
 *   a bucket idle for a whole window is free again. When all of them hold live keys the
 *   count fails (-1) and the caller goes on uncounted.
 * - Each bucket keeps the count of its key's current window and of the window before, so a
 *   caller can limit by fixed windows (cur) or by a sliding 60 s (the previous window weighted
 *   by how much of it still overlaps, as nginx's limit_req estimates). */
#ifndef TESSERA_SHMCOUNT_H
#define TESSERA_SHMCOUNT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHMCOUNT_WINDOW_MS 60000LL
#define SHMCOUNT_PROBE 16
/* Counts saturate here (20 bits per window). */
#define SHMCOUNT_MAX 1048575LL

/* Maps the table at path, creating it with `buckets` buckets when it does not exist (an
 * existing table keeps its own size). 0, or -1 with a reason in err. */
int shmcount_open(const char *path, unsigned buckets, char *err, size_t errlen);
/* Unmaps the table (tests). */
void shmcount_close(void);
bool shmcount_ready(void);
/* The table's size in buckets (0 when not open). */
unsigned shmcount_buckets(void);

/* The counts of one key at a moment. */
struct shmcount {
	long long cur;     /* this window's, including the hit just added */
	long long prev;    /* the window before's */
	long long now_ms;  /* the moment used (ms since the epoch) */
};

/* Adds one hit to the key (a text such as "ip:a:127.0.0.1") in the window of now_ms. With
 * below > 0 the hit is added only when the sliding estimate (shmcount_sliding) stays below
 * it; out then tells why (the estimate it saw). 1 added, 0 not added (over `below`), -1 no
 * table or no free bucket for the key. */
int shmcount_hit(const char *key, size_t keylen, long long now_ms, long long below, struct shmcount *out);
/* The counts without adding (the same return values as shmcount_hit's 1, or -1; 0 unseen). */
int shmcount_peek(const char *key, size_t keylen, long long now_ms, struct shmcount *out);

/* The sliding 60 s estimate: cur + prev * (the part of the previous window still inside the
 * last 60 s). */
double shmcount_sliding(const struct shmcount *c);
/* Milliseconds until the sliding estimate falls below limit with no further hits (0 when it
 * is already below). */
long long shmcount_sliding_wait(const struct shmcount *c, long long limit);

/* Milliseconds since the epoch (CLOCK_REALTIME). */
long long shmcount_now_ms(void);

#endif
