/* SPDX-License-Identifier: BSD-2-Clause */
/* The dynamic client registration routes of tessera-session (PROTOCOL.md §7.6). */
#ifndef TESSERA_CLIENT_REGISTRATION_H
#define TESSERA_CLIENT_REGISTRATION_H
struct request;

int register_client(struct request *req);
int read_registration(struct request *req);
int update_registration(struct request *req);
int delete_registration(struct request *req);

#endif
