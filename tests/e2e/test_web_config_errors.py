"""Bad web config files: each documented error, with file and line, and exit status 2 —
from --check-config and from a normal start alike (before any probe is loaded)."""
import subprocess

import pytest

from conftest import FEE_BIN
from web_security import Pki, bcrypt_hash, write_web_config


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


def run(*args):
    return subprocess.run([FEE_BIN, "--pid", "1", "--listen", "127.0.0.1:0", *args],
                          capture_output=True, text=True, timeout=60)


CASES = [
    ("tls_server_config:\n  cert_file: {cert}\n",
     "{file}:2: tls_server_config: missing one of key or key_file"),
    ("tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n  client_auth_type: Always\n",
     "{file}:4: tls_server_config.client_auth_type: unknown client_auth_type 'Always'"),
    ("tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n  min_version: SSL3\n",
     "{file}:4: tls_server_config.min_version: unknown TLS version 'SSL3'"),
    ("tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
     "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
     "{file}:4: tls_server_config.cipher_suites[0]: unknown cipher 'TLS_RSA_WITH_RC4_128_SHA'"),
    ("tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n  client_ca_file: {ca}\n",
     "{file}:2: tls_server_config: client CA's have been configured without a Client Auth "
     "Policy"),
    ("tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: {key}\n",
     "{file}:2: tls_server_config.cert_file: cannot read /nonexistent.crt: No such file or "
     "directory"),
    ("tls_server_config:\n  cert_file: {cert}\n  key_file: {other_key}\n",
     "{file}:3: tls_server_config.key_file: the key does not match the certificate"),
    ("tls_server_config:\n  cert_file: {key}\n  key_file: {key}\n",
     "{file}:2: tls_server_config.cert_file: not a PEM certificate chain"),
    ("basic_auth_users:\n  alice: hunter2\n",
     "{file}:2: basic_auth_users.alice: not a bcrypt hash"),
    ("http_server_config:\n  headers:\n    Server: nginx\n",
     "{file}:3: http_server_config.headers.Server: HTTP header Server can not be configured"),
    ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
     "{file}:3: http_server_config.headers.X-Frame-Options: invalid value 'allow'"),
    ("tls_config:\n  cert_file: {cert}\n",
     "{file}:1: tls_config: unknown key (known: tls_server_config, http_server_config, "
     "basic_auth_users, rate_limit)"),
    ("basic_auth_users: [alice]\n",
     "{file}:1: basic_auth_users: expected a mapping (key: value), got a list"),
    ("rate_limit: {{interval: 1s, burst: 0}}\n",
     "{file}:1: rate_limit: burst must be at least 1 when interval is set"),
]


@pytest.mark.parametrize("yaml,message", CASES)
def test_bad_web_config(pki, tmp_path, yaml, message):
    path = str(tmp_path / "web.yml")
    values = dict(cert=pki.server_cert, key=pki.server_key, ca=pki.ca_cert,
                  other_key=pki.client_key, file=path)
    write_web_config(path, yaml.format(**values))
    expected = message.format(**values)
    for args in (["--check-config"], []):
        r = run("--web.config.file", path, *args)
        assert r.returncode == 2, (args, r.stderr)
        assert expected in r.stderr, (args, r.stderr)


def test_missing_web_config_file(tmp_path):
    r = run("--web.config.file", str(tmp_path / "nope.yml"), "--check-config")
    assert r.returncode == 2
    assert f"{tmp_path}/nope.yml: cannot read: No such file or directory" in r.stderr


def test_good_web_config_checks(pki, tmp_path):
    """--check-config reads the certificates too, and says the file is fine; the YAML key
    web_config_file does the same as the flag."""
    web = write_web_config(tmp_path / "web.yml",
                           f"tls_server_config:\n  cert_file: {pki.server_cert}\n"
                           f"  key_file: {pki.server_key}\n"
                           f"basic_auth_users:\n  alice: '{bcrypt_hash('x')}'\n")
    r = run("--web.config.file", web, "--check-config")
    assert r.returncode == 0, r.stderr
    cfg = write_web_config(tmp_path / "exporter.yml",
                           f"web_config_file: {web}\nweb_limits:\n  max_connections: 64\n"
                           "  request_timeout: 5s\n")
    r = run("--config", cfg, "--check-config")
    assert r.returncode == 0, r.stderr
    bad = write_web_config(tmp_path / "bad.yml", "web_limits:\n  max_conections: 64\n")
    r = run("--config", bad, "--check-config")
    assert r.returncode == 2
    assert (f"{bad}:2: web_limits.max_conections: unknown limit 'max_conections' (one of "
            "max_connections, idle_timeout, request_timeout, max_header_bytes, max_names)"
            in r.stderr)
    r = run("--web.max-connections", "0", "--check-config")
    assert r.returncode == 2
    assert "--web.max-connections: expected a number from 1 to 65536, got '0'" in r.stderr


@pytest.mark.parametrize("doc", ["README.md", "docs/securing-the-endpoint.md"])
def test_documented_web_config_is_valid(pki, tmp_path, doc):
    """The first web config example of the README and of the long doc passes
    --check-config, with this test's certificates in place of the example's paths."""
    import os
    import re
    from conftest import REPO
    with open(os.path.join(REPO, doc), encoding="utf-8") as f:
        text = f.read()
    example = re.search(r"```yaml\n(tls_server_config:.*?|# web.yml\n.*?)```", text,
                        re.S).group(1)
    example = (example.replace("/etc/fee/tls/tls.crt", pki.server_cert)
               .replace("/etc/fee/tls/tls.key", pki.server_key)
               .replace("/etc/fee/tls/ca.crt", pki.ca_cert))
    assert "/etc/fee" not in example
    path = write_web_config(tmp_path / "web.yml", example)
    r = run("--web.config.file", path, "--check-config")
    assert r.returncode == 0, r.stderr
