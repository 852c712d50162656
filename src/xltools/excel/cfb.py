"""Writing a Compound File ([MS-CFB]), the container format of ``vbaProject.bin``.

olefile reads compound files but can only overwrite a stream with one of the same
size, and building an add-in changes every stream's size; so we write the whole
file: version 3 (512-byte sectors), streams under 4096 bytes in the mini stream,
each storage's children in a red-black tree ordered as the format requires.
Reading stays with olefile.
"""

from __future__ import annotations

import struct

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_RED, _BLACK = 0, 1
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_HEADER_DIFAT = 109


class _Node:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data
        self.children: dict[str, _Node] = {}
        self.sid = 0
        self.left = self.right = self.child = _NOSTREAM
        self.color = _BLACK
        self.start, self.size = _END, 0


def _sort_key(name: str):
    """Siblings are ordered by name length, then by upper-cased name ([MS-CFB] 2.6.4)."""
    return (len(name.encode("utf-16-le")), name.upper())


def _tree(children: list[_Node], depth: int, max_depth: int) -> int:
    """Link sorted ``children`` as a balanced binary tree; return the root's sid.

    The deepest level is red, everything above black: every path to a leaf then
    crosses the same number of black nodes and no red node has a red child.
    """
    if not children:
        return _NOSTREAM
    mid = len(children) // 2
    node = children[mid]
    node.color = _RED if depth == max_depth and depth > 0 else _BLACK
    node.left = _tree(children[:mid], depth + 1, max_depth)
    node.right = _tree(children[mid + 1:], depth + 1, max_depth)
    return node.sid


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else _END


def _padded(data: bytes, unit: int) -> bytes:
    return data + b"\0" * (-len(data) % unit)


def _direntry(node: _Node | None) -> bytes:
    if node is None:
        return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, _RED, _NOSTREAM, _NOSTREAM, _NOSTREAM,
                           b"", 0, 0, 0, 0, 0)
    name = node.name.encode("utf-16-le")
    if len(name) > 62:
        raise ValueError(f"compound-file name too long: {node.name!r}")
    return struct.pack("<64sHBBIII16sIQQIQ", name, len(name) + 2, node.kind, node.color,
                       node.left, node.right, node.child, b"", 0, 0, 0,
                       node.start if node.kind != _STORAGE else 0, node.size)


def build(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams``, keyed by slash-separated path (``"VBA/dir"``);
    storages are created from the paths."""
    root = _Node("Root Entry", _ROOT)
    for path, data in streams.items():
        *dirs, leaf = path.split("/")
        node = root
        for d in dirs:
            node = node.children.setdefault(d, _Node(d, _STORAGE))
        if leaf in node.children:
            raise ValueError(f"duplicate stream {path!r}")
        node.children[leaf] = _Node(leaf, _STREAM, bytes(data))

    entries: list[_Node] = []

    def number(node: _Node) -> None:
        node.sid = len(entries)
        entries.append(node)
        for child in sorted(node.children.values(), key=lambda n: _sort_key(n.name)):
            number(child)

    number(root)
    for node in entries:
        kids = sorted(node.children.values(), key=lambda n: _sort_key(n.name))
        node.child = _tree(kids, 0, max(len(kids).bit_length() - 1, 0))
    root.color = _BLACK

    # Small streams go to the mini stream (kept in the root entry's chain), the rest to sectors.
    mini = bytearray()
    minifat: list[int] = []
    big = [n for n in entries if n.kind == _STREAM and len(n.data) >= MINI_CUTOFF]
    for node in entries:
        if node.kind != _STREAM:
            continue
        node.size = len(node.data)
        if node.size < MINI_CUTOFF and node.size:
            first = len(mini) // MINI_SECTOR
            count = -(-node.size // MINI_SECTOR)
            minifat.extend([0] * count)
            _chain(minifat, first, count)
            node.start = first
            mini += _padded(node.data, MINI_SECTOR)
        elif not node.size:
            node.start = _END

    dir_bytes_len = len(entries) * 128
    n_dir = -(-dir_bytes_len // SECTOR)
    n_minifat = -(-len(minifat) * 4 // SECTOR)
    n_mini = -(-len(mini) // SECTOR)
    n_big = [-(-len(n.data) // SECTOR) for n in big]
    payload = n_dir + n_minifat + n_mini + sum(n_big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < payload + n_fat:
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise ValueError("compound file too large for a header-only DIFAT")

    fat = [_FREE] * (n_fat * SECTOR // 4)
    for i in range(n_fat):
        fat[i] = _FATSECT
    cursor = n_fat
    dir_start = cursor
    _chain(fat, cursor, n_dir)
    cursor += n_dir
    minifat_start = cursor if n_minifat else _END
    _chain(fat, cursor, n_minifat)
    cursor += n_minifat
    root.start = cursor if n_mini else _END
    root.size = len(mini)
    _chain(fat, cursor, n_mini)
    cursor += n_mini
    for node, count in zip(big, n_big):
        node.start = cursor
        _chain(fat, cursor, count)
        cursor += count

    difat = list(range(n_fat)) + [_FREE] * (_HEADER_DIFAT - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x003E, 0x0003, 0xFFFE, 9, 6, b"",
        0, n_fat, dir_start, 0, MINI_CUTOFF, minifat_start, n_minifat, _END, 0, *difat)
    directory = b"".join(_direntry(n) for n in entries)
    directory += _direntry(None) * (n_dir * SECTOR // 128 - len(entries))
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) + b"\xff" * (n_minifat * SECTOR - 4 * len(minifat))
    parts = [
        _padded(header, SECTOR),
        struct.pack(f"<{len(fat)}I", *fat),
        directory,
        minifat_bytes,
        _padded(bytes(mini), SECTOR),
        *(_padded(n.data, SECTOR) for n in big),
    ]
    return b"".join(parts)
