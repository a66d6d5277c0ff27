/*
 * routes.c - the route table; see routes.h.
 */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "handlers.h"

static const route ROUTES[] = {
    {"GET", "/", ROUTE_PUBLIC, h_root},
    {"GET", "/api/study", ROUTE_CORS, h_study},
    {"GET", "/api/collection", ROUTE_CORS, h_collection},
    {"POST", "/api/reports", ROUTE_CORS | ROUTE_UPLOAD, h_upload},
    {"GET", "/api/status", ROUTE_ADMIN, h_status},
    {"GET", "/api/session", ROUTE_PUBLIC, h_session},
    {"POST", "/api/login", ROUTE_PUBLIC, h_login},
    {"POST", "/api/logout", ROUTE_ADMIN | ROUTE_CSRF, h_logout},
    {"POST", "/api/approve", ROUTE_ADMIN | ROUTE_CSRF, h_approve},
    {"GET", "/admin", ROUTE_PUBLIC, h_asset},
    {"GET", "/admin/", ROUTE_PUBLIC, h_asset},
    {"GET", "/admin/admin.css", ROUTE_PUBLIC, h_asset},
    {"GET", "/admin/admin.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/submit", ROUTE_PUBLIC, h_asset},
    {"GET", "/submit/", ROUTE_PUBLIC, h_asset},
    {"GET", "/submit/submit.css", ROUTE_PUBLIC, h_asset},
    {"GET", "/submit/submit.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/submit/upload.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/report", ROUTE_PUBLIC, h_asset},
    {"GET", "/report/", ROUTE_PUBLIC, h_asset},
    {"GET", "/report/report.css", ROUTE_PUBLIC, h_asset},
    {"GET", "/report/report.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/base.css", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/mpc.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/mpc_core.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/mpc_core.wasm", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/lib/dom.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/lib/form.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/lib/link.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/lib/page_error.js", ROUTE_PUBLIC, h_asset},
    {"GET", "/web/vendor/read-excel-file.min.js", ROUTE_PUBLIC, h_asset},
    {"POST", "/api/compute", ROUTE_ORGANIZER, h_compute_start},
    {"GET", "/api/compute", ROUTE_ORGANIZER, h_compute_get},
    {"GET", "/api/result", ROUTE_ORGANIZER, h_result},
    {"GET", "/api/organizer/status", ROUTE_ORGANIZER, h_organizer_status},
    {"GET", "/api/report", ROUTE_PUBLIC, h_report_data},
    {"GET", "/api/report.xlsx", ROUTE_PUBLIC, h_report_xlsx},
    {"GET", "/api/peer/hello", ROUTE_PEER, h_peer_hello},
    {"POST", "/api/peer/compute/", ROUTE_PEER | ROUTE_PREFIX, h_peer_compute},
    /* Any other peer path: authenticated first (401 unsigned), then 404. */
    {"*", "/api/peer/", ROUTE_PEER | ROUTE_PREFIX, h_peer_unknown},
};

static int path_matches(const route *r, const char *path)
{
    if (r->flags & ROUTE_PREFIX)
        return strncmp(path, r->path, strlen(r->path)) == 0;
    return strcmp(path, r->path) == 0;
}

const route *routes_find(const char *method, const char *path, api_err *status, char *allow,
                         size_t allow_size)
{
    size_t len = 0;
    allow[0] = '\0';
    *status = API_NOT_FOUND;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        const route *r = &ROUTES[i];
        if (!path_matches(r, path))
            continue;
        if (strcmp(r->method, "*") == 0 || strcmp(r->method, method) == 0)
            return r;
        *status = API_METHOD;
        int n = snprintf(allow + len, allow_size - len, "%s%s", len ? ", " : "", r->method);
        if (n > 0 && (size_t)n < allow_size - len)
            len += (size_t)n;
    }
    return NULL;
}
