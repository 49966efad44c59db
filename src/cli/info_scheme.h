#ifndef HECATE_CLI_INFO_SCHEME_H
#define HECATE_CLI_INFO_SCHEME_H
#include <stdio.h>

#include "hecate/scheme.h"
/* Describe every scheme object in f (positioned at the start). */
int cli_info_scheme(const char *path, FILE *f);
#endif
