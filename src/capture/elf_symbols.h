/*
 * elf_symbols — where functions live in an ELF file on disk, for uprobes: the file offset
 * of each named function defined in .symtab or .dynsym; and the stored bytes of a named
 * constant (an interpreter's version). Knows nothing of BPF.
 */
#ifndef FEE_ELF_SYMBOLS_H
#define FEE_ELF_SYMBOLS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * For each names[i], sets offsets[i] to the function's file offset, or 0 when the file
 * does not define it (an undefined import, as in a module that merely links the library,
 * counts as absent). Returns how many were found, or -errno (-ENOEXEC: not an ELF file).
 */
int elf_function_offsets(const char *path, const char *const *names, size_t n, size_t *offsets);

/*
 * Reads the bytes of the data object `name` (a constant in .rodata or .data) defined in the
 * file's .dynsym or .symtab into buf (size bytes of room), as stored in the file. Returns
 * its size, -ENODATA when the file does not define it, -E2BIG when it does not fit,
 * -ENOEXEC (not ELF) or -errno.
 */
ssize_t elf_object_read(const char *path, const char *name, void *buf, size_t size);

#endif
