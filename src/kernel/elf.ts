// ELF64 parsing and validation (the checks fs/binfmt_elf.c makes before load_elf_binary maps anything,
// plus the ones that turn a would-be SIGSEGV/SIGBUS after exec into a clear one-line error), and the
// section/symbol view `ringjit disasm` uses.
//
// Every problem is a LoadError whose message is one line: "<file>: <problem>".

import { fs } from './host_fs.js';
import { E } from './types.js';

/** A program that cannot be loaded. `errno` is what execve would return for it. */
export class LoadError extends Error {
  constructor(public readonly path: string, public readonly problem: string, public readonly errno: number = E.ENOEXEC) {
    super(`${path}: ${problem}`);
    this.name = 'LoadError';
  }
}

export const enum ElfConst {
  ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1,
  ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4,
  EM_386 = 3, EM_X86_64 = 62,
  EHDR_SIZE = 64, PHDR_SIZE = 56, SHDR_SIZE = 64, SYM_SIZE = 24,
}

export const PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6, PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552,
  PT_GNU_PROPERTY = 0x6474e553;
/** p_flags bits. */
export const PF_X = 1, PF_W = 2, PF_R = 4;
export const SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8, SHT_DYNSYM = 11;
export const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;

export interface ElfHeader {
  type: number; machine: number; version: number; entry: number; phoff: number; shoff: number;
  flags: number; ehsize: number; phentsize: number; phnum: number; shentsize: number; shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  type: number; flags: number; offset: number; vaddr: number; paddr: number; filesz: number;
  memsz: number; align: number;
}

export interface SectionHeader {
  name: string; type: number; flags: number; addr: number; offset: number; size: number; link: number;
  info: number; addralign: number; entsize: number;
}

export interface ElfFile {
  /** The path it was read from (as given), for messages. */
  path: string;
  bytes: Uint8Array;
  header: ElfHeader;
  phdrs: ProgramHeader[];
  /** True for ET_DYN (static-pie). */
  pie: boolean;
  /** PT_GNU_STACK flags (PF_R|PF_W by default, as Linux assumes when the header is missing). */
  stackFlags: number;
}

export interface ElfSymbol {
  name: string; value: number; size: number;
  /** STT_* (0 notype, 1 object, 2 func, 3 section, 4 file, 6 tls). */
  type: number;
  /** STB_* (0 local, 1 global, 2 weak). */
  bind: number;
  shndx: number;
}

export interface CodeSection {
  name: string; addr: number; offset: number; size: number;
  /** The section's bytes (a view of the file); `data` is the same view. */
  bytes: Uint8Array; data: Uint8Array;
}

const PAGE = 4096;

function hex(n: number): string { return '0x' + n.toString(16); }

/** Unsigned 64-bit little-endian field as a number; Infinity when it does not fit in 53 bits. */
function u64(dv: DataView, off: number): number {
  const lo = dv.getUint32(off, true), hi = dv.getUint32(off + 4, true);
  if (hi >= 0x200000) return Infinity;
  return hi * 4294967296 + lo;
}

/** Read a file from the host file system with execve-like checks (exists, regular, executable for 'exec'). */
export function readElfFile(path: string, purpose: 'exec' | 'inspect' = 'exec'): ElfFile {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LoadError(path, 'No such file or directory', E.ENOENT);
    if (code === 'ENOTDIR') throw new LoadError(path, 'No such file or directory (a path component is not a directory)', E.ENOTDIR);
    if (code === 'EACCES') throw new LoadError(path, 'permission denied', E.EACCES);
    if (code === 'ELOOP') throw new LoadError(path, 'too many levels of symbolic links', E.ELOOP);
    throw new LoadError(path, `cannot stat (${code ?? String(e)})`, E.EIO);
  }
  if (st.isDirectory()) throw new LoadError(path, 'is a directory', E.EACCES);
  if (!st.isFile()) throw new LoadError(path, 'not a regular file', E.EACCES);
  try {
    if (purpose === 'exec') fs.accessSync(path, fs.constants.X_OK);
  } catch {
    throw new LoadError(path, 'permission denied (not executable)', E.EACCES);
  }
  let bytes: Uint8Array;
  try {
    const b = fs.readFileSync(path);
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new LoadError(path, 'permission denied (not readable)', E.EACCES);
    if (code === 'EISDIR') throw new LoadError(path, 'is a directory', E.EACCES);
    throw new LoadError(path, `cannot read (${code ?? String(e)})`, E.EIO);
  }
  return parseElf(bytes, path, purpose);
}

/**
 * Parse the ELF header and program headers of an x86-64 executable; throws LoadError. With purpose
 * 'inspect' (disassembly), only the header must be sound: object files, dynamically linked programs
 * and files without program headers are accepted.
 */
