# Test helpers on the host or outside side (python3):
#   peer.py tcp-peer PORT          accept once, print the peer's address, answer "seen"
#   peer.py udp ADDR PORT TEXT     send TEXT, print the answer (3 s)
#   peer.py tcp ADDR PORT          connect, print what comes (3 s)
#   peer.py tcp-echo ADDR PORT N   send N bytes and half-close while reading the echo to its end;
#                                  print "echo N" if the same N bytes came back (10 s)
import os, socket, sys, threading
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
elif cmd == 'tcp-echo':
    data = os.urandom(int(sys.argv[4])); s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
    def send(): s.sendall(data); s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send); t.start(); got = bytearray()
    while (b := s.recv(65536)): got += b
    t.join(); print('echo', len(got) if bytes(got) == data else 'mismatch %d' % len(got))
