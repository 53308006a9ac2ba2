// Vfs path resolution and FdTable/OpenFile behaviour. Oracles: the host kernel's own path walk
// (fs.realpathSync / fs.statSync on equivalent host paths), os.constants.errno for errno numbers.

import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Vfs, hostErrno, type Resolved } from '../src/kernel/vfs.js';
import { FdTable } from '../src/kernel/fd.js';
import { O_NONBLOCK, O_CLOEXEC, SEEK_CUR, SEEK_END, SEEK_SET, O_RDWR } from '../src/kernel/file.js';
import { HostFile } from '../src/kernel/file_host.js';
import { Pipe, PipeEnd, PIPE_CAPACITY } from '../src/kernel/file_pipe.js';

const ELOOP = os.constants.errno.ELOOP;
const ENOENT = os.constants.errno.ENOENT;
const ENOTDIR = os.constants.errno.ENOTDIR;

let tmp: string;
let root: string;

function res(v: Vfs, p: string, follow = true): Resolved {
  const r = v.resolve(p, follow);
  if (typeof r === 'number') throw new Error(`resolve(${p}) = ${r}`);
  return r;
}

/** Host errno of stat'ing a path (the host kernel's path walk as the oracle). */
function hostStatErrno(p: string): number {
  try { fs.statSync(p); return 0; } catch (e) { return -(os.constants.errno as Record<string, number>)[(e as { code: string }).code]; }
}

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ringjit-vfs-')));
  root = path.join(tmp, 'root');
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a', 'b', 'file'), 'hello');
  fs.symlinkSync('/a/b', path.join(root, 'abs'));            // absolute: relative to the guest root
  fs.symlinkSync('../../../../../../a', path.join(root, 'a', 'up')); // climbs past the root
  fs.symlinkSync('b/file', path.join(root, 'a', 'rel'));
  fs.symlinkSync('loop2', path.join(root, 'loop1'));
  fs.symlinkSync('loop1', path.join(root, 'loop2'));
  fs.symlinkSync('self', path.join(root, 'self'));
  fs.symlinkSync('/nonexistent', path.join(root, 'dangling'));
  // Chains of n links ending at a/b/file: c<n>_0 -> c<n>_1 -> ... -> file.
  for (const n of [40, 41]) {
    for (let i = 0; i < n; i++) {
      const next = i === n - 1 ? 'a/b/file' : `c${n}_${i + 1}`;
      fs.symlinkSync(next, path.join(root, `c${n}_${i}`));
    }
  }
});

afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('Vfs path resolution inside a root', () => {
  it('resolves absolute and relative paths', () => {
    const v = new Vfs(root);
    expect(res(v, '/a/b/file').host).toBe(path.join(root, 'a/b/file'));
    v.setCwd(['a']);
    expect(res(v, 'b/file').guest).toBe('/a/b/file');
    expect(res(v, './b/../b/./file').guest).toBe('/a/b/file');
  });

  it('never lets .. escape the root', () => {
    const v = new Vfs(root);
    expect(res(v, '/..').guest).toBe('/');
    expect(res(v, '/../../..').host).toBe(root);
    expect(res(v, '/../../a/b/file').guest).toBe('/a/b/file');
    v.setCwd(['a', 'b']);
    expect(res(v, '../../../../..').guest).toBe('/');
    expect(res(v, '../../../../../a').host).toBe(path.join(root, 'a'));
  });

  it('resolves absolute symlink targets relative to the root', () => {
    const v = new Vfs(root);
    const r = res(v, '/abs/file');
    expect(r.guest).toBe('/a/b/file');
    expect(r.host).toBe(path.join(root, 'a/b/file'));
    // A relative link that climbs past the root stops at the root.
    expect(res(v, '/a/up/b/file').guest).toBe('/a/b/file');
    expect(res(v, '/a/rel').guest).toBe('/a/b/file');
  });

  it('honours nofollow on the last component only', () => {
    const v = new Vfs(root);
    expect(res(v, '/a/rel', false).guest).toBe('/a/rel');
    expect(res(v, '/abs/file', false).guest).toBe('/a/b/file');
    // A trailing slash forces following.
    expect(res(v, '/abs/', false).guest).toBe('/a/b');
  });

  it('reports ELOOP like the host: loops, self links, 41 links; 40 links still resolve', () => {
    const v = new Vfs(root);
    for (const p of ['loop1', 'self', 'c41_0', 'c40_0']) {
      const host = hostStatErrno(path.join(root, p)); // relative links: the host walk is the same
      const r = v.resolve('/' + p);
      expect(typeof r === 'number' ? r : 0, p).toBe(host);
    }
    expect(v.resolve('/loop1')).toBe(-ELOOP);
    expect(v.resolve('/c41_0')).toBe(-ELOOP);
    expect(res(v, '/c40_0').guest).toBe('/a/b/file');
  });

  it('ENOTDIR / ENOENT as the host walk gives them', () => {
    const v = new Vfs(root);
    for (const p of ['a/b/file/x', 'a/b/file/', 'a/nope/x', 'a/b/file/..']) {
      const r = v.resolve('/' + p);
      expect(typeof r === 'number' ? r : 0, p).toBe(hostStatErrno(root + '/' + p)); // no lexical normalisation
    }
    expect(v.resolve('/a/b/file/x')).toBe(-ENOTDIR);
    expect(v.resolve('/a/nope/x')).toBe(-ENOENT);
    // Missing last component: exists=false (for O_CREAT, mkdir...).
    const r = res(v, '/a/b/newfile');
    expect(r.exists).toBe(false);
    expect(r.host).toBe(path.join(root, 'a/b/newfile'));
    // A dangling link followed names a missing file at its target.
    const d = res(v, '/dangling');
    expect(d.exists).toBe(false);
    expect(d.guest).toBe('/nonexistent');
    expect(v.resolve('')).toBe(-ENOENT);
  });

  it('with root "/" agrees with the host realpath', () => {
    const v = new Vfs('/');
    for (const p of ['a/b/file', 'abs', 'a/rel', 'c40_0', 'a']) {
      const hp = path.join(root, p);
      if (p === 'abs') continue; // its absolute target means something else on the host
      expect(res(v, hp).host, p).toBe(fs.realpathSync(hp));
    }
  });

  it('starts in the host cwd when that lies inside the root', () => {
    const saved = process.cwd();
    try {
      process.chdir(path.join(root, 'a'));
      expect(new Vfs(root).cwd).toBe('/a');
      expect(new Vfs('/').cwd).toBe(path.join(root, 'a'));
      process.chdir(tmp);
      expect(new Vfs(root).cwd).toBe('/');
    } finally {
      process.chdir(saved);
    }
  });

  it('serves /proc/self virtually', () => {
    const v = new Vfs(root);
    v.proc = { pid: () => 42, exePath: () => '/a/b/file', fdPath: (n) => (n === 3 ? '/a/b' : undefined), fds: () => [3] };
    const exe = res(v, '/proc/self/exe', false);
    expect(v.readlink(exe)).toBe('/a/b/file');
    expect(res(v, '/proc/self/exe').guest).toBe('/a/b/file');
    expect(v.readlink(res(v, '/proc/self', false))).toBe('42');
    expect(res(v, '/proc/42/fd/3').magicFd).toBe(3);
    expect(v.resolve('/proc/42/fd/4')).toBe(-ENOENT);
    expect(v.resolve('/proc/7/exe')).toBe(-ENOENT);
    expect(v.resolve('/proc/self/maps')).toBe(-ENOENT);
    v.registerProcFile('maps', () => new TextEncoder().encode('x'));
    expect(res(v, '/proc/self/maps').virt?.kind).toBe('file');
    expect(v.resolve('/dev/stdin')).toBe(-ENOENT); // fd 0 is not open in this fake process
    expect(res(v, '/dev/fd/3').magicFd).toBe(3);
    expect(v.readlink(res(v, '/dev/fd/3', false))).toBe('/a/b');
  });
});

