"""The model: groups, rules, endpoints... and the queries over it."""

import contextlib
import copy
import ctypes
import errno
import itertools
import json
import os
import struct
import threading

from . import _lib
from ._lib import cstr
from .errors import Error, error_for
from .flow import Flow, parse_flow


def _choice(table, value, what):
    """A name of a C enum ("egress") as its number; the number passes."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value in table.values():
            return value
    elif isinstance(value, str) and value in table:
        return table[value]
    raise ValueError("%s must be one of %s, not %r"
                     % (what, ", ".join(sorted(table)), value))


def _family_flags(family):
    """The query flags for family 4, 6 or None (the library chooses)."""
    if family is None:
        return 0
    if family == 4:
        return _lib.QUERY_IPV4
    if family == 6:
        return _lib.QUERY_IPV6
    raise ValueError("family must be 4, 6 or None, not %r" % (family,))


def _peer_kind(peer):
    """What a rule's peer names, from how AWS writes ids: "sg-..." and
    "111122223333/sg-..." are groups, "pl-..." prefix lists, anything else
    a CIDR (the library validates it)."""
    last = peer.rsplit("/", 1)[-1] if "/sg-" in peer else peer
    if last.startswith("sg-"):
        return "group"
    if peer.startswith("pl-"):
        return "prefix-list"
    return "cidr"


class _Owned:
    """A C object owned by this Python object: freed by :meth:`close`, at
    the end of a ``with`` block or when collected.  Subclasses set
    ``_handle``, name their C free function in ``_FREE`` and return the
    Model whose readers close() waits for from ``_owner()``."""

    _FREE = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        # Objects built half-way (a failed __init__) may lack attributes.
        if getattr(self, "_handle", None):
            getattr(self._owner()._lib, self._FREE)(self._handle)
            self._handle = None

    def _live(self):
        if not self._handle:
            raise ValueError("operation on a closed sgreach.%s"
                             % type(self).__name__)
        return self._handle

    def close(self):
        """Frees the C object, waiting for queries running in other
        threads.  Any later use raises :class:`ValueError`.  Calling it
        twice is harmless."""
        owner = self._owner()
        with owner._cond:
            while owner._queries:
                owner._cond.wait()
            if self._handle:
                getattr(owner._lib, self._FREE)(self._handle)
                self._handle = None


class Model(_Owned):
    """A security-group model (``sgreach_model``).

    ``Model(*paths)`` loads each file or directory in order (as
    :meth:`load`), then finalizes the model when paths were given; pass
    ``finalize=False`` to add more before finalizing yourself, or
    ``finalize=True`` to freeze an empty one.  ``library`` is a path to
    libsgreach or a :class:`sgreach.Library` (default: see
    :func:`sgreach.load_library`).

    Build and load from one thread; once finalized, :meth:`query` and
    :meth:`results` may be called from any number of threads at once.  Use
    it as a context manager or call :meth:`close` to free the C model
    early.
    """

    def __init__(self, *paths, finalize=None, library=None):
        self._lib = _lib.load_library(library)
        self._handle = None
        # Serializes everything that writes the model (add, load, finalize,
        # close) and counts running queries, so close() cannot free the
        # model under a query running in another thread.
        self._cond = threading.Condition(threading.Lock())
        self._queries = 0
        self._finalized = False
        handle = self._lib.model_new()
        if not handle:
            raise self._oom("sgreach_model_new")
        self._handle = handle
        try:
            for path in paths:
                self.load(path)
            if finalize or (finalize is None and paths):
                self.finalize()
        except BaseException:
            self.close()
            raise

    # ----------------------------------------------------------- plumbing --

    _FREE = "model_free"

    def _owner(self):
        return self

    @property
    def closed(self):
        """True once :meth:`close` has run."""
        return self._handle is None

    @property
    def finalized(self):
        """True once :meth:`finalize` has succeeded."""
        return self._finalized

    @property
    def library(self):
        """The :class:`sgreach.Library` this model lives in."""
        return self._lib

    def _oom(self, function):
        """The exception for a C allocator returning NULL."""
        code = -errno.ENOMEM
        return error_for(code, self._lib.describe(code),
                         "%s: out of memory" % function)

    def _call(self, fn, *args, context=None):
        """Calls a model-writing function; raises on a negative return with
        the model's own message (file, JSON path) as the detail."""
        with self._cond:
            rc = fn(self._live(), *args)
            if rc >= 0:
                return rc
            detail = _lib.text(self._lib.model_error(self._handle))
        strerror = self._lib.describe(rc)
        if not detail and context:
            detail = "%s: %s" % (context, strerror)
        raise error_for(rc, strerror, detail)

    def __repr__(self):
        if self.closed:
            return "<sgreach.Model closed>"
        state = "finalized" if self._finalized else "building"
        counts = self.counts
        return "<sgreach.Model %s: %d groups, %d rules, %d endpoints>" % (
            state, counts["groups"], counts["rules"], counts["endpoints"])

    # ------------------------------------------------------------ loading --

    def load(self, path):
        """Loads a JSON document from a file (AWS CLI or ``terraform show
        -json`` output, detected from its keys), every ``*.json`` of a
        directory, or standard input for ``"-"``.  Raises
        :class:`sgreach.InputError` naming the file and JSON path for
        invalid input, :class:`sgreach.NotFound` / :class:`sgreach.FileError`
        for files that cannot be read, :class:`sgreach.Busy` once
        finalized.  Nothing of a failing document is kept."""
        raw = os.fsencode(path)
        if b"\0" in raw:
            raise ValueError("path contains a NUL character: %r" % (path,))
        self._call(self._lib.model_load_file, raw,
                   context=os.fsdecode(raw))

    def load_bytes(self, data, name=None):
        """Loads one JSON document from memory (bytes, bytearray,
        memoryview, or str encoded as UTF-8).  ``name`` stands for the file
        in messages (the library says ``<buffer>`` without one)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        else:
            data = bytes(data)
        self._call(self._lib.model_load_buffer, cstr(name, "name"), data,
                   len(data), context=name or "<buffer>")

    # ----------------------------------------------------------- building --

    def add_group(self, group_id, name=None, vpc_id=None, complete=False):
        """Adds (or updates) a security group.  ``complete=True``
        (``SGREACH_GROUP_COMPLETE``) says you add its whole rule set, so
        its rules are known even if it has none; otherwise it is known by id
        only until a rule is added to it."""
        flags = _lib.GROUP_COMPLETE if complete else 0
        self._call(self._lib.model_add_group, cstr(group_id, "group_id"),
                   cstr(name, "name"), cstr(vpc_id, "vpc_id"), flags)

    def add_rule(self, group_id, direction, protocol, from_port, to_port,
                 peer, *, peer_kind=None, rule_id=None, description=None,
                 stale=False):
        """Adds a rule to a group (created by reference if absent).

        ``direction`` is ``"ingress"`` or ``"egress"``; ``protocol`` as AWS
        writes it (``"-1"``, ``"tcp"``, ``"6"``, ``"icmp"``, ``"esp"``, or
        an int); ``from_port``/``to_port`` a port range, ICMP type/code, or
        -1 for any.  ``peer`` is a CIDR, a prefix-list id or a group id;
        ``peer_kind`` (``"cidr"``, ``"prefix-list"``, ``"group"``,
        ``"unknown"``) is inferred from the id's form when omitted.
        ``stale=True`` marks a group reference that never matches.
        """
        if isinstance(protocol, int) and not isinstance(protocol, bool):
            protocol = str(protocol)
        if peer_kind is None:
            if not isinstance(peer, str):
                raise TypeError("peer must be a str, not %s"
                                % type(peer).__name__)
            peer_kind = _peer_kind(peer)
        self._call(self._lib.model_add_rule, cstr(group_id, "group_id"),
                   _choice(_lib.DIRECTIONS, direction, "direction"),
                   cstr(protocol, "protocol"), int(from_port), int(to_port),
                   _choice(_lib.PEER_KINDS, peer_kind, "peer_kind"),
                   cstr(peer, "peer"), cstr(rule_id, "rule_id"),
                   cstr(description, "description"),
                   _lib.RULE_STALE if stale else 0)

    def add_endpoint(self, endpoint_id, kind="eni", vpc_id=None,
                     subnet_id=None, description=None, *, addresses=(),
                     public_addresses=(), groups=()):
        """Adds an endpoint: ``kind`` is ``"eni"``, ``"trunk"``,
        ``"branch"`` or ``"service"``.  ``addresses``, ``public_addresses``
        and ``groups`` are shorthands for :meth:`add_address` and
        :meth:`add_endpoint_group` calls.  Raises :class:`sgreach.Exists`
        for an id already added."""
        self._call(self._lib.model_add_endpoint,
                   cstr(endpoint_id, "endpoint_id"),
                   _choice(_lib.ENDPOINT_KINDS, kind, "kind"),
                   cstr(vpc_id, "vpc_id"), cstr(subnet_id, "subnet_id"),
                   cstr(description, "description"))
        for address in addresses:
            self.add_address(endpoint_id, address)
        for address in public_addresses:
            self.add_address(endpoint_id, address, public=True)
        for group_id in groups:
            self.add_endpoint_group(endpoint_id, group_id)

    def add_address(self, endpoint_id, address, public=False):
        """Adds a private address, or a delegated prefix (``"10.0.1.16/28"``)
        to an endpoint; ``public=True`` marks a public or Elastic IP, which
        never satisfies a group reference."""
        self._call(self._lib.model_add_address,
                   cstr(endpoint_id, "endpoint_id"),
                   cstr(address, "address"),
                   _lib.ADDR_PUBLIC if public else 0)

    def add_endpoint_group(self, endpoint_id, group_id):
        """Attaches a group (by reference) to an endpoint."""
        self._call(self._lib.model_add_endpoint_group,
                   cstr(endpoint_id, "endpoint_id"),
                   cstr(group_id, "group_id"))

    def add_endpoint_subnet(self, endpoint_id, subnet_id):
        """Adds a subnet (by reference) to a service endpoint."""
        self._call(self._lib.model_add_endpoint_subnet,
                   cstr(endpoint_id, "endpoint_id"),
                   cstr(subnet_id, "subnet_id"))

    def set_endpoint_public(self, endpoint_id, public=True):
        """Says whether an endpoint gets a public address of its own (an
        ECS service with ``assignPublicIp`` ENABLED; its tasks' interfaces
        inherit it).  Used by :meth:`exposure`."""
        self._call(self._lib.model_set_endpoint_public,
                   cstr(endpoint_id, "endpoint_id"), 1 if public else 0)

    def add_task(self, task_arn, endpoint_id, service=None):
        """Adds an ECS task running on a network interface; ``service`` is
        the service's id without ``service:``: ``"CLUSTER/NAME"``, or
        ``"NAME"`` when the cluster is not known (see
        sgreach_model_add_task(3))."""
        self._call(self._lib.model_add_task, cstr(task_arn, "task_arn"),
                   cstr(endpoint_id, "endpoint_id"),
                   cstr(service, "service"))

    def add_prefix_list(self, prefix_list_id, name=None):
        """Adds a managed prefix list; its entries are known from now on."""
        self._call(self._lib.model_add_prefix_list,
                   cstr(prefix_list_id, "prefix_list_id"), cstr(name, "name"))

    def add_prefix_list_entry(self, prefix_list_id, cidr):
        """Adds one CIDR to a prefix list (created if absent)."""
        self._call(self._lib.model_add_prefix_list_entry,
                   cstr(prefix_list_id, "prefix_list_id"),
                   cstr(cidr, "cidr"))

    def add_subnet(self, subnet_id, vpc_id, cidr=None, ipv6_cidrs=()):
        """Adds a subnet with its IPv4 CIDR (None for IPv6-only) and,
        through :meth:`add_subnet_cidr`, its IPv6 blocks."""
        self._call(self._lib.model_add_subnet, cstr(subnet_id, "subnet_id"),
                   cstr(vpc_id, "vpc_id"), cstr(cidr, "cidr"))
        for block in ipv6_cidrs:
            self.add_subnet_cidr(subnet_id, block)

    def add_subnet_cidr(self, subnet_id, cidr):
        """Adds an IPv6 CIDR block to a subnet."""
        self._call(self._lib.model_add_subnet_cidr,
                   cstr(subnet_id, "subnet_id"), cstr(cidr, "cidr"))

    def add_vpc(self, vpc_id, cidr=None):
        """Adds a VPC and one of its CIDR blocks (call again for more)."""
        self._call(self._lib.model_add_vpc, cstr(vpc_id, "vpc_id"),
                   cstr(cidr, "cidr"))

    def add_peering(self, peering_id, vpc_a, vpc_b, active=True):
        """Adds a VPC peering connection; only an active one joins the
        two VPCs."""
        self._call(self._lib.model_add_peering,
                   cstr(peering_id, "peering_id"), cstr(vpc_a, "vpc_a"),
                   cstr(vpc_b, "vpc_b"), 1 if active else 0)

    def finalize(self):
        """Resolves every reference and freezes the model: afterwards adding
        or loading raises :class:`sgreach.Busy` and queries may run from
        many threads."""
        self._call(self._lib.model_finalize)
        self._finalized = True

    # ---------------------------------------------------------- reporting --

    @property
    def error(self):
        """The message of the last failed load or add call ("" if none)."""
        with self._cond:
            return _lib.text(self._lib.model_error(self._live())) or ""

    @property
    def warnings(self):
        """The warnings recorded so far (unknown keys, replaced groups,
        dangling references...), as a list of str."""
        with self._cond:
            handle = self._live()
            n = self._lib.model_warning_count(handle)
            return [_lib.text(self._lib.model_warning(handle, i))
                    for i in range(n)]

    @property
    def counts(self):
        """How many groups, rules, endpoints, tasks, prefix lists, subnets
        and VPCs the model holds, as a dict keyed by those plural names
        (``prefix_lists``)."""
        with self._cond:
            handle = self._live()
            return {name: self._lib.model_count(handle, i)
                    for i, name in enumerate(_lib.COUNTS)}

    # ------------------------------------------------------------ queries --

    def select(self, selector):
        """Resolves a selector once (``sgreach_select``) and returns a
        :class:`Selector` to pass to :meth:`query` in place of the str:
        many questions about the same workloads then skip parsing and
        lookups.  Raises as :meth:`query` does for a bad selector."""
        c_text = cstr(selector, "selector")
        out = ctypes.c_void_p()
        with self._reading() as (handle, v):
            rc = self._lib.select(handle, c_text, v, ctypes.byref(out))
            if rc < 0:
                raise self._query_error(rc, v)
        return Selector(self, out.value, selector)

    def query(self, src, dst, flow, family=None):
        """Can ``src`` reach ``dst`` on ``flow``?  Returns a :class:`Verdict`.

        Selectors are an ENI id, an ECS task ARN or id, ``"service:NAME"``
        (``"service:CLUSTER/NAME"`` when several clusters have one),
        an IP address or a CIDR (``"0.0.0.0/0"``), or a :class:`Selector`
        from :meth:`select`.  ``flow`` is a str as
        :func:`sgreach.parse_flow` reads, or a :class:`sgreach.Flow`.
        ``family`` is 4 or 6 (``-4``/``-6``); by default the library picks
        IPv4 unless a selector or the flow says IPv6.  Raises
        :class:`sgreach.InputError` for a bad selector or flow,
        :class:`sgreach.NotFound` for a selector that names nothing loaded,
        :class:`sgreach.Busy` before :meth:`finalize`.
        """
        # The Verdict renders every answer: the library works the rules
        # out in the query rather than again in the first rendering.
        flags = _family_flags(family) | _lib.QUERY_DETAILS
        if isinstance(src, Selector) or isinstance(dst, Selector):
            return self._query_selected(src, dst, flow, flags)
        c_src, c_dst = cstr(src, "src"), cstr(dst, "dst")
        if isinstance(flow, Flow):
            c_flow = flow._struct()
        else:
            c_flow = cstr(flow, "flow")
        lib = self._lib
        with self._reading() as (handle, v):
            if isinstance(c_flow, bytes):
                rc = lib.query(handle, c_src, c_dst, c_flow, flags, v)
            else:
                rc = lib.query_flow(handle, c_src, c_dst, c_flow, flags, v)
            if rc < 0:
                raise self._query_error(rc, v)
            return self._verdict(v)

    def _query_selected(self, src, dst, flow, flags):
        """query() with at least one Selector; a str on the other side is
        resolved for this one question."""
        temp = []
        try:
            sels = []
            for sel in (src, dst):
                if not isinstance(sel, Selector):
                    sel = self.select(sel)
                    temp.append(sel)
                elif sel.model is not self:
                    raise ValueError("%r was selected in another model"
                                     % (sel,))
                sels.append(sel)
            if not isinstance(flow, Flow):
                flow = parse_flow(flow, library=self._lib)
            c_flow = flow._struct()
            with self._reading() as (handle, v):
                rc = self._lib.query_selected(handle, sels[0]._live(),
                                              sels[1]._live(), c_flow,
                                              flags, v)
                if rc < 0:
                    raise self._query_error(rc, v)
                return self._verdict(v)
        finally:
            for sel in temp:
                sel.close()

    #: How many questions :meth:`results` hands to one sgreach_query_many()
    #: call: enough that the call costs nothing per question, few enough
    #: that its buffer (40 bytes a question) stays small.
    _MANY = 1 << 16

    def results(self, questions, family=None):
        """Answers many questions at once: a list with one entry for each
        ``(src, dst, flow)`` of ``questions`` (any iterable), in order.

        An entry is the name of the result :meth:`query` gives
        (``"allowed"``, ``"denied"``, ``"unknown"`` or ``"partial"``, as
        ``Verdict.verdict``), or, for a question that cannot be answered,
        the exception :meth:`query` would raise for it, with the same
        message: an :class:`sgreach.Error` subclass (a selector that names
        nothing, an invalid flow, a family conflict...), or a
        ``TypeError`` / ``ValueError`` for a value of the wrong type, a NUL
        character, a :class:`Selector` closed or of another model.  The
        exceptions are returned, not raised, so that one bad question
        cannot hide thousands of answers::

            answers = model.results(questions)
            for (src, dst, flow), answer in zip(questions, answers):
                if isinstance(answer, Exception):
                    print("cannot ask", src, dst, flow, ":", answer)
                elif answer != "allowed":
                    print(src, dst, flow, answer)

        ``src`` and ``dst`` are selector strings or :class:`Selector`
        objects from :meth:`select`, mixed as you like; each distinct
        string is resolved once for the whole call (one that cannot be
        resolved gives its questions the exception :meth:`select` raises).
        ``flow`` is a str or a :class:`sgreach.Flow`; ``family`` (4, 6 or
        None) applies to every question, as in :meth:`query`.

        The answers are results only: ask :meth:`query` for the rules
        behind one.  Without a verdict to render for each, and with one
        ``sgreach_query_many`` call for up to 65,536 questions, this is
        many times faster than a loop of :meth:`query`.  Thread-safe as
        :meth:`query` is.

        Raises only for the call as a whole: ``ValueError`` for a closed
        model or a bad ``family``, :class:`sgreach.Busy` before
        :meth:`finalize`, ``TypeError`` when ``questions`` is not iterable
        or one of its items is not three values.
        """
        flags = _family_flags(family)
        with self._cond:
            self._live()
            if not self._finalized:
                code = -errno.EBUSY
                raise error_for(code, self._lib.describe(code),
                                "the model is not finalized")
        out = []
        many = _Many(self, flags)
        it = iter(questions)
        try:
            while True:
                # Taken from the iterable outside _reading(): a generator
                # may close a Selector, which waits for running readers.
                batch = list(itertools.islice(it, self._MANY))
                if not batch:
                    return out
                with self._reading() as (handle, v):
                    out += many.ask(batch, handle, v)
        finally:
            many.free()

    def _verdict(self, v):
        """The Verdict held by the C verdict object v."""
        lib = self._lib
        result = lib.verdict_result(v)
        rendered = lib.verdict_render(v, _lib.FORMAT_JSON)
        if rendered is None:
            raise self._oom("sgreach_verdict_render")
        text = lib.verdict_render(v, _lib.FORMAT_TEXT)
        if text is None:
            raise self._oom("sgreach_verdict_render")
        name = _lib.text(lib.result_name(result))
        return Verdict(result, name, rendered.decode("utf-8", "replace"),
                       text.decode("utf-8", "replace"))

    @contextlib.contextmanager
    def _reading(self):
        """Yields the model's handle and a fresh verdict object for one
        query or analysis.  Each call gets its own verdict object, so
        threads share nothing but the immutable model (ctypes drops the GIL
        inside the C calls); close() waits until every reader is done."""
        lib = self._lib
        with self._cond:
            handle = self._live()
            self._queries += 1
        v = None
        try:
            v = lib.verdict_new()
            if not v:
                raise self._oom("sgreach_verdict_new")
            yield handle, v
        finally:
            lib.verdict_free(v)
            with self._cond:
                self._queries -= 1
                self._cond.notify_all()

    def _query_error(self, rc, v):
        detail = _lib.text(self._lib.verdict_error(v))
        return error_for(rc, self._lib.describe(rc), detail)

    # ----------------------------------------------------------- analyses --

    def _analysis(self, name, args, flags, format):
        """Runs sgreach_NAME(handle, *args, flags, fmt, ctx, &out).  Returns
        the JSON output parsed (format "json"), else the text."""
        fmt = _choice(_lib.FORMATS, format, "format")
        fn = getattr(self._lib, name)
        out = ctypes.c_char_p()
        with self._reading() as (handle, ctx):
            rc = fn(handle, *args, flags, fmt, ctx, ctypes.byref(out))
            if rc < 0:
                raise self._query_error(rc, ctx)
            if out.value is None:
                raise self._oom("sgreach_" + name)
            text = out.value.decode("utf-8", "replace")
        if fmt == _lib.FORMAT_JSON:
            return json.loads(text)
        return text

    def ports(self, src, dst, family=None, format="json"):
        """Every flow ``src`` may open to ``dst``, as merged ranges, with
        the rules behind them: a dict with ``allowed``, ``partial`` and
        ``unknown`` (lists of canonical flow strings such as
        ``"tcp/8000-8080"``) and ``rules`` (``sgreach ports -o json``).
        ``format="text"`` returns the text instead."""
        return self._analysis("ports", (cstr(src, "src"), cstr(dst, "dst")),
                              _family_flags(family), format)

    def who(self, dst, flow=None, family=None, format="json"):
        """Every source that can reach ``dst`` (on ``flow``, or with the
        flows each may use): a dict with ``sources`` (loaded interfaces,
        tasks, services) and ``external`` (address ranges outside the
        model).  Formats: json (parsed), text, csv."""
        return self._analysis("who", (cstr(dst, "dst"), cstr(flow, "flow")),
                              _family_flags(family), format)

    def reach(self, src, flow=None, family=None, format="json"):
        """Every destination ``src`` can reach: the mirror of :meth:`who`.
        Formats: json (parsed), text, csv."""
        return self._analysis("reach", (cstr(src, "src"), cstr(flow, "flow")),
                              _family_flags(family), format)

    def matrix(self, flow=None, group_by="service", family=None,
               format="json", classes=False):
        """All pairs of nodes with the flows allowed between them:
        ``group_by`` is ``"service"`` (a service's tasks are one node),
        ``"group"`` or ``"none"`` (every interface).  A dict whose ``pairs``
        list has ``src``, ``dst``, ``allowed``, ``partial``, ``unknown``.
        Formats: json (parsed), text, csv, dot.

        ``classes=True`` gives the class form (json, text), whose size grows
        with the classes rather than the nodes squared: ``sources`` and
        ``destinations`` (lists of classes, each a list of node names),
        ``pairs`` (``src`` class, ``dst`` classes, ``answer``, indexes) and
        ``answers`` (``allowed``, ``partial``, ``unknown``).  An entry
        stands for every pair of distinct nodes, one in each class."""
        flags = _family_flags(family)
        if classes:
            flags |= _lib.MATRIX_CLASSES
        return self._analysis(
            "matrix", (cstr(flow, "flow"),
                       _choice(_lib.GROUP_BY, group_by, "group_by")),
            flags, format)

    def exposure(self, family=None, format="json"):
        """Every endpoint that accepts flows from internet addresses, with
        the flows, the ranges, the ingress rules responsible and whether it
        is ``addressable`` from the internet.  Formats: json (parsed),
        text."""
        return self._analysis("exposure", (), _family_flags(family), format)

    # ------------------------------------------------------------- review --

    def _review(self, name, args, format):
        """Runs sgreach_NAME(*args, fmt, ctx, &out, &count) with a fresh
        context; returns (output parsed for "json" else text, count)."""
        fmt = _choice(_lib.FORMATS, format, "format")
        fn = getattr(self._lib, name)
        out = ctypes.c_char_p()
        count = ctypes.c_int(0)
        with self._reading() as (handle, ctx):
            rc = fn(*[handle if a is self else a for a in args], fmt, ctx,
                    ctypes.byref(out), ctypes.byref(count))
            if rc < 0:
                raise self._query_error(rc, ctx)
            if out.value is None:
                raise self._oom("sgreach_" + name)
            text = out.value.decode("utf-8", "replace")
        if fmt == _lib.FORMAT_JSON:
            return json.loads(text), count.value
        return text, count.value

    def lint(self, format="json"):
        """Findings about the model (``sgreach lint``): a dict whose
        ``findings`` list has ``code`` ("SG001"...), ``severity`` ("info",
        "low", "medium", "high"), ``message``, ``objects`` and ``hint``.
        Formats: json (parsed), text."""
        out, _ = self._review("lint", (self, 0), format)
        return out

    def lint_worst(self):
        """The highest severity among the findings ("info" ... "high"), or
        None when there is none: what ``sgreach lint --fail-on`` compares."""
        _, worst = self._review("lint", (self, 0), "text")
        for name, value in _lib.SEVERITIES.items():
            if value == worst:
                return name
        return None

    def diff(self, new, family=None, format="json"):
        """Connectivity that changed from this model to ``new`` (another
        finalized :class:`Model`): a dict with ``gained`` and ``lost``
        lists of ``src``, ``dst``, ``flows`` and ``changes`` (``sgreach
        diff -o json``).  Formats: json (parsed), text."""
        if not isinstance(new, Model):
            raise TypeError("new must be a Model, not %r" % (new,))
        with new._reading() as (new_handle, _):
            out, _ = self._review("diff",
                                  (self, new_handle, _family_flags(family)),
                                  format)
        return out

    def check(self, assertions, name=None, family=None, format="json"):
        """Checks assertions (``sgreach check``): lines "SRC DST FLOW
        EXPECTED" or a JSON array of {"src", "dst", "flow", "expect"}, as
        str, bytes or a list of such dicts.  Returns a dict with
        ``results``, ``passed`` and ``failed`` (json), or the text."""
        if isinstance(assertions, (list, tuple)):
            assertions = json.dumps(list(assertions))
        if isinstance(assertions, str):
            assertions = assertions.encode("utf-8")
        if not isinstance(assertions, bytes):
            raise TypeError("assertions must be str, bytes or a list")
        out, _ = self._review(
            "check", (self, assertions, len(assertions), cstr(name, "name"),
                      _family_flags(family)), format)
        return out


class _Many:
    """One call of Model.results(): what it resolved, for its later
    questions, and the asking of one batch (inside Model._reading())."""

    def __init__(self, model, flags):
        self.model = model
        self.lib = model._lib
        self.flags = flags
        # selector (str, bytes or Selector) -> handle, and flow (str or
        # bytes) -> Flow; or the exception to give, copied for each
        # question.  The handles of strings are this call's own, freed by
        # free(); a Selector is looked at again in each batch (it may have
        # been closed between two) and kept alive by the batch.
        self.handles = {}
        self.flows = {}
        self.owned = []
        self.selectors = []
        self.names = _ResultNames(self.lib)

    def free(self):
        for h in self.owned:
            self.lib.selector_free(h)
        self.owned = []

    def ask(self, batch, handle, v):
        """The entries of a batch of questions: resolves what they need,
        asks those that got that far in one sgreach_query_many() call."""
        lib, handles, flows = self.lib, self.handles, self.flows
        for sel in self.selectors:
            del handles[sel]
        self.selectors = []
        row = _lib.QUESTION_ROW
        pack, flags = row.pack, self.flags
        entries = [None] * len(batch)
        rows = []  # the questions to ask, packed as struct sgreach_question
        where = []  # the index in entries of each
        for i, question in enumerate(batch):
            try:
                src, dst, flow = question
            except (TypeError, ValueError):
                raise TypeError("a question is a (src, dst, flow) tuple, "
                                "not %r" % (question,)) from None
            # The common case, every side resolved before: no calls.
            try:
                s, d = handles[src], handles[dst]
                f = flow if flow.__class__ is Flow else flows[flow]
            except (KeyError, TypeError):
                s = d = f = None
            if not (s.__class__ is int and d.__class__ is int
                    and f.__class__ is Flow):
                s = self.selector(src, "src", handle, v)
                d = self.selector(dst, "dst", handle, v)
                f = self.flow(flow, handle, v)
                if not (s.__class__ is int and d.__class__ is int
                        and isinstance(f, Flow)):
                    entries[i] = _first_error(s, d, f)
                    continue
            try:
                rows.append(pack(s, d, f[0], f[1], f[2], flags, 0, 0))
            except struct.error as exc:  # Flow("x"), Flow(2 ** 40)
                entries[i] = ValueError("invalid flow %r: %s"
                                        % (tuple(f), exc))
                continue
            where.append(i)
        if not rows:
            return entries
        n = len(rows)
        buf = bytearray(b"".join(rows))
        rc = lib.query_many(handle,
                            (_lib.QuestionStruct * n).from_buffer(buf), n, v)
        # v holds the message of the first question that failed; the
        # others are asked again, one by one, for theirs.
        first = _lib.text(lib.verdict_error(v)) if rc < 0 else None
        with memoryview(buf).cast("i") as words:
            size = words.itemsize
            step = row.size // size
            results = words[_lib.QuestionStruct.result.offset
                            // size::step].tolist()
            errors = words[_lib.QuestionStruct.error.offset
                           // size::step].tolist()
        names = self.names
        if rc == 0 and n == len(entries):
            return list(map(names.__getitem__, results))
        for k, (i, r, e) in enumerate(zip(where, results, errors)):
            if not e:
                entries[i] = names[r]
                continue
            if first is not None:
                detail, first = first, None
            else:
                s, d, p, port, code, fl, _, _ = row.unpack_from(
                    buf, k * row.size)
                again = lib.query_selected(
                    handle, s, d, _lib.FlowStruct(p, port, code), fl, v)
                detail = _lib.text(lib.verdict_error(v)) if again == e \
                    else None
            entries[i] = error_for(e, lib.describe(e), detail)
        return entries

    def selector(self, sel, what, handle, v):
        """The handle of one side of a question, or the exception query()
        would raise for it."""
        handles = self.handles
        if isinstance(sel, Selector):
            if sel._model is not self.model:
                got = ValueError("%r was selected in another model" % (sel,))
            else:
                # Read inside _reading(): close() cannot free it until
                # the batch is answered.
                got = sel._handle or ValueError("operation on a closed "
                                                "sgreach.Selector")
            if sel not in handles:
                handles[sel] = got
                self.selectors.append(sel)
            return got if got.__class__ is int else copy.copy(got)
        try:
            got = handles.get(sel)
        except TypeError:  # unhashable: cstr() refuses it below
            got = None
        if got is None:
            try:
                c_text = cstr(sel, what)
            except (TypeError, ValueError) as exc:
                return exc
            got = handles.get(c_text)  # "eni-1" after b"eni-1"
            if got is None:
                out = ctypes.c_void_p()
                rc = self.lib.select(handle, c_text, v, ctypes.byref(out))
                if rc < 0:
                    got = self.model._query_error(rc, v)
                else:
                    got = out.value
                    self.owned.append(got)
                handles[c_text] = got
            with contextlib.suppress(TypeError):
                handles[sel] = got
        return copy.copy(got) if isinstance(got, BaseException) else got

    def flow(self, flow, handle, v):
        """A question's flow as a Flow, or the exception query() would
        raise for it."""
        if isinstance(flow, Flow):
            return flow
        try:
            got = self.flows.get(flow)
        except TypeError:
            got = None
        if got is None:
            try:
                c_flow = cstr(flow, "flow")
            except (TypeError, ValueError) as exc:
                return exc
            lib = self.lib
            st = _lib.FlowStruct()
            rc = lib.flow_parse(c_flow, ctypes.byref(st))
            if rc >= 0:
                got = Flow(st.protocol, st.port, st.code)
            else:
                # sgreach_flow_parse() says only -EINVAL; sgreach_query()
                # reads the flow before the selectors and says what is
                # wrong with it: the message query() raises.
                again = lib.query(handle, b"", b"", c_flow, 0, v)
                detail = _lib.text(lib.verdict_error(v)) if again == rc \
                    else "invalid flow %r" % (flow,)
                got = error_for(rc, lib.describe(rc), detail)
            with contextlib.suppress(TypeError):
                self.flows[flow] = got
        return copy.copy(got) if isinstance(got, BaseException) else got


class _ResultNames(dict):
    """sgreach_result -> its name, each asked of the library once."""

    def __init__(self, lib):
        super().__init__()
        self._lib = lib

    def __missing__(self, result):
        name = self[result] = _lib.text(self._lib.result_name(result))
        return name


def _first_error(src, dst, flow):
    """The exception query() raises for a question of Model.results()
    whose sides are these, one of them at least an exception: a Python-side
    mistake first, then the flow (sgreach_query() reads it first), the
    source, the destination."""
    sides = (src, dst, flow)
    for side in sides:
        if isinstance(side, BaseException) and not isinstance(side, Error):
            return side
    for side in (flow, src, dst):
        if isinstance(side, BaseException):
            return side
    raise AssertionError("no error in %r" % (sides,))


class Selector(_Owned):
    """A selector resolved once against a :class:`Model`
    (``sgreach_select``), made by :meth:`Model.select`.  Pass it to
    :meth:`Model.query` in place of the str it was made from; the answer
    is the same.  It is read-only, so threads may share it.  Freed by
    :meth:`close` (or when collected); it keeps its model alive."""

    _FREE = "selector_free"

    def __init__(self, model, handle, text):
        self._model = model
        self._handle = handle
        self._text = text

    def _owner(self):
        return self._model

    @property
    def model(self):
        """The :class:`Model` it was resolved against."""
        return self._model

    @property
    def text(self):
        """The selector as given to :meth:`Model.select`."""
        return self._text

    def __repr__(self):
        state = " closed" if not self._handle else ""
        return "<sgreach.Selector %r%s>" % (self._text, state)


class Verdict:
    """The answer to one query.

    ``verdict`` is ``"allowed"``, ``"denied"``, ``"unknown"`` or
    ``"partial"`` (``result`` the C enum's number); ``bool(v)`` is true only
    when allowed.  ``egress`` and ``ingress`` are dicts with ``verdict``,
    ``reason``, ``rules`` (the rules that decided) and ``missing`` (the
    group and prefix-list ids the answer depends on).  :meth:`to_dict` is
    the object ``sgreach query -o json`` prints, ``text`` the sentence
    ``sgreach query`` prints, ``json`` the raw JSON text.
    """

    __slots__ = ("result", "verdict", "json", "text", "_parsed")

    def __init__(self, result, verdict, json_text, text):
        self.result = result
        self.verdict = verdict
        self.json = json_text
        self.text = text
        self._parsed = None

    @property
    def _data(self):
        # Parsed on first use: decoding the JSON costs more than the query
        # itself, and a script that only tests bool(v) never needs it.
        if self._parsed is None:
            self._parsed = json.loads(self.json)
        return self._parsed

    def __bool__(self):
        return self.verdict == "allowed"

    def __repr__(self):
        d = self._data
        return "<sgreach.Verdict %s: %s -> %s %s>" % (
            self.verdict, d.get("src", {}).get("selector"),
            d.get("dst", {}).get("selector"), d.get("flow"))

    def __str__(self):
        return self.text

    def to_dict(self):
        """The verdict as the CLI's JSON object (a fresh copy each call)."""
        return json.loads(self.json)

    @property
    def src(self):
        """What the source selector resolved to (dict)."""
        return self._data.get("src")

    @property
    def dst(self):
        """What the destination selector resolved to (dict)."""
        return self._data.get("dst")

    @property
    def flow(self):
        """The flow, canonical text."""
        return self._data.get("flow")

    @property
    def family(self):
        """4 or 6."""
        return self._data.get("family")

    @property
    def egress(self):
        """The source's side: verdict, reason, rules, missing."""
        return self._data.get("egress")

    @property
    def ingress(self):
        """The destination's side: verdict, reason, rules, missing."""
        return self._data.get("ingress")

    @property
    def rules(self):
        """Every rule that decided, egress side first (list of dicts)."""
        return [rule for side in (self.egress, self.ingress) if side
                for rule in side.get("rules") or ()]

    @property
    def reasons(self):
        """Why each side is not simply allowed by a rule: ``{"egress":
        reason or None, "ingress": reason or None}`` with the JSON's reason
        codes (``"no-matching-rule"``, ``"group-rules-missing"``...)."""
        return {side: (self._data.get(side) or {}).get("reason")
                for side in ("egress", "ingress")}

    @property
    def missing(self):
        """The ids of groups and prefix lists whose absence the answer
        depends on, both sides, sorted."""
        ids = set()
        for side in (self.egress, self.ingress):
            ids.update((side or {}).get("missing") or ())
        return sorted(ids)

    @property
    def members(self):
        """For a partial verdict, which members fall on each side; else []."""
        return self._data.get("members") or []

    @property
    def warnings(self):
        """Warnings about this query (list of str)."""
        return self._data.get("warnings") or []
