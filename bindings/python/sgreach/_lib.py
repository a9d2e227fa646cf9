"""Finding libsgreach and declaring the C prototype of every exported function.

ctypes guesses argument and return types as ``int`` when they are not
declared, which truncates 64-bit pointers and reads ``size_t`` wrongly, so
every function in ``src/libsgreach.map`` gets ``argtypes`` and ``restype``
here, before anything can call it.  Handles are ``c_void_p``: Python never
looks inside them.
"""

import ctypes
import ctypes.util
import os
import struct
import threading

from .errors import LibraryError

#: The soname the library is installed under (libtool -version-info 0:0:0).
SONAME = "libsgreach.so.0"

_H = ctypes.c_void_p  # sgreach_model *, sgreach_verdict *
_S = ctypes.c_char_p  # const char *: bytes in, bytes (a copy) out
_I = ctypes.c_int
_U = ctypes.c_uint
_Z = ctypes.c_size_t


class FlowStruct(ctypes.Structure):
    """``struct sgreach_flow``: a value type of three ints."""

    _fields_ = [
        ("protocol", ctypes.c_int),
        ("port", ctypes.c_int),
        ("code", ctypes.c_int),
    ]


class QuestionStruct(ctypes.Structure):
    """``struct sgreach_question``: one question of ``sgreach_query_many``;
    ``result`` (an ``sgreach_result``) and ``error`` are written by the
    call."""

    _fields_ = [
        ("src", ctypes.c_void_p),
        ("dst", ctypes.c_void_p),
        ("flow", FlowStruct),
        ("flags", ctypes.c_uint),
        ("result", ctypes.c_int),
        ("error", ctypes.c_int),
    ]


class TextQuestionStruct(ctypes.Structure):
    """``struct sgreach_text_question``: one question of
    ``sgreach_query_many_text``, by selector texts; ``result`` and
    ``error`` are written by the call."""

    _fields_ = [
        ("src", ctypes.c_char_p),
        ("dst", ctypes.c_char_p),
        ("flow", FlowStruct),
        ("flags", ctypes.c_uint),
        ("result", ctypes.c_int),
        ("error", ctypes.c_int),
    ]


#: QuestionStruct as a :mod:`struct` format, so that a list of questions is
#: packed into one buffer at C speed rather than a field at a time through
#: ctypes: src, dst, flow (protocol, port, code), flags, result, error, and
#: whatever padding the C compiler puts at the end.  The tests check that
#: it matches the ctypes layout field by field.
QUESTION_ROW = struct.Struct(
    "@PPiiiIii%dx" % (ctypes.sizeof(QuestionStruct)
                      - struct.calcsize("@PPiiiIii")))

_PFLOW = ctypes.POINTER(FlowStruct)
_PQ = ctypes.POINTER(QuestionStruct)  # sgreach_question *q
_PTQ = ctypes.POINTER(TextQuestionStruct)  # sgreach_text_question *q
_PS = ctypes.POINTER(ctypes.c_char_p)  # const char **out
_PI = ctypes.POINTER(ctypes.c_int)  # int *worst_severity, *gained, *failed
_PH = ctypes.POINTER(ctypes.c_void_p)  # sgreach_selector **out

#: sgreach_write_fn: (cookie, text, len) -> 0 or non-zero to stop; text is
#: not NUL-terminated, hence a char pointer and not c_char_p.
WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p,
                            ctypes.POINTER(ctypes.c_char), ctypes.c_size_t)

#: sgreach_answer_fn: (arg, i, verdict) -> 0, or non-zero to stop the call.
ANSWER_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,
                             ctypes.c_void_p)

