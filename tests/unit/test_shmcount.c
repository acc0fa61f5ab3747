/* SPDX-License-Identifier: BSD-2-Clause */
/* shmcount: the node's shared counters — one table mapped by several processes (fork),
 * fixed and sliding windows, a full probe range, reopening an existing table. */
#include "tests.h"
#include "core/shmcount.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];

static void setup(void)
{
	snprintf(path, sizeof path, "/tmp/tessera-shmcount-test.%ld", (long)getpid());
	unlink(path);
}

static void teardown(void)
{
	shmcount_close();
	unlink(path);
}

#define W SHMCOUNT_WINDOW_MS
/* A moment 10 s into a window. */
static const long long T0 = 29000000LL * W + 10000;

static void open_table(unsigned buckets)
{
	char err[300];
	ck_assert_msg(shmcount_open(path, buckets, err, sizeof err) == 0, "%s", err);
}

START_TEST(test_counts_per_key_and_window)
{
	open_table(1024);
	struct shmcount c;
	for (int i = 1; i <= 5; i++) {
		ck_assert_int_eq(shmcount_hit("ip:a:1.2.3.4", 12, T0, 0, &c), 1);
		ck_assert_int_eq(c.cur, i);
	}
	ck_assert_int_eq(shmcount_hit("ip:o:1.2.3.4", 12, T0, 0, &c), 1);
	ck_assert_int_eq(c.cur, 1);
	ck_assert_int_eq(shmcount_peek("ip:a:1.2.3.4", 12, T0, &c), 1);
	ck_assert_int_eq(c.cur, 5);
	ck_assert_int_eq(shmcount_peek("ip:a:9.9.9.9", 12, T0, &c), 0);
	/* The next window starts afresh; this one's count is its previous one. */
	ck_assert_int_eq(shmcount_hit("ip:a:1.2.3.4", 12, T0 + W, 0, &c), 1);
	ck_assert_int_eq(c.cur, 1);
	ck_assert_int_eq(c.prev, 5);
	/* A window later with no hit in between: nothing left of either. */
	ck_assert_int_eq(shmcount_hit("ip:a:1.2.3.4", 12, T0 + 3 * W, 0, &c), 1);
	ck_assert_int_eq(c.cur, 1);
	ck_assert_int_eq(c.prev, 0);
	/* A hit still dated in the window before (a request racing the minute's end) never
	 * rewinds the bucket. */
	ck_assert_int_eq(shmcount_hit("ip:a:1.2.3.4", 12, T0 + 2 * W, 0, &c), 1);
	ck_assert_int_eq(shmcount_peek("ip:a:1.2.3.4", 12, T0 + 3 * W, &c), 1);
	ck_assert_int_eq(c.cur, 1);
}
END_TEST

START_TEST(test_sliding_limit)
{
	open_table(1024);
	struct shmcount c;
	/* 3 per sliding 60 s: three pass, the fourth is refused and not counted. */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(shmcount_hit("cc:x", 4, T0, 3, &c), 1);
	ck_assert_int_eq(shmcount_hit("cc:x", 4, T0, 3, &c), 0);
	ck_assert_int_eq(c.cur, 3);
	long long wait = shmcount_sliding_wait(&c, 3);
	/* 3 hits 10 s into a window weigh (60 - t)/60 * 3 <= 2 only 20 s into the next one
	 * (70 s): the wait is capped at a window. */
	ck_assert_int_eq(wait, W);
	/* Half-way into the next window the three weigh 1.5: one more passes, the next not. */
	ck_assert_int_eq(shmcount_hit("cc:x", 4, T0 - 10000 + W + W / 2, 3, &c), 1);
	ck_assert_int_eq(shmcount_hit("cc:x", 4, T0 - 10000 + W + W / 2, 3, &c), 0);
	wait = shmcount_sliding_wait(&c, 3);
	/* 1 + 3 * (60 - t)/60 <= 2 at t = 40 s: 10 s from now. */
	ck_assert_int_eq(wait, 10001);
	/* Another key is not affected. */
	ck_assert_int_eq(shmcount_hit("cc:y", 4, T0 - 10000 + W + W / 2, 3, &c), 1);
}
END_TEST

START_TEST(test_full_probe_range_fails)
{
	open_table(SHMCOUNT_PROBE);
	struct shmcount c;
	char key[32];
	int counted = 0, failed = 0;
	for (int i = 0; i < SHMCOUNT_PROBE + 8; i++) {
		int n = snprintf(key, sizeof key, "ip:o:10.0.0.%d", i);
		int rc = shmcount_hit(key, (size_t)n, T0, 0, &c);
		rc == 1 ? counted++ : failed++;
	}
	ck_assert_int_eq(counted, SHMCOUNT_PROBE);
	ck_assert_int_eq(failed, 8);
	/* Two windows later every bucket is free again. */
	ck_assert_int_eq(shmcount_hit("ip:o:10.0.1.1", 13, T0 + 2 * W, 0, &c), 1);
}
END_TEST

