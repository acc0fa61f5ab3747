/* SPDX-License-Identifier: BSD-2-Clause */
/* shmcount: windowed counters in shared memory (see shmcount.h). */
#include "core/shmcount.h"
#include "core/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "TESSCNT1"
#define HEADER_SIZE 4096

struct header {
	char magic[8];
	uint32_t buckets;
	uint32_t reserved;
	uint8_t salt[16];
	_Atomic uint32_t ready;
};

/* tag word: tag (40 bits) << 24 | window (24 bits); 0 is an empty bucket.
 * count word: window (24 bits) << 40 | cur (20 bits) << 20 | prev (20 bits). */
struct bucket {
	_Atomic uint64_t tag;
	_Atomic uint64_t count;
};

#define WIN_MASK 0xFFFFFFu
#define CNT_MASK 0xFFFFFull

static struct {
	void *map;
	size_t size;
	struct header *h;
	struct bucket *b;
	unsigned n;
} table;

static int fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

static size_t size_for(unsigned buckets)
{
	return HEADER_SIZE + (size_t)buckets * sizeof(struct bucket);
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Maps an existing table once its creator has marked it ready (at most ~2 s). 0, 1 not a
 * table (wrong magic, never ready: left by a crash), -1. */
static int map_existing(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	for (int i = 0; i < 200; i++) {
		if (fstat(fd, &st) < 0)
			return fail(err, errlen, "fstat", path);
		if ((size_t)st.st_size >= HEADER_SIZE) {
			struct header *h = mmap(NULL, HEADER_SIZE, PROT_READ, MAP_SHARED, fd, 0);
			if (h == MAP_FAILED)
				return fail(err, errlen, "mmap", path);
			bool ready = atomic_load(&h->ready) == 1;
			bool ours = !memcmp(h->magic, MAGIC, 8);
			unsigned n = h->buckets;
			munmap(h, HEADER_SIZE);
			if (ready && (!ours || n == 0 || size_for(n) > (size_t)st.st_size))
				return 1;
			if (ready) {
				void *m = mmap(NULL, size_for(n), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (m == MAP_FAILED)
					return fail(err, errlen, "mmap", path);
				table.map = m;
				table.size = size_for(n);
				table.h = m;
				table.b = (struct bucket *)((char *)m + HEADER_SIZE);
				table.n = n;
				return 0;
			}
		}
		pause_ms(10);
	}
	return 1;
}

static int create(const char *path, unsigned buckets, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 1 : fail(err, errlen, "create", path);
	size_t size = size_for(buckets);
	if (ftruncate(fd, (off_t)size) < 0) {
		fail(err, errlen, "ftruncate", path);
		close(fd);
		unlink(path);
		return -1;
	}
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		unlink(path);
		return fail(err, errlen, "mmap", path);
	}
	struct header *h = m;
	memcpy(h->magic, MAGIC, 8);
	h->buckets = buckets;
	if (crypto_random(h->salt, sizeof h->salt) < 0) {
		munmap(m, size);
		unlink(path);
		snprintf(err, errlen, "no random bytes for %s", path);
		return -1;
	}
	/* The buckets are zero (a new file): empty. Ready last, for the others waiting. */
	atomic_store(&h->ready, 1);
	table.map = m;
	table.size = size;
	table.h = h;
	table.b = (struct bucket *)((char *)m + HEADER_SIZE);
	table.n = buckets;
	return 0;
}

int shmcount_open(const char *path, unsigned buckets, char *err, size_t errlen)
{
	shmcount_close();
	if (!path || !*path || buckets < SHMCOUNT_PROBE) {
		snprintf(err, errlen, "no table path, or fewer than %d buckets", SHMCOUNT_PROBE);
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int rc = create(path, buckets, err, errlen);
		if (rc <= 0)
			return rc;
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* removed in between: create it */
			return fail(err, errlen, "open", path);
		}
		rc = map_existing(fd, path, err, errlen);
		close(fd);
		if (rc <= 0)
			return rc;
		/* Not a table, or its creator died before it was ready: replace it. Processes that
		 * mapped the old file keep counting there until they restart. */
		if (unlink(path) < 0 && errno != ENOENT)
			return fail(err, errlen, "unlink", path);
	}
	snprintf(err, errlen, "%s: could not create or map the table", path);
	return -1;
}

void shmcount_close(void)
{
	if (table.map)
		munmap(table.map, table.size);
	memset(&table, 0, sizeof table);
}

bool shmcount_ready(void)
{
	return table.map != NULL;
}

unsigned shmcount_buckets(void)
{
	return table.n;
}

long long shmcount_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a - b of two 24-bit window numbers, as a signed distance. */
static int win_diff(uint32_t a, uint32_t b)
{
	uint32_t d = (a - b) & WIN_MASK;
	return d & 0x800000u ? (int)d - 0x1000000 : (int)d;
}

static void locate(const char *key, size_t keylen, uint64_t *tag, size_t *pos)
{
	uint8_t buf[16 + 512], d[SHA256_LEN];
	if (keylen > 512)
		keylen = 512;
	memcpy(buf, table.h->salt, 16);
	memcpy(buf + 16, key, keylen);
	crypto_sha256(buf, 16 + keylen, d);
	uint64_t p = 0, t = 0;
	for (int i = 0; i < 8; i++)
		p = p << 8 | d[i];
	for (int i = 8; i < 13; i++)
		t = t << 8 | d[i];
	*tag = t ? t : 1; /* 40 bits, never 0 */
	*pos = (size_t)(p % table.n);
}

/* The key's bucket, claiming a free one when `claim`; NULL when none (full, or not seen).
 * First the key's own bucket anywhere in its probe range (so it keeps its previous window's
 * count), then the first free one. */
