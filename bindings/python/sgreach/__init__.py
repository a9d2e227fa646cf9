"""sgreach: can AWS workload A reach B on this flow, and why?

Python bindings over libsgreach (ctypes; no compiled extension, nothing
beyond the standard library)::

    import sgreach
    with sgreach.Model("aws/") as model:
        v = model.query("eni-0a1", "service:api", "tcp/8080")
        if not v:
            print(v.text)
        # Thousands of questions in one call: a result name each
        # ("allowed"...), or the exception query() would raise for it.
        answers = model.results([("eni-0a1", "eni-0b2", "tcp/443"),
                                 ("eni-0b2", "eni-0a1", "udp/53")])

The library is found by the ``library=`` argument, then the
``SGREACH_LIBRARY`` environment variable, then the system's loader
(``libsgreach.so.0``).  Failures of the C calls raise :class:`Error`
subclasses carrying the library's message (:meth:`Model.results` returns
them, one per question, rather than raising).
"""

from ._lib import Library, PROTOTYPES, SONAME, load_library
from .errors import (Busy, Error, Exists, FileError, InputError,
                     LibraryError, NotFound, OutOfMemory, TooBig)
from .flow import Flow, parse_flow
from .model import Model, Selector, Verdict

__version__ = "0.1.0"

__all__ = [
    "Busy", "Error", "Exists", "FileError", "Flow", "InputError",
    "Library", "LibraryError", "Model", "NotFound", "OutOfMemory",
    "PROTOTYPES", "SONAME", "Selector", "TooBig", "Verdict",
    "library_version", "load_library", "parse_flow", "strerror",
]


def library_version(library=None):
    """The C library's version, ``"MAJOR.MINOR.MICRO"``
    (``sgreach_version()``); ``__version__`` is this package's."""
    return load_library(library).version_string()


def strerror(code, library=None):
    """The library's description of an error code (``sgreach_strerror``);
    accepts the negative value as the C functions return it."""
    return load_library(library).describe(code)
