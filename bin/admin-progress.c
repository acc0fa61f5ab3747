/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-progress: the progress lines of tessera-admin setup and upgrade (setup.h). */
#include "setup.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>

double setup_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

void setup_step(struct setup *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("[%d/%d] ", ++s->step, STEPS);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	s->step_t0 = setup_now();
}

void setup_done(struct setup *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("      ");
	vprintf(fmt, ap);
	printf(" (%.1f s)\n", setup_now() - s->step_t0);
	va_end(ap);
	fflush(stdout);
}

int setup_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tessera-admin: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	return 1;
}
