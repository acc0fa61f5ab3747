/* SPDX-License-Identifier: BSD-2-Clause */
/* Dynamic client registration (PROTOCOL.md §7.6) in tessera-session: POST /oauth2/register with
 * an initial access token (RFC 7591), and GET, PUT, DELETE /oauth2/register/:clientId with the
 * client's registration access token (RFC 7592). The decisions are lib/domain/dcr.c's. */
#include "client-registration.h"
#include "domain/dcr.h"
#include "http/request.h"
#include "http/response.h"

#include <string.h>

/* The bearer token of the Authorization header, or NULL. */
static const char *bearer_token(const struct request *req)
{
	const char *h = req->authorization;
	return h && !strncmp(h, "Bearer ", 7) && h[7] ? h + 7 : NULL;
}

/* A refused bearer (invalid_token) gets a Bearer challenge from send_oauth_error (RFC 6750 §3). */
static int refused(struct request *req, const struct refusal *err)
{
	send_oauth_error(req, err->status, err->oauth_error, err->text);
	return 0;
}

/* The metadata is a JSON object (RFC 7591 §3.1), nothing else. */
static bool json_body(struct request *req)
{
	if (req->body_kind == BODY_JSON && json_is_object(req->json))
		return true;
	send_oauth_error(req, 400, "invalid_client_metadata", "Client metadata must be a JSON object");
	return false;
}

/* The answer of a dcr_* call (rc, computed before: out is its result): its body with status,
 * its refusal, or -1. */
static int answer(struct request *req, int rc, const struct refusal *err, json_t *out, int status)
{
	if (rc != 0)
		return rc < 0 ? -1 : refused(req, err);
	send_json(req, status, out, NULL);
	return 0;
}

int register_client(struct request *req)
{
	struct refusal err = { 0 };
	json_t *out = NULL;
	if (!json_body(req))
		return 0;
	int rc = dcr_register(bearer_token(req), req->json, &out, &err);
	return answer(req, rc, &err, out, 201);
}

int read_registration(struct request *req)
{
	struct refusal err = { 0 };
	json_t *out = NULL;
	int rc = dcr_read(req->path_params[0], bearer_token(req), &out, &err);
	return answer(req, rc, &err, out, 200);
}

int update_registration(struct request *req)
{
	struct refusal err = { 0 };
	json_t *out = NULL;
	if (!json_body(req))
		return 0;
	int rc = dcr_update(req->path_params[0], bearer_token(req), req->json, &out, &err);
	return answer(req, rc, &err, out, 200);
}

int delete_registration(struct request *req)
{
	struct refusal err = { 0 };
	int rc = dcr_delete(req->path_params[0], bearer_token(req), &err);
	if (rc != 0)
		return rc < 0 ? -1 : refused(req, &err);
	send_empty(req, 204, NULL);
	return 0;
}
