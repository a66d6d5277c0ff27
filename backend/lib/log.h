/*
 * log.h - one-line log messages on stderr with a UTC timestamp. Callers
 * never pass secrets, tokens or submission contents. What they pass may
 * come from a request (a path, a method): control bytes and invalid UTF-8
 * are written as \xNN (wasm/core/safe_text.h) and a message is cut at
 * LOG_MAX_LINE bytes, so no request can forge a log line.
 */
#ifndef MPC_LOG_H
#define MPC_LOG_H

#define LOG_MAX_LINE 1024

void log_msg(const char *level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#define log_info(...) log_msg("info", __VA_ARGS__)
#define log_warn(...) log_msg("warning", __VA_ARGS__)
#define log_error(...) log_msg("error", __VA_ARGS__)

#endif
