/* SPDX-License-Identifier: BSD-2-Clause */
/* template: the logic-less template engine behind the sign-in pages and email bodies (syntax and
 * limits in template.h). A source is first parsed into a flat token list in which every section
 * knows the index of its close tag: all syntax errors are found before any output is produced,
 * rendering needs no re-scanning, and a cached page is parsed only once per process. */
#include "core/template.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every rendered token costs a step. Nested sections over arrays multiply (k^32 iterations for
 * 32 levels over k-element arrays) and may produce no output at all, so the output cap alone
 * would not stop them; real pages take a few thousand steps. */
#define MAX_STEPS (4u * 1024 * 1024)
/* Pages and layouts of one program: a handful. Beyond this, templates are read per render. */
#define CACHE_SLOTS 32

enum kind { T_TEXT, T_VAR, T_RAW, T_SECTION, T_INVERTED, T_CLOSE, T_COMMENT };

struct token {
	enum kind kind;
	const char *s; /* literal text or tag name, pointing into the source; not NUL-terminated */
	size_t len;
	size_t close;  /* T_SECTION, T_INVERTED: index of the matching T_CLOSE */
};

struct template {
	char *source;  /* owned for file templates; NULL when the caller's string is borrowed */
	struct token *toks;
	size_t n, cap;
};

/* ---- parsing ---- */

struct parser {
	const char *src;
	size_t len;
	size_t text_start;                 /* start of literal text not yet emitted */
	size_t open[TEMPLATE_MAX_DEPTH];   /* token indexes of the open sections */
	size_t depth;
	struct template *t;
	const char *err;
};

struct tag {
	enum kind kind;
	const char *name;
	size_t nlen;
	size_t start, end; /* the bytes [start, end) of the source the tag replaces */
};

static int parse_fail(struct parser *p, const char *msg)
{
	p->err = msg;
	return -1;
}

static int add_token(struct template *t, enum kind kind, const char *s, size_t len)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct token *toks = realloc(t->toks, cap * sizeof *toks);
		if (!toks)
			return -1;
		t->toks = toks;
		t->cap = cap;
	}
	t->toks[t->n++] = (struct token){ .kind = kind, .s = s, .len = len };
	return 0;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

/* "." or dot-separated non-empty segments of [A-Za-z0-9_-]. Anything else (including Mustache
 * tags this engine does not implement, like {{> partial}} or {{&raw}}) is refused, not printed. */
static bool name_valid(const char *s, size_t len)
{
	if (len == 1 && s[0] == '.')
		return true;
	bool empty = true;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && !empty)
			empty = true;
		else if (name_char(s[i]))
			empty = false;
		else
			return false;
	}
	return !empty;
}

