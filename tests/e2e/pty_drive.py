#!/usr/bin/env python3
"""Drive a program through a pseudo-terminal, for the end-to-end tests.

usage: pty_drive.py [--timeout S] [--echo-after] STEP... -- CMD [ARG...]

Steps, in order:
  expect=TEXT    wait until TEXT has appeared in the output (since the
                 previous expect)
  send=TEXT      type TEXT and Enter
  signal=NAME    send signal NAME (e.g. INT) to the program
The whole transcript is printed on stdout.  Exit status: the program's
(128 + N when killed by signal N), or 99 when an expect timed out.
--echo-after prints "pty-echo: on|off" last: whether the terminal echoes
after the program ended (a no-echo prompt must restore it).
"""
import os
import pty
import select
import signal
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    timeout = 10.0
    echo_after = False
    steps = []
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--timeout":
            timeout = float(args.pop(0))
        elif a == "--echo-after":
            echo_after = True
        else:
            kind, _, text = a.partition("=")
            if kind not in ("expect", "send", "signal"):
                sys.exit("pty_drive: bad step %r" % a)
            steps.append((kind, text))
    if not args or len(args) < 2:
        sys.exit(__doc__)
    cmd = args[1:]

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    out = b""
    seen = 0  # expectations match after this offset

    def pump(wait):
        nonlocal out
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        out += data
        return True

    status = 0
    for kind, text in steps:
        if kind == "expect":
            want = text.encode()
            deadline = time.monotonic() + timeout
            while out.find(want, seen) < 0:
                left = deadline - time.monotonic()
                if left <= 0 or not pump(min(left, 0.2)):
                    if out.find(want, seen) >= 0:
                        break
                    sys.stdout.write(out.decode("utf-8", "replace"))
                    sys.stderr.write("pty_drive: timed out waiting for %r\n" % text)
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    sys.exit(99)
            seen = out.find(want, seen) + len(want)
        elif kind == "send":
            time.sleep(0.05)  # let the program reach its read()
            os.write(fd, text.encode() + b"\n")
        elif kind == "signal":
            time.sleep(0.05)
            os.kill(pid, getattr(signal, "SIG" + text))

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pump(0.2):
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            while pump(0.05):
                pass
            status = st
            break
    else:
        done, st = os.waitpid(pid, os.WNOHANG)
        if not done:
            os.kill(pid, signal.SIGKILL)
            done, st = os.waitpid(pid, 0)
        status = st
    if done == 0:
        _, status = os.waitpid(pid, 0)
    echo = None
    if echo_after:
        try:
            echo = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
        except termios.error:
            echo = None
    sys.stdout.write(out.decode("utf-8", "replace"))
    if echo_after:
        sys.stdout.write("\npty-echo: %s\n" % ("on" if echo else "off" if echo is False else "unknown"))
    sys.stdout.flush()
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
