/*
 * listen.h - the address a server listens on (--listen HOST:PORT, an IPv6
 * address in brackets), for the party's server and the organizer's
 * console.
 */
#ifndef MPC_LISTEN_H
#define MPC_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

/* Resolves listen into *sa (*v6: an IPv6 address). 0, or -1 with err. */
int listen_resolve(const char *listen, struct sockaddr_storage *sa, int *v6, char *err,
                   size_t err_size);

/* 1 if sa is a loopback address (127.0.0.0/8 or ::1), else 0. */
int listen_is_loopback(const struct sockaddr_storage *sa);

#endif
