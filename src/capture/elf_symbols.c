// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/elf_symbols.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

/* A virtual address of the file's code -> its offset in the file, through the loadable
 * executable segment holding it; 0 when none does. */
static size_t vaddr_to_offset(Elf *elf, GElf_Addr vaddr)
{
	size_t n_phdrs;

	if (elf_getphdrnum(elf, &n_phdrs))
		return 0;
	for (size_t i = 0; i < n_phdrs; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

/* Fills offsets[] from one symbol table; returns how many new names it resolved. */
static int scan_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *const *names,
			size_t n, size_t *offsets)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	int found = 0;

	for (size_t s = 0; data && s < count; s++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)s, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (offsets[i] || strcmp(name, names[i]))
				continue;
			offsets[i] = vaddr_to_offset(elf, sym.st_value);
			found += offsets[i] != 0;
		}
	}
	return found;
}

/* Opens path as an ELF file. 0, -ENOEXEC (not ELF) or -errno. */
static int open_elf(const char *path, int *fd, Elf **elf)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	*elf = elf_begin(*fd, ELF_C_READ, NULL);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF) {
		elf_end(*elf);
		close(*fd);
		return -ENOEXEC;
	}
	return 0;
}

int elf_function_offsets(const char *path, const char *const *names, size_t n, size_t *offsets)
{
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd, found = 0, err;

	memset(offsets, 0, n * sizeof(*offsets));
	err = open_elf(path, &fd, &elf);
	if (err)
		return err;
	/* .dynsym covers shared libraries, .symtab a static link that kept its symbols. */
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		found += scan_symbols(elf, scn, &sh, names, n, offsets);
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* The named data object's file offset and size from one symbol table; 0 when absent. */
static int find_object(Elf *elf, Elf_Scn *symtab, const GElf_Shdr *sh, const char *wanted,
		       off_t *offset, size_t *size)
{
	Elf_Data *data = elf_getdata(symtab, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t s = 0; data && s < count; s++) {
		GElf_Shdr where;
		GElf_Sym sym;
		const char *name;
		Elf_Scn *scn;

		if (!gelf_getsym(data, (int)s, &sym) || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || strcmp(name, wanted))
			continue;
		/* A constant's bytes are in the file, where its section is (not .bss). */
		scn = elf_getscn(elf, sym.st_shndx);
		if (!scn || !gelf_getshdr(scn, &where) || where.sh_type == SHT_NOBITS ||
		    sym.st_value < where.sh_addr ||
		    sym.st_value + sym.st_size > where.sh_addr + where.sh_size)
			return 0;
		*offset = (off_t)(where.sh_offset + sym.st_value - where.sh_addr);
		*size = sym.st_size;
		return 1;
	}
	return 0;
}

ssize_t elf_object_read(const char *path, const char *name, void *buf, size_t size)
{
	Elf_Scn *scn = NULL;
	size_t found_size = 0;
	off_t offset = 0;
	int fd, found = 0;
	ssize_t ret;
	Elf *elf;

	ret = open_elf(path, &fd, &elf);
	if (ret)
		return ret;
	while (!found && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) &&
		    (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB))
			found = find_object(elf, scn, &sh, name, &offset, &found_size);
	}
	if (!found)
		ret = -ENODATA;
	else if (found_size > size)
		ret = -E2BIG;
	else if (pread(fd, buf, found_size, offset) != (ssize_t)found_size)
		ret = -EIO;
	else
		ret = (ssize_t)found_size;
	elf_end(elf);
	close(fd);
	return ret;
}
