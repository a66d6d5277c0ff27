/*
 * asset.h - files carried inside a binary (backend/tools/embed writes
 * them: `const char NAME[]` and `const size_t NAME_len`), served by path:
 * the party's pages and the organizer's console.
 */
#ifndef MPC_ASSET_H
#define MPC_ASSET_H

#include <stddef.h>

/* Declares an embedded file NAME (and NAME_len). */
#define ASSET_DECLARE(name)                                                                        \
    extern const char name[];                                                                      \
    extern const size_t name##_len;

#define ASSET_HTML "text/html; charset=utf-8"
#define ASSET_JS "text/javascript; charset=utf-8"
#define ASSET_CSS "text/css; charset=utf-8"
#define ASSET_WASM "application/wasm"

typedef struct asset {
    const char *path;
    const char *body;
    const size_t *len;
    const char *type;
    int page; /* the server's own flag (a page with its CSP) */
} asset;

/* The asset of list (n entries) served at path, or NULL. */
const asset *asset_find(const asset *list, size_t n, const char *path);

#endif