static enum kind sigil_kind(char c)
{
	switch (c) {
	case '{': return T_RAW;
	case '#': return T_SECTION;
	case '^': return T_INVERTED;
	case '/': return T_CLOSE;
	case '!': return T_COMMENT;
	default: return T_VAR;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Reads the tag whose "{{" is at src[at]: its kind, its name without surrounding blanks, its end. */
static int read_tag(struct parser *p, size_t at, struct tag *tag)
{
	const char *s = p->src + at + 2;
	const char *srcend = p->src + p->len;
	tag->kind = sigil_kind(*s);
	if (tag->kind != T_VAR)
		s++;
	const char *closer = tag->kind == T_RAW ? "}}}" : "}}";
	size_t clen = strlen(closer);
	const char *e = memmem(s, (size_t)(srcend - s), closer, clen);
	if (!e)
		return parse_fail(p, "unclosed tag");
	tag->start = at;
	tag->end = (size_t)(e - p->src) + clen;
	if (tag->kind == T_COMMENT)
		return 0;
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	tag->name = s;
	tag->nlen = (size_t)(e - s);
	return name_valid(tag->name, tag->nlen) ? 0 : parse_fail(p, "invalid tag name");
}

/* A section, close or comment tag alone on its line takes the line's indentation and line break
 * with it (as in Mustache), so block tags leave no blank lines in text emails. */
static void standalone(const struct parser *p, struct tag *tag)
{
	if (tag->kind == T_VAR || tag->kind == T_RAW)
		return;
	size_t b = tag->start;
	while (b > p->text_start && is_blank(p->src[b - 1]))
		b--;
	if (b > 0 && p->src[b - 1] != '\n')
		return;
	size_t e = tag->end;
	while (e < p->len && is_blank(p->src[e]))
		e++;
	if (e + 1 < p->len && p->src[e] == '\r' && p->src[e + 1] == '\n')
		e += 2;
	else if (e < p->len && p->src[e] == '\n')
		e++;
	else if (e < p->len)
		return;
	tag->start = b;
	tag->end = e;
}

static bool same_name(const struct token *a, const struct tag *b)
{
	return a->len == b->nlen && memcmp(a->s, b->name, a->len) == 0;
}

/* Keeps the stack of open sections and links each section to its close tag. */
static int add_tag(struct parser *p, const struct tag *tag)
{
	switch (tag->kind) {
	case T_COMMENT:
		return 0;
	case T_SECTION:
	case T_INVERTED:
		if (p->depth == TEMPLATE_MAX_DEPTH)
			return parse_fail(p, "sections nested deeper than 32");
		p->open[p->depth++] = p->t->n;
		break;
	case T_CLOSE:
		if (!p->depth)
			return parse_fail(p, "section close without an open section");
		if (!same_name(&p->t->toks[p->open[p->depth - 1]], tag))
			return parse_fail(p, "mismatched section close");
		p->t->toks[p->open[--p->depth]].close = p->t->n;
		break;
	default:
		break;
	}
	if (add_token(p->t, tag->kind, tag->name, tag->nlen) < 0)
		return parse_fail(p, "out of memory");
	return 0;
}

static int add_text(struct parser *p, size_t end)
{
	if (end > p->text_start &&
	    add_token(p->t, T_TEXT, p->src + p->text_start, end - p->text_start) < 0)
		return parse_fail(p, "out of memory");
	return 0;
}

static int parse(struct parser *p)
{
	const char *o;
	while ((o = memmem(p->src + p->text_start, p->len - p->text_start, "{{", 2))) {
		struct tag tag = { 0 };
		if (read_tag(p, (size_t)(o - p->src), &tag) < 0)
			return -1;
		standalone(p, &tag);
		if (add_text(p, tag.start) < 0 || add_tag(p, &tag) < 0)
			return -1;
		p->text_start = tag.end;
	}
	if (p->depth)
		return parse_fail(p, "unclosed section");
	return add_text(p, p->len);
}

/* Parses src (len bytes, no NUL inside) into t; the tokens point into src. */
static int template_parse(struct template *t, const char *src, size_t len, const char **err)
{
	struct parser p = { .src = src, .len = len, .t = t };
	if (parse(&p) == 0)
		return 0;
	*err = p.err;
	return -1;
}

static void template_free(struct template *t)
{
	if (!t)
		return;
	free(t->toks);
	free(t->source);
	free(t);
}

/* ---- rendering ---- */

struct render {
	char *out;
	size_t len, cap;
	const struct template *t;
	json_t *stack[TEMPLATE_MAX_DEPTH + 2]; /* contexts, innermost last: bases, then sections */
	size_t depth;
	bool html;
	size_t steps;
	const char *err;
};

static int render_fail(struct render *r, const char *msg)
{
	r->err = msg;
	return -1;
}

static int out_reserve(struct render *r, size_t n)
{
	if (n > TEMPLATE_MAX_OUTPUT - r->len)
		return render_fail(r, "output larger than 8 MiB");
	if (r->len + n < r->cap)
		return 0;
	size_t cap = r->cap ? r->cap : 1024;
	while (cap <= r->len + n)
		cap *= 2;
	char *out = realloc(r->out, cap);
	if (!out)
		return render_fail(r, "out of memory");
	r->out = out;
	r->cap = cap;
	return 0;
}

static int out_add(struct render *r, const char *s, size_t n)
{
	if (out_reserve(r, n) < 0)
		return -1;
	memcpy(r->out + r->len, s, n);
	r->len += n;
	return 0;
}

/* The replacement of c in HTML output, NULL when c stays. Quotes, backtick and '=' are escaped too
 * so a value is also safe inside any attribute, quoted or not. */
static const char *html_entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '`': return "&#96;";
	case '=': return "&#61;";
	case '/': return "&#x2F;";
	default: return NULL;
	}
}

/* Copies a value, escaped when escape is set. JSON strings may hold NUL bytes, which would cut
 * the NUL-terminated result short, so they are dropped. Unchanged runs are copied in one piece. */
