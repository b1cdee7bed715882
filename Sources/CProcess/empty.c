// Header-only: see include/cprocess.h.
