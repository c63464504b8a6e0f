"""Output files that never damage what the user had.

`check_outputs` runs before any computation: every requested output must be writable, must
not be one of the inputs (compared after following symlinks, and by device and inode), no
two outputs may name one file, and an existing target must be a regular file (a device,
FIFO, socket or folder is refused). `-` stands for standard output.

`atomic_file` writes a temporary file in the target's folder and renames it over the
target, so a failure or an interruption leaves the old file intact and no stray file. A
symlink is followed (its target is replaced, the link stays) and an existing file keeps its
permission bits.

Front-end module (it may write to standard output); the core never imports it.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from typing import Iterable, Optional

from sim.errors import Problem, ScenarioError

STDOUT = "-"


def _refuse(option: str, path: str, rule: str, fix: str) -> ScenarioError:
    return ScenarioError(Problem(option, 0, 0, "", repr(path), rule, fix))


def _identity(path: str) -> Optional[tuple[int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _temp_prefix(target: str) -> str:
    return "." + os.path.basename(target) + "."


def check_output(path: str, option: str) -> str:
    """The real target of one output path (symlinks followed), or a located ScenarioError
    when it cannot be written. `-` is returned as is."""
    if path == STDOUT:
        return path
    if not path:
        raise _refuse(option, path, "an empty file name", "give a file name, or - for standard output")
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    if os.path.lexists(target):
        mode = os.stat(target).st_mode if os.path.exists(target) else 0
        if stat.S_ISDIR(mode):
            raise _refuse(option, path, "this is a folder", "give a file name")
        if not stat.S_ISREG(mode):
            raise _refuse(option, path, "not a regular file (a device, FIFO or socket): it "
                          "would be replaced", "write to a regular file, or - for standard output")
    if not os.path.isdir(folder):
        raise _refuse(option, path, f"the folder {folder!r} does not exist",
                      "create it first or write elsewhere")
    try:                       # the writer's own temporary name: too long, no permission...
        fd, probe = tempfile.mkstemp(dir=folder, prefix=_temp_prefix(target), suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        reason = ("the file name is too long" if error.errno == errno.ENAMETOOLONG
                  else f"cannot write in {folder!r} ({error.strerror})")
        raise _refuse(option, path, reason, "choose a shorter name or a folder you can write to")
    return target


def check_outputs(outputs: Iterable[tuple[Optional[str], str]], inputs: Iterable[str] = ()) -> None:
    """Check every (path, option) output (None: not requested) before any work: writable,
    not an input, not twice the same file, at most one to standard output."""
    input_ids = {}
    for name in inputs:
        if name:
            input_ids[os.path.realpath(name)] = name
            ident = _identity(name)
            if ident is not None:
                input_ids[ident] = name
    seen: dict = {}
    for path, option in outputs:
        if path is None:
            continue
        target = check_output(path, option)
        keys = [target] if target == STDOUT else [target, _identity(target)]
        for key in keys:
            if key is None:
                continue
            if key in input_ids:
                raise _refuse(option, path, f"this is an input of the run ({input_ids[key]}): "
                              "writing it would destroy it", "write the output to another file")
            if key in seen:
                what = "standard output" if target == STDOUT else "the same file"
                raise _refuse(option, path, f"{seen[key]} already writes to {what}",
                              "give each output its own file")
        for key in keys:
            if key is not None:
                seen[key] = option


@contextlib.contextmanager
def atomic_file(path, binary: bool = False):
    """Open a temporary file beside the real target of `path` (symlinks followed); on
    success rename it over the target, keeping an existing target's permission bits; on any
    error or interruption remove it and re-raise (the target is left untouched). `-`
    yields standard output. Refuses (OSError) to replace anything but a regular file."""
    path = os.fspath(path)
    if path == STDOUT:
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = os.path.realpath(path)
    mode = None
    if os.path.lexists(target):
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EEXIST, f"not a regular file, left alone: {path}")
        mode = stat.S_IMODE(st.st_mode)
    if mode is None:           # a new file: the usual mode (mkstemp makes it 0600)
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target) or ".", prefix=_temp_prefix(target),
                               suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb" if binary else "w",
                       **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