static int out_value(struct render *r, const char *s, size_t n, bool escape)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = s[i] == '\0' ? "" : escape ? html_entity(s[i]) : NULL;
		if (!e)
			continue;
		if (out_add(r, s + run, i - run) < 0 || out_add(r, e, strlen(e)) < 0)
			return -1;
		run = i + 1;
	}
	return out_add(r, s + run, n - run);
}

/* Strings as they are; numbers and booleans as JSON text; null, objects and arrays as nothing. */
static int out_json(struct render *r, const json_t *v, bool escape)
{
	char num[64];
	size_t n = 0;
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return out_value(r, json_string_value(v), json_string_length(v), escape);
	case JSON_INTEGER:
	case JSON_REAL:
		n = json_dumpb(v, num, sizeof num, JSON_ENCODE_ANY);
		break;
	case JSON_TRUE:
		return out_add(r, "true", 4);
	case JSON_FALSE:
		return out_add(r, "false", 5);
	default:
		return 0;
	}
	return n <= sizeof num ? out_add(r, num, n) : 0;
}

static size_t segment_len(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);
	return dot ? (size_t)(dot - s) : len;
}

/* The first segment of a name is looked up from the innermost context outwards; the rest walk
 * down from what it found, without falling back (Mustache's rule: {{a.b}} never takes b from an
 * outer context once a was found). Non-object contexts are passed over. */
static json_t *lookup(const struct render *r, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return r->stack[r->depth - 1];
	size_t seg = segment_len(name, len);
	json_t *v = NULL;
	for (size_t i = r->depth; i-- > 0 && !v;)
		v = json_object_getn(r->stack[i], name, seg);
	while (v && seg < len) {
		name += seg + 1;
		len -= seg + 1;
		seg = segment_len(name, len);
		v = json_object_getn(v, name, seg);
	}
	return v;
}

static bool truthy(const json_t *v)
{
	if (!v || json_is_false(v) || json_is_null(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return true;
}

static int render_range(struct render *r, size_t from, size_t to);

static int render_with(struct render *r, json_t *ctx, size_t from, size_t to)
{
	r->stack[r->depth++] = ctx;
	int rc = render_range(r, from, to);
	r->depth--;
	return rc;
}

static int render_section(struct render *r, const struct token *tok, size_t body)
{
	json_t *v = lookup(r, tok->s, tok->len);
	if (tok->kind == T_INVERTED)
		return truthy(v) ? 0 : render_range(r, body, tok->close);
	if (!truthy(v))
		return 0;
	if (!json_is_array(v))
		return render_with(r, v, body, tok->close);
	for (size_t k = 0; k < json_array_size(v); k++)
		if (render_with(r, json_array_get(v, k), body, tok->close) < 0)
			return -1;
	return 0;
}

/* Renders the tokens [from, to). Recursion follows section nesting, so it is at most 32 deep. */
static int render_range(struct render *r, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct token *tok = &r->t->toks[i];
		int rc = 0;
		if (++r->steps > MAX_STEPS)
			return render_fail(r, "template too complex");
		switch (tok->kind) {
		case T_TEXT:
			rc = out_add(r, tok->s, tok->len);
			break;
		case T_VAR:
			rc = out_json(r, lookup(r, tok->s, tok->len), r->html);
			break;
		case T_RAW:
			rc = out_json(r, lookup(r, tok->s, tok->len), false);
			break;
		case T_SECTION:
		case T_INVERTED:
			rc = render_section(r, tok, i + 1);
			i = tok->close;
			break;
		default:
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Renders t over the base contexts (outermost first); the result is malloc'd. */
static char *render_template(const struct template *t, json_t **bases, size_t nbases, bool html,
			     const char **err)
{
	struct render r = { .t = t, .html = html };
	for (size_t i = 0; i < nbases; i++)
		r.stack[r.depth++] = bases[i];
	if (out_reserve(&r, 0) < 0 || render_range(&r, 0, t->n) < 0) {
		free(r.out);
		*err = r.err;
		return NULL;
	}
	r.out[r.len] = '\0';
	return r.out;
}

static char *render_source(const char *source, json_t *ctx, bool html, const char **err)
{
	const char *ignored;
	if (!err)
		err = &ignored;
	size_t len = strnlen(source, TEMPLATE_MAX_SOURCE + 1);
	if (len > TEMPLATE_MAX_SOURCE) {
		*err = "template larger than 1 MiB";
		return NULL;
	}
	struct template t = { 0 };
	char *out = NULL;
	if (template_parse(&t, source, len, err) == 0)
		out = render_template(&t, &ctx, 1, html, err);
	free(t.toks);
	return out;
}

char *template_render(const char *source, json_t *ctx, const char **err)
{
	return render_source(source, ctx, true, err);
}

char *template_render_text(const char *source, json_t *ctx, const char **err)
{
	return render_source(source, ctx, false, err);
}

/* ---- files and the cache ---- */

struct cached {
	char *path;
	struct template *t;
};

/* The only mutable global state: parsed file templates, filled on first use. FastCGI programs
 * here are single-threaded, so no lock. */
static struct cached cache[CACHE_SLOTS];

/* Reads a whole template file (at most 1 MiB, no NUL bytes) into a malloc'd string. */
static char *read_source(const char *path, size_t *len, const char **err)
{
	struct stat st;
	char *s = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*err = "cannot read template";
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	if (st.st_size > TEMPLATE_MAX_SOURCE)
		*err = "template larger than 1 MiB";
	else if ((s = malloc((size_t)st.st_size + 1))) {
		ssize_t n = read(fd, s, (size_t)st.st_size + 1); /* the +1 notices a file that grew */
		if (n == st.st_size && !memchr(s, '\0', (size_t)n)) {
			s[n] = '\0';
			*len = (size_t)n;
		} else {
			free(s);
			s = NULL;
		}
	}
	close(fd);
	return s;
}

static struct template *load_template(const char *path, const char **err)
{
	size_t len = 0;
	struct template *t = calloc(1, sizeof *t);
	if (!t) {
		*err = "out of memory";
		return NULL;
	}
	t->source = read_source(path, &len, err);
	if (!t->source || template_parse(t, t->source, len, err) < 0) {
		template_free(t);
		return NULL;
	}
	return t;
}

/* The parsed template at path, from the cache or read now. When the cache is full the template is
 * also stored in *uncached, for the caller to free after use. */
static const struct template *cached_template(const char *path, struct template **uncached, const char **err)
{
	size_t i;
	*uncached = NULL;
	for (i = 0; i < CACHE_SLOTS && cache[i].path; i++)
		if (strcmp(cache[i].path, path) == 0)
			return cache[i].t;
	struct template *t = load_template(path, err);
	char *key = t && i < CACHE_SLOTS ? strdup(path) : NULL;
	if (key) {
		cache[i] = (struct cached){ .path = key, .t = t };
	} else {
		*uncached = t;
	}
	return t;
}

void template_cache_clear(void)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i].path);
		template_free(cache[i].t);
		cache[i] = (struct cached){ 0 };
	}
}

