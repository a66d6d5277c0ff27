/*
 * main.c - mpc: the organizer's command line (docs/DESIGN.md, section 6).
 *
 *   mpc organizer serve --dir DIR [--listen HOST:PORT]               (console.c)
 *   mpc organizer init --dir DIR
 *   mpc study seal --organizer DIR --study STUDY.json --party P.pub.json... --out SEALED.json
 *   mpc tokens --organizer DIR --study SEALED.json --count N --out tokens.csv
 *   mpc submit --study SEALED.json --csv FILE [--tokens tokens.csv]   (submit.c)
 *   mpc compute --organizer DIR --study SEALED.json                   (compute.c)
 *   mpc report --organizer DIR --study SEALED.json [--xlsx F] [--csv F] (report.c)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "fileio.h"
#include "hex.h"
#include "keys.h"
#include "mpc.h"
#include "party_file.h"
#include "safe_text.h"
#include "sealed.h"
#include "token.h"

#define ERR_SIZE 512

static const char USAGE[] =
    "usage: mpc COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  organizer serve  the organizer's console in your browser, for the whole study:\n"
    "                  --dir DIR [--listen 127.0.0.1:PORT]\n"
    "  organizer init  create the organizer's signing key:   --dir DIR\n"
    "  study seal      validate a study and seal it for its parties:\n"
    "                  --organizer DIR --study STUDY.json --party P.pub.json... --out SEALED.json\n"
    "  tokens          participation tokens and links:\n"
    "                  --organizer DIR --study SEALED.json --count N --out tokens.csv\n"
    "  submit          submit answers from a CSV file (one per row) to every party:\n"
    "                  --study SEALED.json --csv FILE [--tokens tokens.csv]\n"
    "  compute         ask the parties to compute and release the study's statistics:\n"
    "                  --organizer DIR --study SEALED.json\n"
    "  report          download the released statistics:\n"
    "                  --organizer DIR --study SEALED.json [--xlsx F] [--csv F]\n"
    "\n"
    "Run 'mpc COMMAND --help' for details.\n";

static const char INIT_HELP[] =
    "usage: mpc organizer init --dir DIR\n"
    "\n"
    "Creates the organizer's signing key in DIR (organizer.key.json, mode 0600) and its\n"
    "public part (organizer.pub.json). The key seals studies and signs participation\n"
    "tokens; keep DIR private and backed up.\n";

static const char SEAL_HELP[] =
    "usage: mpc study seal --organizer DIR --study STUDY.json --party P.pub.json... --out "
    "SEALED.json\n"
    "\n"
    "Validates STUDY.json (mpc-study/1, docs/STUDY.md), adds the parties (their\n"
    "party.pub.json files, in order: the first is the leader) and the organizer's\n"
    "key, computes the study hash and signs it. Send SEALED.json to every party.\n";

static const char TOKENS_HELP[] =
    "usage: mpc tokens --organizer DIR --study SEALED.json --count N --out tokens.csv\n"
    "\n"
    "Writes N participation tokens for the sealed study to tokens.csv (header\n"
    "'token,link'); each link opens the form on the leader with the token and the\n"
    "study hash (after '#', so they are never sent to a server in the address).\n"
    "Give each contributor one link. Submitting again with the same link replaces\n"
    "the earlier answer.\n";

typedef struct options {
    const char *dir, *organizer, *study, *out;
    const char *parties[STUDY_MAX_PARTIES + 1];
    size_t num_parties;
    unsigned long count;
} options;

static int parse(int argc, char **argv, const char *help, options *o)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},   {"organizer", required_argument, NULL, 'o'},
        {"study", required_argument, NULL, 's'}, {"party", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'w'},   {"count", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    int ch, after_party = 0;
    char *end;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': o->dir = optarg; break;
        case 'o': o->organizer = optarg; break;
        case 's': o->study = optarg; break;
        case 'w': o->out = optarg; break;
        case 'p':
            if (o->num_parties > STUDY_MAX_PARTIES) {
                fprintf(stderr, "mpc: at most %d parties\n", STUDY_MAX_PARTIES);
                return -1;
            }
            o->parties[o->num_parties++] = optarg;
            after_party = 1;
            break;
        case 'n':
            errno = 0;
            o->count = strtoul(optarg, &end, 10);
            if (errno != 0 || *optarg == '\0' || *end != '\0' || o->count == 0 ||
                o->count > ORG_MAX_LINKS) {
                fprintf(stderr, "mpc: --count must be a number from 1 to %d\n", ORG_MAX_LINKS);
                return -1;
            }
            break;
        case 'h': fputs(help, stdout); return 1;
        default:
            fprintf(stderr, "mpc: unknown or incomplete option '%s'\n%s", argv[optind - 1], help);
            return -1;
        }
    }
    /* "--party A B C": the files after --party. */
    for (; optind < argc; optind++) {
        if (!after_party || o->num_parties > STUDY_MAX_PARTIES) {
            fprintf(stderr, "mpc: unexpected argument '%s'\n%s", argv[optind], help);
            return -1;
        }
        o->parties[o->num_parties++] = argv[optind];
    }
    return 0;
}

