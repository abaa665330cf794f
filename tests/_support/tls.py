"""Certificates for TLS tests on 127.0.0.1, made with the ``openssl`` command: a CA, a server
certificate for ``IP:127.0.0.1`` and a client certificate (for mutual TLS), all signed by it."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class TLSFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=30)


def _signed(directory: Path, name: str, extensions: str, ca: Path, ca_key: Path) -> None:
    key, request, cert = (directory / f"{name}{ext}" for ext in (".key", ".csr", ".pem"))
    ext_file = directory / f"{name}.ext"
    ext_file.write_text(extensions)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", request, "-subj", f"/CN={name}")  # fmt: skip
    _openssl("x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
             "-out", cert, "-days", "2", "-extfile", ext_file)  # fmt: skip


def make_tls_files(directory: Path) -> TLSFiles:
    """Make the files in ``directory``; skips the test when ``openssl`` is not installed."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    _signed(
        directory,
        "server",
        leaf + "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        ca,
        ca_key,
    )
    _signed(directory, "client", leaf + "extendedKeyUsage=clientAuth\n", ca, ca_key)
    return TLSFiles(
        ca=ca,
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        client_cert=directory / "client.pem",
        client_key=directory / "client.key",
    )
