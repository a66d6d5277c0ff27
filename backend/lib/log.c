/*
 * log.c - see log.h.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "safe_text.h"

void log_msg(const char *level, const char *fmt, ...)
{
    char stamp[32], line[1024], safe[LOG_MAX_LINE];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One line per message, whatever a request put in it. */
    fprintf(stderr, "%s %s: %s\n", stamp, level,
            safe_text_escape(line, strlen(line), safe, sizeof safe));
}