static int need(const char *value, const char *flag, const char *help)
{
    if (value != NULL)
        return 0;
    fprintf(stderr, "mpc: %s is required\n%s", flag, help);
    return -1;
}

static int cmd_organizer_init(int argc, char **argv)
{
    options o = {0};
    int rc = parse(argc, argv, INIT_HELP, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (need(o.dir, "--dir", INIT_HELP))
        return 2;
    char err[ERR_SIZE];
    if (keys_organizer_create(o.dir, err, sizeof err) != 0) {
        fprintf(stderr, "mpc: %s\n", err);
        return 1;
    }
    printf("Created the organizer's key in %s.\n"
           "  %s/%s  private (mode 0600): it seals studies and signs participation tokens\n"
           "WARNING: back up %s and keep it private. Anyone with this key can issue\n"
           "tokens for your studies; without it you cannot seal studies or issue tokens.\n",
           o.dir, o.dir, KEYS_ORGANIZER_KEY, o.dir);
    return 0;
}

static cJSON *read_json(const char *path, size_t max, char *err, size_t err_size)
{
    char *text;
    size_t len;
    if (fileio_read(path, max, &text, &len) != 0) {
        snprintf(err, err_size, "cannot read %s: %s", path,
                 errno == EFBIG ? "file too large" : strerror(errno));
        return NULL;
    }
    char why[256];
    if (safe_text_json(text, len, why, sizeof why) != 0) {
        snprintf(err, err_size, "%s: %s", path, why);
        free(text);
        return NULL;
    }
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    if (doc == NULL)
        snprintf(err, err_size, "%s is not valid JSON", path);
    return doc;
}

/* A party of the sealed study from its party.pub.json, distinct from
 * those before it (parties). */
static cJSON *party_entry(const char *path, const cJSON *parties, char *err, size_t err_size)
{
    char *text;
    size_t len;
    if (fileio_read(path, PARTY_FILE_MAX, &text, &len) != 0) {
        snprintf(err, err_size, "cannot read %s: %s", path,
                 errno == EFBIG ? "file too large" : strerror(errno));
        return NULL;
    }
    cJSON *entry = party_file_parse(text, len, path, err, err_size);
    free(text);
    char why[400];
    if (entry != NULL && party_file_distinct(parties, entry, why, sizeof why) != 0) {
        snprintf(err, err_size, "%s: %s", path, why);
        cJSON_Delete(entry);
        return NULL;
    }
    return entry;
}

static int write_text(const char *path, const char *text, char *err, size_t err_size)
{
    if (fileio_write(path, text, strlen(text), 0644, 0) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int cmd_seal(int argc, char **argv)
{
    options o = {0};
    int rc = parse(argc, argv, SEAL_HELP, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (need(o.organizer, "--organizer", SEAL_HELP) || need(o.study, "--study", SEAL_HELP) ||
        need(o.out, "--out", SEAL_HELP))
        return 2;
    if (o.num_parties < STUDY_MIN_PARTIES || o.num_parties > STUDY_MAX_PARTIES) {
        fprintf(stderr, "mpc: a study needs %d to %d parties (--party P.pub.json...), got %zu\n",
                STUDY_MIN_PARTIES, STUDY_MAX_PARTIES, o.num_parties);
        return 2;
    }
    char err[ERR_SIZE];
    organizer_keys k;
    cJSON *doc = NULL, *parties = cJSON_CreateArray();
    rc = 1;
    if (keys_organizer_load(o.organizer, &k, err, sizeof err) != 0)
        goto fail;
    if ((doc = read_json(o.study, STUDY_MAX_JSON, err, sizeof err)) == NULL)
        goto fail;
    for (size_t i = 0; i < o.num_parties; i++) {
        cJSON *p = party_entry(o.parties[i], parties, err, sizeof err);
        if (p == NULL)
            goto fail;
        cJSON_AddItemToArray(parties, p);
    }
    study *s = NULL;
    char *text = org_seal(&k, doc, parties, &s, err, sizeof err);
    parties = NULL; /* owned by doc now */
    if (text == NULL || write_text(o.out, text, err, sizeof err) != 0) {
        free(text);
        study_free(s);
        rc = 1;
        goto fail;
    }
    free(text);
    printf("Sealed %s for %zu parties into %s.\nStudy hash: %s\n\n"
           "Send %s to every party. Each party admin checks that their dashboard shows\n"
           "this hash before approving the plan.\n",
           o.study, o.num_parties, o.out,
           cJSON_GetObjectItemCaseSensitive(doc, "hash")->valuestring, o.out);
    /* The plan's last line: the threshold, the linked analyses, and that
     * more groups than the small ones may be withheld. */
    cJSON *plan = study_plan(s);
    const char *small = org_small_groups_line(plan);
    size_t n = small != NULL ? strlen(small) * 4 + 4 : 0;
    char *safe = n ? malloc(n) : NULL;
    if (safe != NULL)
        printf("\n%s\n", safe_text_escape(small, n / 4 - 1, safe, n));
    free(safe);
    cJSON_Delete(plan);
    study_free(s);
    const cJSON *access = cJSON_GetObjectItemCaseSensitive(doc, "access");
    if (cJSON_IsString(access) && strcmp(access->valuestring, "open") == 0)
        printf("\nThis study is open (no tokens): share this link to its form:\n  "
               "%s/submit#study=%s\n",
               cJSON_GetObjectItemCaseSensitive(
                   cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "parties"), 0), "url")
                   ->valuestring,
               cJSON_GetObjectItemCaseSensitive(doc, "hash")->valuestring);
    else
        printf("\nNext: mpc tokens --organizer %s --study %s --count N --out tokens.csv\n",
               o.organizer, o.out);
    rc = 0;
fail:
    if (rc != 0)
        fprintf(stderr, "mpc: %s\n", err);
    core_wipe(&k, sizeof k);
    cJSON_Delete(parties);
    cJSON_Delete(doc);
    return rc;
}

static int cmd_tokens(int argc, char **argv)
{
    options o = {0};
    int rc = parse(argc, argv, TOKENS_HELP, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (need(o.organizer, "--organizer", TOKENS_HELP) || need(o.study, "--study", TOKENS_HELP) ||
        need(o.out, "--out", TOKENS_HELP))
        return 2;
    if (o.count == 0) {
        fprintf(stderr, "mpc: --count is required\n%s", TOKENS_HELP);
        return 2;
    }
    char err[ERR_SIZE];
    organizer_keys k;
    study *s = NULL;
    char *csv = NULL;
    rc = 1;
    if (keys_organizer_load(o.organizer, &k, err, sizeof err) != 0 ||
        sealed_load(o.study, &s, NULL, err, sizeof err) != 0)
        goto done;
    if (memcmp(study_organizer_key(s), k.sign_pk, SIGN_PK_SIZE) != 0) {
        snprintf(err, sizeof err, "%s was sealed by another organizer key than the one in %s",
                 o.study, o.organizer);
        goto done;
    }
    if (study_access_open(s)) {
        snprintf(err, sizeof err, "%s is an open study (its access is open): it needs no tokens",
                 o.study);
        goto done;
    }
    if ((csv = org_links_csv(&k, s, o.count, NULL, err, sizeof err)) == NULL)
        goto done;
    if (write_text(o.out, csv, err, sizeof err) != 0)
        goto done;
    printf("Wrote %lu participation tokens to %s.\n"
           "Send each contributor one link; keep the file private: a token lets its holder "
           "submit.\n",
           o.count, o.out);
    rc = 0;
done:
    if (rc != 0)
        fprintf(stderr, "mpc: %s\n", err);
    core_wipe(&k, sizeof k);
    study_free(s);
    free(csv);
    return rc;
}

/* The command words: `mpc WORD [SUB] OPTIONS`. A word with sub-commands
 * alone, or with --help, lists them. */
static const char ORGANIZER_HELP[] =
    "usage: mpc organizer init --dir DIR\n"
    "       mpc organizer serve --dir DIR [--listen 127.0.0.1:PORT]\n"
    "\n"
    "Sub-commands:\n"
    "  init   create the organizer's signing key\n"
    "  serve  the organizer's console in your browser: the whole study, from writing it\n"
    "         to its report\n"
    "\n"
    "Run 'mpc organizer init --help' or 'mpc organizer serve --help' for details.\n";

static const char STUDY_HELP[] =
    "usage: mpc study seal --organizer DIR --study STUDY.json --party P.pub.json... --out "
    "SEALED.json\n"
    "\n"
    "Sub-commands:\n"
    "  seal  validate a study and seal it for its parties\n"
    "\n"
    "Run 'mpc study seal --help' for details.\n";

static const struct command {
    const char *word, *sub; /* sub NULL: a command of one word */
    int (*run)(int argc, char **argv);
    const char *group_help; /* words with sub-commands */
} COMMANDS[] = {
    {"organizer", "init", cmd_organizer_init, ORGANIZER_HELP},
    {"organizer", "serve", cmd_organizer_serve, ORGANIZER_HELP},
    {"study", "seal", cmd_seal, STUDY_HELP},
    {"tokens", NULL, cmd_tokens, NULL},
    {"submit", NULL, cmd_submit, NULL},
    {"compute", NULL, cmd_compute, NULL},
    {"report", NULL, cmd_report, NULL},
};

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *group_help = NULL;
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        const struct command *c = &COMMANDS[i];
        if (strcmp(argv[1], c->word) != 0)
            continue;
        if (c->sub == NULL)
            return c->run(argc - 1, argv + 1);
        if (argc >= 3 && strcmp(argv[2], c->sub) == 0)
            return c->run(argc - 2, argv + 2);
        group_help = c->group_help;
    }
    if (group_help != NULL) {
        if (argc >= 3 && is_help(argv[2])) {
            fputs(group_help, stdout);
            return 0;
        }
        if (argc < 3)
            fprintf(stderr, "mpc: '%s' needs a sub-command\n%s", argv[1], group_help);
        else
            fprintf(stderr, "mpc: unknown sub-command '%s %.60s'\n%s", argv[1], argv[2],
                    group_help);
        return 2;
    }
    fprintf(stderr, "mpc: unknown command '%.60s'\n%s", argv[1], USAGE);
    return 2;
}
