/* test-rules.c - unit tests (being written). */
#include "config.h"
#include "testlib.h"
int main(void) { CHECK(1, "placeholder"); return test_exit("test-rules"); }
