"""Finding the library and declaring its prototypes."""

import ctypes
import errno
import os
import re
import unittest
from unittest import mock

import sgreach
from sgreach import _lib

import support


def exported_symbols():
    """The global symbols of the version script, in file order."""
    text = support.MAP_FILE.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    names = []
    for block in re.findall(r"global:(.*?)(?:local:|\})", text, flags=re.S):
        names += re.findall(r"(\w+)\s*;", block)
    return names


class LibraryLookup(unittest.TestCase):
    def setUp(self):
        self.path = support.library_path()
        if not self.path:
            self.fail("SGREACH_LIBRARY is not set: run through make check")

    def test_explicit_path(self):
        lib = sgreach.load_library(self.path)
        self.assertIsInstance(lib, sgreach.Library)
        self.assertEqual(lib.path, self.path)
        self.assertIs(sgreach.load_library(lib), lib)
        self.assertIn(self.path, repr(lib))

    def test_explicit_path_wins_over_environment(self):
        with mock.patch.dict(os.environ,
                             {"SGREACH_LIBRARY": "/nonexistent/lib.so"}):
            self.assertEqual(sgreach.load_library(self.path).path, self.path)
            with self.assertRaises(sgreach.LibraryError) as cm:
                sgreach.load_library()
            self.assertIn("/nonexistent/lib.so", str(cm.exception))

    def test_environment(self):
        with mock.patch.dict(os.environ, {"SGREACH_LIBRARY": self.path}):
            self.assertEqual(sgreach.load_library().path, self.path)
            with sgreach.Model() as m:
                self.assertEqual(m.library.path, self.path)

    def test_soname_fallback(self):
        env = dict(os.environ)
        env.pop("SGREACH_LIBRARY", None)
        with mock.patch.dict(os.environ, env, clear=True), \
                mock.patch("ctypes.util.find_library", return_value=None):
            self.assertEqual(_lib._candidates(None), [sgreach.SONAME])
        with mock.patch.dict(os.environ, env, clear=True), \
                mock.patch("ctypes.util.find_library",
                           return_value="libsgreach.so.7"):
            self.assertEqual(_lib._candidates(None),
                             ["libsgreach.so.7", sgreach.SONAME])

    def test_missing_library(self):
        with self.assertRaises(sgreach.LibraryError) as cm:
            sgreach.load_library("/nonexistent/libsgreach.so")
        self.assertIsInstance(cm.exception, sgreach.Error)
        self.assertIsInstance(cm.exception, OSError)
        self.assertIn("/nonexistent/libsgreach.so", str(cm.exception))
        with self.assertRaises(sgreach.LibraryError):
            sgreach.Model(library="/nonexistent/libsgreach.so")

    def test_not_libsgreach(self):
        libc = ctypes.util.find_library("c")
        with self.assertRaises(sgreach.LibraryError) as cm:
            sgreach.load_library(libc)
        self.assertIn("sgreach_version", str(cm.exception))

    def test_version(self):
        lib = sgreach.load_library(self.path)
        version = sgreach.library_version(self.path)
        self.assertRegex(version, r"^\d+\.\d+\.\d+$")
        self.assertEqual(version, lib.version_string())
        header = (support.TOP_SRCDIR / "include" / "sgreach.h").read_text()
        parts = [re.search(r"#define SGREACH_VERSION_%s (\d+)" % k,
                           header).group(1)
                 for k in ("MAJOR", "MINOR", "MICRO")]
        self.assertEqual(version, ".".join(parts))