START_TEST(test_reopen_keeps_table)
{
	open_table(1024);
	struct shmcount c;
	shmcount_hit("k", 1, T0, 0, &c);
	shmcount_close();
	/* Another size asked for: the existing table keeps its own. */
	open_table(4096);
	ck_assert_uint_eq(shmcount_buckets(), 1024);
	ck_assert_int_eq(shmcount_hit("k", 1, T0, 0, &c), 1);
	ck_assert_int_eq(c.cur, 2);
}
END_TEST

START_TEST(test_garbage_file_replaced)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 8192; i++)
		fputc('x', f);
	fclose(f);
	open_table(64);
	ck_assert_uint_eq(shmcount_buckets(), 64);
	struct shmcount c;
	ck_assert_int_eq(shmcount_hit("k", 1, T0, 0, &c), 1);
}
END_TEST

START_TEST(test_no_table)
{
	struct shmcount c;
	ck_assert_int_eq(shmcount_hit("k", 1, T0, 0, &c), -1);
	char err[300];
	ck_assert_int_eq(shmcount_open("/nonexistent-dir/x", 64, err, sizeof err), -1);
	ck_assert(strlen(err) > 0);
}
END_TEST

/* Several processes start at once (creating or mapping the table), then hit the same keys
 * concurrently: no hit is lost, no key gets two buckets. */
START_TEST(test_concurrent_processes)
{
	enum { PROCS = 6, HITS = 20000, KEYS = 50 };
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		ck_assert_int_ge(pids[p], 0);
		if (pids[p] == 0) {
			char err[300], key[32];
			if (shmcount_open(path, 4096, err, sizeof err) < 0)
				_exit(2);
			struct shmcount c;
			for (int i = 0; i < HITS; i++) {
				if (shmcount_hit("ip:a:shared", 11, T0, 0, &c) != 1)
					_exit(3);
				int n = snprintf(key, sizeof key, "ip:o:k%d", i % KEYS);
				if (shmcount_hit(key, (size_t)n, T0, 0, &c) != 1)
					_exit(4);
			}
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		ck_assert_int_eq(waitpid(pids[p], &st, 0), pids[p]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status %d", p, st);
	}
	open_table(4096);
	struct shmcount c;
	ck_assert_int_eq(shmcount_peek("ip:a:shared", 11, T0, &c), 1);
	ck_assert_int_eq(c.cur, PROCS * HITS);
	char key[32];
	for (int k = 0; k < KEYS; k++) {
		int n = snprintf(key, sizeof key, "ip:o:k%d", k);
		ck_assert_int_eq(shmcount_peek(key, (size_t)n, T0, &c), 1);
		ck_assert_int_eq(c.cur, PROCS * HITS / KEYS);
	}
}
END_TEST

/* A sliding limit under concurrency is exact: the processes together pass exactly `limit`. */
START_TEST(test_concurrent_limit_exact)
{
	enum { PROCS = 4, TRIES = 500, LIMIT = 777 };
	open_table(256);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct shmcount c;
			int passed = 0;
			for (int i = 0; i < TRIES; i++)
				passed += shmcount_hit("cc:client", 9, T0, LIMIT, &c) == 1;
			if (write(fds[1], &passed, sizeof passed) != sizeof passed)
				_exit(1);
			_exit(0);
		}
	}
	int total = 0;
	for (int p = 0; p < PROCS; p++) {
		int n = 0;
		ck_assert_int_eq(read(fds[0], &n, sizeof n), sizeof n);
		total += n;
		wait(NULL);
	}
	close(fds[0]);
	close(fds[1]);
	ck_assert_int_eq(total, LIMIT);
}
END_TEST

Suite *shmcount_suite(void)
{
	Suite *s = suite_create("shmcount");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_counts_per_key_and_window);
	tcase_add_test(tc, test_sliding_limit);
	tcase_add_test(tc, test_full_probe_range_fails);
	tcase_add_test(tc, test_reopen_keeps_table);
	tcase_add_test(tc, test_garbage_file_replaced);
	tcase_add_test(tc, test_no_table);
	tcase_add_test(tc, test_concurrent_processes);
	tcase_add_test(tc, test_concurrent_limit_exact);
	suite_add_tcase(s, tc);
	return s;
}
