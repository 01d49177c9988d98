"""--web.config.file with real clients (curl, requests, Python's ssl): TLS, client
certificates, basic auth, extra headers, certificate rotation and SIGHUP reloads."""
import socket
import ssl
import subprocess

import pytest
import requests

from conftest import accepts_connections, wait_until
from web_security import Pki, SecureExporter, bcrypt_hash, sleeper, write_web_config  # noqa: F401


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def exporters():
    """exporters(exp): stopped at teardown, and checked to exit 0."""
    started = []
    yield started.append
    for exp in started:
        code, err = exp.stop()
        assert code == 0, f"exporter exited {code}: {err}"


def tls_config(pki, extra=""):
    return (f"tls_server_config:\n  cert_file: {pki.server_cert}\n"
            f"  key_file: {pki.server_key}\n{extra}")


def curl(*args):
    return subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                           "--max-time", "10", *args], capture_output=True, text=True,
                          timeout=20)


def test_https_scrape_and_plain_http_refused(pki, sleeper, exporters, tmp_path):
    cfg = write_web_config(tmp_path / "web.yml", tls_config(
        pki, "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
             "    Strict-Transport-Security: max-age=31536000\n"))
    exp = SecureExporter([sleeper], cfg, verify=pki.ca_cert)
    exporters(exp)
    exp.wait_ready()
    r = exp.get()
    assert r.status_code == 200
    assert "flask_ebpf_exporter_build_info" in r.text
    # http_server_config.headers on every answer, as the toolkit sets them.
    assert r.headers["X-Frame-Options"] == "deny"
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    # curl verifies the chain and the name against our CA.
    assert curl("--cacert", pki.ca_cert, exp.base + "/metrics").stdout == "200"
    # Plain HTTP to the TLS port: the connection ends, no answer, nothing served.
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{exp.port}/metrics", timeout=10)
    with socket.create_connection(("127.0.0.1", exp.port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(65536)
        assert b"flask_ebpf_exporter" not in data
    assert exp.rejections()["tls_handshake"] == 2
    assert exp.get().status_code == 200  # and it still serves


def handshake(port, version, cafile):
    """A TLS handshake pinned to one version; the negotiated version or the ssl error."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    ctx.minimum_version = ctx.maximum_version = version
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.1 above level 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.version()


@pytest.mark.parametrize("min_version,tls11_ok", [("TLS12", False), ("TLS10", True)])
def test_min_version(pki, sleeper, exporters, tmp_path, min_version, tls11_ok):
    """TLS 1.1 refused under min_version TLS12; the same client gets in under TLS10 (so
    the refusal is the server's doing, not the client's)."""
    cfg = write_web_config(tmp_path / "web.yml",
                           tls_config(pki, f"  min_version: {min_version}\n"))
    exp = SecureExporter([sleeper], cfg, verify=pki.ca_cert)
    exporters(exp)
    exp.wait_ready()
    assert handshake(exp.port, ssl.TLSVersion.TLSv1_2, pki.ca_cert) == "TLSv1.2"
    assert handshake(exp.port, ssl.TLSVersion.TLSv1_3, pki.ca_cert) == "TLSv1.3"
    if tls11_ok:
        assert handshake(exp.port, ssl.TLSVersion.TLSv1_1, pki.ca_cert) == "TLSv1.1"
    else:
        with pytest.raises(ssl.SSLError):
            handshake(exp.port, ssl.TLSVersion.TLSv1_1, pki.ca_cert)
        assert exp.rejections()["tls_handshake"] == 1


def test_max_version_and_ciphers(pki, sleeper, exporters, tmp_path):
    cfg = write_web_config(tmp_path / "web.yml", tls_config(
        pki, "  max_version: TLS12\n  cipher_suites:\n"
             "    - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n"))
    exp = SecureExporter([sleeper], cfg, verify=pki.ca_cert)
    exporters(exp)
    exp.wait_ready()
    ctx = ssl.create_default_context(cafile=pki.ca_cert)
    with socket.create_connection(("127.0.0.1", exp.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.version() == "TLSv1.2"
            assert tls.cipher()[0] == "ECDHE-ECDSA-AES256-GCM-SHA384"
    # A client that offers only another suite gets nowhere.
    ctx = ssl.create_default_context(cafile=pki.ca_cert)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    with pytest.raises(ssl.SSLError):
        with socket.create_connection(("127.0.0.1", exp.port), timeout=10) as raw:
            ctx.wrap_socket(raw, server_hostname="localhost")


def test_client_certificates(pki, sleeper, exporters, tmp_path):
    cfg = write_web_config(tmp_path / "web.yml", tls_config(
        pki, f"  client_auth_type: RequireAndVerifyClientCert\n"
             f"  client_ca_file: {pki.ca_cert}\n"))
    exp = SecureExporter([sleeper], cfg, verify=pki.ca_cert,
                         cert=(pki.client_cert, pki.client_key))
    exporters(exp)
    exp.wait_ready()
    assert exp.get().status_code == 200
    # No certificate: the handshake fails. In TLS 1.3 the client sends its certificate
    # after the server's Finished, so it may see the server's alert (SSLError) or only the
    # connection closing when it reads the answer (ConnectionError, SSLError's parent):
    # either way, no answer.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(exp.base + "/metrics", verify=pki.ca_cert, timeout=10)
    assert curl("--cacert", pki.ca_cert, exp.base + "/metrics").stdout == "000"
    # A certificate from another CA: refused in the handshake too.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(exp.base + "/metrics", verify=pki.ca_cert, timeout=10,
                     cert=(pki.stranger_cert, pki.stranger_key))
    assert curl("--cacert", pki.ca_cert, "--cert", pki.client_cert, "--key", pki.client_key,
                exp.base + "/metrics").stdout == "200"
    assert exp.rejections()["client_cert"] == 3


def test_client_allowed_sans(pki, sleeper, exporters, tmp_path):
    cfg = write_web_config(tmp_path / "web.yml", tls_config(
        pki, f"  client_auth_type: RequireAndVerifyClientCert\n"
             f"  client_ca_file: {pki.ca_cert}\n"
             f"  client_allowed_sans: [prometheus.example]\n"))
    exp = SecureExporter([sleeper], cfg, verify=pki.ca_cert,
                         cert=(pki.client_cert, pki.client_key))
    exporters(exp)
    wait_until(lambda: accepts_connections(exp.port), 20, "the exporter's port")
    # The CA's client certificate names scraper.example only: refused (SSLError or, in
    # TLS 1.3, the connection closing: see test_client_certificates).
    with pytest.raises(requests.exceptions.ConnectionError):
        exp.get()
    cfg2 = write_web_config(tmp_path / "web.yml", tls_config(
        pki, f"  client_auth_type: RequireAndVerifyClientCert\n"
             f"  client_ca_file: {pki.ca_cert}\n"
             f"  client_allowed_sans: [prometheus.example, scraper.example]\n"))
    assert cfg2 == cfg
    exp.sighup()
    exp.wait_ready()
    assert exp.get().status_code == 200


def test_basic_auth(pki, sleeper, exporters, tmp_path):
    """The toolkit's behaviour: every path, /-/healthy and /-/ready included, asks for the
    credentials."""
    cfg = write_web_config(tmp_path / "web.yml",
                           f"basic_auth_users:\n  alice: '{bcrypt_hash('wonderland')}'\n"
                           "  bob: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/"
                           "LDeSi\n")
    exp = SecureExporter([sleeper], cfg, scheme="http", auth=("alice", "wonderland"))
    exporters(exp)
    exp.wait_ready()
    for path in ("/metrics", "/-/healthy", "/-/ready", "/"):
        r = requests.get(exp.base + path, timeout=10)
        assert r.status_code == 401, path
        assert r.headers["WWW-Authenticate"].startswith("Basic ")
        assert requests.get(exp.base + path, auth=("alice", "Wonderland"),
                            timeout=10).status_code == 401
        assert exp.get(path).status_code == 200, path
    # The toolkit's own example hash ($2y$, cost 10) works as it is.
    assert requests.get(exp.base + "/metrics", auth=("bob", "fakepassword"),
                        timeout=10).status_code == 200
    assert requests.get(exp.base + "/metrics", auth=("carol", "wonderland"),
                        timeout=10).status_code == 401
    assert curl("-u", "alice:wonderland", exp.base + "/metrics").stdout == "200"
    assert curl("-u", "alice:nope", exp.base + "/metrics").stdout == "401"
    assert exp.rejections()["unauthorized"] == 10


def test_tls_and_auth_together_and_users_reload(pki, sleeper, exporters, tmp_path):
    path = tmp_path / "web.yml"
    write_web_config(path, tls_config(pki) +
                     f"basic_auth_users:\n  alice: '{bcrypt_hash('one')}'\n")
    exp = SecureExporter([sleeper], path, verify=pki.ca_cert, auth=("alice", "one"))
    exporters(exp)
    exp.wait_ready()
    assert exp.get().status_code == 200
    # New password on disk: nothing changes until SIGHUP.
    write_web_config(path, tls_config(pki) +
                     f"basic_auth_users:\n  alice: '{bcrypt_hash('two')}'\n")
    assert exp.get().status_code == 200
    exp.sighup()
    exp.wait_reloads(1, auth=("alice", "two"))
    assert exp.get().status_code == 401
    exp.session.auth = ("alice", "two")
    assert exp.get().status_code == 200
    # A broken file on SIGHUP: the old settings stay, the log says why.
    write_web_config(path, tls_config(pki) + "basic_auth_users:\n  alice: plaintext\n")
    exp.sighup()
    exp.wait_reloads(2)
    r = exp.get()
    assert r.status_code == 200
    assert 'flask_ebpf_exporter_web_config_reloads_total{result="failure"} 1.0' in r.text
    assert 'flask_ebpf_exporter_web_config_reloads_total{result="success"} 1.0' in r.text
    code, err = exp.stop()
    assert code == 0
    assert (f"web config not reloaded, keeping the settings in force: {path}:"
            f"5: basic_auth_users.alice: not a bcrypt hash") in err


def served_serial(port, cafile):
    """The serial number of the certificate the server presents now."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert()["serialNumber"]


def test_certificate_rotation(pki, sleeper, exporters, tmp_path):
    """cert-manager or a Secret update replaces the files: the next handshake presents the
    new certificate, without a restart or a signal."""
    cert, key = pki.issue("rot1", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
                          str(tmp_path / "tls.crt"), str(tmp_path / "tls.key"))
    cfg = write_web_config(tmp_path / "web.yml",
                           "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n")
    exp = SecureExporter([sleeper], cfg, verify=pki.ca_cert)
    exporters(exp)
    exp.wait_ready()
    first = served_serial(exp.port, pki.ca_cert)
    # A keep-alive connection opened before the rotation stays usable.
    assert exp.get().status_code == 200
    pki.issue("rot2", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n", cert, key)
    second = served_serial(exp.port, pki.ca_cert)
    assert second != first
    assert exp.get().status_code == 200
    # A half-written rotation (a certificate whose key is not there yet) keeps the old pair.
    with open(cert, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\ntruncated\n")
    assert served_serial(exp.port, pki.ca_cert) == second
    r = exp.get()
    assert 'flask_ebpf_exporter_tls_certificate_reloads_total{result="success"} 1.0' in r.text
    assert 'flask_ebpf_exporter_tls_certificate_reloads_total{result="failure"} 1.0' in r.text
    code, err = exp.stop()
    assert "TLS: keeping the old certificate:" in err
    assert "tls_server_config.cert_file: not a PEM certificate chain" in err


def test_verify_client_cert_if_given(pki, sleeper, exporters, tmp_path):
    """No certificate is fine; a certificate is verified when sent."""
    cfg = write_web_config(tmp_path / "web.yml", tls_config(
        pki, f"  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: {pki.ca_cert}\n"))
    exp = SecureExporter([sleeper], cfg, verify=pki.ca_cert)
    exporters(exp)
    exp.wait_ready()
    assert exp.get().status_code == 200
    assert requests.get(exp.base + "/metrics", verify=pki.ca_cert, timeout=10,
                        cert=(pki.client_cert, pki.client_key)).status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):  # see test_client_certificates
        requests.get(exp.base + "/metrics", verify=pki.ca_cert, timeout=10,
                     cert=(pki.stranger_cert, pki.stranger_key))
    assert exp.rejections()["client_cert"] == 1


def test_rate_limit(sleeper, exporters, tmp_path):
    """rate_limit: a burst of 3, then one request per 10 s: the fourth quick one gets 429."""
    cfg = write_web_config(tmp_path / "web.yml", "rate_limit: {interval: 10s, burst: 3}\n")
    exp = SecureExporter([sleeper], cfg, scheme="http")
    exporters(exp)
    wait_until(lambda: accepts_connections(exp.port), 20, "the exporter's port")
    codes = [exp.get("/-/healthy").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
