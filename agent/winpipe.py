"""The channel on Windows: a named pipe with an ACL, the client known by its process id.

WRITTEN, UNIT-TESTED FOR THE CALLS IT MAKES, NOT YET RUN ON WINDOWS.

The service (LocalSystem) creates `\\\\.\\pipe\\telecentre-agent` as the first
and only instance (FILE_FLAG_FIRST_PIPE_INSTANCE: if the public user created
the name first, the service refuses to start instead of talking to an
impostor), local clients only, with a protected DACL: SYSTEM and
Administrators full control, the public user read and write of data and
nothing else — in particular not FILE_CREATE_PIPE_INSTANCE (which is the
same bit as FILE_APPEND_DATA, so GENERIC_WRITE would grant it). A client is
accepted only when GetNamedPipeClientProcessId names the lock screen the
service started in the user's session (`agent.winlaunch`), as SO_PEERCRED
does on Linux.

`api` is anything with the Win32 functions used here; `Win32Api()` binds the
real ones through ctypes, the tests pass a recorder.
"""

import re

PIPE_NAME = r"\\.\pipe\telecentre-agent"
PIPE_ACCESS_DUPLEX = 0x00000003
FILE_FLAG_FIRST_PIPE_INSTANCE = 0x00080000
PIPE_TYPE_BYTE, PIPE_READMODE_BYTE, PIPE_WAIT = 0x0, 0x0, 0x0
PIPE_REJECT_REMOTE_CLIENTS = 0x00000008
INVALID_HANDLE_VALUE = -1
ERROR_PIPE_CONNECTED = 535
# FILE_READ_DATA | FILE_WRITE_DATA | FILE_READ_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE
CLIENT_RIGHTS = 0x0001 | 0x0002 | 0x0080 | 0x00020000 | 0x00100000
SID_PATTERN = re.compile(r"^S-1-5-21(-\d{1,10}){4}$")


def pipe_sddl(public_sid):
    """The pipe's security descriptor: system and admins full, the public user data only."""
    if not SID_PATTERN.match(public_sid or ""):
        raise ValueError(f"not a local account SID: {public_sid!r}")
    return f"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x{CLIENT_RIGHTS:x};;;{public_sid})"


class PipeRefused(Exception):
    """The pipe could not be created as ours alone, or a client was not our lock screen."""


class PipeServer:
    """One pipe instance at a time; `accept(owns)` returns a handle of our lock screen."""

    def __init__(self, api, public_sid, name=PIPE_NAME):
        self.api = api
        self.name = name
        self.sddl = pipe_sddl(public_sid)
        self._first = True

    def _create(self):
        attributes = self.api.security_attributes(self.sddl)
        flags = PIPE_ACCESS_DUPLEX | (FILE_FLAG_FIRST_PIPE_INSTANCE if self._first else 0)
        handle = self.api.CreateNamedPipeW(
            self.name, flags,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            1, 65536, 65536, 0, attributes)
        if handle == INVALID_HANDLE_VALUE:
            raise PipeRefused(f"cannot create {self.name} (another process owns the name?)")
        self._first = False
        return handle

    def accept(self, owns):
        """Wait for a client; keep it only if `owns(pid)`; refused ones are disconnected."""
        while True:
            handle = self._create()
            if not self.api.ConnectNamedPipe(handle, None) and (
                    self.api.GetLastError() != ERROR_PIPE_CONNECTED):
                self.api.CloseHandle(handle)
                continue
            pid = self.api.GetNamedPipeClientProcessId(handle)
            if pid is not None and owns(pid):
                return handle, pid
            self.api.DisconnectNamedPipe(handle)
            self.api.CloseHandle(handle)


class Win32Api:  # pragma: no cover - Windows only
    """The real functions, through ctypes."""

    def __init__(self):
        import ctypes
        from ctypes import wintypes

        self._ctypes, self._wintypes = ctypes, wintypes
        self.k32 = ctypes.WinDLL("kernel32", use_last_error=True)
        self.adv = ctypes.WinDLL("advapi32", use_last_error=True)
        self.k32.CreateNamedPipeW.restype = wintypes.HANDLE

    def security_attributes(self, sddl):
        ctypes, wintypes = self._ctypes, self._wintypes

        class SecurityAttributes(ctypes.Structure):
            _fields_ = [("nLength", wintypes.DWORD), ("lpSecurityDescriptor", ctypes.c_void_p),
                        ("bInheritHandle", wintypes.BOOL)]

        descriptor = ctypes.c_void_p()
        if not self.adv.ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl, 1, ctypes.byref(descriptor), None):
            raise OSError(ctypes.get_last_error(), "bad security descriptor")
        attributes = SecurityAttributes(ctypes.sizeof(SecurityAttributes), descriptor, False)
        return ctypes.byref(attributes)

    def CreateNamedPipeW(self, *args):  # noqa: N802 - the Win32 name
        handle = self.k32.CreateNamedPipeW(*args)
        return INVALID_HANDLE_VALUE if handle in (None, 2**64 - 1, 2**32 - 1) else handle

    def ConnectNamedPipe(self, handle, overlapped):  # noqa: N802
        return bool(self.k32.ConnectNamedPipe(handle, overlapped))

    def GetLastError(self):  # noqa: N802
        return self._ctypes.get_last_error()

    def GetNamedPipeClientProcessId(self, handle):  # noqa: N802
        pid = self._wintypes.ULONG()
        if not self.k32.GetNamedPipeClientProcessId(handle, self._ctypes.byref(pid)):
            return None
        return pid.value

    def DisconnectNamedPipe(self, handle):  # noqa: N802
        self.k32.DisconnectNamedPipe(handle)

    def CloseHandle(self, handle):  # noqa: N802
        self.k32.CloseHandle(handle)
