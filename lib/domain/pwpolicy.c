/* SPDX-License-Identifier: BSD-2-Clause */
/* pwpolicy: length limits and the offline common/breached password check. */
#include "domain/pwpolicy.h"
#include "core/log.h"
#include "http/response.h"

#include <ctype.h>
#include <pwquality.h>
#include <stddef.h>
#include <string.h>

bool pwpolicy_min_ok(const char *password)
{
	return strlen(password) >= PASSWORD_MIN_BYTES;
}

bool pwpolicy_max_ok(const char *password)
{
	return strlen(password) <= PASSWORD_MAX_BYTES;
}

bool pwpolicy_length_ok(const char *password)
{
	return pwpolicy_min_ok(password) && pwpolicy_max_ok(password);
}

/* Built once per process; never from /etc/security/pwquality.conf, so the machine's PAM
 * policy cannot change what the API accepts. Only the dictionary and simplicity checks
 * count: composition rules (digits, classes) are not ours to impose. */
static pwquality_settings_t *settings(void)
{
	static pwquality_settings_t *s;
	if (s)
		return s;
	s = pwquality_default_settings();
	if (!s)
		return NULL;
	pwquality_set_int_value(s, PWQ_SETTING_MIN_LENGTH, PASSWORD_MIN_BYTES);
	pwquality_set_int_value(s, PWQ_SETTING_DIG_CREDIT, 0);
	pwquality_set_int_value(s, PWQ_SETTING_UP_CREDIT, 0);
	pwquality_set_int_value(s, PWQ_SETTING_LOW_CREDIT, 0);
	pwquality_set_int_value(s, PWQ_SETTING_OTH_CREDIT, 0);
	pwquality_set_int_value(s, PWQ_SETTING_MIN_CLASS, 0);
	pwquality_set_int_value(s, PWQ_SETTING_MAX_REPEAT, 0);
	pwquality_set_int_value(s, PWQ_SETTING_MAX_CLASS_REPEAT, 0);
	pwquality_set_int_value(s, PWQ_SETTING_MAX_SEQUENCE, 0);
	pwquality_set_int_value(s, PWQ_SETTING_GECOS_CHECK, 0);
	pwquality_set_int_value(s, PWQ_SETTING_DICT_CHECK, 1);
	return s;
}

/* 0 passes, 1 refused, -1 the dictionary could not be read. */
static int quality(pwquality_settings_t *s, const char *password)
{
	void *aux = NULL;
	int rc = pwquality_check(s, password, NULL, NULL, &aux);
	if (rc >= 0)
		return 0;
	char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
	const char *why = pwquality_strerror(buf, sizeof buf, rc, aux);
	if (rc == PWQ_ERROR_CRACKLIB_CHECK && why && strstr(why, "error loading dictionary")) {
		log_error("pwpolicy: the cracklib dictionary cannot be loaded (install cracklib-runtime)");
		return -1;
	}
	if (rc == PWQ_ERROR_MEM_ALLOC)
		return -1;
	return 1;
}

/* Common substitutions undone ("P@ssw0rd" is "password"), so a dictionary word dressed up
 * with symbols is still found. */
static void unleet(const char *in, char *out, size_t outlen)
{
	static const char from[] = "@4310$5!7", to[] = "aaeiossit";
	size_t n = 0;
	for (; *in && n + 1 < outlen; in++) {
		const char *p = strchr(from, *in);
		out[n++] = p ? to[p - from] : (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
}

int pwpolicy_check(const char *password)
{
	pwquality_settings_t *s = settings();
	if (!s)
		return -1;
	int rc = quality(s, password);
	if (rc != 0)
		return rc;
	char plain[PASSWORD_MAX_BYTES * 4 + 1];
	unleet(password, plain, sizeof plain);
	return strcmp(plain, password) ? quality(s, plain) : 0;
}

int pwpolicy_answer(struct request *req, const char *password, const char *field)
{
	int rc = pwpolicy_check(password);
	if (rc == 1)
		send_bad_request(req, PWPOLICY_BREACHED, field);
	return rc;
}
