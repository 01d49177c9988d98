"""nginx for the end-to-end tier: one worker, `return 200` at /, 404 at /nope, static files
(sent with sendfile) at /static/, optionally HTTPS on a second port; config and logs in a
directory of the test's own."""
import os
import subprocess

from conftest import answers, free_port, stop_process, wait_until

CONF = """
user root;
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {access_log};
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    sendfile on;
    server {{
        {listen}
        location / {{ return 200 "ok\\n"; }}
        location = /nope {{ return 404; }}
        location /static/ {{ root {dir}; }}
    }}
}}
"""


def nginx_command(workdir, port=None, tls_port=None, tls_cert=None, access_log=None):
    """Writes the config (plain HTTP on port, HTTPS with tls_cert on tls_port, either or both)
    and returns the command that runs nginx in the foreground."""
    static = os.path.join(workdir, "static")
    os.makedirs(static, exist_ok=True)
    with open(os.path.join(static, "blob.bin"), "wb") as f:
        f.write(os.urandom(256 * 1024))
    listen = []
    if port:
        listen.append(f"listen 127.0.0.1:{port};")
    if tls_port:
        listen += [f"listen 127.0.0.1:{tls_port} ssl;", f"ssl_certificate {tls_cert.cert};",
                   f"ssl_certificate_key {tls_cert.key};"]
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(dir=workdir, access_log=access_log or "off",
                            listen="\n        ".join(listen)))
    return ["nginx", "-c", conf, "-p", workdir]


class Nginx:
    """nginx, one worker, started and answering: plain HTTP at `base` (= `http`) unless
    plain=False, HTTPS at `https` when given a tls_cert."""

    def __init__(self, workdir, access_log=None, tls_cert=None, plain=True):
        self.port = free_port() if plain else None
        tls_port = free_port() if tls_cert else None
        self.http = self.base = f"http://127.0.0.1:{self.port}" if plain else None
        self.https = f"https://127.0.0.1:{tls_port}" if tls_cert else None
        command = nginx_command(workdir, self.port, tls_port, tls_cert, access_log)
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        probe = (self.https or self.base) + "/"
        try:
            wait_until(lambda: answers(probe, 200) or self.proc.poll() is not None, 20, "nginx")
            assert self.proc.poll() is None, f"nginx exited with {self.proc.returncode}"
        except BaseException:
            stop_process(self.proc)
            raise

    @property
    def pid(self):
        return self.proc.pid
