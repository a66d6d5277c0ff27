/*
 * ingest.c - the load generator of `make bench` (bench/ingest.mjs): posts
 * uploads to one party's POST /api/reports from many connections for a
 * fixed time and reports the durable uploads per second (201 answers, each
 * sent only after SQLite committed the row) and the latency percentiles.
 *
 *   ingest URL BODY_FILE SECONDS CONNECTIONS
 *
 * BODY_FILE holds one upload body for the party, made by the core. Every
 * request sends it with a fresh report id (so every upload is a new row);
 * the party checks everything it checks at upload time (format, sizes,
 * token signature); the HPKE binding of the report id is checked only at
 * compute time, which this benchmark does not run. Prints one JSON object.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "fileio.h"
#include "hex.h"
#include "random.h"

typedef struct load {
    const char *url;
    const char *body;
    size_t len, id_at; /* offset of the report id's 32 hex digits */
    char prefix[17];   /* this run's random half of every report id */
    double until;
    pthread_mutex_t lock;
    unsigned long next, ok, failed;
    buf latencies; /* lat points into it */
    double *lat;
    size_t nlat;
} load;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static void *worker(void *arg)
{
    load *l = arg;
    CURL *c = curl_easy_init();
    char *body = malloc(l->len + 1);
    memcpy(body, l->body, l->len + 1);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, l->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)l->len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    while (now_s() < l->until) {
        pthread_mutex_lock(&l->lock);
        unsigned long k = l->next++;
        pthread_mutex_unlock(&l->lock);
        char id[33];
        snprintf(id, sizeof id, "%s%016lx", l->prefix, k);
        memcpy(body + l->id_at, id, 32);
        double t0 = now_s();
        long status = 0;
        int ok = curl_easy_perform(c) == CURLE_OK &&
                 curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 201;
        double ms = (now_s() - t0) * 1e3;
        pthread_mutex_lock(&l->lock);
        if (ok) {
            l->ok++;
            double *slot = buf_grow(&l->latencies, sizeof *slot);
            if (slot != NULL) {
                *slot = ms;
                l->lat = (double *)(void *)l->latencies.p;
                l->nlat++;
            }
        } else {
            l->failed++;
        }
        pthread_mutex_unlock(&l->lock);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(body);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ingest URL BODY_FILE SECONDS CONNECTIONS\n");
        return 2;
    }
    load l = {.url = argv[1], .latencies = BUF_INIT((size_t)1 << 30)};
    char *text;
    size_t len;
    if (fileio_read(argv[2], 1 << 20, &text, &len) != 0) {
        perror(argv[2]);
        return 1;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    const char *at = strstr(text, "\"report_id\":\"");
    if (at == NULL) {
        fprintf(stderr, "ingest: no report_id in the body\n");
        return 1;
    }
    l.body = text;
    l.len = len;
    l.id_at = (size_t)(at - text) + 13;
    uint8_t half[8];
    if (random_bytes(half, sizeof half) != 0)
        return 1;
    hex_encode(half, sizeof half, l.prefix);
    double seconds = atof(argv[3]);
    int conns = atoi(argv[4]);
    if (seconds <= 0 || conns < 1 || conns > 1024)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_init(&l.lock, NULL);
    pthread_t *t = calloc((size_t)conns, sizeof *t);
    double start = now_s();
    l.until = start + seconds;
    for (int i = 0; i < conns; i++)
        pthread_create(&t[i], NULL, worker, &l);
    for (int i = 0; i < conns; i++)
        pthread_join(t[i], NULL);
    double elapsed = now_s() - start;
    qsort(l.lat, l.nlat, sizeof *l.lat, cmp);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "uploads_per_s", (double)l.ok / elapsed);
    cJSON_AddNumberToObject(out, "p50_ms", l.nlat ? l.lat[l.nlat / 2] : 0);
    cJSON_AddNumberToObject(out, "p99_ms", l.nlat ? l.lat[l.nlat * 99 / 100] : 0);
    cJSON_AddNumberToObject(out, "seconds", elapsed);
    cJSON_AddNumberToObject(out, "uploads", (double)l.ok);
    cJSON_AddNumberToObject(out, "failed", (double)l.failed);
    cJSON_AddNumberToObject(out, "connections", conns);
    char *json = cJSON_PrintUnformatted(out);
    puts(json);
    free(json);
    cJSON_Delete(out);
    free(t);
    buf_free(&l.latencies);
    free(text);
    curl_global_cleanup();
    return l.ok > 0 ? 0 : 1;
}
