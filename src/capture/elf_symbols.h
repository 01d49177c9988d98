/*
 * elf_symbols — where functions live in an ELF file on disk, for uprobes: the file offset
 * of each named function defined in .symtab or .dynsym. Knows nothing of BPF.
 */
#ifndef FEE_ELF_SYMBOLS_H
#define FEE_ELF_SYMBOLS_H

#include <stddef.h>

/*
 * For each names[i], sets offsets[i] to the function's file offset, or 0 when the file
 * does not define it (an undefined import, as in a module that merely links the library,
 * counts as absent). Returns how many were found, or -errno (-ENOEXEC: not an ELF file).
 */
int elf_function_offsets(const char *path, const char *const *names, size_t n, size_t *offsets);

#endif
