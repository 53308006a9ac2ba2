// The kernel's public surface for the CLI, the runtime and the tests.

export { Kernel, type KernelOptions } from './kernel.js';
export {
  LoadError, readElfFile, parseElf, parseSections, codeSectionsAndSymbols, executableSections,
  type ElfFile, type ElfHeader, type ProgramHeader, type SectionHeader, type ElfSymbol, type CodeSection,
} from './elf.js';
export { AddressSpace, Vma, FaultResult, TASK_SIZE, STACK_TOP, MMAP_BASE, ELF_ET_DYN_BASE } from './mm.js';
export { UserMemory } from './uaccess.js';
export { type LoadInfo, AUXV_NAMES } from './loader.js';
export { entry_SYSCALL_64, KERNEL_TEXT, KSYM, PERCPU_BASE, KSTACK_BASE } from './entry.js';
export { sys_call_table, sys_ni_syscall, type SyscallHandler, __NR_syscall_max, implementedSyscalls } from './syscall_table.js';
export { SYSCALL_NAMES, syscallName, syscallNumber, NR_SYSCALL_MAX } from './syscall_names.js';
export { signalName, signalDescription } from './signals.js';