class Writer(unittest.TestCase):
    """sgreach_verdict_set_writer() through its ctypes prototype: the check
    report arrives in pieces that make the text sgreach_check() gives
    without a writer, and a writer that fails stops it with -EIO."""

    def test_check_report_through_a_writer(self):
        lib = sgreach.load_library(support.library_path())
        m = lib.model_new()
        ctx = lib.verdict_new()
        try:
            self.assertEqual(lib.model_load_file(
                m, str(support.EXAMPLE_DIR).encode()), 0)
            self.assertEqual(lib.model_finalize(m), 0)
            text = b"eni-* eni-* tcp/5432 denied\n"
            out = ctypes.c_char_p()
            failed = ctypes.c_int()

            def check():
                return lib.check(m, text, len(text), b"t", 0,
                                 _lib.FORMAT_JSON, ctx, ctypes.byref(out),
                                 ctypes.byref(failed))

            self.assertEqual(check(), 0)
            want = out.value
            pieces = []

            def write(cookie, buf, n):
                pieces.append(ctypes.string_at(buf, n))
                return 0

            fn = _lib.WRITE_FN(write)
            lib.verdict_set_writer(ctx, fn, None)
            self.assertEqual(check(), 0)
            self.assertEqual(out.value, b"")
            self.assertEqual(b"".join(pieces), want)
            # ctypes frees a callback with its Python object: each is kept
            # for as long as the library may call it.
            refuse = _lib.WRITE_FN(lambda cookie, buf, n: 1)
            lib.verdict_set_writer(ctx, refuse, None)
            self.assertEqual(check(), -errno.EIO)
            lib.verdict_set_writer(ctx, _lib.WRITE_FN(), None)
            self.assertEqual(check(), 0)
            self.assertEqual(out.value, want)
        finally:
            lib.verdict_free(ctx)
            lib.model_free(m)


class Prototypes(unittest.TestCase):
    def test_every_export_declared(self):
        exported = exported_symbols()
        self.assertGreater(len(exported), 20)
        self.assertEqual(sorted(exported), sorted(sgreach.PROTOTYPES))

    def test_every_function_typed(self):
        lib = sgreach.load_library(support.library_path())
        for name, (restype, argtypes) in sgreach.PROTOTYPES.items():
            with self.subTest(function=name):
                fn = getattr(lib, name[len("sgreach_"):])
                self.assertEqual(fn.argtypes, argtypes)
                self.assertIs(fn.restype, restype)
                # ctypes guesses int when nothing is declared: a handle
                # would be truncated to 32 bits.
                self.assertIsNotNone(fn.argtypes)

    def test_handles_are_void_pointers(self):
        for name, (restype, argtypes) in sgreach.PROTOTYPES.items():
            if name.startswith(("sgreach_model_", "sgreach_verdict_")) \
                    and name not in ("sgreach_model_new",
                                     "sgreach_verdict_new"):
                with self.subTest(function=name):
                    self.assertIs(argtypes[0], ctypes.c_void_p)
        self.assertIs(sgreach.PROTOTYPES["sgreach_model_new"][0],
                      ctypes.c_void_p)
        self.assertIs(sgreach.PROTOTYPES["sgreach_verdict_new"][0],
                      ctypes.c_void_p)

    def test_argument_counts_match_header(self):
        header = (support.TOP_SRCDIR / "include" / "sgreach.h").read_text()
        header = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
        for name, (_, argtypes) in sgreach.PROTOTYPES.items():
            with self.subTest(function=name):
                m = re.search(r"\b%s\s*\(([^)]*)\)\s*;" % name, header)
                self.assertIsNotNone(m, "%s not in the header" % name)
                params = m.group(1).strip()
                n = 0 if params == "void" else len(params.split(","))
                self.assertEqual(len(argtypes), n)


class Distribution(unittest.TestCase):
    def test_every_file_is_distributed(self):
        # A module or test missing from Makefile.am would be left out of
        # the tarball and of make install, and nothing else would notice.
        top = support.HERE.parents[2]  # resolved, as HERE is
        makefile = (top / "Makefile.am").read_text()
        package = support.HERE.parent
        files = [package / "pyproject.toml", package / "README.md"]
        files += sorted((package / "sgreach").glob("*.py"))
        files += sorted((package / "tests").glob("*.py"))
        for path in files:
            rel = path.relative_to(top).as_posix()
            with self.subTest(file=rel):
                self.assertIn(rel, makefile)


class Strerror(unittest.TestCase):
    def test_codes(self):
        import errno
        path = support.library_path()
        for code in (errno.EINVAL, errno.ENOENT, errno.EBUSY, errno.ENOMEM,
                     errno.EEXIST, errno.E2BIG):
            with self.subTest(code=code):
                text = sgreach.strerror(-code, path)
                self.assertIsInstance(text, str)
                self.assertTrue(text)
        self.assertNotEqual(sgreach.strerror(-errno.EINVAL, path),
                            sgreach.strerror(-errno.ENOENT, path))


if __name__ == "__main__":
    unittest.main()