/* Template names come from code, but a '/' or leading '.' could still walk out of dir. */
static bool page_name_valid(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/');
}

/* Renders <dir>/<name><ext> over the base contexts. */
static char *render_file(const char *dir, const char *name, const char *ext, json_t **bases, size_t nbases,
			 bool html, const char **err)
{
	char *path = NULL;
	struct template *uncached;
	if (asprintf(&path, "%s/%s%s", dir, name, ext) < 0) {
		*err = "out of memory";
		return NULL;
	}
	const struct template *t = cached_template(path, &uncached, err);
	free(path);
	char *out = t ? render_template(t, bases, nbases, html, err) : NULL;
	template_free(uncached);
	return out;
}

char *template_render_page(const char *dir, const char *name, json_t *ctx, const char **err)
{
	const char *ignored;
	if (!err)
		err = &ignored;
	if (!page_name_valid(name)) {
		*err = "invalid template name";
		return NULL;
	}
	char *content = render_file(dir, name, ".html", &ctx, 1, true, err);
	if (!content)
		return NULL;
	/* content goes on top of ctx instead of into it: the caller's object is not modified */
	json_t *top = json_object();
	char *out = NULL;
	if (top && json_object_set_new(top, "content", json_stringn_nocheck(content, strlen(content))) == 0) {
		json_t *bases[2] = { ctx, top };
		out = render_file(dir, "layout", ".html", bases, 2, true, err);
	} else {
		*err = "out of memory";
	}
	json_decref(top);
	free(content);
	return out;
}

char *template_render_file(const char *dir, const char *file, json_t *ctx, bool html, const char **err)
{
	const char *ignored;
	if (!err)
		err = &ignored;
	if (!page_name_valid(file)) {
		*err = "invalid template name";
		return NULL;
	}
	return render_file(dir, file, "", &ctx, 1, html, err);
}
