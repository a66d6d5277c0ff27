/*
 * figures.c - see figures.h.
 */
#include "figures.h"

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

void print_figures(size_t n, const char *const *names, const double *values)
{
    cJSON *j = cJSON_CreateObject();
    for (size_t i = 0; i < n; i++)
        cJSON_AddNumberToObject(j, names[i], values[i]);
    char *text = cJSON_PrintUnformatted(j);
    if (text != NULL)
        puts(text);
    free(text);
    cJSON_Delete(j);
}
