/* launches: the smart_app_launch table's owner for the resource API. A SmartAppLaunch is the
 * launch context a `launch` parameter names (§2, §11.2): its patient (a Patient of the same
 * project) and encounter, which the token response carries. */
#ifndef TESSERA_LAUNCHES_H
#define TESSERA_LAUNCHES_H
#include "domain/store.h"

extern const struct resource_store launches_store;

#endif
