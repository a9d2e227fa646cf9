"""Flows: ``tcp/443``, ``udp/53``, ``icmp/8/0``, ``esp``..."""

import ctypes
from typing import NamedTuple

from . import _lib
from .errors import error_for


class Flow(NamedTuple):
    """One flow's initiation, as ``struct sgreach_flow``: an IANA protocol
    number, a port (or ICMP type) and an ICMP code; -1 where the protocol
    has none.  ``str(flow)`` is the canonical text."""

    protocol: int
    port: int = -1
    code: int = -1

    def _struct(self):
        return _lib.FlowStruct(self.protocol, self.port, self.code)

    def format(self, library=None):
        """The canonical text of the flow (``sgreach_flow_format``)."""
        lib = _lib.load_library(library)
        st = self._struct()
        buf = ctypes.create_string_buffer(32)
        n = lib.flow_format(ctypes.byref(st), buf, len(buf))
        if n >= len(buf):
            # The library says how long the full text is, as snprintf.
            buf = ctypes.create_string_buffer(n + 1)
            n = lib.flow_format(ctypes.byref(st), buf, len(buf))
        if n < 0:
            raise error_for(n, lib.describe(n),
                            "cannot format flow %r" % (tuple(self),))
        return buf.value.decode()

    def __str__(self):
        return self.format()


def parse_flow(text, library=None):
    """Parses ``"tcp/443"``, ``"udp/53"``, ``"icmp/8/0"`` (``"icmp/8"`` is
    code 0), ``"icmpv6/128/0"``, a protocol name (``"esp"``, ``"gre"``...)
    or a number 0-255 into a :class:`Flow`.  Raises
    :class:`sgreach.InputError` for anything else."""
    lib = _lib.load_library(library)
    st = _lib.FlowStruct()
    rc = lib.flow_parse(_lib.cstr(text, "flow"), ctypes.byref(st))
    if rc < 0:
        raise error_for(rc, lib.describe(rc), "invalid flow %r" % text)
    return Flow(st.protocol, st.port, st.code)
