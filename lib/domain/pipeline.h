/* SPDX-License-Identifier: BSD-2-Clause */
/* pipeline: the steps of every request that need the domain — the per-IP limiter,
 * authentication, audit, the HTML error page — given to the dispatcher (http/app), which
 * knows none of them. Every program serves through pipeline_run. */
#ifndef TESSERA_PIPELINE_H
#define TESSERA_PIPELINE_H
#include "http/app.h"

extern const struct app_steps pipeline_steps;

/* app_run with pipeline_steps. */
int pipeline_run(const char *program, const struct route *routes);

#endif
