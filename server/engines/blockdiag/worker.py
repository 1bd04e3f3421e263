"""
The blockdiag family (blockdiag, seqdiag, actdiag, nwdiag, packetdiag, rackdiag) in one
long-lived Python process, speaking the CommandWorker frame protocol on stdin/stdout
(server/runtimes/command-runner.ts):

    uint32 BE header length | JSON header | uint32 BE body length | body

It sends {"type": "hello", "info": {...versions}} once the libraries are imported, then
answers each {"id", "method": "render"} request (body: JSON with module, format, flags and
source) with the picture, or with {"ok": false, "error": {"message", "line"?, "kind"}}.
Kroki runs the blockdiag command once per diagram (~240 ms, mostly imports); here the
imports are paid once and a small diagram takes a few milliseconds.

Run as `python3 -I worker.py --font F [--wide-font W] [--memory-mb N]`.
"""

import argparse
import copy
import importlib
import io
import json
import os
import re
import struct
import sys
import warnings

# Frames only on the real stdout: keep a private handle on it, then point file descriptor 1
# (and sys.stdout) at stderr, so nothing a library prints, from Python or from C, can land
# in the middle of a frame.
_frames_out = os.fdopen(os.dup(1), "wb", buffering=0)
os.dup2(2, 1)
sys.stdout = sys.stderr
_frames_in = sys.stdin.buffer

# Pillow 9 warns about Image.ANTIALIAS on every PNG blockdiag saves.
warnings.simplefilter("ignore", DeprecationWarning)

MODULES = ("blockdiag", "seqdiag", "actdiag", "nwdiag", "packetdiag", "rackdiag")
MAX_HEADER = 1 << 20


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--font", default="")
    p.add_argument("--wide-font", default="")
    p.add_argument("--memory-mb", type=int, default=0)
    return p.parse_args()


ARGS = parse_args()

if ARGS.memory_mb > 0:
    # A diagram can ask for a canvas of any size (node_width = 30000): Pillow would then
    # allocate and blur gigabytes. With an address-space cap that allocation fails with a
    # MemoryError, which is answered as an error, instead of exhausting the machine.
    import resource

    cap = ARGS.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

import blockdiag.imagedraw  # noqa: E402
import blockdiag.elements  # noqa: E402
import blockdiag.plugins  # noqa: E402
import blockdiag.utils.images  # noqa: E402
from blockdiag.utils.fontmap import FontMap  # noqa: E402

LIBS = {}
for _name in MODULES:
    LIBS[_name] = (
        importlib.import_module(_name),
        importlib.import_module(_name + ".parser"),
        importlib.import_module(_name + ".builder"),
        importlib.import_module(_name + ".drawer"),
    )

# Loads the PNG, SVG and PDF drawers now rather than on the first render; a drawer whose
# dependency is missing (reportlab for PDF) is skipped silently by blockdiag.
blockdiag.imagedraw.init_imagedrawers()
PDF = "pdf" in blockdiag.imagedraw.drawers
if PDF:
    from reportlab import rl_config

    # reportlab wraps page streams in ASCII85 by default: a quarter larger, for PDFs that
    # are served as binary anyway.
    rl_config.useA85 = 0


# ---- fonts -------------------------------------------------------------------------------


def font_cmap(path):
    """Code points the font draws, or None when it cannot be read as TrueType."""
    try:
        from reportlab.pdfbase.ttfonts import TTFontFile

        file, index = split_font(path)
        return set(TTFontFile(file, subfontIndex=index or 0).charToGlyph.keys())
    except Exception:
        return None


def split_font(path):
    match = re.match(r"^(.*):(\d)$", path)
    return (match.group(1), int(match.group(2))) if match else (path, None)


LATIN = ARGS.font or None
WIDE = ARGS.wide_font or None
# PDF uses the main font only: reportlab embeds TrueType outlines, not CFF ones (Noto CJK),
# so a diagram drawn with the wide font gets its PDF from its SVG, made by the server; so
# does every diagram when reportlab cannot read the main font (no cmap).
LATIN_CMAP = font_cmap(LATIN) if LATIN else None


def font_for(source):
    """The main font when it has a glyph for every character, else the wide one (CJK)."""
    if LATIN and WIDE and LATIN_CMAP is not None:
        for ch in set(source):
            if ord(ch) > 0x7F and ord(ch) not in LATIN_CMAP and not ch.isspace():
                return WIDE
    return LATIN or WIDE


