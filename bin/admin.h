/* admin: pieces shared by the tessera-admin command modules. */
#ifndef TESSERA_ADMIN_H
#define TESSERA_ADMIN_H
#include <stdbool.h>

const char *option(int argc, char **argv, const char *name);
/* Options must be known and each take a value; anything else is a usage error. */
bool options_ok(int argc, char **argv, int first, const char *const *known);
int cmd_user(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_mail(int argc, char **argv);
int admin_usage(void);

#endif