#: name -> (restype, argtypes), in the order of include/sgreach.h.  The tests
#: check that this table names exactly the symbols of src/libsgreach.map.
PROTOTYPES = {
    "sgreach_version": (_S, []),
    "sgreach_strerror": (_S, [_I]),
    "sgreach_model_new": (_H, []),
    "sgreach_model_free": (None, [_H]),
    "sgreach_model_load_file": (_I, [_H, _S]),
    "sgreach_model_load_buffer": (_I, [_H, _S, _S, _Z]),
    "sgreach_model_add_group": (_I, [_H, _S, _S, _S, _U]),
    "sgreach_model_add_rule": (_I, [_H, _S, _I, _S, _I, _I, _I, _S, _S, _S, _U]),
    "sgreach_model_add_endpoint": (_I, [_H, _S, _I, _S, _S, _S]),
    "sgreach_model_add_address": (_I, [_H, _S, _S, _U]),
    "sgreach_model_add_endpoint_group": (_I, [_H, _S, _S]),
    "sgreach_model_add_endpoint_subnet": (_I, [_H, _S, _S]),
    "sgreach_model_add_task": (_I, [_H, _S, _S, _S]),
    "sgreach_model_add_prefix_list": (_I, [_H, _S, _S]),
    "sgreach_model_add_prefix_list_entry": (_I, [_H, _S, _S]),
    "sgreach_model_add_subnet": (_I, [_H, _S, _S, _S]),
    "sgreach_model_add_subnet_cidr": (_I, [_H, _S, _S]),
    "sgreach_model_add_vpc": (_I, [_H, _S, _S]),
    "sgreach_model_add_peering": (_I, [_H, _S, _S, _S, _I]),
    "sgreach_model_finalize": (_I, [_H]),
    "sgreach_model_error": (_S, [_H]),
    "sgreach_model_warning_count": (_Z, [_H]),
    "sgreach_model_warning": (_S, [_H, _Z]),
    "sgreach_model_count": (_Z, [_H, _I]),
    "sgreach_flow_parse": (_I, [_S, _PFLOW]),
    "sgreach_flow_format": (_I, [_PFLOW, ctypes.c_char_p, _Z]),
    "sgreach_verdict_new": (_H, []),
    "sgreach_verdict_free": (None, [_H]),
    "sgreach_query": (_I, [_H, _S, _S, _S, _U, _H]),
    "sgreach_query_flow": (_I, [_H, _S, _S, _PFLOW, _U, _H]),
    "sgreach_select": (_I, [_H, _S, _H, _PH]),
    "sgreach_selector_free": (None, [_H]),
    "sgreach_query_selected": (_I, [_H, _H, _H, _PFLOW, _U, _H]),
    "sgreach_query_many": (_I, [_H, _PQ, _Z, _H]),
    "sgreach_query_many_text": (_I, [_H, _PTQ, _Z, _H, ANSWER_FN, _H]),
    "sgreach_verdict_result": (_I, [_H]),
    "sgreach_result_name": (_S, [_I]),
    "sgreach_verdict_error": (_S, [_H]),
    "sgreach_verdict_render": (_S, [_H, _I]),
    "sgreach_model_set_endpoint_public": (_I, [_H, _S, _I]),
    "sgreach_verdict_set_writer": (None, [_H, WRITE_FN, _H]),
    "sgreach_ports": (_I, [_H, _S, _S, _U, _I, _H, _PS]),
    "sgreach_who": (_I, [_H, _S, _S, _U, _I, _H, _PS]),
    "sgreach_reach": (_I, [_H, _S, _S, _U, _I, _H, _PS]),
    "sgreach_matrix": (_I, [_H, _S, _I, _U, _I, _H, _PS]),
    "sgreach_exposure": (_I, [_H, _U, _I, _H, _PS]),
    "sgreach_lint": (_I, [_H, _U, _I, _H, _PS, _PI]),
    "sgreach_diff": (_I, [_H, _H, _U, _I, _H, _PS, _PI]),
    "sgreach_check": (_I, [_H, _S, _Z, _S, _U, _I, _H, _PS, _PI]),
}