def pdf_ready(font):
    return PDF and font is not None and font == LATIN and LATIN_CMAP is not None


# ---- safety ------------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, attribute):
        super().__init__(attribute)
        self.attribute = attribute


ALLOW_EXTERNAL = False
_node = blockdiag.elements.DiagramNode
_set_icon, _set_background = _node.set_icon, _node.set_background
_images = blockdiag.utils.images
_images_open, _urlopen = _images.open, _images.urlopen


def guarded(attribute, setter):
    def set_value(self, value):
        if not ALLOW_EXTERNAL:
            raise Refused(attribute)
        return setter(self, value)

    return set_value


# Every attribute whose value blockdiag opens as a file or fetches as a URL goes through
# these two setters (all six modules' nodes derive from blockdiag's DiagramNode). The image
# loaders are closed too, so no other path can reach a file or the network.
_node.set_icon = guarded("icon", _set_icon)
_node.set_background = guarded("background", _set_background)


def images_open(url, *args, **kwargs):
    if not ALLOW_EXTERNAL and not hasattr(url, "read"):
        raise Refused("image")
    return _images_open(url, *args, **kwargs)


def urlopen(url, *args, **kwargs):
    if not ALLOW_EXTERNAL:
        raise Refused("image")
    return _urlopen(url, *args, **kwargs)


_images.open = images_open
_images.urlopen = urlopen


def attribute_line(source, attribute):
    """Line of the first `attribute =` in the source: attributes carry no position."""
    match = re.search(r"(?:^|[\[,;{\s])" + re.escape(attribute) + r"\s*=", source, re.M)
    return source.count("\n", 0, match.start()) + 1 if match else None


# ---- state between renders ---------------------------------------------------------------

_MEMOIZED = []
for _mod in ("png", "svg", "pdf"):
    try:
        _drawer_mod = importlib.import_module("blockdiag.imagedraw." + _mod)
    except Exception:
        continue
    for _cls in vars(_drawer_mod).values():
        if isinstance(_cls, type):
            for _fn in vars(_cls).values():
                if callable(_fn) and isinstance(getattr(_fn, "cache", None), dict):
                    _MEMOIZED.append(_fn.cache)



def element_classes():
    seen, todo = [], [blockdiag.elements.Base]
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return seen


def plain(value):
    return copy.copy(value) if isinstance(value, (dict, list, set)) else value


# The diagram's settings live in class attributes of the element classes (default_shape,
# default_fontsize, classes, the `attributes` plugin's new node attributes); each builder
# resets only some of them (rackdiag never resets its nodes). Their state after import is
# kept here and put back after every render, as a new process would have it.
_CLASS_STATE = {cls: {k: plain(v) for k, v in vars(cls).items() if not k.startswith("__")} for cls in element_classes()}


def restore_classes():
    for cls, state in _CLASS_STATE.items():
        for name in [k for k in vars(cls) if not k.startswith("__") and k not in state]:
            delattr(cls, name)
        for name, value in state.items():
            current = vars(cls).get(name, _MISSING)
            if current is not value or isinstance(value, (dict, list, set)):
                setattr(cls, name, plain(value))


_MISSING = object()


def reset():
    """
    Forget what a render left behind. blockdiag was written for one diagram per process:
    plugins install global handlers (autoclass would go on renaming nodes), fetched images
    stay in temporary files, and its memoized text measurements are keyed by the drawer's
    address and the font's family name, so they would grow forever and could answer for
    another diagram's font.
    """
    blockdiag.plugins.cleanup()
    _images.cleanup()
    for cache in _MEMOIZED:
        cache.clear()
    restore_classes()


# ---- rendering ---------------------------------------------------------------------------


class ProtocolError(Exception):
    pass


