"""Minimal safetensors reader/writer (no safetensors package on this machine)."""
import json, struct
import numpy as np

_DT = {np.dtype('float32'): 'F32', np.dtype('float16'): 'F16', np.dtype('int64'): 'I64', np.dtype('int32'): 'I32',
       np.dtype('uint16'): 'U16', np.dtype('uint8'): 'U8'}
_RDT = {v: k for k, v in _DT.items()}


def save_safetensors(path, tensors, metadata=None):
    header, off, blobs = {}, 0, []
    for name, a in tensors.items():
        a = np.ascontiguousarray(np.asarray(a))
        b = a.astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': _DT[a.dtype], 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def tensor_blobs(path):
    """(name, dtype string, shape, raw bytes) of every tensor in a safetensors file, in header order."""
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    for name, info in header.items():
        if name == '__metadata__':
            continue
        s, e = info['data_offsets']
        yield name, info['dtype'], info['shape'], raw[8 + n + s:8 + n + e]


def load_safetensors(path):
    return {name: np.frombuffer(b, dtype=_RDT[dt]).reshape(shape).copy() for name, dt, shape, b in tensor_blobs(path)}
