/* SPDX-License-Identifier: BSD-2-Clause */
/* fetch: upstream HTTP with libcurl under the address, scheme, time and size policy of fetch.h. */
#include "core/fetch.h"
#include "core/config.h"
#include "core/log.h"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* One network: the first `bits` bits of `net` (an IPv4 network is written as IPv4-mapped IPv6,
 * its prefix plus 96, so one comparison serves both families). */
struct net {
	uint8_t addr[16];
	int bits;
};

static bool in_net(const uint8_t a[16], const uint8_t net[16], int bits)
{
	int whole = bits / 8, rest = bits % 8;
	if (memcmp(a, net, (size_t)whole) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (net[whole] & mask);
}

/* Parses "a.b.c.d/n" or "x::y/n" (no /n: one address) into a 16-byte network. */
static bool parse_net(const char *s, size_t len, struct net *out)
{
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end)
			return false;
	}
	struct in_addr v4;
	memset(out->addr, 0, 16);
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		if (bits > 32)
			return false;
		out->addr[10] = out->addr[11] = 0xff;
		memcpy(out->addr + 12, &v4, 4);
		out->bits = (int)(bits < 0 ? 32 : bits) + 96;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->addr) != 1 || bits > 128)
		return false;
	out->bits = (int)(bits < 0 ? 128 : bits);
	return true;
}

/* Ranges that are not the public Internet (RFC 6890 and friends): loopback, private, CGNAT,
 * link-local (the cloud metadata address 169.254.169.254 among them), multicast, reserved,
 * unique-local IPv6, and the IPv6 forms that embed an IPv4 address (IPv4-compatible ::/96,
 * NAT64, 6to4), whose embedded address could be private. ::/96 is deprecated (RFC 4291,
 * section 2.5.5.1) and no public host has such an address, but a stack that still routes it would
 * reach ::127.0.0.1 as 127.0.0.1 (found by tests/fuzz/fuzz_fetchpolicy). */
static const char *const special_nets[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
	"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
	"2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
};

static bool in_list(const uint8_t a[16], const char *list)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ", ");
		struct net net;
		if (n && parse_net(p, n, &net) && in_net(a, net.addr, net.bits))
			return true;
		p += n;
		p += strspn(p, ", ");
	}
	return false;
}

static bool is_special(const uint8_t a[16])
{
	for (size_t i = 0; i < sizeof special_nets / sizeof special_nets[0]; i++) {
		struct net net;
		if (parse_net(special_nets[i], strlen(special_nets[i]), &net) && in_net(a, net.addr, net.bits))
			return true;
	}
	return false;
}

bool fetch_address_allowed(const struct sockaddr *sa)
{
	uint8_t a[16] = { 0 };
	if (sa->sa_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	} else {
		return false;
	}
	/* An IPv4-mapped IPv6 address is judged as the IPv4 address it is (same 16-byte form). */
	if (in_list(a, cfg.upstream_allow_networks))
		return true;
	return !is_special(a);
}

bool fetch_url_allowed(const char *url)
{
	if (!url)
		return false;
	if (strncasecmp(url, "https://", 8) == 0)
		return true;
	return cfg.upstream_allow_http && strncasecmp(url, "http://", 7) == 0;
}

/* What a transfer learns on the way: the body so far and whether the policy stopped it. */
struct transfer {
	char *body;
	size_t len;
	size_t cap;
	bool too_large;
	bool address_refused;
	char *content_type;
};

static size_t take_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	if (t->len + n > (size_t)cfg.upstream_max_bytes) {
		t->too_large = true;
		return 0; /* curl stops the transfer (CURLE_WRITE_ERROR) */
	}
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *grown = realloc(t->body, cap);
		if (!grown)
			return 0;
		t->body = grown;
		t->cap = cap;
	}
	memcpy(t->body + t->len, data, n);
	t->len += n;
	t->body[t->len] = '\0';
	return n;
}

/* The address check at the moment curl opens the socket: after resolution, for every address
 * it tries, so a name that resolves (or re-resolves) to an inside address is refused. */
static curl_socket_t open_checked_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	struct transfer *t = clientp;
	(void)purpose;
	if (!fetch_address_allowed(&address->addr)) {
		t->address_refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

static int global_init(void)
{
	static bool done;
	if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		done = true;
	return done ? 0 : -1;
}

static void set_policy(CURL *c, const char *url, struct transfer *t)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, cfg.upstream_allow_http ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never a proxy from the environment */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg.upstream_connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg.upstream_timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg.upstream_max_bytes);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, t);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Tessera");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
}

