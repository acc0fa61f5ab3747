/* SPDX-License-Identifier: BSD-2-Clause */
/* refusal: the one shape of a refusal. */
#include "core/refusal.h"
#include "core/text.h"

#include <string.h>

int refuse(struct refusal *r, int status, const char *text, const char *expression)
{
	memset(r, 0, sizeof *r);
	r->status = status;
	r->text = text;
	r->expression = expression;
	return 1;
}

int refuse_oauth(struct refusal *r, int status, const char *oauth_error, const char *text)
{
	refuse(r, status, text, NULL);
	r->oauth_error = oauth_error;
	return 1;
}

int refuse_scim(struct refusal *r, int status, const char *scim_type, const char *text)
{
	refuse(r, status, text, NULL);
	r->scim_type = scim_type;
	return 1;
}

int refuse_wait(struct refusal *r, const char *text, long long retry_ms, long long consumed, long long limit)
{
	refuse(r, 429, text, NULL);
	r->retry_ms = retry_ms > 0 ? retry_ms : 0;
	r->consumed = consumed;
	r->limit = limit;
	return 1;
}

int refuse_copy(struct refusal *r, int status, const char *text, const char *expression)
{
	refuse(r, status, NULL, expression);
	text_copy(r->buf, sizeof r->buf, text);
	r->text = r->buf;
	return 1;
}
