"""A thin ctypes binding to the system libcrypto 3.0 for SM2, written for the backend
comparison only (docs/sm2-backend.md); elicense does not use it."""

import ctypes
import ctypes.util

lib = ctypes.CDLL(ctypes.util.find_library("crypto") or "libcrypto.so.3")
vp = ctypes.c_void_p
lib.d2i_PUBKEY.restype = vp
lib.d2i_PUBKEY.argtypes = [vp, ctypes.POINTER(ctypes.c_char_p), ctypes.c_long]
lib.EVP_PKEY_free.argtypes = [vp]
lib.EVP_MD_CTX_new.restype = vp
lib.EVP_MD_CTX_free.argtypes = [vp]
lib.EVP_PKEY_CTX_new.restype = vp
lib.EVP_PKEY_CTX_new.argtypes = [vp, vp]
lib.EVP_PKEY_CTX_free.argtypes = [vp]
lib.EVP_PKEY_CTX_set1_id.argtypes = [vp, ctypes.c_char_p, ctypes.c_int]
lib.EVP_MD_CTX_set_pkey_ctx.argtypes = [vp, vp]
lib.EVP_sm3.restype = vp
lib.EVP_DigestVerifyInit.argtypes = [vp, vp, vp, vp, vp]
lib.EVP_DigestVerify.argtypes = [
    vp,
    ctypes.c_char_p,
    ctypes.c_size_t,
    ctypes.c_char_p,
    ctypes.c_size_t,
]
lib.EVP_DigestSignInit.argtypes = [vp, vp, vp, vp, vp]
lib.EVP_DigestSign.argtypes = [
    vp,
    ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_size_t),
    ctypes.c_char_p,
    ctypes.c_size_t,
]
lib.d2i_AutoPrivateKey.restype = vp
lib.d2i_AutoPrivateKey.argtypes = [vp, ctypes.POINTER(ctypes.c_char_p), ctypes.c_long]
lib.ERR_clear_error.argtypes = []
SM3 = lib.EVP_sm3()
ID = b"1234567812345678"


class Pub:
    def __init__(self, spki: bytes):
        p = ctypes.c_char_p(spki)
        self.pk = lib.d2i_PUBKEY(None, ctypes.byref(p), len(spki))
        if not self.pk:
            lib.ERR_clear_error()
            raise ValueError("bad spki")

    def __del__(self):
        if getattr(self, "pk", None):
            lib.EVP_PKEY_free(self.pk)

    def verify(self, sig: bytes, data: bytes) -> bool:
        m = lib.EVP_MD_CTX_new()
        pc = lib.EVP_PKEY_CTX_new(self.pk, None)
        try:
            lib.EVP_PKEY_CTX_set1_id(pc, ID, 16)
            lib.EVP_MD_CTX_set_pkey_ctx(m, pc)
            if lib.EVP_DigestVerifyInit(m, None, SM3, None, self.pk) != 1:
                return False
            r = lib.EVP_DigestVerify(m, sig, len(sig), data, len(data))
            return r == 1
        finally:
            lib.EVP_MD_CTX_free(m)
            lib.EVP_PKEY_CTX_free(pc)
            lib.ERR_clear_error()


class Priv:
    def __init__(self, der: bytes):
        p = ctypes.c_char_p(der)
        self.pk = lib.d2i_AutoPrivateKey(None, ctypes.byref(p), len(der))
        if not self.pk:
            raise ValueError("bad key")

    def sign(self, data: bytes) -> bytes:
        m = lib.EVP_MD_CTX_new()
        pc = lib.EVP_PKEY_CTX_new(self.pk, None)
        try:
            lib.EVP_PKEY_CTX_set1_id(pc, ID, 16)
            lib.EVP_MD_CTX_set_pkey_ctx(m, pc)
            assert lib.EVP_DigestSignInit(m, None, SM3, None, self.pk) == 1
            n = ctypes.c_size_t(0)
            assert lib.EVP_DigestSign(m, None, ctypes.byref(n), data, len(data)) == 1
            buf = ctypes.create_string_buffer(n.value)
            assert lib.EVP_DigestSign(m, buf, ctypes.byref(n), data, len(data)) == 1
            return buf.raw[: n.value]
        finally:
            lib.EVP_MD_CTX_free(m)
            lib.EVP_PKEY_CTX_free(pc)