describe('hostErrno', () => {
  it('maps host error codes to the numbers the host kernel uses', () => {
    const codes = ['ENOENT', 'EACCES', 'EEXIST', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ENOTEMPTY', 'ELOOP',
      'ENAMETOOLONG', 'EXDEV', 'EPERM', 'EBADF', 'EMFILE', 'ENOSPC', 'EROFS', 'EBUSY', 'EAGAIN', 'EPIPE',
      'ESPIPE', 'ETXTBSY', 'EFBIG', 'EDQUOT', 'ENOTSUP', 'EOPNOTSUPP', 'ENOTCONN', 'ECONNREFUSED', 'EILSEQ'];
    for (const c of codes) {
      expect(hostErrno(Object.assign(new Error(c), { code: c })), c).toBe(-(os.constants.errno as Record<string, number>)[c]);
    }
  });
  it('maps real host exceptions', () => {
    try { fs.readFileSync(path.join(tmp, 'missing')); } catch (e) { expect(hostErrno(e)).toBe(-ENOENT); }
    try { fs.rmdirSync(path.join(root, 'a')); } catch (e) { expect(hostErrno(e)).toBe(-os.constants.errno.ENOTEMPTY); }
  });
  it('unknown errors become EIO with a note', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(hostErrno(new Error('weird'))).toBe(-os.constants.errno.EIO);
    expect(spy).toHaveBeenCalledOnce();
    spy.mockRestore();
  });
});

describe('pipes', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  it('carries bytes, wraps around, and reports EOF when the writer closes', () => {
    const p = new Pipe();
    const r = new PipeEnd(p, false, 0).ref();
    const w = new PipeEnd(p, true, 0).ref();
    const buf = new Uint8Array(PIPE_CAPACITY);
    for (let round = 0; round < 3; round++) {
      const chunk = new Uint8Array(40000).map((_, i) => (i * 7 + round) & 0xff);
      expect(w.write(chunk)).toBe(40000);
      expect(r.read(buf.subarray(0, 30000))).toBe(30000);
      expect(Buffer.compare(buf.subarray(0, 30000), chunk.subarray(0, 30000))).toBe(0);
      expect(r.read(buf)).toBe(10000);
      expect(Buffer.compare(buf.subarray(0, 10000), chunk.subarray(30000))).toBe(0);
    }
    expect(w.write(new Uint8Array(PIPE_CAPACITY + 10))).toBe(PIPE_CAPACITY); // fills, short write
    expect(r.available()).toBe(PIPE_CAPACITY);
    expect(r.read(buf)).toBe(PIPE_CAPACITY);
    w.write(enc('tail'));
    w.unref();
    expect(r.read(buf)).toBe(4);
    expect(r.read(buf)).toBe(0); // EOF
  });

  it('EAGAIN when non-blocking, EDEADLK (with one message) when it would block forever', () => {
    const p = new Pipe();
    const r = new PipeEnd(p, false, O_NONBLOCK).ref();
    const w = new PipeEnd(p, true, 0).ref();
    expect(r.read(new Uint8Array(4))).toBe(-os.constants.errno.EAGAIN);
    r.flags &= ~O_NONBLOCK;
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(r.read(new Uint8Array(4))).toBe(-os.constants.errno.EDEADLK);
    expect(String(spy.mock.calls[0]?.[0])).toMatch(/would block forever/);
    spy.mockRestore();
    expect(w.write(new Uint8Array(PIPE_CAPACITY))).toBe(PIPE_CAPACITY);
    w.flags |= O_NONBLOCK;
    expect(w.write(new Uint8Array(1))).toBe(-os.constants.errno.EAGAIN);
    r.unref();
    expect(w.write(new Uint8Array(1))).toBe(-os.constants.errno.EPIPE);
  });
});

