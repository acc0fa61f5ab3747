/* SPDX-License-Identifier: BSD-2-Clause */
/* qrpng: QR code → PNG → data URL (see qrpng.h). */
#include "core/qrpng.h"

#include <openssl/evp.h>
#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODULE_PIXELS 4
#define QUIET_ZONE 4

struct buffer {
	unsigned char *data;
	size_t len, cap;
	int failed;
};

static void write_bytes(png_structp png, png_bytep data, png_size_t len)
{
	struct buffer *b = png_get_io_ptr(png);
	if (b->failed)
		return;
	if (b->len + len > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + len;
		unsigned char *p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void flush_nothing(png_structp png)
{
	(void)png;
}

/* One row of pixels (1 bit each, 1 = white) for module row y of the code (-QUIET_ZONE..). */
static void draw_row(const QRcode *qr, int y, unsigned char *row, int width_px)
{
	memset(row, 0xff, (size_t)(width_px + 7) / 8);
	if (y < 0 || y >= qr->width)
		return;
	for (int x = 0; x < qr->width; x++) {
		if (!(qr->data[y * qr->width + x] & 1))
			continue;
		for (int k = 0; k < MODULE_PIXELS; k++) {
			int px = (x + QUIET_ZONE) * MODULE_PIXELS + k;
			row[px / 8] &= (unsigned char)~(0x80 >> (px % 8));
		}
	}
}

/* The PNG of a QR code into b; 0 or -1. libpng reports errors by longjmp. */
static int encode_png(const QRcode *qr, struct buffer *b)
{
	int modules = qr->width + 2 * QUIET_ZONE, width_px = modules * MODULE_PIXELS;
	unsigned char *row = malloc((size_t)(width_px + 7) / 8);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	volatile int rc = -1;
	if (!row || !info)
		goto done;
	if (setjmp(png_jmpbuf(png)))
		goto done;
	png_set_write_fn(png, b, write_bytes, flush_nothing);
	png_set_IHDR(png, info, (png_uint_32)width_px, (png_uint_32)width_px, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < width_px; y++) {
		draw_row(qr, y / MODULE_PIXELS - QUIET_ZONE, row, width_px);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	rc = b->failed ? -1 : 0;
done:
	png_destroy_write_struct(&png, &info);
	free(row);
	return rc;
}

static char *data_url(const struct buffer *b)
{
	static const char prefix[] = "data:image/png;base64,";
	size_t enc = 4 * ((b->len + 2) / 3);
	char *out = malloc(sizeof prefix + enc);
	if (!out)
		return NULL;
	memcpy(out, prefix, sizeof prefix - 1);
	EVP_EncodeBlock((unsigned char *)out + sizeof prefix - 1, b->data, (int)b->len);
	return out;
}

char *qrpng_data_url(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return NULL;
	struct buffer b = { 0 };
	char *out = encode_png(qr, &b) == 0 ? data_url(&b) : NULL;
	QRcode_free(qr);
	free(b.data);
	return out;
}
