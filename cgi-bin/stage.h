/* SPDX-License-Identifier: BSD-2-Clause */
/* stage: what the JSON stages of tessera-login share (login.c, register.c). */
#ifndef TESSERA_CGI_STAGE_H
#define TESSERA_CGI_STAGE_H
#include "domain/flow.h"
#include "http/request.h"
#include <stdbool.h>

/* Answers with sendLoginResult (§5.3), adding the SSO cookie when a code was issued for a
 * client. 0 sent, -1 database failure. */
int stage_send_result(struct request *req, struct login *l);

#endif
