/*
 * path_fold — the --fold-ids heuristic, for users without a route table: path segments
 * that look like identifiers become PATH_FOLD_PLACEHOLDER, so /users/42/orders/9f1c...
 * counts as /users/:id/orders/:id. Pure: no allocation, no state.
 */
#ifndef FEE_PATH_FOLD_H
#define FEE_PATH_FOLD_H

#include <stddef.h>

#define PATH_FOLD_PLACEHOLDER ":id"

/*
 * Writes `path` to out (size bytes, NUL-terminated; a path that does not fit is cut at a
 * UTF-8 character boundary) with every id-like segment replaced. A segment is id-like when
 * it is all decimal digits, a UUID (8-4-4-4-12 hex digits), or at least 16 hex digits with
 * at least one digit among them (so words such as "deadbeefcafebabe..." stay only if they
 * have no digit). Returns the length written.
 */
size_t path_fold_ids(const char *path, char *out, size_t size);

#endif
