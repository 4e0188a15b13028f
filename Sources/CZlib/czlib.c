// The shim is header-only (static inline); this file exists so SwiftPM builds the target.
#include "czlib.h"
