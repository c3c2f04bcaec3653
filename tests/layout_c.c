/* tests/layout_c.c - the C view of every public type's layout, for
 * tests/headers_cxx.cc to compare with the C++ view of the same headers. */
#include <usync/usync.h>

#include "layout_types.h"

/* sizeof, alignof of each type of USYNC_TEST_LAYOUT_TYPES, in order. */
const size_t usync_test_layouts_c[][2] = {
#define LAYOUT_ENTRY(type) { sizeof(type), alignof(type) },
	USYNC_TEST_LAYOUT_TYPES(LAYOUT_ENTRY)
#undef LAYOUT_ENTRY
};
