/*
 * mpc.h - the subcommands of mpc, one per file beyond main.c.
 */
#ifndef MPC_MPC_H
#define MPC_MPC_H

/* mpc submit (submit.c). argv[0] is "submit". Returns the exit status. */
int cmd_submit(int argc, char **argv);

#endif
