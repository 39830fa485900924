#!/usr/bin/python3
# A small HTTP server for the pull tests and the pull bench: serves DIR on 127.0.0.1 only, on a
# port the kernel picks, which it writes to PORTFILE once it listens. Options:
#   --stall-after=N   send the first N bytes of a larger file, then nothing (until the client
#                     goes): a download that hangs midway
#   --rate=BYTES      at most BYTES per second for each response
#   --log=FILE        one line per request: "METHOD PATH STATUS"
#   --redirect=FROM:TO  a 302 from path FROM to the URL TO
import argparse
import http.server
import os
import socketserver
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("portfile")
ap.add_argument("--stall-after", type=int, default=None)
ap.add_argument("--rate", type=int, default=None)
ap.add_argument("--log", default=None)
ap.add_argument("--redirect", action="append", default=[])
args = ap.parse_args()
redirects = dict(r.split(":", 1) for r in args.redirect)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def note(self, status):
        if args.log:
            with open(args.log, "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path, status))

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path in redirects:
            self.note(302)
            self.send_response(302)
            self.send_header("Location", redirects[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        full = os.path.join(args.dir, path.lstrip("/"))
        if ".." in path.split("/") or not os.path.isfile(full):
            self.note(404)
            body = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        size = os.path.getsize(full)
        self.note(200)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        sent, start = 0, time.monotonic()
        with open(full, "rb") as f:
            while True:
                chunk = f.read(64 * 1024)
                if not chunk:
                    break
                if args.stall_after is not None and sent + len(chunk) > args.stall_after:
                    chunk = chunk[: max(0, args.stall_after - sent)]
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    # hang until the client goes away
                    while True:
                        time.sleep(0.2)
                        try:
                            self.connection.setblocking(False)
                            if self.connection.recv(1) == b"":
                                return
                        except BlockingIOError:
                            pass
                        except OSError:
                            return
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
                sent += len(chunk)
                if args.rate:
                    ahead = sent / args.rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
tmp = args.portfile + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(tmp, args.portfile)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
