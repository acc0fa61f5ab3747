/* SPDX-License-Identifier: BSD-2-Clause */
/* log: one line per event on stderr (the web server's error log). Callers pass ids and
 * outcomes only; nothing here ever receives a secret. */
#ifndef TESSERA_LOG_H
#define TESSERA_LOG_H

void log_set_program(const char *name);
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg("error", __VA_ARGS__)
#define log_info(...) log_msg("info", __VA_ARGS__)

#endif