export function parseElf(bytes: Uint8Array, path: string, purpose: 'exec' | 'inspect' = 'exec'): ElfFile {
  const exec = purpose === 'exec';
  const bad = (problem: string): never => { throw new LoadError(path, problem); };
  const size = bytes.length;
  if (size < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    if (size >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21) bad('not an ELF file (it is a #! script; run its interpreter instead)');
    const shown = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    bad(`not an ELF file (bad magic${size ? ': ' + shown : ': empty file'})`);
  }
  if (size < 5) bad('truncated ELF file (no ELF identification)');
  const cls = bytes[4];
  if (cls === ElfConst.ELFCLASS32) bad('32-bit ELF is not supported yet');
  if (cls !== ElfConst.ELFCLASS64) bad(`bad ELF class ${cls}`);
  if (size < ElfConst.EHDR_SIZE) bad(`truncated ELF file (${size} bytes, shorter than the 64-byte ELF header)`);
  if (bytes[5] !== ElfConst.ELFDATA2LSB) bad(bytes[5] === 2 ? 'big-endian ELF is not supported' : `bad ELF data encoding ${bytes[5]}`);
  if (bytes[6] !== 1) bad(`bad ELF version ${bytes[6]}`);

  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: ElfHeader = {
    type: dv.getUint16(16, true), machine: dv.getUint16(18, true), version: dv.getUint32(20, true),
    entry: u64(dv, 24), phoff: u64(dv, 32), shoff: u64(dv, 40), flags: dv.getUint32(48, true),
    ehsize: dv.getUint16(52, true), phentsize: dv.getUint16(54, true), phnum: dv.getUint16(56, true),
    shentsize: dv.getUint16(58, true), shnum: dv.getUint16(60, true), shstrndx: dv.getUint16(62, true),
  };
  if (header.machine !== ElfConst.EM_X86_64) {
    bad(`wrong machine type ${header.machine}${header.machine === ElfConst.EM_386 ? ' (i386)' : header.machine === 183 ? ' (AArch64)' : ''}; expected x86-64 (62)`);
  }
  if (header.type === ElfConst.ET_REL && exec) bad('is a relocatable object file (ET_REL), not an executable; link it first');
  if (header.type === ElfConst.ET_CORE) bad('is a core dump (ET_CORE), not an executable');
  if (header.type !== ElfConst.ET_EXEC && header.type !== ElfConst.ET_DYN && (exec || header.type !== ElfConst.ET_REL)) bad(`unsupported ELF type ${header.type}`);
  if (!exec) {
    // Program headers are optional for inspection; read them only when they are well formed.
    const ok = header.phnum > 0 && header.phentsize === ElfConst.PHDR_SIZE && header.phoff + header.phnum * ElfConst.PHDR_SIZE <= size;
    const phdrs: ProgramHeader[] = ok ? readPhdrs(dv, header) : [];
    return { path, bytes, header, phdrs, pie: header.type === ElfConst.ET_DYN, stackFlags: PF_R | PF_W };
  }
  if (header.phentsize !== ElfConst.PHDR_SIZE) bad(`bad program headers: e_phentsize is ${header.phentsize}, expected 56`);
  if (header.phnum === 0) bad('bad program headers: there are none');
  if (header.phnum > 65536 / ElfConst.PHDR_SIZE) bad(`bad program headers: too many (${header.phnum})`);
  const phEnd = header.phoff + header.phnum * ElfConst.PHDR_SIZE;
  if (!(phEnd <= size)) bad(`truncated ELF file (program headers end at ${hex(phEnd)}, file has ${hex(size)} bytes)`);

  const phdrs = readPhdrs(dv, header);
  if (phdrs.some((p) => p.type === PT_INTERP)) {
    bad('dynamically linked programs are not supported; build with -static');
  }
  let loads = 0;
  let stackFlags = PF_R | PF_W;
  for (let i = 0; i < phdrs.length; i++) {
    const p = phdrs[i];
    if (p.type === PT_GNU_STACK) stackFlags = p.flags;
    if (p.type !== PT_LOAD) continue;
    loads++;
    const what = `bad program headers: PT_LOAD #${i}`;
    if (p.filesz > p.memsz) bad(`${what} has p_filesz ${hex(p.filesz)} > p_memsz ${hex(p.memsz)}`);
    if (!(p.offset + p.filesz <= size)) bad(`${what} extends past the end of the file (offset ${hex(p.offset)} + size ${hex(p.filesz)} > ${hex(size)}); truncated file?`);
    if (p.align > 1 && (p.align & (p.align - 1)) !== 0 && p.align < 2 ** 32) bad(`${what} has a p_align (${hex(p.align)}) that is not a power of two`);
    if ((p.vaddr - p.offset) % PAGE !== 0) bad(`${what} is misaligned (p_vaddr ${hex(p.vaddr)} and p_offset ${hex(p.offset)} differ modulo the page size)`);
    if (!(p.vaddr + p.memsz <= 0x7ffffffff000)) bad(`${what} does not fit in the 47-bit user address space (p_vaddr ${hex(p.vaddr)}, p_memsz ${hex(p.memsz)})`);
  }
  if (loads === 0) bad('bad program headers: no PT_LOAD segment');
  if (header.type === ElfConst.ET_EXEC && !Number.isFinite(header.entry)) bad('bad entry point');
  return { path, bytes, header, phdrs, pie: header.type === ElfConst.ET_DYN, stackFlags };
}

