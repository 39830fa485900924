# Test helpers on the host or outside side (python3):
#   peer.py tcp-peer PORT          accept once, print the peer's address, answer "seen"
#   peer.py udp ADDR PORT TEXT     send TEXT, print the answer (3 s)
#   peer.py tcp ADDR PORT          connect, print what comes (3 s)
import socket, sys
cmd = sys.argv[1]
def fam(a): return socket.AF_INET6 if ':' in a else socket.AF_INET
if cmd == 'tcp-peer':
    s = socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('::', int(sys.argv[2]))); s.listen(1)
    print('listening', flush=True)
    c, a = s.accept(); c.sendall(b'seen\n'); print(a[0].removeprefix('::ffff:'), flush=True)
elif cmd == 'udp':
    s = socket.socket(fam(sys.argv[2]), socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3]))); print(s.recv(100).decode())
elif cmd == 'tcp':
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=3); print(s.recv(100).decode().strip())