static struct bucket *find(uint64_t tag, size_t pos, uint32_t win, bool claim)
{
	for (unsigned i = 0; i < SHMCOUNT_PROBE; i++) {
		struct bucket *b = &table.b[(pos + i) % table.n];
		uint64_t t = atomic_load(&b->tag);
		while (t && t >> 24 == tag) {
			/* Ours: keep its window current, so nobody takes it while it counts. */
			if (!claim || win_diff(win, (uint32_t)(t & WIN_MASK)) <= 0)
				return b;
			if (atomic_compare_exchange_weak(&b->tag, &t, tag << 24 | win))
				return b;
		}
	}
	for (unsigned i = 0; claim && i < SHMCOUNT_PROBE; i++) {
		struct bucket *b = &table.b[(pos + i) % table.n];
		uint64_t t = atomic_load(&b->tag);
		for (;;) {
			if (t && t >> 24 == tag)
				return b; /* another process claimed it for this key meanwhile */
			/* Free: empty, or its key idle for a whole window (its counts are then of no use). */
			if (t && win_diff(win, (uint32_t)(t & WIN_MASK)) < 2)
				break;
			if (atomic_compare_exchange_weak(&b->tag, &t, tag << 24 | win))
				return b;
		}
	}
	return NULL;
}

static void decode(uint64_t c, uint32_t win, struct shmcount *out)
{
	uint32_t cw = (uint32_t)(c >> 40) & WIN_MASK;
	long long cur = (long long)(c >> 20 & CNT_MASK), prev = (long long)(c & CNT_MASK);
	int d = c ? win_diff(win, cw) : 99;
	out->cur = d == 0 ? cur : 0;
	out->prev = d == 0 ? prev : d == 1 ? cur : 0;
}

static uint64_t encode(uint32_t win, long long cur, long long prev)
{
	if (cur > SHMCOUNT_MAX)
		cur = SHMCOUNT_MAX;
	if (prev > SHMCOUNT_MAX)
		prev = SHMCOUNT_MAX;
	return (uint64_t)(win & WIN_MASK) << 40 | (uint64_t)cur << 20 | (uint64_t)prev;
}

double shmcount_sliding(const struct shmcount *c)
{
	long long into = c->now_ms % SHMCOUNT_WINDOW_MS;
	return (double)c->cur + (double)c->prev * (double)(SHMCOUNT_WINDOW_MS - into) / (double)SHMCOUNT_WINDOW_MS;
}

long long shmcount_sliding_wait(const struct shmcount *c, long long limit)
{
	/* Another hit passes when the estimate is at most limit - 1. */
	double target = (double)(limit - 1), W = (double)SHMCOUNT_WINDOW_MS;
	if (limit <= 0 || shmcount_sliding(c) <= target)
		return 0;
	long long into = c->now_ms % SHMCOUNT_WINDOW_MS, wait;
	if ((double)c->cur <= target && c->prev > 0) {
		/* Within this window: cur + prev * (W - t) / W <= target. */
		wait = (long long)(W - (target - (double)c->cur) * W / (double)c->prev) + 1 - into;
	} else {
		/* In the next window this window's count is the previous one: cur * (W - t) / W <= target. */
		wait = (SHMCOUNT_WINDOW_MS - into) + (long long)(W - target * W / (double)c->cur) + 1;
	}
	if (wait < 1)
		wait = 1;
	/* The estimate weighs the whole previous window evenly, so it can ask for more than a
	 * window; a window is the most a sliding 60 s can need. */
	return wait > SHMCOUNT_WINDOW_MS ? SHMCOUNT_WINDOW_MS : wait;
}

/* What a hit and a peek do first: *out cleared at now_ms, the window of now_ms in *win, and
 * the key's bucket (claimed for it when claim). False without a table, or when no bucket is
 * there (or none could be claimed). */
static bool bucket_of(const char *key, size_t keylen, long long now_ms, bool claim, struct shmcount *out,
		      uint32_t *win, struct bucket **b)
{
	memset(out, 0, sizeof *out);
	out->now_ms = now_ms;
	*b = NULL;
	if (!table.map)
		return false;
	*win = (uint32_t)(now_ms / SHMCOUNT_WINDOW_MS) & WIN_MASK;
	uint64_t tag;
	size_t pos;
	locate(key, keylen, &tag, &pos);
	*b = find(tag, pos, *win, claim);
	return *b != NULL;
}

int shmcount_hit(const char *key, size_t keylen, long long now_ms, long long below, struct shmcount *out)
{
	uint32_t win;
	struct bucket *b;
	if (!bucket_of(key, keylen, now_ms, true, out, &win, &b))
		return -1;
	uint64_t c = atomic_load(&b->count);
	for (;;) {
		uint32_t cw = (uint32_t)(c >> 40) & WIN_MASK;
		if (c && win_diff(win, cw) < 0) {
			/* A process still in the window before (a hit racing the minute's end): its
			 * hit belongs to a window already over; report, never rewind. */
			decode(c, cw, out);
			return 1;
		}
		decode(c, win, out);
		if (below > 0 && shmcount_sliding(out) + 1 > (double)below)
			return 0;
		uint64_t next = encode(win, out->cur + 1, out->prev);
		if (atomic_compare_exchange_weak(&b->count, &c, next)) {
			out->cur++;
			return 1;
		}
	}
}

int shmcount_peek(const char *key, size_t keylen, long long now_ms, struct shmcount *out)
{
	uint32_t win;
	struct bucket *b;
	if (!bucket_of(key, keylen, now_ms, false, out, &win, &b))
		return table.map ? 0 : -1;
	decode(atomic_load(&b->count), win, out);
	return 1;
}
