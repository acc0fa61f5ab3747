/* SPDX-License-Identifier: BSD-2-Clause */
/* qrpng: a QR code of a text (libqrencode, error correction M) drawn as a black-on-white PNG
 * (libpng, 1 bit per pixel, a 4-module quiet zone) and returned as a data:image/png;base64 URL,
 * the enrollQrCode of PROTOCOL.md §6.9 that the enrollment page shows as an <img>. */
#ifndef TESSERA_QRPNG_H
#define TESSERA_QRPNG_H

/* malloc'd "data:image/png;base64,..." or NULL (text too long for a QR code, no memory). */
char *qrpng_data_url(const char *text);

#endif