function readPhdrs(dv: DataView, header: ElfHeader): ProgramHeader[] {
  const phdrs: ProgramHeader[] = [];
  for (let i = 0; i < header.phnum; i++) {
    const o = header.phoff + i * ElfConst.PHDR_SIZE;
    phdrs.push({
      type: dv.getUint32(o, true), flags: dv.getUint32(o + 4, true), offset: u64(dv, o + 8),
      vaddr: u64(dv, o + 16), paddr: u64(dv, o + 24), filesz: u64(dv, o + 32), memsz: u64(dv, o + 40),
      align: u64(dv, o + 48),
    });
  }
  return phdrs;
}

/** Section headers with names. Returns [] when the file has none; throws LoadError when they are malformed. */
export function parseSections(elf: ElfFile): SectionHeader[] {
  const { header, bytes, path } = elf;
  if (header.shoff === 0 || header.shnum === 0) return [];
  if (header.shentsize !== ElfConst.SHDR_SIZE) throw new LoadError(path, `bad section headers: e_shentsize is ${header.shentsize}, expected 64`);
  const end = header.shoff + header.shnum * ElfConst.SHDR_SIZE;
  if (!(end <= bytes.length)) throw new LoadError(path, `truncated ELF file (section headers end at ${hex(end)}, file has ${hex(bytes.length)} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw: (SectionHeader & { nameOff: number })[] = [];
  for (let i = 0; i < header.shnum; i++) {
    const o = header.shoff + i * ElfConst.SHDR_SIZE;
    raw.push({
      nameOff: dv.getUint32(o, true), name: '', type: dv.getUint32(o + 4, true), flags: u64(dv, o + 8),
      addr: u64(dv, o + 16), offset: u64(dv, o + 24), size: u64(dv, o + 32), link: dv.getUint32(o + 40, true),
      info: dv.getUint32(o + 44, true), addralign: u64(dv, o + 48), entsize: u64(dv, o + 56),
    });
  }
  const strtab = header.shstrndx < raw.length ? raw[header.shstrndx] : undefined;
  return raw.map(({ nameOff, ...s }) => {
    if (strtab && strtab.offset + strtab.size <= bytes.length) s.name = cstr(bytes, strtab.offset + nameOff, strtab.offset + strtab.size);
    return s;
  });
}

function cstr(bytes: Uint8Array, start: number, limit: number): string {
  let e = start;
  while (e < limit && bytes[e] !== 0) e++;
  return Buffer.from(bytes.subarray(start, e)).toString('latin1');
}

/** Executable (SHF_EXECINSTR, with file contents) sections and the symbol table, for `ringjit disasm`. */
export function codeSectionsAndSymbols(elf: ElfFile): { sections: CodeSection[]; symbols: ElfSymbol[] } {
  const shdrs = parseSections(elf);
  const { bytes } = elf;
  const sections: CodeSection[] = [];
  for (const s of shdrs) {
    if (!(s.flags & SHF_EXECINSTR) || s.type === SHT_NOBITS || s.size === 0) continue;
    if (!(s.offset + s.size <= bytes.length)) throw new LoadError(elf.path, `truncated ELF file (section ${s.name} extends past the end)`);
    const view = bytes.subarray(s.offset, s.offset + s.size);
    sections.push({ name: s.name, addr: s.addr, offset: s.offset, size: s.size, bytes: view, data: view });
  }
  const symbols: ElfSymbol[] = [];
  const symtab = shdrs.find((s) => s.type === SHT_SYMTAB) ?? shdrs.find((s) => s.type === SHT_DYNSYM);
  if (symtab && symtab.link < shdrs.length && symtab.offset + symtab.size <= bytes.length) {
    const str = shdrs[symtab.link];
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Math.floor(symtab.size / ElfConst.SYM_SIZE);
    for (let i = 1; i < n; i++) {
      const o = symtab.offset + i * ElfConst.SYM_SIZE;
      const nameOff = dv.getUint32(o, true);
      const info = bytes[o + 4];
      symbols.push({
        name: str.offset + nameOff < bytes.length ? cstr(bytes, str.offset + nameOff, Math.min(bytes.length, str.offset + str.size)) : '',
        type: info & 15, bind: info >> 4, shndx: dv.getUint16(o + 6, true), value: u64(dv, o + 8), size: u64(dv, o + 16),
      });
    }
  }
  return { sections, symbols };
}

/** The executable sections of a parsed file (`ringjit disasm`). The bytes argument is accepted for
 * callers that hold the file separately; elf.bytes is used. */
export function executableSections(elf: ElfFile, _bytes?: Uint8Array): CodeSection[] {
  return codeSectionsAndSymbols(elf).sections;
}
