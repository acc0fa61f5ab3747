/* SPDX-License-Identifier: BSD-2-Clause */
/* fhir: reference builder. */
#include "core/fhir.h"

#include "core/crypto.h"

#include <ctype.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

json_t *fhir_reference(const char *type, const char *id, const char *display)
{
	char ref[80];
	snprintf(ref, sizeof ref, "%s/%s", type, id);
	json_t *r = json_pack("{s:s}", "reference", ref);
	if (display && *display)
		json_object_set_new(r, "display", json_string(display));
	return r;
}

bool fhir_reference_id(json_t *ref, const char *type, char id_out[37])
{
	const char *r = json_string_value(json_object_get(ref, "reference"));
	size_t n = strlen(type);
	if (!json_is_object(ref) || !r || strncmp(r, type, n) || r[n] != '/' || !crypto_is_uuid(r + n + 1))
		return false;
	memcpy(id_out, r + n + 1, 37);
	return true;
}

static int digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/* An ISO 8601 date or date-time (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]) as the UTC
 * "YYYY-MM-DD HH:MM:SS" MariaDB compares with. false for anything else. */
bool fhir_datetime_utc(const char *s, char out[20])
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	size_t n = strlen(s);
	if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
		return false;
	const char *p = s + 10;
	if (*p == 'T') {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			return false;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				return false;
			p += 3;
			if (*p == '.') {
				p++;
				size_t f = strspn(p, "0123456789");
				if (f == 0 || f > 9)
					return false;
				p += f;
			}
		}
		if (*p == 'Z')
			p++;
		else if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1 : 1;
			if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
				return false;
			p += 6;
		}
	}
	if (*p || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return false;
	tm = (struct tm){ .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	time_t t = timegm(&tm);
	struct tm check;
	/* timegm normalises 2024-02-31 to March: such a date is not a date. */
	if (t == (time_t)-1 || !gmtime_r(&t, &check) || check.tm_mday != d || check.tm_mon != mo - 1)
		return false;
	t -= sign * (oh * 3600 + om * 60);
	if (!gmtime_r(&t, &tm))
		return false;
	return strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) == 19;
}

void fhir_set_meta(json_t *resource, const char *project, const char *version, const char *last_updated)
{
	json_t *meta = json_object();
	if (project)
		json_object_set_new(meta, "project", json_string(project));
	if (version)
		json_object_set_new(meta, "versionId", json_string(version));
	if (last_updated)
		json_object_set_new(meta, "lastUpdated", json_string(last_updated));
	json_object_set_new(resource, "meta", meta);
}
