/* rxturn.h: whose turn it is to wait on a socket the workers share.
 *
 * With one socket read by several workers, every worker used to sleep in
 * recvmmsg on it.  The kernel wakes one sleeper per datagram, so two
 * datagrams arriving together (a UAS's 100 and 200, a caller's ACK and BYE)
 * woke two workers: the second often found the first had taken both, or
 * both handled one message each of the same transaction and met on its
 * lock.  Now one worker waits on the socket and the others wait here, in
 * standby; a datagram wakes one worker, which takes what arrived with it in
 * the same recvmmsg.
 *
 * A standby is called to the socket when the receiver has work for two: its
 * batch was large (RT_RX_CALL_N datagrams) or it came back for more without
 * sleeping, or one batch has kept it busy for RT_RX_CALL_US.  A script that
 * blocks (a slow query) cannot leave the socket unread for long either: a
 * standby looks every RT_RX_LOOK_MS and goes to the socket itself when
 * nobody waits there.  A worker that is done goes back to the socket unless
 * somebody already waits there; then it takes standby.  So under load every
 * worker reads, and when the load drops they fall back to one.
 *
 * The workers hold no turn with several sockets (epoll) or with a socket
 * each (SO_REUSEPORT): rt_rx_setup says so. */
#ifndef ROUTEC_RXTURN_H
#define ROUTEC_RXTURN_H

#define RT_RX_CALL_N  8    /* datagrams in one batch that call a standby */
#define RT_RX_CALL_US 1000 /* time in one batch that calls a standby */
#define RT_RX_LOOK_MS 200  /* how often a standby looks at the socket */

/* Turns for n workers sharing one socket (on = 0: no turns, everyone reads). */
void rt_rx_setup(int n, int on);
/* Wakes every standby (the workers are stopping) and ends the turns. */
void rt_rx_end(void);

/* 1 if a worker about to sleep on the socket should take standby instead
 * (somebody already waits there). */
int rt_rx_should_stand_by(void);
/* Standby: until called, or RT_RX_LOOK_MS. */
void rt_rx_stand_by(void);

/* Around the blocking receive: the worker waits on the socket. */
void rt_rx_wait_begin(void);
void rt_rx_wait_end(void);

/* The receiver has work for two: call one standby to the socket, unless
 * somebody waits there already or nobody stands by.  Once a batch is enough. */
void rt_rx_call_help(void);


#endif
