/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-conffile: the configuration files tessera-admin setup reads and writes (setup.h). */
#include "setup.h"
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The admin file: the migration account, read by tessera-admin alone (admin_config, default
 * <sysconfdir>/tessera/tessera-admin.conf; lib/core/config.c's config_load_admin). */
void admin_file_path(char *out, size_t len)
{
	snprintf(out, len, "%s", cfg.admin_config && *cfg.admin_config ? cfg.admin_config
									 : SYSCONFDIR "/tessera/tessera-admin.conf");
}

void conf_file_path(char *out, size_t len)
{
	const char *env = getenv("TESSERA_CONFIG");
	snprintf(out, len, "%s", env && *env ? env : SYSCONFDIR "/tessera/tessera.conf");
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n < 2) {
			char *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The value of `key` in a key = value file ("" when absent), into out. */
void file_value(const char *text, const char *key, char *out, size_t len)
{
	*out = '\0';
	size_t klen = strlen(key);
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, key, klen)) {
			const char *q = p + klen;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ' || *q == '\t')
					q++;
				size_t n = (size_t)((end ? end : q + strlen(q)) - q);
				while (n && (q[n - 1] == ' ' || q[n - 1] == '\t' || q[n - 1] == '\r'))
					n--;
				snprintf(out, len, "%.*s", (int)n, q);
				return;
			}
		}
		line = end ? end + 1 : NULL;
	}
}

/* Writes `text` to path through a temporary file and rename, with the given owner group and
 * mode (group -1: root's). */
int write_file(const char *path, const char *text, gid_t group, mode_t mode)
{
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.new", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return setup_fail("cannot write %s: %s", tmp, strerror(errno));
	size_t len = strlen(text);
	int rc = write(fd, text, len) == (ssize_t)len && fchown(fd, 0, group == (gid_t)-1 ? 0 : group) == 0 &&
			 fchmod(fd, mode) == 0 && fsync(fd) == 0
		 ? 0
		 : -1;
	int saved = errno;
	if (close(fd) != 0 && rc == 0)
		rc = -1, saved = errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1, saved = errno;
	if (rc != 0) {
		unlink(tmp);
		return setup_fail("cannot write %s: %s", path, strerror(saved));
	}
	return 0;
}

static int is_key_line(const char *line, size_t n, const char *key)
{
	size_t klen = strlen(key), i = 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n - i < klen || strncmp(line + i, key, klen))
		return 0;
	i += klen;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < n && line[i] == '=';
}

char *conf_with(const char *text, const struct kv *set, size_t nset, const char *const *drop)
{
	size_t cap = strlen(text) + 4096, n = 0;
	for (size_t i = 0; i < nset; i++)
		cap += strlen(set[i].key) + strlen(set[i].value) + 8;
	char *out = malloc(cap);
	bool *seen = calloc(nset + 1, sizeof *seen);
	if (!out || !seen) {
		free(out);
		free(seen);
		return NULL;
	}
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		bool replaced = false;
		for (size_t i = 0; i < nset && !replaced; i++)
			if (is_key_line(line, len, set[i].key)) {
				if (!seen[i])
					n += (size_t)snprintf(out + n, cap - n, "%s = %s\n", set[i].key, set[i].value);
				seen[i] = replaced = true;
			}
		for (const char *const *d = drop; *d && !replaced; d++)
			if (is_key_line(line, len, *d)) {
				n += (size_t)snprintf(out + n, cap - n,
						      "# %s: moved to the admin file by tessera-admin setup\n", *d);
				replaced = true;
			}
		if (!replaced)
			n += (size_t)snprintf(out + n, cap - n, "%.*s\n", (int)len, line);
		line = end ? end + 1 : line + len;
	}
	for (size_t i = 0; i < nset; i++)
		if (!seen[i])
			n += (size_t)snprintf(out + n, cap - n, "%s = %s\n", set[i].key, set[i].value);
	free(seen);
	return out;
}
