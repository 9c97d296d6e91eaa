#!/usr/bin/env python3
"""raw.py: send one datagram exactly as given and print the answer.

    raw.py unix SOCKET_PATH [--data TEXT | --hex HEX | --file F | --size N]
    raw.py udp HOST PORT [--from IP] [--data TEXT | --hex HEX | --file F | --size N]
    raw.py stale SOCKET_PATH      (bind a unix socket there and exit: a stale file)
    raw.py serve SOCKET_PATH [--mute]
                                  (a fake proxy: print the one request it gets,
                                   answer "result": true unless --mute)

--size N sends a valid-looking request padded to N bytes.  Prints the
answer, or the line "NO REPLY" when none comes within --wait seconds (2).
For the malformed-input and access tests of tests/rpc/run.sh, which need
bytes no well-behaved client sends.
"""
import os
import socket
import sys


def main():
    a = sys.argv[1:]
    if a and a[0] == "serve":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(a[1])
        s.settimeout(10)
        data, peer = s.recvfrom(1 << 20)
        sys.stdout.write(data.decode() + "\n")
        sys.stdout.flush()
        if "--mute" not in a:
            s.sendto(b'{"jsonrpc":"2.0","result":true,"id":1}', peer)
        else:
            s.settimeout(5)
            try:
                s.recvfrom(1)
            except socket.timeout:
                pass
        os.unlink(a[1])
        return
    opts = {"--data": None, "--hex": None, "--file": None, "--size": None, "--from": None, "--wait": "2"}
    pos = []
    i = 0
    while i < len(a):
        if a[i] in opts:
            opts[a[i]] = a[i + 1]
            i += 2
        else:
            pos.append(a[i])
            i += 1
    if pos[0] == "stale":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(pos[1])
        os._exit(0)  # no close, no unlink: the file stays, nobody behind it
    if opts["--size"]:
        n = int(opts["--size"])
        head = b'{"jsonrpc":"2.0","method":"core.version","params":["'
        tail = b'"],"id":1}'
        data = head + b"x" * max(0, n - len(head) - len(tail)) + tail
    elif opts["--file"]:
        with open(opts["--file"], "rb") as f:
            data = f.read()
    elif opts["--hex"]:
        data = bytes.fromhex(opts["--hex"])
    else:
        data = (opts["--data"] or "").encode()
    if pos[0] == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind("\0routec-test-%d" % os.getpid())
        s.sendto(data, pos[1])
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((opts["--from"] or "127.0.0.1", 0))
        s.sendto(data, (pos[1], int(pos[2])))
    s.settimeout(float(opts["--wait"]))
    try:
        sys.stdout.write(s.recv(1 << 20).decode("utf-8", "replace") + "\n")
    except socket.timeout:
        print("NO REPLY")


main()
