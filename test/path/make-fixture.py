"""Writes pure-fixture.json: pathlib.PurePosixPath's own answers for AutoPath's pure arithmetic.

Run with the system interpreter: /usr/bin/python3 test/path/make-fixture.py
"""
import json
import pathlib
import sys
from pathlib import PurePosixPath as P

PATHS = [
    "a", "a/b", "a/b/c.txt", "/", "/a", "/a/b/c.txt", ".", "", "a/", "a/b/", "/a/b/",
    ".bashrc", "dir/.bashrc", ".config/app.json", "a.tar.gz", "/data/a.tar.gz", "x.", "x..y",
    "..", "../a", "a/../b", "/a/../b", "./a/./b", "a//b", "a/b/../c.d.e",
    "ünïcødé/fïlé.tXt", "/日本/データ.csv", "my file.txt", "/with space/and%percent.json",
    "/q/what?.txt", "/h/#hash.md", "...", "/a/..b", "a/b.c/d", "/archive.2024-01-15.log",
    "/s3/bucket-like/key with+plus=eq&amp.json", "/.hidden/.x.y",
]
SUFFIXES = [".bak", ".yaml.bak", "", "bak", ".", "a/b", ".a/b", "..x"]
NAMES = ["x", "new.json", ".dot", "", "a/b", ".", "..", "x/"]
STEMS = ["prod", "", ".h", "a.b"]
BASES = ["", ".", "a", "a/b", "/", "/a", "/a/b", "b", "/a/b/c.txt", "a/b/c.txt", "/data"]
PATTERNS = ["*", "*.txt", "*.gz", "b/*.txt", "a/*/c.txt", "/a/*/*", "/a/b/c.txt", "**", "**/c.txt",
            "c.?xt", "[abc]*", "[!a]*", "*.[tc]*", "a", "/*", "*/*", "[]", "[a-c]", "fïlé.*", "*.csv"]
JOINS = [["x"], ["x", "y.z"], ["/abs"], ["x", "/abs", "y"], [""], [".."], ["x/"], ["a/b", "c"]]

def s(p):
    return str(p)

def attempt(fn):
    try:
        return {"ok": fn()}
    except ValueError:
        return {"error": True}

cases = []
for text in PATHS:
    p = P(text)
    cases.append({"path": text, "op": "props", "expect": {
        "str": s(p), "name": p.name, "stem": p.stem, "suffix": p.suffix, "suffixes": p.suffixes,
        "parent": s(p.parent), "parents": [s(x) for x in p.parents], "parts": list(p.parts),
        "isAbsolute": p.is_absolute(), "asPosix": p.as_posix(),
        "asUri": p.as_uri() if p.is_absolute() else None,
    }})
    for suf in SUFFIXES:
        cases.append({"path": text, "op": "withSuffix", "arg": suf, "expect": attempt(lambda: s(p.with_suffix(suf)))})
    for name in NAMES:
        cases.append({"path": text, "op": "withName", "arg": name, "expect": attempt(lambda: s(p.with_name(name)))})
    for stem in STEMS:
        cases.append({"path": text, "op": "withStem", "arg": stem, "expect": attempt(lambda: s(p.with_stem(stem)))})
    for base in BASES:
        cases.append({"path": text, "op": "relativeTo", "arg": base, "expect": attempt(lambda: s(p.relative_to(base)))})
    for pat in PATTERNS:
        cases.append({"path": text, "op": "match", "arg": pat, "expect": attempt(lambda: p.match(pat))})
    for j in JOINS:
        cases.append({"path": text, "op": "joinpath", "arg": j, "expect": attempt(lambda: s(p.joinpath(*j)))})

lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
with open(pathlib.Path(__file__).with_name("pure-fixture.json"), "w", encoding="utf-8") as out:
    out.write('{"python": "%s", "cases": [\n%s\n]}\n' % (sys.version.split()[0], lines))
print(len(cases), "cases")
