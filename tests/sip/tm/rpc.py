#!/usr/bin/env python3
"""tests/sip/tm/rpc.py: one JSON-RPC call over UDP, as Kamailio's jsonrpcs
(dgram_socket "udp:IP:PORT") and routec's control socket answer it.

usage: rpc.py IP:PORT METHOD [PARAM]...   prints the "result" as one line of JSON
       rpc.py IP:PORT METHOD --get KEY    prints only result[KEY]
Exit 0 on a result, 1 on an error answer, no answer within 2 s (tried 3
times) or an answer that is not JSON; 2 on a usage error."""
import json
import socket
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    host, _, port = argv[1].rpartition(":")
    if not host.startswith("127.") or not port.isdigit():
        print("rpc.py: a loopback IP:PORT is required", file=sys.stderr)
        return 2
    params, key = [], None
    rest = argv[3:]
    while rest:
        if rest[0] == "--get" and len(rest) > 1:
            key = rest[1]
            rest = rest[2:]
        else:
            params.append(rest[0])
            rest = rest[1:]
    req = json.dumps({"jsonrpc": "2.0", "method": argv[2], "params": params, "id": 1})
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2.0)
    for _ in range(3):
        s.sendto(req.encode(), (host, int(port)))
        try:
            data, _ = s.recvfrom(65536)
            break
        except socket.timeout:
            continue
    else:
        print("rpc.py: no answer from %s to %s" % (argv[1], argv[2]), file=sys.stderr)
        return 1
    try:
        ans = json.loads(data.decode())
    except ValueError:
        print("rpc.py: not JSON: %r" % data[:200], file=sys.stderr)
        return 1
    if "result" not in ans:
        print("rpc.py: error answer: %s" % json.dumps(ans.get("error", ans)), file=sys.stderr)
        return 1
    res = ans["result"]
    if key is not None:
        if not isinstance(res, dict) or key not in res:
            print("rpc.py: no %r in %s" % (key, json.dumps(res)), file=sys.stderr)
            return 1
        res = res[key]
    print(json.dumps(res, sort_keys=True) if not isinstance(res, (str, int)) else res)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
