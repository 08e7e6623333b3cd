"""Throw-away X.509 material: a CA, the host certificate (localhost) and the user certificate.

Made with the ``cryptography`` package (in the project's environment through DIRAC's requirements). The CA
directory gets the OpenSSL subject-hash name (``<hash>.0``) that M2Crypto looks up, computed by ``openssl``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .settings import Settings

VALIDITY = datetime.timedelta(days=3650)
_OIDS = {"O": NameOID.ORGANIZATION_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME, "CN": NameOID.COMMON_NAME}


def _name(dn: str) -> x509.Name:
    """``/O=a/OU=b/CN=c`` in that order (DIRAC writes DNs as the certificate lists them)."""
    parts = [p.split("=", 1) for p in dn.strip("/").split("/")]
    return x509.Name([x509.NameAttribute(_OIDS[k], v) for k, v in parts])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(key: rsa.RSAPrivateKey, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o400)


def _write_cert(cert: x509.Certificate, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(path, 0o644)


def _issue(
    subject: str,
    key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate | None,
    ca_key: rsa.RSAPrivateKey,
    *,
    is_ca: bool = False,
    usages: tuple = (),
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    issuer = ca_cert.subject if ca_cert is not None else _name(subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True, data_encipherment=True,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def ensure(s: Settings) -> bool:
    """Create whatever is missing; True if anything was made (then the proxy must be remade too)."""
    ca_pem = s.grid_security / "ca" / "cacert.pem"
    ca_key_pem = s.grid_security / "ca" / "cakey.pem"
    host_cert, host_key = s.grid_security / "hostcert.pem", s.grid_security / "hostkey.pem"
    user_cert, user_key = s.user_dir / "usercert.pem", s.user_dir / "userkey.pem"
    if all(p.exists() for p in (ca_pem, ca_key_pem, host_cert, host_key, user_cert, user_key)) and any(
        s.cert_dir.glob("*.0")
    ):
        return False

    ca_key = _key()
    ca = _issue(s.ca_dn, ca_key, None, ca_key, is_ca=True)
    _write_key(ca_key, ca_key_pem)
    _write_cert(ca, ca_pem)

    key = _key()
    san = [x509.DNSName(s.host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = _issue(
        s.host_dn, key, ca, ca_key, usages=(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH), san=san
    )
    _write_key(key, host_key)
    _write_cert(cert, host_cert)

    key = _key()
    cert = _issue(s.user_dn, key, ca, ca_key, usages=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    _write_key(key, user_key)
    _write_cert(cert, user_cert)

    # The CA directory: only our CA, under its OpenSSL subject hash.
    s.cert_dir.mkdir(parents=True, exist_ok=True)
    for old in s.cert_dir.iterdir():
        old.unlink()
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(ca_pem)], check=True, capture_output=True, text=True
    ).stdout.strip()
    _write_cert(ca, s.cert_dir / f"{subject_hash}.0")
    return True
