"""nginx for the end-to-end tier: one worker, `return 200` at /, 404 at /nope, static files
(sent with sendfile) at /static/, config and logs in a directory of the test's own."""
import os
import subprocess

import requests

from conftest import free_port, stop_process, wait_until


class Nginx:
    """nginx, one worker: `return 200` at /, 404 at /nope, static files (sendfile) at /static/."""

    def __init__(self, workdir, access_log=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        static = os.path.join(workdir, "static")
        os.makedirs(static)
        with open(os.path.join(static, "blob.bin"), "wb") as f:
            f.write(os.urandom(256 * 1024))
        conf = os.path.join(workdir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
user root;
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {access_log or "off"};
    client_body_temp_path {workdir}/body;
    sendfile on;
    server {{
        listen 127.0.0.1:{self.port};
        location / {{ return 200 "ok\\n"; }}
        location = /nope {{ return 404; }}
        location /static/ {{ root {workdir}; }}
    }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", workdir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: _answers(self.base + "/") or self.proc.poll() is not None, 20,
                       "nginx")
            assert self.proc.poll() is None, "nginx exited"
        except BaseException:
            stop_process(self.proc)
            raise

    @property
    def pid(self):
        return self.proc.pid


def _answers(url):
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False
