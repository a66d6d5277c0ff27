/*
 * asset.c - embedded files by path; see asset.h.
 */
#include "asset.h"

#include <string.h>

const asset *asset_find(const asset *list, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].path, path) == 0)
            return &list[i];
    return NULL;
}