def render(req):
    global ALLOW_EXTERNAL
    name = req.get("module")
    if name not in LIBS:
        raise ProtocolError("unknown module %r" % (name,))
    fmt = str(req.get("format", "")).upper()
    if fmt not in ("SVG", "PNG", "PDF"):
        raise ProtocolError("unknown format %r" % (fmt,))
    source = req.get("source", "")
    if source.startswith("\ufeff"):
        source = source[1:]
    _, parser, builder, drawer_mod = LIBS[name]

    font = font_for(source)
    header = {}
    # blockdiag ignores the size for PDF; so does the SVG the server turns into one.
    size = req.get("size") if fmt != "PDF" else None
    if fmt == "PDF" and not pdf_ready(font):
        fmt = "SVG"
        header["format"] = "svg"

    fontmap = FontMap()
    fontmap.set_default_font(font)
    ALLOW_EXTERNAL = req.get("external") is True
    try:
        tree = parser.parse_string(source)
        diagram = builder.ScreenNodeBuilder.build(tree)
        out = io.BytesIO() if fmt == "PDF" else None
        draw = drawer_mod.DiagramDraw(
            fmt,
            diagram,
            out,
            fontmap=fontmap,
            code=source,
            antialias=fmt == "PNG" and req.get("antialias") is True,
            nodoctype=fmt == "SVG" and req.get("nodoctype") is True,
            transparency=not (fmt == "PNG" and req.get("transparency") is False),
        )
        draw.draw()
        picture = draw.save(size=tuple(size) if size else None)
    finally:
        ALLOW_EXTERNAL = False
        reset()
    if fmt == "PDF":
        picture = out.getvalue()
    elif isinstance(picture, str):
        picture = picture.encode("utf-8")
    return header, picture


def line_of(message):
    # funcparserlib: "4,1-4,1: got unexpected token: ..."; blockdiag's lexer: "... at line 3 column 4".
    match = re.match(r"^(\d+),\d+-\d+,\d+:", message) or re.search(r"\bline (\d+)\b", message)
    return int(match.group(1)) if match else None


def failure(req, exc):
    source = req.get("source", "") if isinstance(req, dict) else ""
    if isinstance(exc, Refused):
        what = "The %s attribute" % exc.attribute if exc.attribute != "image" else "An image"
        message = "%s opens a file or URL, which the server's safe mode does not allow (KROKI_SAFE_MODE=unsafe allows it)." % what
        error = {"message": message, "kind": "refused", "attribute": exc.attribute}
        line = attribute_line(source, exc.attribute) if exc.attribute != "image" else None
    elif isinstance(exc, ProtocolError):
        return {"message": str(exc), "kind": "protocol"}
    elif isinstance(exc, MemoryError):
        error = {"message": "The diagram is too large to draw (it needs more memory than the engine may use).", "kind": "too-large"}
        line = None
    elif isinstance(exc, UnicodeEncodeError):
        error = {"message": "UnicodeEncodeError caught (check your font settings)", "kind": "render"}
        line = None
    else:
        message = str(exc) or type(exc).__name__
        error = {"message": message, "kind": "syntax" if type(exc).__module__.endswith(".parser") else "render"}
        line = line_of(message)
    if line is not None:
        error["line"] = line
    return error


# ---- frames ------------------------------------------------------------------------------


def read_exact(n):
    chunks = []
    while n > 0:
        chunk = _frames_in.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame():
    raw = read_exact(4)
    if raw is None:
        return None
    (head_len,) = struct.unpack(">I", raw)
    if head_len > MAX_HEADER:
        raise SystemExit("frame header too large")
    head = read_exact(head_len)
    raw = read_exact(4) if head is not None else None
    if raw is None:
        return None
    (body_len,) = struct.unpack(">I", raw)
    body = read_exact(body_len)
    if body is None:
        return None
    return json.loads(head.decode("utf-8")), body


def send(header, body=b""):
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    _frames_out.write(struct.pack(">I", len(head)) + head + struct.pack(">I", len(body)) + body)


def versions():
    info = {name: getattr(LIBS[name][0], "__version__", "unknown") for name in MODULES}
    try:
        import PIL

        info["pillow"] = PIL.__version__
    except Exception:
        pass
    try:
        import reportlab

        info["reportlab"] = reportlab.Version
    except Exception:
        pass
    info["python"] = "%d.%d.%d" % sys.version_info[:3]
    info["pdf"] = "true" if PDF else "false"
    info["font"] = LATIN or ""
    info["wideFont"] = WIDE or ""
    return info


def main():
    send({"type": "hello", "info": versions()})
    while True:
        frame = read_frame()
        if frame is None:
            return  # stdin closed: the server stopped us or went away
        header, body = frame
        rid = header.get("id")
        if header.get("method") != "render":
            send({"id": rid, "ok": False, "error": {"message": "unknown method %r" % (header.get("method"),), "kind": "protocol"}})
            continue
        req = None
        try:
            req = json.loads(body.decode("utf-8"))
            extra, picture = render(req)
        except Exception as exc:
            send({"id": rid, "ok": False, "error": failure(req, exc)})
            continue
        send(dict({"id": rid, "ok": True}, **extra), picture)


if __name__ == "__main__":
    main()
