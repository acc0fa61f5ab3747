/* SPDX-License-Identifier: BSD-2-Clause */
/* scrypt-rate: the machine's pure scrypt ceiling at the configured cost: hashes per second
 * on all cores = cores / time of one hash. Compared with the sign-in rate in bench/run. */
#include "core/config.h"
#include "core/password.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char err[256], hash[PASSWORD_HASH_LEN];
	if (config_load(err, sizeof err) < 0) {
		fprintf(stderr, "scrypt-rate: %s\n", err);
		return 1;
	}
	password_hash("benchmark password", hash);
	struct timespec t0, t1;
	int rounds = 20;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < rounds; i++)
		password_verify("benchmark password", hash);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / rounds;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	printf("SCRYPT_RESULT n_log2=%d r=%d p=%d ms=%.1f cores=%ld ceiling=%.1f\n", cfg.scrypt_n_log2, cfg.scrypt_r,
	       cfg.scrypt_p, ms, cores, (double)cores * 1000.0 / ms);
	return 0;
}