describe('FdTable', () => {
  it('allocates the lowest free fd and implements dup/dup2/dup3/cloexec', () => {
    const t = new FdTable();
    const p = new Pipe();
    const r = new PipeEnd(p, false, 0);
    const w = new PipeEnd(p, true, 0);
    expect(t.alloc(r)).toBe(0);
    expect(t.alloc(w, true)).toBe(1);
    expect(t.dup(0)).toBe(2);
    expect(r.refs).toBe(2);
    expect(t.close(0)).toBe(0);
    expect(t.close(0)).toBe(-os.constants.errno.EBADF);
    expect(t.dup(1)).toBe(0); // lowest free
    expect(t.getCloexec(0)).toBe(false);
    expect(t.getCloexec(1)).toBe(true);
    expect(t.dup2(2, 10)).toBe(10);
    expect(t.get(10)).toBe(r);
    expect(t.dup2(10, 10)).toBe(10);
    expect(t.dup3(10, 10, 0)).toBe(-os.constants.errno.EINVAL);
    expect(t.dup3(2, 0, O_CLOEXEC)).toBe(0); // replaces the write end at 0
    expect(t.get(0)).toBe(r);
    expect(t.getCloexec(0)).toBe(true);
    expect(w.refs).toBe(1);
    expect(t.dup(99)).toBe(-os.constants.errno.EBADF);
    t.closeOnExec();
    expect(t.list()).toEqual([2, 10]);
    expect(p.writers).toBe(0);
    t.closeAll();
    expect(p.readers).toBe(0);
    expect(t.list()).toEqual([]);
  });

  it('EMFILE at the descriptor limit', () => {
    const t = new FdTable();
    t.maxFds = 3;
    const p = new Pipe();
    const r = new PipeEnd(p, false, 0);
    expect([t.alloc(r), t.alloc(r), t.alloc(r), t.alloc(r)]).toEqual([0, 1, 2, -os.constants.errno.EMFILE]);
  });

  it('installStdio mirrors the host descriptors', () => {
    const t = new FdTable();
    t.installStdio();
    for (let fd = 0; fd <= 2; fd++) {
      let open = true;
      try { fs.fstatSync(fd); } catch { open = false; }
      expect(t.get(fd) !== undefined, `fd ${fd}`).toBe(open);
      if (open) {
        const st = t.get(fd)!.stat();
        expect(typeof st === 'number' ? st : st.ino).toBe(fs.fstatSync(fd, { bigint: true }).ino);
      }
    }
    t.closeAll();
    // The host's stdio survives the guest closing it.
    expect(() => fs.fstatSync(2)).not.toThrow();
  });

  it('host files: explicit positions, pread/pwrite, lseek, readAt/size for mmap', () => {
    const p = path.join(tmp, 'hf');
    fs.writeFileSync(p, '0123456789');
    const fd = fs.openSync(p, 'r+');
    const f = new HostFile('/hf', O_RDWR, fd, p, { positional: true, seekable: true, owns: true, type: 0o100000 }).ref();
    const b = new Uint8Array(4);
    expect(f.read(b)).toBe(4);
    expect(new TextDecoder().decode(b)).toBe('0123');
    expect(f.seek(0, SEEK_CUR)).toBe(4);
    expect(f.pread(b, 8)).toBe(2);
    expect(f.seek(0, SEEK_CUR)).toBe(4);
    expect(f.write(new TextEncoder().encode('ab'))).toBe(2);
    expect(f.seek(-1, SEEK_END)).toBe(9);
    expect(f.seek(-100, SEEK_SET)).toBe(-os.constants.errno.EINVAL);
    expect(f.pwrite(new TextEncoder().encode('Z'), 12)).toBe(1);
    expect(f.size()).toBe(13);
    expect(new TextDecoder().decode(f.readAt(2, 100))).toBe('23ab6789\0\0Z');
    expect(f.readAt(50, 10).length).toBe(0);
    f.unref();
    expect(fs.readFileSync(p, 'latin1')).toBe('0123ab6789\0\0Z');
    expect(() => fs.fstatSync(fd)).toThrow(); // closed on last unref
  });
});
