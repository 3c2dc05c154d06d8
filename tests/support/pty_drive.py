"""Drives a program on a pseudo-terminal: waits for each prompt, types a line, and prints
everything the program wrote. Usage: pty_drive.py PROMPT=LINE ... -- PROGRAM ARGS...
Every wait is bounded (10 s); a missing prompt exits 3 with what was seen."""
import os, pty, select, sys

def main():
    sep = sys.argv.index("--")
    steps = [a.split("=", 1) for a in sys.argv[1:sep]]
    argv = sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    seen = b""

    def wait_for(text):
        nonlocal seen
        while text.encode() not in seen:
            ready, _, _ = select.select([fd], [], [], 10)
            if not ready:
                sys.stdout.write(seen.decode(errors="replace"))
                sys.exit(3)
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                sys.stdout.write(seen.decode(errors="replace"))
                sys.exit(3)
            seen += chunk
        # Later waits look only at what comes after this prompt.
        head, _, tail = seen.partition(text.encode())
        sys.stdout.write((head + text.encode()).decode(errors="replace"))
        seen = tail

    for prompt, line in steps:
        wait_for(prompt)
        os.write(fd, line.encode().replace(b"^D", b"\x04") + (b"" if line == "^D" else b"\r"))
    while True:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    sys.stdout.write(seen.decode(errors="replace"))
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))

main()