# Values of the header's enums and flags.  They are part of the ABI, so they
# are fixed numbers here rather than read from the library.
GROUP_COMPLETE = 1 << 0
RULE_STALE = 1 << 0
ADDR_PUBLIC = 1 << 0
QUERY_IPV4 = 1 << 0
QUERY_IPV6 = 1 << 1
QUERY_DETAILS = 1 << 2
MATRIX_CLASSES = 1 << 8
FORMAT_TEXT = 0
FORMAT_JSON = 1
FORMATS = {"text": 0, "json": 1, "csv": 2, "dot": 3}
GROUP_BY = {"service": 0, "group": 1, "none": 2}
SEVERITIES = {"info": 0, "low": 1, "medium": 2, "high": 3}
DIRECTIONS = {"ingress": 0, "egress": 1}
PEER_KINDS = {"cidr": 0, "prefix-list": 1, "group": 2, "unknown": 3}
ENDPOINT_KINDS = {"eni": 0, "trunk": 1, "branch": 2, "service": 3}
COUNTS = ("groups", "rules", "endpoints", "tasks", "prefix_lists",
          "subnets", "vpcs")


class Library:
    """One loaded copy of libsgreach with every prototype declared.

    The C functions are attributes named without the ``sgreach_`` prefix
    (``lib.model_new()``); they take and return what ctypes makes of the
    prototypes above (bytes for strings, ints for handles).
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        try:
            self._cdll = ctypes.CDLL(self.path)
        except OSError as exc:
            raise LibraryError("cannot load libsgreach from %r: %s"
                               % (self.path, exc)) from None
        for name, (restype, argtypes) in PROTOTYPES.items():
            try:
                fn = getattr(self._cdll, name)
            except AttributeError:
                raise LibraryError("%s does not export %s: not libsgreach, "
                                   "or too old" % (self.path, name)) from None
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name[len("sgreach_"):], fn)

    def __repr__(self):
        return "<sgreach.Library %s %s>" % (self.path, self.version_string())

    def version_string(self):
        """The library's own version, as ``sgreach_version()`` reports it."""
        return self.version().decode()

    def describe(self, code):
        """``sgreach_strerror(code)`` as a str."""
        text = self.strerror(code)
        return text.decode("utf-8", "replace") if text else "error %d" % code


def _candidates(path):
    """The places to try, in order: the argument, SGREACH_LIBRARY, then what
    the system's loader finds.  An explicit path is never silently replaced
    by another copy of the library: a typo there must not test or use a
    stale installed one."""
    if path is not None:
        return [os.fspath(path)]
    env = os.environ.get("SGREACH_LIBRARY")
    if env:
        return [env]
    found = ctypes.util.find_library("sgreach")
    names = [found] if found else []
    if SONAME not in names:
        names.append(SONAME)
    return names


_cache = {}
_cache_lock = threading.Lock()


def load_library(path=None):
    """Returns a :class:`Library`: the one at ``path`` when given, else the
    one ``SGREACH_LIBRARY`` names, else the one the dynamic loader finds
    (``ctypes.util.find_library("sgreach")``, then the soname
    ``libsgreach.so.0``).  Loaded libraries are cached by path.
    Raises :class:`sgreach.LibraryError` when none can be loaded."""
    if isinstance(path, Library):
        return path
    errors = []
    for candidate in _candidates(path):
        with _cache_lock:
            lib = _cache.get(candidate)
            if lib is None:
                try:
                    lib = Library(candidate)
                except LibraryError as exc:
                    errors.append(str(exc))
                    continue
                _cache[candidate] = lib
        return lib
    raise LibraryError("; ".join(errors))


def cstr(value, what):
    """A str (or None) as the bytes a ``const char *`` parameter takes.

    C stops at the first NUL: "tcp/4\\x0043" would quietly become "tcp/4", so
    such strings are refused rather than truncated."""
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8")
    else:
        raise TypeError("%s must be a str, not %s"
                        % (what, type(value).__name__))
    if b"\0" in data:
        raise ValueError("%s contains a NUL character: %r" % (what, value))
    return data


def text(value):
    """A ``const char *`` result (bytes or None) as a str (or None)."""
    return None if value is None else value.decode("utf-8", "replace")