char *fetch_url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *copy = NULL;
	if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host)
		copy = strdup(host);
	curl_free(host);
	curl_url_cleanup(u);
	return copy;
}

/* The log names the host and the failure: never the path, query or user part of the URL. */
static void log_upstream_failure(const char *url, const char *why)
{
	char *host = fetch_url_host(url);
	log_info("upstream %s: %s", host ? host : "(unparsable URL)", why);
	free(host);
}

/* Runs the prepared transfer and turns curl's outcome into the verdicts of fetch.h. */
static int perform(CURL *c, const char *url, struct transfer *t, struct fetch_reply *out, struct refusal *err)
{
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		log_upstream_failure(url, curl_easy_strerror(rc));
		free(t->body);
		if (t->address_refused)
			return refuse(err, 502, FETCH_ADDRESS_REFUSED, NULL);
		if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED)
			return refuse(err, 502, FETCH_TOO_LARGE, NULL);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			return refuse(err, 504, FETCH_TIMEOUT, NULL);
		if (rc == CURLE_OUT_OF_MEMORY)
			return -1;
		return refuse(err, 502, FETCH_UNREACHABLE, NULL);
	}
	memset(out, 0, sizeof *out);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	char *ct = NULL;
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	out->content_type = ct ? strdup(ct) : NULL;
	out->body = t->body ? t->body : strdup("");
	out->len = t->len;
	if (!out->body || (ct && !out->content_type)) {
		fetch_reply_free(out);
		return -1;
	}
	return 0;
}

static int transfer(const char *url, struct curl_slist *headers, const char *form, const char *basic_user,
		    const char *basic_secret, struct fetch_reply *out, struct refusal *err)
{
	memset(out, 0, sizeof *out);
	if (!fetch_url_allowed(url))
		return refuse(err, 502, FETCH_SCHEME_REFUSED, NULL);
	if (global_init() < 0)
		return -1;
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	struct transfer t = { 0 };
	set_policy(c, url, &t);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (form) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(form));
	}
	char *user = NULL, *secret = NULL;
	int rc = -1;
	if (basic_user) {
		/* RFC 6749 §2.3.1: the id and secret are form-encoded before the Basic encoding. */
		user = curl_easy_escape(c, basic_user, 0);
		secret = curl_easy_escape(c, basic_secret ? basic_secret : "", 0);
		if (!user || !secret)
			goto done;
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, secret);
	}
	rc = perform(c, url, &t, out, err);
done:
	curl_free(user);
	curl_free(secret);
	curl_easy_cleanup(c);
	return rc;
}

int fetch_get(const char *url, const char *bearer, struct fetch_reply *out, struct refusal *err)
{
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	if (h && bearer) {
		size_t n = strlen(bearer) + sizeof "Authorization: Bearer ";
		char *auth = malloc(n);
		struct curl_slist *more = NULL;
		if (auth) {
			snprintf(auth, n, "Authorization: Bearer %s", bearer);
			more = curl_slist_append(h, auth);
			explicit_bzero(auth, n);
			free(auth);
		}
		if (!more) {
			curl_slist_free_all(h);
			return -1;
		}
	}
	if (!h)
		return -1;
	int rc = transfer(url, h, NULL, NULL, NULL, out, err);
	curl_slist_free_all(h);
	return rc;
}

int fetch_post_form(const char *url, const char *form, const char *basic_user, const char *basic_secret,
		    struct fetch_reply *out, struct refusal *err)
{
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	struct curl_slist *h2 = h ? curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded") : NULL;
	if (!h2) {
		curl_slist_free_all(h);
		return -1;
	}
	int rc = transfer(url, h2, form ? form : "", basic_user, basic_secret, out, err);
	curl_slist_free_all(h2);
	return rc;
}

void fetch_reply_free(struct fetch_reply *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->content_type);
	memset(r, 0, sizeof *r);
}

int fetch_get_json(const char *url, const char *bearer, json_t **out, long *status, struct refusal *err)
{
	struct fetch_reply reply;
	*out = NULL;
	int rc = fetch_get(url, bearer, &reply, err);
	if (rc != 0)
		return rc;
	if (status)
		*status = reply.status;
	json_t *doc = reply.status == 200 ? json_loadb(reply.body, reply.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	fetch_reply_free(&reply);
	if (json_is_object(doc))
		*out = doc;
	else
		json_decref(doc);
	return 0;
}
