import socket, struct, sys
addr, answer = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 53))
while True:
    q, c = s.recvfrom(512)
    end = 12
    while q[end]: end += q[end] + 1
    qtype = struct.unpack('>H', q[end+1:end+3])[0]
    hdr = q[:2] + b'\x81\x80' + q[4:6] + (b'\0\1' if qtype == 1 else b'\0\0') + b'\0\0\0\0'
    body = q[12:end+5]
    if qtype == 1: body += b'\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4' + socket.inet_aton(answer)
    s.sendto(hdr + body, c)
