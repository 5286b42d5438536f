#!/usr/bin/python3
"""Independent computation of a WireGuard handshake (Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s) from fixed keys,
ephemerals, timestamp and indices, written from the whitepaper with Debian's python3-cryptography and hashlib.

Writes the inputs and the expected initiation, response, transport keys and first transport message to a file and
runs the C++ checker (argv[1]) on it; the checker recomputes everything with nefia_wireguard and exits non-zero on
any difference. Shares no code with the implementation under test.
"""
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"


def blake2s(data):
    return hashlib.blake2s(data).digest()


def mac(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def hmac_blake2s(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def kdf(n, key, data):
    prk = hmac_blake2s(key, data)
    outputs, previous = [], b""
    for i in range(1, n + 1):
        previous = hmac_blake2s(prk, previous + bytes([i]))
        outputs.append(previous)
    return outputs


def public(private):
    raw = X25519PrivateKey.from_private_bytes(private).public_key()
    return raw.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def dh(private, peer_public):
    return X25519PrivateKey.from_private_bytes(private).exchange(X25519PublicKey.from_public_bytes(peer_public))


def aead(key, counter, plaintext, ad):
    return ChaCha20Poly1305(key).encrypt(b"\x00" * 4 + struct.pack("<Q", counter), plaintext, ad)


def fixed(label):
    return hashlib.sha256(label.encode()).digest()


def main():
    inputs = {
        "initiator_private": fixed("initiator static"),
        "responder_private": fixed("responder static"),
        "initiator_ephemeral": fixed("initiator ephemeral"),
        "responder_ephemeral": fixed("responder ephemeral"),
        "preshared_key": fixed("preshared"),
        # TAI64N for 2026-11-26T12:00:00Z plus whitened nanoseconds
        "timestamp": struct.pack(">QI", 0x400000000000000A + 1795694400, 0x12000000),
        "initiator_index": struct.pack("<I", 0x11223344),
        "responder_index": struct.pack("<I", 0x55667788),
        "transport_plaintext": bytes.fromhex("4500001c000000004001f96d0a6300010a630002") + b"\x08\x00\xf7\xff\x00\x00\x00\x00",
    }
    si, sr = inputs["initiator_private"], inputs["responder_private"]
    ei, er = inputs["initiator_ephemeral"], inputs["responder_ephemeral"]
    psk = inputs["preshared_key"]
    pub_i, pub_r = public(si), public(sr)

    # Message 1: initiator -> responder
    ck = blake2s(CONSTRUCTION)
    h = blake2s(ck + IDENTIFIER)
    h = blake2s(h + pub_r)
    e_pub = public(ei)
    (ck,) = kdf(1, ck, e_pub)
    h = blake2s(h + e_pub)
    ck, k = kdf(2, ck, dh(ei, pub_r))
    enc_static = aead(k, 0, pub_i, h)
    h = blake2s(h + enc_static)
    ck, k = kdf(2, ck, dh(si, pub_r))
    enc_time = aead(k, 0, inputs["timestamp"], h)
    h = blake2s(h + enc_time)
    body = struct.pack("<I", 1) + inputs["initiator_index"] + e_pub + enc_static + enc_time
    initiation = body + mac(blake2s(LABEL_MAC1 + pub_r), body) + b"\x00" * 16
    assert len(initiation) == 148

    # Message 2: responder -> initiator
    e_pub_r = public(er)
    h = blake2s(h + e_pub_r)
    (ck,) = kdf(1, ck, e_pub_r)
    (ck,) = kdf(1, ck, dh(er, e_pub))
    (ck,) = kdf(1, ck, dh(er, pub_i))
    ck, tau, k = kdf(3, ck, psk)
    h = blake2s(h + tau)
    enc_nothing = aead(k, 0, b"", h)
    body = struct.pack("<I", 2) + inputs["responder_index"] + inputs["initiator_index"] + e_pub_r + enc_nothing
    response = body + mac(blake2s(LABEL_MAC1 + pub_i), body) + b"\x00" * 16
    assert len(response) == 92

    # Transport keys and the initiator's first data message (counter 0, padded to 16).
    send_i, recv_i = kdf(2, ck, b"")
    plaintext = inputs["transport_plaintext"]
    padded = plaintext + b"\x00" * (-len(plaintext) % 16)
    transport = struct.pack("<I", 4) + inputs["responder_index"] + struct.pack("<Q", 0) + aead(send_i, 0, padded, b"")

    expected = {
        "initiator_public": pub_i,
        "responder_public": pub_r,
        "initiation": initiation,
        "response": response,
        "initiator_send_key": send_i,
        "initiator_receive_key": recv_i,
        "transport": transport,
    }
    with tempfile.TemporaryDirectory(prefix="nefia-wg-vectors-") as directory:
        path = os.path.join(directory, "vectors.txt")
        with open(path, "w") as out:
            for name, value in list(inputs.items()) + list(expected.items()):
                out.write(f"{name} {value.hex()}\n")
        result = subprocess.run([sys.argv[1], path], timeout=30)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
