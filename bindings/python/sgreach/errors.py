"""Exceptions raised for the negative errno codes libsgreach returns."""

import errno as _errno


class Error(Exception):
    """Base of every sgreach exception.

    ``code`` is the negative value the C function returned, ``errno`` its
    positive errno (``errno.EINVAL``...), ``strerror`` the library's
    description of it (``sgreach_strerror``) and ``detail`` the library's
    message about this particular failure (for input errors: the file, the
    JSON path and what was expected), or None.  ``str(exc)`` is the detail
    when there is one, else the description.
    """

    def __init__(self, message, code=None, strerror=None, detail=None):
        super().__init__(message)
        self.code = code
        self.errno = -code if code is not None else None
        self.strerror = strerror
        self.detail = detail

    @property
    def message(self):
        """The most specific text known: the detail, else the description."""
        return self.args[0]


class InputError(Error, ValueError):
    """-EINVAL: invalid input (a document, a selector, a flow, an argument)."""


class NotFound(Error, LookupError):
    """-ENOENT: a file, an endpoint or a selector that names nothing."""


class Busy(Error):
    """-EBUSY: the model is finalized (adding) or not yet (querying)."""


class Exists(Error):
    """-EEXIST: an endpoint or task id that was already added."""


class TooBig(Error):
    """-E2BIG: input over the documented limits."""


class OutOfMemory(Error, MemoryError):
    """-ENOMEM."""


class FileError(Error):
    """-EACCES, -EISDIR, -EIO: a file that cannot be read."""


class LibraryError(Error, OSError):
    """libsgreach cannot be found or is not the expected library."""

    def __init__(self, message):
        Error.__init__(self, message)

    def __str__(self):
        # OSError would print "[Errno None] None": there is no errno here.
        return self.args[0]


_BY_ERRNO = {
    _errno.EINVAL: InputError,
    _errno.ENOENT: NotFound,
    _errno.EBUSY: Busy,
    _errno.EEXIST: Exists,
    _errno.E2BIG: TooBig,
    _errno.ENOMEM: OutOfMemory,
    _errno.EACCES: FileError,
    _errno.EISDIR: FileError,
    _errno.EIO: FileError,
}


def error_for(code, strerror, detail=None):
    """Returns the exception for a negative return code."""
    cls = _BY_ERRNO.get(-code, Error)
    detail = detail or None
    return cls(detail or strerror, code=code, strerror=strerror,
               detail=detail)
