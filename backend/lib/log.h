/*
 * log.h - one-line log messages on stderr with a UTC timestamp. Callers
 * never pass secrets, tokens or submission contents.
 */
#ifndef MPC_LOG_H
#define MPC_LOG_H

void log_msg(const char *level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#define log_info(...) log_msg("info", __VA_ARGS__)
#define log_warn(...) log_msg("warning", __VA_ARGS__)
#define log_error(...) log_msg("error", __VA_ARGS__)

#endif
