/* udp_harness.h: a UDP socket on 127.0.0.1 at a port the kernel picks, and
 * a bounded receive, for the unit tests that play a SIP peer (pv_harness.h,
 * tm_harness.h, rt_core_test.c).  Exits the test when the socket cannot be
 * had. */
#ifndef ROUTEC_UDP_HARNESS_H
#define ROUTEC_UDP_HARNESS_H

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static int udp_bound(int *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0) {
		perror("udp socket");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* One datagram within ms, NUL-terminated: its length, or -1. */
static int recv_within(int fd, char *buf, int cap, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return -1;
	ssize_t n = recv(fd, buf, (size_t)cap - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

#endif
