/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the upstream request policy of lib/core/fetch.c (the SSRF guard), without
 * network: fetch_url_allowed (scheme), fetch_url_host (curl's URL parser, what curl will connect
 * to) and fetch_address_allowed (the address verdict, with upstream_allow_networks parsed from
 * the input). The first byte chooses upstream_allow_http (bit 0) and the mode (bit 1): a URL or
 * a raw address (17 bytes: family, 16 address bytes); the rest, up to a NUL, is the allow list.
 * Properties:
 *  - a URL is allowed only with an https:// (or, allowed, http://) scheme;
 *  - with an empty allow list, no address of a range that is not the public Internet passes,
 *    whether it comes raw or as a URL's literal host (an independent table below, bit tests
 *    rather than the module's CIDR parser), nor IPv4 inside IPv6 (mapped, compatible, NAT64,
 *    6to4) when the embedded address is such;
 *  - an IPv4 address and its IPv4-mapped IPv6 form get the same verdict;
 *  - an allow list only adds: what passes with none passes with any;
 *  - families other than IPv4 and IPv6 never pass; the verdict is the same when asked again.
 * FUZZ_SOURCES: lib/core/fetch.c lib/core/config.c lib/core/log.c lib/core/refusal.c lib/core/text.c */
#include "fuzz.h"
#include "core/fetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

FUZZ_INIT_CONFIG

/* IPv4 ranges no upstream may be in (RFC 6890): loopback, "this network", private, CGNAT,
 * link-local (cloud metadata), multicast and reserved. */
static bool v4_inside(const uint8_t a[4])
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
}

static bool zeros(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/* The same for IPv6: unspecified, loopback, link-local, unique-local, multicast, and the forms
 * that carry an IPv4 address (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) when it is inside. */
static bool v6_inside(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	if (zeros(a, 12) || !memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
		return v4_inside(a + 12); /* :: and ::1 among them (0.0.0.0/8) */
	if (a[0] == 0x20 && a[1] == 0x02)
		return v4_inside(a + 2);
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] & 0xfe) == 0xfc || a[0] == 0xff;
}

static bool verdict(const struct sockaddr *sa, const char *allow)
{
	char *configured = cfg.upstream_allow_networks;
	cfg.upstream_allow_networks = (char *)allow;
	bool first = fetch_address_allowed(sa);
	if (fetch_address_allowed(sa) != first)
		abort();
	cfg.upstream_allow_networks = configured;
	return first;
}

static void check_v4(const uint8_t a[4], const char *allow)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	memcpy(&v4.sin_addr, a, 4);
	v6.sin6_addr.s6_addr[10] = v6.sin6_addr.s6_addr[11] = 0xff;
	memcpy(v6.sin6_addr.s6_addr + 12, a, 4);
	bool bare = verdict((struct sockaddr *)&v4, ""), listed = verdict((struct sockaddr *)&v4, allow);
	if ((bare && v4_inside(a)) || (bare && !listed))
		abort();
	if (bare != verdict((struct sockaddr *)&v6, "") || listed != verdict((struct sockaddr *)&v6, allow))
		abort();
}

static void check_v6(const uint8_t a[16], const char *allow)
{
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	memcpy(v6.sin6_addr.s6_addr, a, 16);
	bool bare = verdict((struct sockaddr *)&v6, "");
	if ((bare && v6_inside(a)) || (bare && !verdict((struct sockaddr *)&v6, allow)))
		abort();
}

static void check_address(const uint8_t *data, size_t size, const char *allow)
{
	if (size < 17)
		return;
	int family = data[0] % 3;
	if (family == 0)
		check_v4(data + 1, allow);
	else if (family == 1)
		check_v6(data + 1, allow);
	else {
		struct sockaddr_storage ss = { .ss_family = AF_UNIX };
		if (verdict((struct sockaddr *)&ss, allow) || verdict((struct sockaddr *)&ss, "0.0.0.0/0,::/0"))
			abort();
	}
}

/* A URL's literal host (a.b.c.d or [v6], as curl normalised it) held to the same rules. */
static void check_url_host(const char *url, const char *allow)
{
	char *host = fetch_url_host(url);
	if (!host)
		return;
	uint8_t a[16];
	size_t n = strlen(host);
	if (inet_pton(AF_INET, host, a) == 1) {
		check_v4(a, allow);
	} else if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		char *zone = strchr(host, '%');
		if (zone)
			*zone = '\0';
		if (inet_pton(AF_INET6, host + 1, a) == 1)
			check_v6(a, allow);
	}
	free(host);
}

static void check_url(const char *url, const char *allow)
{
	bool ok = fetch_url_allowed(url);
	bool https = !strncasecmp(url, "https://", 8), http = !strncasecmp(url, "http://", 7);
	if (ok != (https || (cfg.upstream_allow_http && http)))
		abort();
	check_url_host(url, allow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	cfg.upstream_allow_http = data[0] & 1;
	bool address = data[0] & 2;
	data++;
	size--;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t split = nul ? (size_t)(nul - data) : 0;
	char *allow = fuzz_string(data, split);
	const uint8_t *rest = nul ? data + split + 1 : data;
	size_t left = nul ? size - split - 1 : size;
	if (address) {
		check_address(rest, left, allow);
	} else {
		char *url = fuzz_string(rest, left);
		check_url(url, allow);
		free(url);
	}
	free(allow);
	return 0;
}
