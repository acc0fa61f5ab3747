/* pages: the sign-in pages tessera-login serves to browsers (see pages.c). */
#ifndef TESSERA_PAGES_H
#define TESSERA_PAGES_H
#include "app.h"

/* GET/POST /signin and /oauth: the OAuth parameters /oauth2/authorize passes on. */
extern const struct input pages_signin_inputs[];
/* GET/POST /oauth/profile and /oauth/consent: the login and the client's state. */
extern const struct input pages_stage_inputs[];

int pages_signin_get(struct request *req);
int pages_signin_post(struct request *req);
int pages_profile_get(struct request *req);
int pages_profile_post(struct request *req);
int pages_consent_get(struct request *req);
int pages_consent_post(struct request *req);
/* GET /account: who is signed in on the pages; POST /account: sign out. */
int pages_account_get(struct request *req);
int pages_account_post(struct request *req);

/* /register (?projectId= for a patient) and /register/project (register-pages.c). */
extern const struct input pages_register_inputs[];
int pages_register_get(struct request *req);
int pages_register_post(struct request *req);
int pages_register_project_get(struct request *req);
int pages_register_project_post(struct request *req);

#endif
