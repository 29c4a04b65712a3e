# mk/milter-tests.mk - build rules for this area (see Makefile.am).
