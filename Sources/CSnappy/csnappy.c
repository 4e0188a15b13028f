// The shim is header-only; this file exists so SwiftPM builds the target.
#include "csnappy.h"
