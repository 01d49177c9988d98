"""Helpers of the endpoint-security tests: a throw-away PKI made with the openssl CLI at test
time, bcrypt hashes from libcrypt (the library the exporter checks them with), and the
exporter started with a --web.config.file, scraped with the right certificates and
credentials."""
import os
import signal
import subprocess
import warnings

import pytest
import requests

from conftest import FEE_BIN, READY_SECONDS, free_port, series, stop_process, wait_until

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python 3.11 still has it: libcrypt's crypt(3)


def bcrypt_hash(password, cost=4):
    """A $2b$ hash (cost 4 keeps tests fast; the exporter accepts 04 to 31)."""
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** cost))


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


class Pki:
    """A CA, a server certificate for localhost/127.0.0.1 and client certificates: one from
    the CA, one self-signed by a stranger. EC P-256 keys: quick to make."""

    def __init__(self, directory):
        self.dir = str(directory)
        self.ca_cert, self.ca_key = self.path("ca.crt"), self.path("ca.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "1", "-subj", "/CN=test CA", "-keyout", self.ca_key,
                "-out", self.ca_cert)
        self.server_cert, self.server_key = self.issue(
            "server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
            "extendedKeyUsage=serverAuth\n")
        self.client_cert, self.client_key = self.issue(
            "client", "scraper", "subjectAltName=DNS:scraper.example\n"
            "extendedKeyUsage=clientAuth\n")
        self.stranger_cert, self.stranger_key = self.path("stranger.crt"), self.path(
            "stranger.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "1", "-subj", "/CN=scraper", "-addext",
                "extendedKeyUsage=clientAuth", "-keyout", self.stranger_key, "-out",
                self.stranger_cert)

    def path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, cn, extensions, cert_path=None, key_path=None):
        """A key and a certificate signed by the CA; written to cert_path/key_path (by
        rename, as a Secret update does) when given."""
        key, csr, ext = self.path(name + ".key.new"), self.path(name + ".csr"), self.path(
            name + ".ext")
        cert = self.path(name + ".crt.new")
        with open(ext, "w") as f:
            f.write(extensions)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", f"/CN={cn}", "-keyout", key, "-out", csr)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                "-CAcreateserial", "-days", "1", "-out", cert, "-extfile", ext)
        cert_path = cert_path or self.path(name + ".crt")
        key_path = key_path or self.path(name + ".key")
        os.rename(key, key_path)
        os.rename(cert, cert_path)
        return cert_path, key_path


@pytest.fixture
def sleeper():
    """A process to attach to, for tests about the endpoint rather than the app."""
    proc = subprocess.Popen(["sleep", "300"])
    yield proc.pid
    proc.kill()
    proc.wait()


def write_web_config(path, text):
    with open(path, "w") as f:
        f.write(text)
    return str(path)


class SecureExporter:
    """The exporter with a web config; `session` scrapes it the way its clients must."""

    def __init__(self, pids, web_config, scheme="https", verify=None, cert=None, auth=None,
                 extra_args=()):
        self.port = free_port()
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.session = requests.Session()
        # Per request, not on the session: a session's verify loses to REQUESTS_CA_BUNDLE
        # from the environment (requests issue 3829).
        self.verify = verify if verify is not None else False
        self.session.cert = cert
        self.session.auth = auth
        args = [FEE_BIN, "--listen", f"127.0.0.1:{self.port}",
                "--web.config.file", str(web_config), *extra_args]
        for pid in pids:
            args += ["--pid", str(pid)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def get(self, path="/metrics", **kw):
        return self.session.get(self.base + path, timeout=10, verify=self.verify, **kw)

    def ready(self):
        try:
            return self.get("/-/ready").status_code == 200
        except requests.RequestException:
            return False

    def wait_ready(self, timeout=READY_SECONDS):
        wait_until(lambda: self.ready() or self.proc.poll() is not None, timeout,
                   "the exporter's /-/ready")
        if self.proc.poll() is not None:
            raise AssertionError(f"exporter exited with {self.proc.returncode}: "
                                 f"{self.proc.stderr.read().decode()}")

    def rejections(self):
        """{reason: count} from the exporter's own self-metric."""
        out = {}
        for line in self.get().text.splitlines():
            prefix = "flask_ebpf_exporter_endpoint_rejections_total{reason=\""
            if line.startswith(prefix):
                reason, value = line[len(prefix):].split("\"} ")
                out[reason] = float(value)
        return out

    def sighup(self):
        """Asks for a re-read of the web config: wait_reloads() says when it is done."""
        self.proc.send_signal(signal.SIGHUP)

    def wait_reloads(self, n, auth=None):
        """Until the exporter has re-read its web config n times in all, failed or not
        (its reloads counter, scraped with `auth`: by default the session's credentials)."""
        def reloaded():
            try:
                r = self.get(auth=auth)
            except requests.RequestException:
                return False
            return (r.status_code == 200 and
                    sum(series(r.text, "flask_ebpf_exporter_web_config_reloads_total")
                        .values()) >= n)
        wait_until(reloaded, 10, f"the web config re-read {n} times")

    def stop(self):
        code = stop_process(self.proc, timeout=20)
        return code, self.proc.stderr.read().decode()
